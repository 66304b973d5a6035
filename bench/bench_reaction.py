"""Reaction time on an existing database: the nearest-reserve search (ops.reaction.nearest, a grid of reserve places
looked over cell by cell) against comparing every TPS with every available reserve, on the operation's own TPS and
the reserves on duty at its clock. Every pair is slow at a province and hopeless at the nation, so the baseline runs
on a sample of TPS (spread over the whole area) and both are given per TPS; the sample's answers must agree.

    .venv/bin/python bench/bench_reaction.py --url postgresql+psycopg://postgres@127.0.0.1:5432/posko_polda \
        [--area 16.10] [--sample 2000]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from ops import config  # noqa: E402


def every_pair(targets, reserves, road_kmh, river_kmh, dispatch_min):
    """The baseline: per TPS the minimum of (minutes, NRP) over every available reserve."""
    from ops.reaction import reach

    ready = [r for r in reserves if r.available]
    return [min(((reach(t, r, road_kmh, river_kmh, dispatch_min), r.nrp, r) for r in ready),
                key=lambda b: (b[0][0], b[1]), default=None) for t in targets]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default=os.environ.get("OPS_DATABASE_URL"))
    ap.add_argument("--area", default="", help="a kabupaten or kecamatan code; empty: the whole operation")
    ap.add_argument("--sample", type=int, default=2000, help="TPS the every-pair baseline is run on")
    a = ap.parse_args()
    os.environ["OPS_DATABASE_URL"] = a.url
    config.reset_settings()
    from ops import models as m
    from ops import reaction
    from ops.clock import load_clock
    from ops.db import get_engine, session_scope
    from ops.region import in_area

    s = config.get_settings()
    speeds = (s.road_speed_kmh, s.river_speed_kmh, s.reaction_dispatch_minutes)
    with session_scope(get_engine(a.url)) as session:
        now = load_clock(session).now()
        t = time.perf_counter()
        reserves = reaction.reserves_at(session, s, now)
        read = time.perf_counter() - t
        targets = [reaction.Target(*row) for row in session.execute(
            select(m.Tps.code, m.Tps.lat, m.Tps.lon, m.Tps.akses).where(in_area(m.Tps.kecamatan_code, a.area))
            .order_by(m.Tps.code))]
    places = len({(r.lat, r.lon) for r in reserves if r.available})
    print(f"{len(targets):,} TPS, {len(reserves):,} reserves on duty ({places:,} places), read in {read:.2f} s")
    t = time.perf_counter()
    found = reaction.nearest(targets, reserves, *speeds)
    grid = time.perf_counter() - t
    sample = targets[:: max(1, len(targets) // a.sample)][:a.sample]
    t = time.perf_counter()
    base = every_pair(sample, reserves, *speeds)
    pairs = time.perf_counter() - t
    answer = {r.code: r for r in found}
    agree = all((answer[t.code].minutes, answer[t.code].reserve) == ((b[0][0], b[2]) if b else (None, None))
                for t, b in zip(sample, base))
    per_grid, per_pair = grid / max(1, len(targets)), pairs / max(1, len(sample))
    print(f"  grid search, every TPS:        {grid:8.3f} s  ({per_grid * 1e6:8.1f} µs a TPS)")
    print(f"  every pair, {len(sample):,} TPS sample:  {pairs:8.3f} s  ({per_pair * 1e6:8.1f} µs a TPS; every TPS "
          f"would take {per_pair * len(targets):,.1f} s)")
    print(f"  ratio (every pair / grid, a TPS): {per_pair / per_grid:,.0f}x; the sample's answers agree: {agree}")


if __name__ == "__main__":
    main()
