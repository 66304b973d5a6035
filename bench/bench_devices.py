"""10,000 trackers reporting every 30 s, polled by the worker every 30 s, while a dashboard page renders again and
again: how far position_latest falls behind the fixes the Traccar server serves, and the CPU and memory it all takes.

A loopback Traccar server answers /api/devices and /api/positions (each tracker's newest fix: tracker i reports at
second i mod 30 of every half minute). `python -m ops worker` runs with only the Traccar feed, every half minute
(feed_intervals traccar 0.5), on a fresh PostgreSQL database; a second process renders a page with Streamlit's
AppTest, caches emptied each time. Every sample prints the lag of position_latest behind what the server serves
(median, 95th percentile, worst tracker), the worker's and the page process's CPU (share of one core) and RSS, and
the machine's CPU use.

    .venv/bin/python bench/bench_devices.py [--devices 10000] [--minutes 5] [--page personel] [--sample 15]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fleet import PG_ADMIN_URL, Tracker, build_fleet, devices_json, new_pg_database, position_json  # noqa: E402

PERIOD = 30  # seconds between two fixes of one tracker
TOKEN = "bench-token"
TICK = os.sysconf("SC_CLK_TCK")


def newest_fix(i: int, now: float) -> float:
    """When tracker i's newest fix was taken at `now` (epoch seconds): at second i mod PERIOD of each period."""
    phase = i % PERIOD
    return (now - phase) // PERIOD * PERIOD + phase


class Traccar(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fleet: list[Tracker]):
        super().__init__(("127.0.0.1", 0), Handler)
        self.fleet = fleet
        self.devices = json.dumps(devices_json(fleet)).encode()
        self.rng = random.Random(5)
        self.served = 0


class Handler(BaseHTTPRequestHandler):
    server: Traccar

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_error(401)
            return
        if self.path == "/api/devices":
            body = self.server.devices
        elif self.path == "/api/positions":
            now = time.time()
            body = json.dumps([position_json(t, dt.datetime.fromtimestamp(newest_fix(i, now), dt.timezone.utc),
                                             self.server.rng, i) for i, t in enumerate(self.server.fleet)]).encode()
            self.server.served += 1
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def machine_busy() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)  # busy (all but idle and iowait), total


def lag_seconds(engine, fleet: list[Tracker]) -> tuple[list[float], int]:
    """Per tracker: how far its row in position_latest is behind the newest fix the server would serve now."""
    from sqlalchemy import text

    now = time.time()
    with engine.connect() as c:
        kept = {dev: t.timestamp() for dev, t in c.execute(text("SELECT device_id, fix_time FROM position_latest"))}
    lags, missing = [], 0
    for i, t in enumerate(fleet):
        if t.unique_id in kept:
            lags.append(max(0.0, newest_fix(i, now) - kept[t.unique_id]))
        else:
            missing += 1
    return lags, missing


def poll_seconds(engine) -> list[float]:
    """How long each Traccar run took, from its start to its commit (the feed runs are timed on the clock)."""
    from sqlalchemy import text

    with engine.connect() as c:
        return [(end - start).total_seconds() for start, end in c.execute(text(
            "SELECT started_at, finished_at FROM feed_run WHERE feed = 'traccar' AND ok AND finished_at IS NOT NULL"))]


def page_loop(page: str) -> None:
    """Render a page again and again (caches emptied), one line of seconds per render."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    script = str(ROOT / "views" / f"{page}.py")
    while True:
        st.cache_data.clear()
        t = time.perf_counter()
        at = AppTest.from_file(script, default_timeout=600)
        at.run()
        print(f"{time.perf_counter() - t:.2f} {'error: ' + at.exception[0].message if at.exception else 'ok'}",
              flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=10_000)
    ap.add_argument("--minutes", type=float, default=5)
    ap.add_argument("--sample", type=float, default=15, help="seconds between samples")
    ap.add_argument("--page", default="personel", help="views/<page>.py rendered meanwhile; empty: no page")
    ap.add_argument("--postgres-admin", default=os.environ.get("OPS_BENCH_POSTGRES_ADMIN", PG_ADMIN_URL))
    ap.add_argument("--page-loop", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.page_loop:
        page_loop(a.page_loop)
        return
    from ops import config
    from ops.bootstrap import init_database
    from ops.db import get_engine

    url, drop = new_pg_database(a.postgres_admin)
    procs: list[subprocess.Popen] = []
    try:
        env = {**os.environ, "OPS_DATABASE_URL": url, "OPS_DEMO": "0"}
        os.environ.update(env)
        config.reset_settings()
        t = time.perf_counter()
        init_database(config.get_settings())
        engine = get_engine(url)
        fleet = build_fleet(engine, a.devices)
        print(f"database with {a.devices} trackers, their TPS and posts built in {time.perf_counter() - t:.0f} s",
              flush=True)
        server = Traccar(fleet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env.update({"OPS_TRACCAR_URL": f"http://127.0.0.1:{server.server_address[1]}", "OPS_TRACCAR_TOKEN": TOKEN,
                    "OPS_FEEDS_ENABLED": '["traccar"]', "OPS_FEED_INTERVALS": '{"traccar": 0.5}'})
        log = open(Path("/tmp") / "bench_devices_worker.log", "w")
        worker = subprocess.Popen([sys.executable, "-m", "ops", "worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=log)
        procs.append(worker)
        renders: list[str] = []
        page = None
        if a.page:
            page = subprocess.Popen([sys.executable, __file__, "--page-loop", a.page], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            procs.append(page)
            threading.Thread(target=lambda: [renders.append(line) for line in page.stdout], daemon=True).start()
        print(f"{'min':>5} {'lag p50 s':>10} {'p95 s':>7} {'max s':>7} {'no row':>7} {'worker CPU':>11} "
              f"{'RSS MB':>7} {'page CPU':>9} {'RSS MB':>7} {'renders':>8} {'machine':>8}", flush=True)
        start = time.time()
        last = {p.pid: cpu_seconds(p.pid) for p in procs}
        busy0, total0 = machine_busy()
        t0, summary = time.time(), []
        while time.time() - start < a.minutes * 60:
            time.sleep(a.sample)
            if worker.poll() is not None:
                raise SystemExit(f"the worker ended (exit {worker.returncode}); see /tmp/bench_devices_worker.log")
            now = time.time()
            cpu = {p.pid: cpu_seconds(p.pid) for p in procs}
            share = {pid: (cpu[pid] - last[pid]) / (now - t0) for pid in cpu}
            busy, total = machine_busy()
            lags, missing = lag_seconds(engine, fleet)
            row = ((now - start) / 60, statistics.median(lags) if lags else float("nan"),
                   statistics.quantiles(lags, n=20)[-1] if len(lags) > 1 else float("nan"), max(lags, default=0),
                   missing, share[worker.pid], rss_mb(worker.pid), share[page.pid] if page else 0,
                   rss_mb(page.pid) if page else 0, len(renders), (busy - busy0) / max(1, total - total0))
            summary.append(row)
            print(f"{row[0]:>5.1f} {row[1]:>10.1f} {row[2]:>7.1f} {row[3]:>7.1f} {row[4]:>7} {row[5]:>10.0%} "
                  f"{row[6]:>7.0f} {row[7]:>8.0%} {row[8]:>7.0f} {row[9]:>8} {row[10]:>8.0%}", flush=True)
            last, t0, busy0, total0 = cpu, now, busy, total
        runs = poll_seconds(engine)
        settled = summary[len(summary) // 3:] or summary  # after the first polls have made every row
        times = [float(r.split()[0]) for r in renders if r.strip().endswith("ok")]
        print(f"\nafter the first third: lag p50 {statistics.median(r[1] for r in settled):.1f} s, worst p95 "
              f"{max(r[2] for r in settled):.1f} s, worst tracker {max(r[3] for r in settled):.1f} s; worker CPU "
              f"{statistics.mean(r[5] for r in settled):.0%} of a core, RSS up to {max(r[6] for r in settled):.0f} MB;"
              f" {server.served} polls served, each fetched, parsed and stored in a median "
              f"{statistics.median(runs) if runs else float('nan'):.1f} s (longest {max(runs, default=0):.1f} s);"
              f" page rendered {len(times)} times" + (f", median {statistics.median(times):.1f} s" if times else ""))
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
        from ops.db import get_engine as engine_of

        engine_of(url).dispose()
        drop()


if __name__ == "__main__":
    main()
