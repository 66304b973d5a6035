"""The worker's minute on an existing database, as the scheduler runs it: the read model brought up to the moment
(ops.readmodel.keep_current), then Perhatian evaluated on it with the tables held from the minute before
(ops.perhatian.sync_now with the refresh's report). The moment moves on a minute each round from where the read model
stands; nothing else is written, so what is measured is a minute with nothing new but the clock.

    .venv/bin/python bench/bench_minute.py --url postgresql+psycopg://…/posko_nasional [--minutes 4]

Build the database's read model first (`python -m ops readmodel`). The first round of a process reads Perhatian's
tables whole; the rounds after it are what a running worker does. Writes to the database (the read model, the items).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="the database (its read model built)")
    ap.add_argument("--minutes", type=int, default=4)
    a = ap.parse_args()
    os.environ["OPS_DATABASE_URL"] = a.url

    from ops import perhatian, readmodel
    from ops.calendar import effective_settings
    from ops.config import get_settings
    from ops.db import get_engine, session_scope

    settings = get_settings()
    engine = get_engine(settings.database_url)
    with session_scope(engine) as session:
        settings = effective_settings(settings, session)
        at = readmodel.refreshed_at(session)
    if at is None:
        sys.exit("no read model yet: run `python -m ops readmodel` first")
    print(f"{'moment (UTC)':<14}{'read model':>12}{'Perhatian':>12}{'in all':>10}  what changed", flush=True)
    for k in range(1, a.minutes + 1):
        now = at + dt.timedelta(minutes=k)
        started = time.perf_counter()
        with session_scope(engine) as session:
            report = readmodel.keep_current(session, settings, now)
        refreshed = time.perf_counter()
        items = perhatian.sync_now(settings, now, use_readmodel=True, refreshed=report)
        done = time.perf_counter()
        print(f"{now:%H:%M}{refreshed - started:>19.1f}{done - refreshed:>12.1f}{done - started:>10.1f}  "
              f"read model {report}; perhatian {items}", flush=True)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.1f} GB")


if __name__ == "__main__":
    main()
