"""APScheduler jobs, run by exactly one process at a time: the holder of the lease (`ops.lease`).

`python -m ops worker` is the scheduler's home: it waits for the database, takes the lease when it is free, runs the
feeds, the daily briefing and the job queue, and on SIGTERM hands the lease back and ends at once. A job that is still
waiting on a slow source then finds its token gone and stores nothing. The dashboard server only reads, unless
`run_scheduler_in_app` makes it the scheduler's home as well (a single-process setup).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import sys
import threading
import time
from typing import Callable, NoReturn

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ops import jobs, partitions
from ops.calendar import current_settings
from ops.clock import WIB, utcnow
from ops.config import Settings
from ops.db import DatabaseError, cause, get_engine, is_outage, session_scope, unreachable, upgrade
from ops.feeds.registry import FEED_NAMES, all_feeds
from ops.feeds.runner import FeedFailed, Source, run_feed
from ops.lease import LeaseLost, fence, holder_id, lease_holder, live_holder, release_lease, try_lease

__all__ = ["LeasedScheduler", "build_scheduler", "feeds_to_run", "lease_holder", "live_holder", "run_worker",
           "try_lease"]
log = logging.getLogger("ops.scheduler")


def demo_mode(settings: Settings) -> bool:
    """OPS_DEMO decides when set; otherwise a database built by `init --demo` runs its feeds from the demo source."""
    if settings.demo is not None:
        return settings.demo
    from ops.queries import operation_meta

    with session_scope(get_engine(settings.database_url)) as s:
        return operation_meta(s).get("kind") == "demo"


def feeds_to_run(settings: Settings, demo: bool | None = None) -> list[str]:
    """The feeds the scheduler runs: in demo mode every feed (from the demo source), else the enabled, configured ones."""
    if demo is None:
        demo = demo_mode(settings)
    if demo:
        return list(FEED_NAMES)
    return [name for name, f in all_feeds().items() if f.enabled(settings)]


def _guarded(what: str, work: Callable[[], object]) -> Callable[[], object]:
    """One log line instead of APScheduler's traceback when the database is away or the lease moved on (the work's
    result, None then)."""
    def run() -> object:
        try:
            return work()
        except LeaseLost as e:
            log.warning("%s: %s", what, e)
        except DBAPIError as e:
            if not is_outage(e):
                raise
            log.warning("%s: database not answering (%s)", what, cause(e))
        return None
    return run


def _feed_job(name: str, settings: Settings, token: str, source: Source | None = None) -> Callable[[], None]:
    def work() -> None:
        try:
            result = run_feed(name, settings, fence=fence(token), source=source)
            log.info("feed %s: %s rows", name, result.rows)
        except FeedFailed as e:
            log.warning("feed %s failed: %s", name, e)
    return _guarded(f"feed {name}", work)


def _briefing_job(settings: Settings, token: str) -> Callable[[], None]:
    def work() -> None:
        from ops.briefing import BriefingError, make_briefing
        try:
            result = make_briefing(settings, kind="terjadwal", made_by="penjadwal", fence=fence(token))
            log.info("daily briefing %s written: %s", result.id, result.pdf)
        except BriefingError as e:
            log.error("daily briefing not written: %s", e)
    return _guarded("daily briefing", work)


READMODEL_LOCK_TIMEOUT = "10s"


def _minute_job(settings: Settings, token: str) -> Callable[[], None]:
    """Every minute: bring the read model up to the operation clock (only what new events touched), then evaluate
    Perhatian on it, keep the items (escalating the untaken) and deliver the messages due. All fenced: a holder that
    lost the lease writes nothing and sends nothing. Perhatian is evaluated even when the read model could not be
    brought current (then from the history)."""
    def readmodel_part():  # -> readmodel.Report: the rows it rewrote, for Perhatian's held table
        from ops import readmodel
        from ops.clock import load_clock

        with session_scope(get_engine(settings.database_url)) as session:
            if session.get_bind().dialect.name == "postgresql":
                # A former holder frozen mid-refresh keeps its rows locked: give up after a while, so that Perhatian
                # is still evaluated this minute (from the history).
                session.execute(text(f"SET LOCAL lock_timeout = '{READMODEL_LOCK_TIMEOUT}'"))
            report = readmodel.keep_current(session, settings, load_clock(session).now())
            fence(token)(session)
        log.info("read model %s", report)
        return report

    def perhatian_part(refreshed) -> None:
        from ops import perhatian
        from ops.perhatian.notify import deliver_due

        report = perhatian.sync_now(settings, fence=fence(token), use_readmodel=refreshed is not None,
                                    refreshed=refreshed)
        delivered = deliver_due(get_engine(settings.database_url), settings, fence=fence(token))
        log.info("perhatian: %s; sent %s, waiting %s%s", report, delivered.sent or 0, delivered.waiting,
                 "".join(f"; {c} failed: {e}" for c, e in delivered.failed.items()))

    def boards_part() -> None:
        from ops.clock import load_clock
        from ops.readmodel import boards

        t = time.perf_counter()
        with session_scope(get_engine(settings.database_url)) as session:
            made = boards.keep(session, settings, load_clock(session).now())
            fence(token)(session)
        log.info("boards: %s in %.1f s", ", ".join(made) or "none (operation above %s TPS)" % boards.BOARD_MAX_TPS,
                 time.perf_counter() - t)

    def work() -> None:
        try:
            refreshed = _guarded("read model", readmodel_part)()
        except Exception:  # a fault in the read model must not keep Perhatian from the commander
            log.exception("read model not brought current")
            refreshed = None
        _guarded("perhatian", lambda: perhatian_part(refreshed))()
        # Last: the boards only spare the pages work, Perhatian must not wait for them; without them pages compute.
        try:
            _guarded("boards", boards_part)()
        except Exception:
            log.exception("boards not made")
    return work


def _demo_entries_job(settings: Settings, token: str) -> Callable[[], None]:
    """Demo mode, every minute: the operator entries (hand-overs, incidents, follow-ups) up to the clock, fenced."""
    def work() -> None:
        from ops.demo.runs import entries_job

        log.info("demo entries: %s written", entries_job(settings, fence(token)))
    return _guarded("demo entries", work)


def _queue_job(settings: Settings, token: str) -> Callable[[], None]:
    return _guarded("job queue", lambda: jobs.run_queued(settings, fence(token)))


def _prune_logins(settings: Settings, token: str) -> None:
    from ops.logins import prune

    with session_scope(get_engine(settings.database_url)) as session:
        gone = prune(session, settings)
        fence(token)(session)
    if gone:
        log.info("login tries pruned: %s", gone)


def build_scheduler(settings: Settings, token: str) -> BackgroundScheduler:
    """The jobs of one lease holding: every write they make is fenced by `token`."""
    sched = BackgroundScheduler(timezone=WIB, job_defaults={"coalesce": True, "max_instances": 1,
                                                             "misfire_grace_time": 120})
    soon = dt.datetime.now(WIB) + dt.timedelta(seconds=2)
    demo = demo_mode(settings)
    source = None
    if demo:  # every feed at its own interval, fetching from the demo source; the operator entries follow
        from ops.demo.source import DemoSource

        source = DemoSource()
        sched.add_job(_demo_entries_job(settings, token), "interval", minutes=1, id="demo:entries",
                      name="demo entri operator", next_run_time=soon, replace_existing=True)
    for name in feeds_to_run(settings, demo):
        sched.add_job(_feed_job(name, settings, token, source), "interval", minutes=settings.feed_intervals[name],
                      id=f"feed:{name}", name=f"feed {name}", next_run_time=soon, replace_existing=True)
    # The morning briefing, in WIB whatever the server's zone; an hour's grace if the Posko PC was asleep at 06:00.
    sched.add_job(_briefing_job(settings, token), "cron", hour=settings.briefing_time.hour,
                  minute=settings.briefing_time.minute, timezone=WIB, id="briefing:daily",
                  name="laporan harian", misfire_grace_time=3600, replace_existing=True)
    sched.add_job(_minute_job(settings, token), "interval", minutes=1, id="minute", name="read model + perhatian",
                  next_run_time=soon, replace_existing=True)
    sched.add_job(_queue_job(settings, token), "interval", seconds=settings.job_poll_seconds, id="jobs:queue",
                  name="antrean pekerjaan", next_run_time=soon, replace_existing=True)
    sched.add_job(_guarded("login pruning", lambda: _prune_logins(settings, token)), "interval", hours=1,
                  id="logins:prune", name="bersihkan percobaan masuk", next_run_time=soon, replace_existing=True)
    # PostgreSQL's day partitions: the days ahead made, the expired dropped; at the start of a holding, then daily.
    sched.add_job(_guarded("partitions", lambda: partitions.maintain_now(settings, fence(token))), "interval",
                  hours=24, id="partitions:daily", name="partisi harian", next_run_time=soon, replace_existing=True)
    return sched


class LeasedScheduler:
    """Runs the jobs only while this process holds the lease; checks and renews it in its own thread."""

    def __init__(self, settings: Settings, kind: str):
        self.settings, self.holder = settings, holder_id(kind)
        self.scheduler: BackgroundScheduler | None = None
        self.token: str | None = None
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="ops-lease", daemon=True)

    def start(self) -> "LeasedScheduler":
        self.thread.start()
        return self

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            try:
                token = try_lease(self.settings, self.holder)
                if token != self.token:
                    self._hand_over(token)
            except DBAPIError as e:
                # Keep what runs: if another process takes over meanwhile, the fence refuses this one's writes.
                log.warning("lease check failed, database not answering: %s", cause(e))
            except Exception:  # never let the lease thread die: the next round tries again
                log.exception("lease check failed")
            self.stop_event.wait(self.settings.scheduler_renew_seconds)

    def _hand_over(self, token: str | None) -> None:
        if self.scheduler is not None:
            log.warning("%s lost the scheduler lease; stopping jobs", self.holder)
            self.scheduler.shutdown(wait=False)  # a job still running is fenced out by its old token
            self.scheduler = None
        self.token = None
        if token is None:
            return
        log.info("%s holds the scheduler lease; starting jobs: %s", self.holder, feeds_to_run(self.settings))
        requeued = jobs.requeue_abandoned(self.settings, fence(token))
        if requeued:
            log.info("%s job(s) left running by the previous holder queued again", requeued)
        self.scheduler = build_scheduler(current_settings(self.settings), token)  # the imported briefing time
        self.scheduler.start()
        self.token = token  # only now: a failure above is tried again next round

    def stop(self) -> None:
        """Stop at once: running jobs are not waited for; releasing the lease fences them out."""
        self.stop_event.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        try:
            release_lease(self.settings, self.holder)
        except DBAPIError as e:
            log.warning("lease not handed back (database not answering: %s); it expires by itself", cause(e))
        except Exception as e:  # noqa: BLE001 - a stop must end the process cleanly whatever the pool's state
            log.warning("lease not handed back (%s: %s); it expires by itself", type(e).__name__, e)

    @property
    def running(self) -> bool:
        return self.scheduler is not None


def wait_for_database(settings: Settings, stop: threading.Event) -> bool:
    """Create or upgrade the schema, waiting for a database that does not answer; False when stopped meanwhile."""
    engine = get_engine(settings.database_url)  # a URL that cannot be used is a mistake to fix, not to wait out
    delay = settings.db_retry_seconds
    while not stop.is_set():
        try:
            upgrade(engine)
            return True
        except (DatabaseError, DBAPIError) as e:  # DatabaseError: check_connection found no server
            if isinstance(e, DBAPIError) and not is_outage(e):
                raise
            text = str(e) if isinstance(e, DatabaseError) else unreachable(settings.database_url, e)
            log.warning("%s; trying again in %.1f s", text, delay)
            stop.wait(delay)
            delay = min(delay * 2, settings.db_retry_max_seconds)
    return False


def run_worker(settings: Settings) -> NoReturn:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic's plugin list at every try and APScheduler's two lines per job run (the queue: every job_poll_seconds)
    # would bury the lines that say something; the jobs log their own outcome.
    for noisy in ("alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    if wait_for_database(settings, done) and not done.is_set():
        holder = live_holder(settings)
        if holder:
            log.info("lease held by %s; waiting to take over", holder)
        worker = LeasedScheduler(settings, "worker").start()
        done.wait()
        worker.stop()
    log.info("worker stopped at %s", utcnow().isoformat(timespec="seconds"))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # A job thread may still wait on a slow HTTP call; its lease is handed back, so it could store nothing anyway.
    os._exit(0)
