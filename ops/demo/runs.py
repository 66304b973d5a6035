"""The demo through the real runner: every feed fetches from the demo source (ops.demo.source) and is parsed, stored
and recorded as itself. `catch_up` writes the history up to a moment (`init --demo`, `fetch simulator`); in demo mode
the scheduler runs each feed at its own interval with `DemoSource()` and the operator entries with `entries_job`."""
from __future__ import annotations

import datetime as dt
from typing import Callable

from sqlalchemy import delete

from ops import models as m
from ops.clock import as_utc, load_clock, wib_at
from ops.db import get_engine, session_scope
from ops.demo.entries import write_entries
from ops.demo.source import DemoSource, span_start
from ops.feeds.registry import FEED_NAMES
from ops.feeds.runner import FeedFailed, run_feed

FORECASTS = ("bmkg-forecast", "openmeteo", "river")  # issued at most every FORECAST_EVERY while catching up
FORECAST_EVERY = dt.timedelta(hours=6)
FORECAST_KEY = "simulator_forecast_at"  # OperationMeta: when the catch-up last issued them


def catch_up(settings, until: dt.datetime | None = None) -> dict:
    """Write the demo's history up to `until` (default: the clock's moment) as the feeds running all along would have
    (called by `init --demo`, which stops at the morning of each past day to make its briefing): each feed runs once
    at `until` through the runner with the demo source, covering the span since its last good run; the runs a live
    source would have made in that span are recorded before it, so that a replayed moment shows its feeds as they
    then were; then the operator entries of the span. A feed that fails keeps its span for the next call."""
    engine = get_engine(settings.database_url)
    with session_scope(engine) as s:
        until = as_utc(until) if until is not None else load_clock(s).now()
        spans = {name: span_start(s, settings, name) for name in FEED_NAMES}
        row = s.get(m.OperationMeta, FORECAST_KEY)
        forecast_at = dt.datetime.fromisoformat(row.value) if row else None
    forecasts_due = forecast_at is None or until - forecast_at >= FORECAST_EVERY
    source = DemoSource(spans)
    rows, failed = 0, {}
    for name in FEED_NAMES:
        if until <= spans[name]:
            continue
        _history(settings, name, spans[name], until)
        if name in FORECASTS and not forecasts_due:
            continue
        try:
            rows += run_feed(name, settings, source=source, now=until).rows
        except FeedFailed as e:
            failed[name] = str(e)
            with session_scope(engine) as s:  # the span's runs recorded above: the feed did not get through it
                s.execute(delete(m.FeedRun).where(m.FeedRun.feed == name, m.FeedRun.started_at > spans[name],
                                                  m.FeedRun.started_at < until, m.FeedRun.ok.is_(True)))
    with session_scope(engine) as s:
        if forecasts_due and not set(FORECASTS) & set(failed):
            s.merge(m.OperationMeta(key=FORECAST_KEY, value=until.isoformat()))
        rows += write_entries(s, settings, until)
    return {"simulated_records": rows, "failed": failed}


def _history(settings, feed: str, since: dt.datetime, until: dt.datetime) -> None:
    """The runs a live source would have made between `since` (not before the TPS phase) and `until`, one per
    interval, that stored nothing new."""
    step = dt.timedelta(minutes=settings.feed_intervals[feed])
    t = max(since, wib_at(settings.phase_start, dt.time(0, 0))) + step
    runs = []
    while t < until - step:
        runs.append(m.FeedRun(feed=feed, started_at=t, finished_at=t, ok=True, rows=0, error=None))
        t += step
    with session_scope(get_engine(settings.database_url)) as s:
        s.add_all(runs)


def entries_job(settings, fence: Callable[[object], None]) -> int:
    """The scheduler's demo job: the operator entries up to the clock's moment, fenced like the feeds' writes."""
    with session_scope(get_engine(settings.database_url)) as s:
        n = write_entries(s, settings, load_clock(s).now())
        fence(s)
    return n
