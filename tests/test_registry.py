"""The feed registry is the one list of feeds, imports nothing that imports it back, and the demo is a payload source
that the real runner runs each feed from."""
import ast
import datetime as dt
import pkgutil
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from conftest import ROOT
from ops import models as m
from ops.clock import from_wib, set_clock
from ops.config import FEED_NAMES, Settings, get_settings
from ops.db import get_engine, session_scope
from ops.feeds import registry
from ops.feeds.runner import FeedFailed, run_feed

H19 = from_wib(dt.datetime(2024, 11, 27, 19, 0))
# What the simulator stored for the Ogan Ilir demo from its opening moment (10:00 on H) to 19:00, before it became a
# payload source: the runner must store exactly as much, feed by feed.
ROWS_10_TO_19 = {"bmkg-forecast": 5784, "bmkg-nowcast": 2, "openmeteo": 1152, "river": 147, "traccar": 33186,
                 "tps-status": 1937, "sirekap": 17}
# The tables' growth meanwhile, the incidents opened by KPPS gangguan reports (the status feed's) included, and the
# operator entries the demo wrote itself (hand-overs, the scenario's incidents, follow-ups).
TABLES_10_TO_19 = {m.LogisticsEvent: 1445, m.Incident: 9, m.IncidentUpdate: 27}
ENTRIES_10_TO_19 = 1467


# ---------------- (a) one table ----------------

def test_the_settings_defaults_are_the_registry_table():
    fields = Settings.model_fields
    assert FEED_NAMES == tuple(f.name for f in registry.FEEDS)
    assert fields["feeds_enabled"].default == [f.name for f in registry.FEEDS if f.enabled]
    assert fields["feed_intervals"].default == {f.name: f.interval_minutes for f in registry.FEEDS}
    s = Settings(feed_intervals={"traccar": 0.5})
    assert s.feed_intervals == {**fields["feed_intervals"].default, "traccar": 0.5}  # a feed not named keeps its own
    with pytest.raises(ValueError, match="simulator"):
        Settings(feed_intervals={"simulator": 1})


def test_every_feed_of_the_table_is_whole():
    from ops.demo.source import payload_maker

    for spec in registry.FEEDS:
        feed = registry.get_feed(spec.name)
        assert feed.name == spec.name and spec.label
        assert set(spec.settings) <= set(Settings.model_fields), spec.name
        assert spec.required is None or spec.required in spec.settings
        assert callable(payload_maker(spec.name))  # the demo makes every feed's payload


def _name_lists(path):
    """Literal lists, tuples, sets and dicts in a file naming (nearly) every feed: a list of the feeds. A few feeds
    named together (those a wall tile is built from) are another thing."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)) and items:
            names = {i.value for i in items if isinstance(i, ast.Constant) and i.value in FEED_NAMES}
            if len(names) >= len(FEED_NAMES) - 2:
                yield node.lineno


def test_no_other_list_of_feed_names():
    found = []
    for folder in ("ops", "ui", "views", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in (ROOT / "ops" / "feeds" / "registry.py", ROOT / "tests" / "test_registry.py"):  # the table; the
                continue  # rows this test pins per feed
            found += [f"{path.relative_to(ROOT)}:{line}" for line in _name_lists(path)]
    assert not found, f"feed names listed outside ops/feeds/registry.py: {found}"


# ---------------- (b) no import circle ----------------

def _modules(package: str) -> list[str]:
    pkg = __import__(package, fromlist=["_"])
    return [f"{package}.{info.name}" for info in pkgutil.iter_modules(pkg.__path__)]


def test_the_registry_imports_nothing_of_the_project():
    code = "import sys, ops.feeds.registry; print(sorted(m for m in sys.modules if m.split('.')[0] == 'ops'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['ops', 'ops.feeds', 'ops.feeds.registry']"


def test_every_feed_and_demo_module_imports_first_in_a_fresh_interpreter():
    """A circle shows as an ImportError (a partly initialised module) when it is entered from one of its members:
    each module is imported first, in an interpreter of its own."""
    modules = _modules("ops.feeds") + _modules("ops.demo") + ["ops.config", "ops.scheduler"]
    failed = []
    for first in modules:
        r = subprocess.run([sys.executable, "-c", f"import {first}"], cwd=ROOT, capture_output=True, text=True)
        if r.returncode:
            failed.append(f"{first}: {r.stderr.strip().splitlines()[-1]}")
    assert not failed, failed


# ---------------- (c) the demo through the runner ----------------

def _at_19(url):
    with session_scope(get_engine(url)) as s:
        set_clock(s, H19, speed=0.0001)


def _counts(url, models):
    with session_scope(get_engine(url)) as s:
        return {model: s.scalar(select(func.count()).select_from(model)) for model in models}


def test_each_feed_runs_from_the_demo_source_under_its_own_name(demo_copy):
    """The scheduler's demo path: each feed run by the runner with the demo source records its own run, stores as
    much as the simulator did for the same span, and the operator entries follow the status sheet."""
    from ops.demo.runs import entries_job
    from ops.demo.source import DemoSource

    s = get_settings()
    _at_19(demo_copy)
    before = _counts(demo_copy, TABLES_10_TO_19)
    source = DemoSource()
    for name in FEED_NAMES:
        result = run_feed(name, s, source=source)
        assert result.rows == ROWS_10_TO_19[name] > 0 and result.state == "ok", name
    assert entries_job(s, fence=lambda session: None) == ENTRIES_10_TO_19
    after = _counts(demo_copy, TABLES_10_TO_19)
    assert {k: after[k] - before[k] for k in after} == TABLES_10_TO_19
    with session_scope(get_engine(demo_copy)) as sess:
        runs = sess.execute(select(m.FeedRun.feed, m.FeedRun.rows).where(m.FeedRun.started_at >= H19)).all()
        assert dict(runs) == ROWS_10_TO_19 and len(runs) == len(FEED_NAMES)
        assert not sess.scalar(select(func.count()).select_from(m.FeedRun).where(m.FeedRun.feed == "simulator"))
    assert entries_job(s, fence=lambda session: None) == 0  # nothing twice


def test_fetch_simulator_catches_up_every_feed_once(demo_copy):
    from ops.demo.runs import catch_up

    _at_19(demo_copy)
    result = catch_up(get_settings())
    assert result["failed"] == {}
    assert result["simulated_records"] == sum(ROWS_10_TO_19.values()) + ENTRIES_10_TO_19


# ---------------- (d) one feed's source failing ----------------

def test_a_failing_demo_source_keeps_that_feeds_data_and_spares_the_others(demo_copy):
    from ops.demo.source import DemoSource
    from ops.freshness import feed_states

    s = get_settings()
    _at_19(demo_copy)
    good = DemoSource()

    def broken(name, ctx):
        if name == "traccar":
            raise ConnectionError("pelacak tidak menjawab")
        if name == "bmkg-nowcast":
            return "<html>bukan RSS</html>"  # garbage where a payload should be
        return good(name, ctx)

    before = _counts(demo_copy, (m.PositionEvent, m.WeatherWarning))
    for name in FEED_NAMES:
        if name in ("traccar", "bmkg-nowcast"):
            with pytest.raises(FeedFailed):
                run_feed(name, s, source=broken)
        else:
            assert run_feed(name, s, source=broken).rows == ROWS_10_TO_19[name]
    assert _counts(demo_copy, (m.PositionEvent, m.WeatherWarning)) == before  # the last good data stays
    with session_scope(get_engine(demo_copy)) as sess:
        states = feed_states(sess, s)
        last = {f: sess.scalars(select(m.FeedRun).where(m.FeedRun.feed == f).order_by(m.FeedRun.id.desc())).first()
                for f in ("traccar", "bmkg-nowcast")}
    assert "ConnectionError" in last["traccar"].error and not last["traccar"].ok
    assert not last["bmkg-nowcast"].ok
    assert states["traccar"].state == "stale"  # its data is nine hours old: older than 3 × its 1-minute interval
    assert states["bmkg-nowcast"].state in ("error", "stale")
    assert all(states[f].state == "ok" for f in FEED_NAMES if f not in ("traccar", "bmkg-nowcast"))
    # The next good run fetches the span the failed one missed: nothing is lost.
    assert run_feed("traccar", s, source=good).rows == ROWS_10_TO_19["traccar"]
    assert run_feed("bmkg-nowcast", s, source=good).rows == ROWS_10_TO_19["bmkg-nowcast"]
