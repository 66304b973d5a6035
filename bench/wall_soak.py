"""Run the wall for a long time and watch memory: the server's and the worker's RSS and the browser tab's JS heap,
sampled every interval while the worker runs the demo's feeds and the wall rotates and refreshes. Prints one line per
sample (flushed, so a run of hours can be followed with `tee`) and the change from the first sample after warm-up.

    .venv/bin/python bench/wall_soak.py --minutes 600 --rotate 5 --sample 300 | tee soak.txt
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the Streamlit server has none of its own)."""
    total = 0
    for p in [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--rotate", type=int, default=5, help="seconds per wall view (20 in production)")
    ap.add_argument("--sample", type=int, default=60, help="seconds between samples")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="posko-soak-"))
    env = {**os.environ, "OPS_DATABASE_URL": f"sqlite:///{tmp / 'ops.db'}", "OPS_WALL_ROTATE_SECONDS": str(a.rotate),
           "OPS_DEMO": "1"}
    subprocess.run([sys.executable, "-m", "ops", "init", "--demo"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # As scripts/demo.sh runs it: the worker holds the scheduler (the demo's feeds, briefings), the server only reads.
    worker = subprocess.Popen([sys.executable, "-m", "ops", "worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.headless", "true"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    from playwright.sync_api import sync_playwright
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=a.chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.goto(url + "/?layar=dinding")
            start = time.time()
            samples = []
            print(f"{'minute':>7} {'server RSS MB':>14} {'worker RSS MB':>14} {'tab JS heap MB':>15} {'DOM nodes':>10} "
                  f"{'view':>10}", flush=True)
            while time.time() - start < a.minutes * 60:
                page.wait_for_timeout(a.sample * 1000)
                metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                view = page.evaluate("() => { const e = document.getElementById('wall-rendered');"
                                     " return e ? e.dataset.view : '-'; }")
                if worker.poll() is not None:
                    raise SystemExit(f"the worker ended (exit {worker.returncode}) at minute {(time.time() - start) / 60:.1f}")
                row = ((time.time() - start) / 60, rss_mb(server.pid), metrics["JSHeapUsedSize"] / 2**20,
                       int(metrics["Nodes"]), view, rss_mb(worker.pid))
                samples.append(row)
                print(f"{row[0]:>7.1f} {row[1]:>14.1f} {row[5]:>14.1f} {row[2]:>15.1f} {row[3]:>10d} {row[4]:>10}",
                      flush=True)
            browser.close()
    finally:
        for proc in (server, worker):
            proc.terminate()
            proc.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)
    if len(samples) >= 3:
        base = samples[1]  # after the first views have loaded their caches and charts
        last = samples[-1]
        print(f"\nfrom minute {base[0]:.0f} to {last[0]:.0f}: server RSS {base[1]:.0f} -> {last[1]:.0f} MB "
              f"({last[1] - base[1]:+.1f}); worker RSS {base[5]:.0f} -> {last[5]:.0f} MB ({last[5] - base[5]:+.1f}); tab heap {base[2]:.1f} -> {last[2]:.1f} MB ({last[2] - base[2]:+.1f}); "
              f"DOM nodes {base[3]} -> {last[3]}")


if __name__ == "__main__":
    main()
