"""Feed freshness: ok, partial, stale, error or never, with the age of the last good data and the last run's counts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ops import queries
from ops.clock import as_utc, utcnow
from ops.config import Settings
from ops.feeds.registry import FEED_LABEL, FEED_NAMES  # noqa: F401 - FEED_LABEL: how the Posko names each source

# The states of a source, declared once: labels, badge colours and documents are checked against this list.
STATE_LABEL = {"ok": "Terkini", "partial": "Sebagian", "stale": "Kedaluwarsa", "error": "Gagal", "never": "Belum pernah"}
STATES = tuple(STATE_LABEL)
# The data of these states is current: pages show it as it is (a partial run's gaps keep their older data).
CURRENT_STATES = ("ok", "partial")
# How one run went; a run's outcome is a source's state while its data is young.
RUN_LABEL = {"ok": "berhasil", "partial": "sebagian", "error": "gagal"}


def run_state(ok: bool, rejected: int, failed: int) -> str:
    """error: nothing stored; partial: stored, but rows were rejected or requests failed; ok: everything arrived."""
    if not ok:
        return "error"
    return "partial" if rejected or failed else "ok"


@dataclass(frozen=True)
class Freshness:
    feed: str
    state: str  # one of STATES
    last_success: dt.datetime | None
    last_run: dt.datetime | None
    rows: int  # stored by the last good run: the data on screen
    error: str | None  # the last run's problems: why it failed, or what a partial run missed
    age_seconds: float | None
    interval_minutes: int
    rejected: int = 0  # rows the last run rejected
    failed: int = 0  # requests of the last run that brought nothing

    @property
    def name(self) -> str:
        return FEED_LABEL.get(self.feed, self.feed)

    @property
    def label(self) -> str:
        return STATE_LABEL[self.state]

    @property
    def current(self) -> bool:
        return self.state in CURRENT_STATES

    def as_json(self) -> dict:
        return {"state": self.state, "last_success": self.last_success.isoformat() if self.last_success else None,
                "last_run": self.last_run.isoformat() if self.last_run else None, "rows": self.rows,
                "rejected": self.rejected, "failed": self.failed,
                "age_seconds": None if self.age_seconds is None else round(self.age_seconds),
                "interval_minutes": self.interval_minutes, "error": self.error}


def judge(feed: str, last_run, last_ok, interval_minutes: float, stale_after_intervals: float,
          now: dt.datetime | None = None) -> Freshness:
    """The last run's outcome (ok, partial, error) while the last good data is young; `stale` once that data is older
    than the limit, whatever the last run did; `never` before any run."""
    now = now or utcnow()
    ok_at = as_utc(last_ok.finished_at) if last_ok and last_ok.finished_at else None
    run_at = as_utc(last_run.started_at) if last_run else None
    age = (now - ok_at).total_seconds() if ok_at else None
    if last_run is None:
        state = "never"
    elif age is not None and age > interval_minutes * 60 * stale_after_intervals:
        state = "stale"
    elif ok_at is None:
        state = "error"
    else:
        state = run_state(last_run.ok, last_run.rejected or 0, last_run.failed or 0)
    return Freshness(feed, state, ok_at, run_at, last_ok.rows if last_ok else 0,
                     last_run.error if last_run else None, age, interval_minutes,
                     (last_run.rejected or 0) if last_run else 0, (last_run.failed or 0) if last_run else 0)


def feed_states(session, settings: Settings, now: dt.datetime | None = None) -> dict[str, Freshness]:
    """Every feed as it stood at `now` (default: the operation clock). Runs are recorded on the operation clock, so a
    replayed moment shows the ages it had then, and the demo's scenario clock agrees with its own feeds."""
    from ops.clock import load_clock

    now = as_utc(now) if now else load_clock(session).now()
    runs = queries.latest_feed_runs(session, now)
    return {name: judge(name, runs.get(name, {}).get("last"), runs.get(name, {}).get("last_ok"),
                        settings.feed_intervals.get(name, 60), settings.stale_after_intervals, now)
            for name in FEED_NAMES}
