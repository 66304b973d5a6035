"""APScheduler jobs; exactly one scheduler at a time across processes, held by a lease row in the database.

The worker (`python -m ops worker`) and the dashboard's in-process scheduler both ask for the lease; whoever holds it
renews it every LEASE_RENEW seconds; a holder that dies loses it after LEASE_SECONDS and another may take over.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from ops import models as m
from ops.calendar import current_settings
from ops.clock import WIB, as_utc, utcnow
from ops.config import Settings
from ops.db import get_engine, session_scope, upgrade
from ops.feeds.registry import all_feeds
from ops.feeds.runner import FeedFailed, run_feed

log = logging.getLogger("ops.scheduler")
LEASE_NAME = "scheduler"
LEASE_SECONDS = 90
LEASE_RENEW = 30


def holder_id(kind: str) -> str:
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


def try_lease(settings: Settings, holder: str, now: dt.datetime | None = None) -> bool:
    """Take or renew the lease; False when another live holder has it."""
    now = now or utcnow()
    with session_scope(get_engine(settings.database_url)) as s:
        row = s.get(m.SchedulerLease, LEASE_NAME, with_for_update=True)
        if row is None:
            s.add(m.SchedulerLease(name=LEASE_NAME, holder=holder, expires_at=now + dt.timedelta(seconds=LEASE_SECONDS)))
            try:
                s.flush()
            except Exception:  # another process inserted first
                return False
            return True
        if row.holder != holder and as_utc(row.expires_at) > now:
            return False
        row.holder, row.expires_at = holder, now + dt.timedelta(seconds=LEASE_SECONDS)
        return True


def release_lease(settings: Settings, holder: str) -> None:
    with session_scope(get_engine(settings.database_url)) as s:
        row = s.get(m.SchedulerLease, LEASE_NAME)
        if row is not None and row.holder == holder:
            s.delete(row)


def lease_holder(settings: Settings) -> tuple[str, dt.datetime] | None:
    with session_scope(get_engine(settings.database_url)) as s:
        row = s.scalar(select(m.SchedulerLease).where(m.SchedulerLease.name == LEASE_NAME))
        return (row.holder, as_utc(row.expires_at)) if row else None


def demo_mode(settings: Settings) -> bool:
    """OPS_DEMO decides when set; otherwise a database built by `init --demo` runs the simulator."""
    if settings.demo is not None:
        return settings.demo
    from ops.queries import operation_meta

    with session_scope(get_engine(settings.database_url)) as s:
        return operation_meta(s).get("kind") == "demo"


def feeds_to_run(settings: Settings) -> list[str]:
    if demo_mode(settings):
        return ["simulator"]
    return [name for name, f in all_feeds().items() if name != "simulator" and f.enabled(settings)]


def _job(name: str, settings: Settings):
    def run():
        try:
            result = run_feed(name, settings)
            log.info("feed %s: %s rows", name, result.rows)
        except FeedFailed as e:
            log.warning("feed %s failed: %s", name, e)
    return run


def build_scheduler(settings: Settings) -> BackgroundScheduler:
    sched = BackgroundScheduler(timezone=WIB, job_defaults={"coalesce": True, "max_instances": 1,
                                                             "misfire_grace_time": 120})
    for name in feeds_to_run(settings):
        minutes = settings.feed_intervals.get(name, 60)
        sched.add_job(_job(name, settings), "interval", minutes=minutes, id=f"feed:{name}", name=f"feed {name}",
                      next_run_time=dt.datetime.now(WIB) + dt.timedelta(seconds=2), replace_existing=True)
    # The morning briefing, in WIB whatever the server's zone; an hour's grace if the Posko PC was asleep at 06:00.
    sched.add_job(_briefing_job(settings), "cron", hour=settings.briefing_time.hour,
                  minute=settings.briefing_time.minute, timezone=WIB, id="briefing:daily",
                  name="laporan harian", misfire_grace_time=3600, replace_existing=True)
    return sched


def _briefing_job(settings: Settings):
    def run() -> None:
        from ops.briefing import BriefingError, make_briefing
        try:
            result = make_briefing(settings, kind="terjadwal", made_by="penjadwal")
            log.info("daily briefing %s written: %s", result.id, result.pdf)
        except BriefingError as e:
            log.error("daily briefing not written: %s", e)
    return run


class LeasedScheduler:
    """Runs the jobs only while this process holds the lease; checks and renews it in its own thread."""

    def __init__(self, settings: Settings, kind: str):
        self.settings, self.holder = settings, holder_id(kind)
        self.scheduler: BackgroundScheduler | None = None
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="ops-lease", daemon=True)

    def start(self) -> "LeasedScheduler":
        self.thread.start()
        return self

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            try:
                held = try_lease(self.settings, self.holder)
            except Exception as e:  # the database may be briefly unavailable: try again next round
                log.warning("lease check failed: %s", e)
                held = False
            if held and self.scheduler is None:
                log.info("%s holds the scheduler lease; starting jobs: %s", self.holder, feeds_to_run(self.settings))
                self.scheduler = build_scheduler(current_settings(self.settings))  # the imported briefing time
                self.scheduler.start()
            elif not held and self.scheduler is not None:
                log.warning("%s lost the scheduler lease; stopping jobs", self.holder)
                self.scheduler.shutdown(wait=False)
                self.scheduler = None
            self.stop_event.wait(LEASE_RENEW)

    def stop(self) -> None:
        self.stop_event.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None
        release_lease(self.settings, self.holder)

    @property
    def running(self) -> bool:
        return self.scheduler is not None


def run_worker(settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    upgrade(get_engine(settings.database_url))
    current = lease_holder(settings)
    if current and current[1] > utcnow():
        log.info("lease held by %s until %s; waiting to take over", current[0], current[1].isoformat())
    worker = LeasedScheduler(settings, "worker").start()
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    worker.stop()
    return 0
