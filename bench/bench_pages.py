"""Page script times (Streamlit AppTest) at demo scale and at N× demo scale, beside a bare page that draws the same
elements from precomputed data. Prints medians in seconds and the ratio page / bare.

    .venv/bin/python bench/bench_pages.py [--scale 20] [--runs 3] [--pages ringkasan peta ...] [--no-worker]
    .venv/bin/python bench/bench_pages.py --url postgresql+psycopg://…/posko_polda [--wilayah 16.10] [--pages …]

The demo and its grown copy are measured as the product runs them: the operation clock held at the demo's moment
and the read model and Perhatian brought to it, as the worker leaves them every minute (`ops readmodel`). With
--no-worker they are measured without a worker: every page computes each TPS's readiness from the event history.

With --url the pages are measured on that existing database (a Polda or national demo on PostgreSQL; build its read
model first with `python -m ops readmodel`), as the province (or the area --wilayah names) opens.

Cold: the caches keyed on the minute emptied before the run (data, and the stored Perhatian items held per minute),
the base figures kept five minutes (place names, TPS and personnel counts) warm: what the first viewer of a minute waits
for. With --url also "cold, all": those base figures emptied too (the region's boundaries, kept an hour, stay), what
the first viewer after those five minutes waits for. Warm: the same page again within the cache TTL (what every
other viewer waits for). A server discovers the installed components once; the runs here share that too.
"""
from __future__ import annotations

import argparse
import os
import pickle
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from ops import config  # noqa: E402
from ops.bootstrap import init_database  # noqa: E402
from scale_demo import scale  # noqa: E402

PAGES = ["ringkasan", "peta", "tps", "personel", "logistik", "cuaca", "kejadian", "koordinasi", "sumber_data"]


def use(url: str) -> None:
    os.environ["OPS_DATABASE_URL"] = url
    config.reset_settings()


WILAYAH: str | None = None  # the focus asked for in the URL (?wilayah=), for --url runs


COMPONENTS = None  # the installed components, discovered by the first AppTest


def run(script: Path) -> tuple[float, AppTest]:
    global COMPONENTS
    at = AppTest.from_file(str(script), default_timeout=600)
    # A server discovers the installed Streamlit components once, at start; a new AppTest does it on its first run
    # (some 0.07 s here). Handing each the first one's keeps that out of what a page and its bare page are timed for.
    at._bidi_component_manager = COMPONENTS
    if WILAYAH and script.parent.name == "views":
        at.query_params["wilayah"] = WILAYAH
    t = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - t
    COMPONENTS = at._bidi_component_manager
    if at.exception:
        raise SystemExit(f"{script.name}: {at.exception[0].message}")
    return elapsed, at


def capture(at: AppTest) -> list:
    out = [("metric", (m.label, m.value)) for m in at.metric]
    out += [("dataframe", d.value) for d in at.dataframe]
    out += [("plotly", p.proto.spec) for p in at.get("plotly_chart")]
    out += [("markdown", m.value) for m in at.markdown]
    out += [("caption", c.value) for c in at.caption]
    return out


# The base figures the dashboard keeps for five minutes (ui.data.base_cached: place names, TPS and personnel counts):
# warm for the first viewer of a minute, four minutes in five.
BASE = """
from ui import data
data.place_names(); data.tps_summary(); data.tps_summary({area!r}); data.personnel_counts(); data.personnel_summary()
"""


def as_the_worker_leaves_it(rebuild: bool) -> None:
    """Hold the clock at its moment and bring the read model, Perhatian and the boards to it, as the worker's minute
    does (a grown copy's TPS and fixes came in behind the read model's and the ingest's back: both are built anew)."""
    from ops import perhatian, position_ingest, readmodel
    from ops.clock import load_clock, set_clock
    from ops.db import get_engine, session_scope

    settings = config.get_settings()
    with session_scope(get_engine(settings.database_url)) as session:
        moment = load_clock(session).now().replace(second=0, microsecond=0)
        set_clock(session, moment, 0.0)
    if rebuild:
        with session_scope(get_engine(settings.database_url)) as session:
            position_ingest.rebuild_latest(session, settings)
    with session_scope(get_engine(settings.database_url)) as session:
        (readmodel.rebuild if rebuild else readmodel.keep_current)(session, settings, moment)
    perhatian.sync_now(settings, moment, use_readmodel=True)
    from ops.readmodel import boards
    with session_scope(get_engine(settings.database_url)) as session:
        boards.keep(session, settings, moment)


def warm_base() -> None:
    at = AppTest.from_string(BASE.format(area=WILAYAH or ""), default_timeout=600)
    at._bidi_component_manager = COMPONENTS
    at.run()


def empty(base: bool) -> None:
    """What the first viewer of a minute finds: no answer of the minute, neither data nor the resources kept per minute
    (the stored Perhatian items, the maps drawn); with `base`, the five-minute place names too (the first viewer after
    five minutes). The region's boundaries, kept an hour, stay."""
    from ui import data, maps, perhatian_items

    st.cache_data.clear()
    perhatian_items.forget()
    maps.forget()
    if base:
        data._shared_names.clear()


def measure(page: str, runs: int, tmp: Path) -> dict:
    """Median seconds: cold (the minute's caches empty, the five-minute base figures kept: the first viewer of a
    minute), cold_all (every cache empty: the first viewer after five minutes), warm, and the bare page."""
    script = ROOT / "views" / f"{page}.py"
    cold, cold_all, warm = [], [], []
    at = None
    for _ in range(runs):
        empty(base=True)
        cold_all.append(run(script)[0])
        empty(base=False)
        warm_base()
        t, at = run(script)
        cold.append(t)
        t, at = run(script)
        warm.append(t)
    elements = tmp / f"{page}.pkl"
    elements.write_bytes(pickle.dumps(capture(at)))
    os.environ["BENCH_BARE_ELEMENTS"] = str(elements)
    bare = [run(ROOT / "bench" / "bare_page.py")[0] for _ in range(runs)]
    return {"cold": statistics.median(cold), "cold_all": statistics.median(cold_all),
            "warm": statistics.median(warm), "bare": statistics.median(bare)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pages", nargs="*", default=PAGES)
    ap.add_argument("--url", help="measure on this existing database instead of building the demo")
    ap.add_argument("--wilayah", help="with --url: the area the pages open on (?wilayah=)")
    ap.add_argument("--no-worker", action="store_true",
                    help="demo runs: no read model kept; pages compute every TPS's readiness from the history")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="posko-bench-"))
    if a.url:
        global WILAYAH
        WILAYAH = a.wilayah
        use(a.url)
        try:
            print(f"median of {a.runs} runs on {a.url.rsplit('@', 1)[-1]}"
                  + (f" at ?wilayah={a.wilayah}" if a.wilayah else "") + "; seconds; ratio = page / bare page")
            print("cold: the minute's caches empty (the first viewer of a minute); cold, all: the five-minute base "
                  "figures too", flush=True)
            print(f"{'page':<12}" + "".join(f"{h:>11}" for h in ("cold", "cold, all", "warm", "bare", "cold/bare",
                                                                 "warm/bare")))
            for page in a.pages:
                r = measure(page, a.runs, tmp)
                print(f"{page:<12}{r['cold']:>11.2f}{r['cold_all']:>11.2f}{r['warm']:>11.2f}{r['bare']:>11.2f}"
                      f"{r['cold'] / r['bare']:>11.1f}{r['warm'] / r['bare']:>11.1f}", flush=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    try:
        demo = tmp / "demo.db"
        use(f"sqlite:///{demo}")
        t = time.perf_counter()
        init_database(config.get_settings(), demo=True)
        print(f"demo database built in {time.perf_counter() - t:.1f} s")
        with sqlite3.connect(demo) as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        big = tmp / f"demo_x{a.scale}.db"
        shutil.copy(demo, big)
        scale(str(big), a.scale)
        results = {}
        for label, path in (("demo", demo), (f"x{a.scale}", big)):
            use(f"sqlite:///{path}")
            if not a.no_worker:
                as_the_worker_leaves_it(rebuild=path == big)
            for page in a.pages:
                results[(label, page)] = measure(page, a.runs, tmp)
        print(f"\nmedian of {a.runs} runs, seconds; ratio = cold page / bare page; "
              + ("no worker: readiness from the history" if a.no_worker else "read model kept as the worker does"))
        print(f"{'page':<12}" + "".join(f"{h:>10}" for h in ("demo cold", "warm", "bare", "ratio",
                                                             f"x{a.scale} cold", "warm", "bare", "ratio")))
        for page in a.pages:
            row = f"{page:<12}"
            for label in ("demo", f"x{a.scale}"):
                r = results[(label, page)]
                row += f"{r['cold']:>10.2f}{r['warm']:>10.2f}{r['bare']:>10.2f}{r['cold'] / r['bare']:>10.1f}"
            print(row)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
