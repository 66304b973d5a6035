"""Time `python -m ops init --demo --region R` on a fresh database, as a user runs it: a new process per case.
Prints wall time, the process's CPU time and the machine's load (a busy machine stretches the wall time, not the CPU).

    .venv/bin/python bench/bench_init.py                      # the three cases below
    .venv/bin/python bench/bench_init.py --cases sumatera_selatan:sqlite --scale 0.1

Cases are REGION:BACKEND. PostgreSQL databases are created as posko_bench_<region> through OPS_BENCH_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and dropped afterwards unless --keep.
Targets: sumatera_selatan < 3 min, indonesia < 20 min.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
CASES = ["sumatera_selatan:sqlite", "sumatera_selatan:postgresql", "indonesia:postgresql"]
ADMIN_URL = os.environ.get("OPS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def fresh_database(region: str, backend: str, folder: Path) -> tuple[str, callable]:
    if backend == "sqlite":
        return f"sqlite:///{folder / f'{region}.db'}", lambda: None
    name = f"posko_bench_{region}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return admin.url.set(database=name).render_as_string(hide_password=False), drop


def run(region: str, url: str, scale: float) -> tuple[float, float, str]:
    env = {**os.environ, "OPS_DATABASE_URL": url, "OPS_DEMO_SCALE": str(scale)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ops", "init", "--demo", "--region", region], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"init --demo --region {region} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.strip()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", nargs="+", default=CASES, help="REGION:BACKEND, backend sqlite or postgresql")
    p.add_argument("--scale", type=float, default=1.0, help="demo_scale (1: the real TPS counts)")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    args = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases:
            region, backend = case.split(":")
            url, drop = fresh_database(region, backend, Path(tmp))
            load = os.getloadavg()[0]
            wall, cpu, out = run(region, url, args.scale)
            rows.append((region, backend, wall, cpu, load, os.getloadavg()[0]))
            print(out, flush=True)
            if not args.keep:
                drop()
    print(f"\n{'region':18s} {'backend':11s} {'wall':>9s} {'cpu':>9s}  load (before/after, {os.cpu_count()} CPUs)")
    for region, backend, wall, cpu, l0, l1 in rows:
        print(f"{region:18s} {backend:11s} {wall:8.1f}s {cpu:8.1f}s  {l0:.1f}/{l1:.1f}")


if __name__ == "__main__":
    main()
