"""Day partitions of the event tables on PostgreSQL (migration 0006): made ahead of time, dropped whole once older than
their retention — dropping a day is the retention, never a DELETE.

A day is a WIB day of the operation clock (real time in a real operation, the scenario clock in the demo). A row
whose day has no partition yet (the worker was down for a week, a tracker with a wrong clock) waits in the default
partition and moves into its day's partition when that is made. `init` and the worker's daily job run `maintain`.
On SQLite nothing is partitioned and nothing here does anything.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ops.clock import WIB, load_clock, wib_at
from ops.config import Settings
from ops.db import get_engine, session_scope

log = logging.getLogger("ops.partitions")


@dataclass(frozen=True)
class Partitioned:
    table: str
    column: str  # the partition key
    retention: str | None  # the setting that holds its retention in days; None: kept for the whole operation


# Positions: a fix per device every half minute, some 2,900 a device a day, kept position_retention_days. TPS status
# reports: a few per TPS a day, and readiness at every past moment is computed from them, so they stay for the whole
# operation and its after-action review; their days are partitions all the same, so that a finished operation's
# days can be detached and archived whole and a day's reads never touch the others.
PARTITIONED = (Partitioned("position_event", "fix_time", "position_retention_days"),
               Partitioned("tps_status_event", "occurred_at", None))
# Waiting on a lock for longer than this would hold every page's reads behind the DDL; the next run tries again.
LOCK_TIMEOUT = "5s"
# A holder that stops mid-transaction (a frozen process, a paused VM) would keep an event table locked for everyone:
# the server ends such a transaction once it has idled this long, and the locks go with it.
IDLE_TIMEOUT = "15s"


@dataclass
class Maintenance:
    made: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    moved: int = 0  # rows moved out of the default partitions
    skipped: list[str] = field(default_factory=list)  # a partition whose lock did not come in time


def partition_name(table: str, day: dt.date) -> str:
    return f"{table}_p{day:%Y%m%d}"


def day_partitions(session: Session, table: str) -> dict[dt.date, str]:
    """The day partitions of `table` (not its default), by day."""
    prefix = f"{table}_p"
    out = {}
    for (name,) in session.execute(text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                        "WHERE i.inhparent = CAST(:t AS regclass)"), {"t": table}):
        if name.startswith(prefix):
            out[dt.datetime.strptime(name[len(prefix):], "%Y%m%d").date()] = name
    return out


def maintain(session: Session, settings: Settings, now: dt.datetime) -> Maintenance:
    """Make the partitions from yesterday to partition_days_ahead ahead of `now`'s day (and those of the days waiting
    in a default partition), then drop the days older than their table's retention."""
    done = Maintenance()
    if session.get_bind().dialect.name != "postgresql":
        return done
    today = now.astimezone(WIB).date()
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    session.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = '{IDLE_TIMEOUT}'"))
    for spec in PARTITIONED:
        have = day_partitions(session, spec.table)
        waiting = set(session.scalars(text(
            f"SELECT DISTINCT CAST(({spec.column} AT TIME ZONE 'Asia/Jakarta') AS date) FROM {spec.table}_default")))
        ahead = {today + dt.timedelta(days=d) for d in range(-1, settings.partition_days_ahead + 1)}
        to_make = sorted((ahead | waiting) - set(have))
        oldest_kept = today - dt.timedelta(days=getattr(settings, spec.retention)) if spec.retention else None
        if not to_make and not any(oldest_kept and day < oldest_kept for day in have):
            continue
        # The table first, then its partitions: the order every query takes its locks in, so that a page reading the
        # table meanwhile waits for this transaction rather than deadlocking with it.
        if not _locked(session, done, spec.table, lambda: session.connection().exec_driver_sql(
                f"LOCK TABLE {spec.table} IN ACCESS EXCLUSIVE MODE")):
            continue
        for day in to_make:
            if _locked(session, done, partition_name(spec.table, day),
                       lambda: _make(session, spec, day, day in waiting, done)):
                have[day] = partition_name(spec.table, day)
        for day, name in sorted(have.items()):
            if oldest_kept and day < oldest_kept and _locked(
                    session, done, name, lambda: session.connection().exec_driver_sql(f"DROP TABLE {name}")):
                done.dropped.append(name)
    return done


def analyze(session: Session, tables: list[str] | None = None) -> None:
    """Gather PostgreSQL's planner statistics (every table, or those named). Autovacuum never gathers them for a
    partitioned table's parent, and a bulk load outruns it: without them a kabupaten's newest deliveries at the nation
    were planned as 15 rows and read as 2.4 million (1.5 s instead of 0.15)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    ddl = session.connection().exec_driver_sql
    if tables is None:
        ddl("ANALYZE")
    for table in tables or []:
        ddl(f"ANALYZE {table}")


def maintain_now(settings: Settings, fence: Callable[[Session], None] | None = None) -> Maintenance:
    """maintain() at the operation clock's moment, in one transaction (fenced when the worker runs it); then the
    partitioned tables' statistics (daily, with it)."""
    with session_scope(get_engine(settings.database_url)) as session:
        done = maintain(session, settings, load_clock(session).now())
        if fence is not None:
            fence(session)
    with session_scope(get_engine(settings.database_url)) as session:
        analyze(session, [spec.table for spec in PARTITIONED])
    if done.made or done.dropped or done.skipped:
        log.info("partitions: made %s, dropped %s, moved %s rows out of the default; lock not had for %s",
                 done.made, done.dropped, done.moved, done.skipped)
    return done


def _make(session: Session, spec: Partitioned, day: dt.date, waiting: bool, done: Maintenance) -> None:
    name = partition_name(spec.table, day)
    bounds = f"FOR VALUES FROM ('{wib_at(day, dt.time(0)).isoformat()}') " \
             f"TO ('{wib_at(day + dt.timedelta(days=1), dt.time(0)).isoformat()}')"
    ddl = session.connection().exec_driver_sql
    if not waiting:
        ddl(f"CREATE TABLE {name} PARTITION OF {spec.table} {bounds}")
    else:
        # A partition cannot be made over rows of its range in the default: they move into a table first, which
        # then joins as the day's partition.
        ddl(f"CREATE TABLE {name} (LIKE {spec.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        moved = session.execute(text(
            f"WITH moved AS (DELETE FROM {spec.table}_default WHERE {spec.column} >= :lo AND {spec.column} < :hi "
            f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"),
            {"lo": wib_at(day, dt.time(0)), "hi": wib_at(day + dt.timedelta(days=1), dt.time(0))})
        done.moved += moved.rowcount
        ddl(f"ALTER TABLE {spec.table} ATTACH PARTITION {name} {bounds}")
    done.made.append(name)


def _locked(session: Session, done: Maintenance, name: str, work: Callable[[], object]) -> bool:
    """Run one DDL step in a savepoint; False (and noted) when its lock did not come within LOCK_TIMEOUT."""
    try:
        with session.begin_nested():
            work()
        return True
    except OperationalError as e:
        if getattr(e.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        done.skipped.append(name)
        return False
