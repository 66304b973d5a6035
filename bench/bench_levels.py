"""What a Polda's or Mabes' pages read, timed on an existing database: the overview (roll-ups of the level below, the
area's headline, the stored Perhatian items), a drill to one kabupaten (its TPS rows from the read model, its headline
and boats), and a replay of past moments (snapshot plus the events since), beside a full per-TPS recompute from the
history at the same moment (the baseline the read model replaces).

    .venv/bin/python bench/bench_levels.py --url postgresql+psycopg://postgres@127.0.0.1:5432/posko_polda \
        [--kabupaten 16.10] [--at 2024-11-26T18:00 2024-11-27T10:00] [--runs 3]

Build the read model first (`python -m ops readmodel`, or a running worker).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ops import config  # noqa: E402


def timed(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--kabupaten", default="16.10")
    ap.add_argument("--at", nargs="*", default=["2024-11-26T18:00", "2024-11-27T10:00"], help="moments (WIB) to replay")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    os.environ["OPS_DATABASE_URL"] = a.url
    config.reset_settings()

    from ops import perhatian, readmodel
    from ops.area import operation_area
    from ops.calendar import effective_settings
    from ops.clock import from_wib, load_clock
    from ops.db import get_engine, session_scope
    from ops.headline import river_counts
    from ops.logistics import leg_board, river_legs
    from ops.phase import phase_at
    from ops.readiness import per_tps

    engine = get_engine(a.url)
    rows = []
    with session_scope(engine) as s:
        settings = effective_settings(config.get_settings(), s)
        now = load_clock(s).now()
        top = operation_area(s, settings).code
        phase = phase_at(now, settings).tahapan
        if readmodel.refreshed_at(s) is None:
            raise SystemExit("no read model yet: run `python -m ops readmodel` first")
        t, areas = timed(lambda: readmodel.rollups(s, top, phase), a.runs)
        rows.append((f"overview: roll-ups of the {len(areas)} areas below {top or 'the nation'}", t))
        t, _ = timed(lambda: readmodel.area_headline(s, settings, now, top), a.runs)
        rows.append(("overview: the area's headline figures", t))
        t, items = timed(lambda: perhatian.store.open_items(s), a.runs)
        rows.append((f"overview: stored Perhatian items ({len(items)})", t))
        t, table = timed(lambda: readmodel.table(s, a.kabupaten), a.runs)
        rows.append((f"drill {a.kabupaten}: its TPS rows from the read model ({len(table)})", t))
        t, _ = timed(lambda: readmodel.area_headline(s, settings, now, a.kabupaten), a.runs)
        rows.append((f"drill {a.kabupaten}: its headline from the roll-up", t))
        t, _ = timed(lambda: river_counts(river_legs(s, settings, now, leg_board(s, now, area=a.kabupaten)),
                                          settings, now), a.runs)
        rows.append((f"drill {a.kabupaten}: its boats (its own river legs judged)", t))
        for text in a.at:
            moment = from_wib(dt.datetime.fromisoformat(text))
            t, rep = timed(lambda: readmodel.replay(s, settings, moment), a.runs)
            base, _ = timed(lambda: per_tps(s, settings, moment), 1)
            rows.append((f"replay {text} WIB: snapshot + events since ({len(rep)} TPS); full recompute {base:.2f} s, "
                         f"ratio {t / base:.2f}", t))
    width = max(len(r[0]) for r in rows)
    print(f"median of {a.runs} runs on {a.url.rsplit('@', 1)[-1]}, seconds")
    for label, t in rows:
        print(f"{label:<{width}}  {t:8.3f}")


if __name__ == "__main__":
    main()
