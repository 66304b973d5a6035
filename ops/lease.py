"""The scheduler lease: one row in the database says which process runs the jobs, until when, and under which token.

Whoever holds the lease renews it every `scheduler_renew_seconds`; a holder that stops renewing loses it after
`scheduler_lease_seconds` and another process may take over. Each time the lease changes hands it gets a new token.
A job remembers the token it started under and passes `fence(settings, token)` to its store transaction: the write
commits only while that token is still the lease's, so a holder that froze past its lease and woke up stores nothing.
"""
from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from typing import Callable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import as_utc, utcnow
from ops.config import Settings
from ops.db import get_engine, session_scope

LEASE_NAME = "scheduler"
FENCED_OUT = "penjadwal kehilangan lease; data tidak disimpan"


class LeaseLost(Exception):
    """The lease changed hands while a job ran: the job's writes are refused."""

    def __init__(self) -> None:
        super().__init__(FENCED_OUT)


def holder_id(kind: str) -> str:
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


def new_token() -> str:
    return uuid.uuid4().hex


def try_lease(settings: Settings, holder: str, now: dt.datetime | None = None) -> str | None:
    """Take or renew the lease; the token to write under, or None when another live holder has it.

    Renewing keeps the token (even past expiry, as long as nobody else took the lease meanwhile); taking the lease,
    from nobody or from an expired holder, makes a new one."""
    now = now or utcnow()
    until = now + dt.timedelta(seconds=settings.scheduler_lease_seconds)
    with session_scope(get_engine(settings.database_url)) as s:
        if s.get_bind().dialect.name == "postgresql":
            # A holder frozen in the middle of this transaction must not keep the row locked (and every other process
            # out) for as long as it sleeps: the server ends such a session.
            idle_ms = int(max(settings.scheduler_renew_seconds, 5) * 1000)
            s.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = {idle_ms}"))
        row = s.get(m.SchedulerLease, LEASE_NAME, with_for_update=True)
        if row is None:
            token = new_token()
            s.add(m.SchedulerLease(name=LEASE_NAME, holder=holder, expires_at=until, token=token))
            try:
                s.flush()
            except Exception:  # another process inserted first
                return None
            return token
        if row.holder != holder:
            if as_utc(row.expires_at) > now:
                return None
            row.holder, row.token = holder, new_token()
        row.expires_at = until
        row.token = row.token or new_token()  # a row from before tokens existed
        return row.token


def release_lease(settings: Settings, holder: str) -> None:
    """Hand the lease back; its token goes with it, so a job of this holder still running can no longer store."""
    with session_scope(get_engine(settings.database_url)) as s:
        row = s.get(m.SchedulerLease, LEASE_NAME, with_for_update=True)
        if row is not None and row.holder == holder:
            s.delete(row)


def lease_holder(settings: Settings) -> tuple[str, dt.datetime] | None:
    with session_scope(get_engine(settings.database_url)) as s:
        row = s.scalar(select(m.SchedulerLease).where(m.SchedulerLease.name == LEASE_NAME))
        return (row.holder, as_utc(row.expires_at)) if row else None


def live_holder(settings: Settings, now: dt.datetime | None = None) -> str | None:
    """Who runs the jobs now: the holder of an unexpired lease, or None (then queued work waits)."""
    current = lease_holder(settings)
    return current[0] if current and current[1] > (now or utcnow()) else None


def fence(token: str) -> Callable[[Session], None]:
    """A check to run inside a store transaction just before it commits: raises LeaseLost unless `token` is current.

    PostgreSQL: the lease row is locked FOR UPDATE, so a takeover waits until this transaction ends and a write can
    never commit after the token changed. SQLite: the store's writes already hold the database's one write lock."""
    def check(session: Session) -> None:
        session.flush()  # the job's own writes first: on SQLite they take the write lock the check then holds
        row = session.get(m.SchedulerLease, LEASE_NAME, with_for_update=True, populate_existing=True)
        if row is None or row.token != token:
            raise LeaseLost()
    return check
