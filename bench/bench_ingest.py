"""Position ingest against raw inserts of the same rows.

N trackers × M polls, each poll a fix per tracker in Traccar's JSON, through parse_positions + store_positions (the
feed's own path: COPY on PostgreSQL, executemany on SQLite, position_latest kept in the same transaction), beside
(a) a raw COPY of the same rows into position_event on PostgreSQL and (b) a raw executemany of them on SQLite, each
poll one transaction, on databases with the same schema and reference data. Prints rows/s and the ratios; on
PostgreSQL also the ingest through the staging table instead of COPY into the table.

    .venv/bin/python bench/bench_ingest.py [--devices 10000] [--rounds 10] [--repeat 3] [--postgres-admin URL]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ops import config, position_ingest  # noqa: E402
from ops.bootstrap import init_database  # noqa: E402
from ops.db import get_engine, session_scope  # noqa: E402
from ops.feeds.traccar import parse_positions, store_positions  # noqa: E402
from fleet import PG_ADMIN_URL, build_fleet, devices_json, new_pg_database, position_json  # noqa: E402

# Fixes of today, so that on PostgreSQL they land in the day partition that init made (not the default one).
T0 = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
COLUMNS = position_ingest.COLUMNS


def database(url: str, devices: int):
    os.environ["OPS_DATABASE_URL"] = url
    config.reset_settings()
    init_database(config.get_settings())  # schema, region, and on PostgreSQL the day partitions
    engine = get_engine(url)
    return engine, build_fleet(engine, devices)


def polls(fleet, rounds: int) -> list[tuple[list, list]]:
    rng = random.Random(3)
    devices = devices_json(fleet)
    out = []
    for k in range(rounds):
        at = T0 + dt.timedelta(seconds=30 * k)
        out.append((devices, [position_json(t, at, rng, k * len(fleet) + i) for i, t in enumerate(fleet)]))
    return out


PARSING: dict[str, float] = {}  # per ingest label: the seconds of it spent parsing the payloads


def ingest(engine, fleet, payloads, label: str = "") -> float:
    """Seconds for every poll through parse + store, each in its own transaction (the parsing alone in PARSING)."""
    known = {t.unique_id: t.nrp for t in fleet}
    settings = config.get_settings()
    took = parsing = 0.0
    for devices, positions in payloads:
        t = time.perf_counter()
        parsed = parse_positions(devices, positions, known)
        parsing += time.perf_counter() - t
        with session_scope(engine) as s:
            stored = store_positions(s, parsed.records, source="traccar", settings=settings)
        took += time.perf_counter() - t
        assert stored == len(positions), (stored, len(positions))
    PARSING[label] = parsing
    return took


def raw_rows(fleet, payloads) -> list[list[tuple]]:
    """The rows the ingest stores, made beforehand (not timed)."""
    known = {t.unique_id: t.nrp for t in fleet}
    out = []
    for devices, positions in payloads:
        recorded = dt.datetime.now(dt.timezone.utc)
        records = parse_positions(devices, positions, known).records
        out.append([(r["device_id"], r["nrp"], r["fix_time"], recorded, r["lat"], r["lon"], r["accuracy_m"],
                     r["speed_kmh"], r["battery"], "traccar") for r in records])
    return out


def raw_copy(engine, batches, binary: bool = False) -> float:
    """psycopg's COPY of the prepared rows: text format as it comes, or binary with the column types set."""
    took = 0.0
    raw = engine.raw_connection()
    sql = f"COPY position_event ({', '.join(COLUMNS)}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
    try:
        conn = raw.driver_connection
        for rows in batches:
            t = time.perf_counter()
            with conn.cursor() as cur, cur.copy(sql) as copy:
                if binary:
                    copy.set_types(list(position_ingest.PG_TYPES))
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            took += time.perf_counter() - t
    finally:
        raw.close()
    return took


def raw_copy_binary(engine, batches) -> float:
    return raw_copy(engine, batches, binary=True)


def raw_executemany(engine, batches) -> float:
    to_text = lambda t: t.strftime("%Y-%m-%d %H:%M:%S.%f")  # noqa: E731 - SQLAlchemy's SQLite datetime text
    ready = [[(r[0], r[1], to_text(r[2]), to_text(r[3])) + r[4:] for r in rows] for rows in batches]
    took = 0.0
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        sql = f"INSERT INTO position_event ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        for rows in ready:
            t = time.perf_counter()
            conn.executemany(sql, rows)
            conn.commit()
            took += time.perf_counter() - t
    finally:
        raw.close()
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--postgres-admin", default=os.environ.get("OPS_BENCH_POSTGRES_ADMIN", PG_ADMIN_URL),
                    help="a role that may create databases; empty skips PostgreSQL")
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds of every case, taken in turn so that a machine slower for a while slows all alike; "
                         "the median of each is compared")
    a = ap.parse_args()
    n = a.devices * a.rounds
    print(f"{a.devices} trackers x {a.rounds} polls = {n} fixes, each case {a.repeat} times in turn; "
          f"rows/s (seconds) of the median")
    cases = [("sqlite ingest (parse + executemany + latest)", ingest, None),
             ("sqlite raw executemany", raw_executemany, None)]
    if a.postgres_admin:
        cases += [("postgresql ingest (parse + COPY + latest)", ingest, True),
                  ("postgresql ingest through the staging table", ingest, False),
                  ("postgresql raw COPY", raw_copy, True),
                  ("postgresql raw COPY, binary", raw_copy_binary, True)]
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in cases}  # (seconds, of them parsing)
    with tempfile.TemporaryDirectory(prefix="posko-ingest-") as tmp:
        for k in range(a.repeat):
            for label, fn, into_table in cases:
                if into_table is None:
                    url, drop = f"sqlite:///{Path(tmp) / f'{label.split()[1]}-{k}.db'}", (lambda: None)
                else:
                    url, drop = new_pg_database(a.postgres_admin)
                try:
                    engine, fleet = database(url, a.devices)
                    payloads = polls(fleet, a.rounds)
                    position_ingest.COPY_INTO_TABLE = into_table is not False
                    took = fn(engine, fleet, payloads, label) if fn is ingest else fn(engine, raw_rows(fleet, payloads))
                    runs[label].append((took, PARSING.get(label, 0.0)))
                    print(f"  [{k + 1}/{a.repeat}] {label:<52} {n / took:>10,.0f} rows/s ({took:.2f} s)", flush=True)
                    engine.dispose()
                finally:
                    drop()
        position_ingest.COPY_INTO_TABLE = True
    results = {label: statistics.median(t for t, _ in r) for label, r in runs.items()}
    PARSING.update({label: statistics.median(p for _, p in r) for label, r in runs.items()})
    print("medians")
    for label, took in results.items():
        spread = ", ".join(f"{t:.2f}" for t, _ in runs[label])
        print(f"  {label:<52} {n / took:>10,.0f} rows/s ({took:.2f} s; runs {spread})")
    # The raw side is given its rows ready; the ingest parses the feed's JSON first. Both ratios are printed: the
    # ingest as a whole, and its storing alone (the parsing, timed apart, taken off) against the same raw write.
    print("ratios (ingest rows/s / raw rows/s): whole ingest · storing alone (parsing taken off)")
    sq = "sqlite ingest (parse + executemany + latest)"
    raw_sq = results["sqlite raw executemany"]
    print(f"  sqlite: {raw_sq / results[sq]:.2f} · {raw_sq / (results[sq] - PARSING[sq]):.2f}  "
          f"(parsing {PARSING[sq]:.2f} s of {results[sq]:.2f} s)")
    if a.postgres_admin:
        for label in ("postgresql ingest (parse + COPY + latest)", "postgresql ingest through the staging table"):
            for raw in ("postgresql raw COPY", "postgresql raw COPY, binary"):
                print(f"  {label.removeprefix('postgresql ')} / {raw.removeprefix('postgresql ')}: "
                      f"{results[raw] / results[label]:.2f} · {results[raw] / (results[label] - PARSING[label]):.2f}")
        pg = "postgresql ingest (parse + COPY + latest)"
        print(f"  (postgresql parsing {PARSING[pg]:.2f} s of {results[pg]:.2f} s)")


if __name__ == "__main__":
    main()
