"""Feed freshness: ok, stale, error or never, with the age of the last good data."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ops import queries
from ops.clock import as_utc, utcnow
from ops.config import FEED_NAMES, Settings

STATE_LABEL = {"ok": "Terkini", "stale": "Kedaluwarsa", "error": "Gagal", "never": "Belum pernah"}


@dataclass(frozen=True)
class Freshness:
    feed: str
    state: str  # ok | stale | error | never
    last_success: dt.datetime | None
    last_run: dt.datetime | None
    rows: int
    error: str | None
    age_seconds: float | None
    interval_minutes: int

    @property
    def label(self) -> str:
        return STATE_LABEL[self.state]

    def as_json(self) -> dict:
        return {"state": self.state, "last_success": self.last_success.isoformat() if self.last_success else None,
                "last_run": self.last_run.isoformat() if self.last_run else None, "rows": self.rows,
                "age_seconds": None if self.age_seconds is None else round(self.age_seconds),
                "interval_minutes": self.interval_minutes, "error": self.error}


def judge(feed: str, last_run, last_ok, interval_minutes: int, stale_after_intervals: float,
          now: dt.datetime | None = None) -> Freshness:
    """A failing source is `error` while its last good data is young, `stale` once that is older than the limit."""
    now = now or utcnow()
    ok_at = as_utc(last_ok.finished_at) if last_ok and last_ok.finished_at else None
    run_at = as_utc(last_run.started_at) if last_run else None
    age = (now - ok_at).total_seconds() if ok_at else None
    if last_run is None:
        state = "never"
    elif age is not None and age > interval_minutes * 60 * stale_after_intervals:
        state = "stale"
    elif not last_run.ok or ok_at is None:
        state = "error"
    else:
        state = "ok"
    return Freshness(feed, state, ok_at, run_at, last_ok.rows if last_ok else 0,
                     None if (last_run is None or last_run.ok) else last_run.error, age, interval_minutes)


def feed_states(session, settings: Settings, now: dt.datetime | None = None) -> dict[str, Freshness]:
    runs = queries.latest_feed_runs(session)
    return {name: judge(name, runs.get(name, {}).get("last"), runs.get(name, {}).get("last_ok"),
                        settings.feed_intervals.get(name, 60), settings.stale_after_intervals, now)
            for name in FEED_NAMES}
