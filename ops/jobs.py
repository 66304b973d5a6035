"""The worker's job queue: work a page asks for (a briefing) is queued in the `job` table and run by the lease holder.

A page never draws charts with Chromium itself: it queues the job, shows its progress and the result. The lease holder
claims the oldest queued job, runs it, and writes progress, result or error back; each of those writes is fenced by
the lease token, so a holder that lost the lease neither runs nor finishes a job another holder has taken over.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ops import models as m
from ops.auth import authorize
from ops.clock import as_utc, utcnow
from ops.config import Settings
from ops.db import get_engine, session_scope
from ops.lease import FENCED_OUT, LeaseLost

log = logging.getLogger("ops.jobs")

JOB_STATES = ("antri", "berjalan", "selesai", "gagal")
QUEUED, RUNNING, DONE, FAILED = JOB_STATES
FINISHED = (DONE, FAILED)
Fence = Callable[[Session], None]


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    state: str
    requested_by: str
    requested_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    progress: str | None
    result: dict[str, Any] | None
    error: str | None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


@dataclass(frozen=True)
class Claim:
    """One run of a job: the claim's start time tells it apart from a later run of the same job."""
    id: int
    kind: str
    params: dict[str, Any]
    requested_by: str
    started_at: dt.datetime


def request_briefing(session: Session, username: str | None, moment: dt.datetime) -> int:
    """Queue a briefing of `moment` asked for by `username` (operator and up); the worker makes it."""
    user = authorize(session, username, "entry")
    job = m.Job(kind="briefing", params={"moment": as_utc(moment).isoformat()}, requested_by=user.username,
                requested_at=utcnow(), state=QUEUED)
    session.add(job)
    session.flush()
    return job.id


def job_view(settings: Settings, job_id: int) -> JobView | None:
    with session_scope(get_engine(settings.database_url)) as s:
        j = s.get(m.Job, job_id)
        if j is None:
            return None
        return JobView(j.id, j.kind, j.state, j.requested_by, as_utc(j.requested_at),
                       j.started_at and as_utc(j.started_at), j.finished_at and as_utc(j.finished_at), j.progress,
                       j.result, j.error)


def _claim(settings: Settings, fence: Fence) -> Claim | None:
    with session_scope(get_engine(settings.database_url)) as s:
        q = select(m.Job).where(m.Job.state == QUEUED).order_by(m.Job.requested_at, m.Job.id).limit(1)
        job = s.scalars(q.with_for_update(skip_locked=True)).first()
        if job is None:
            return None
        job.state, job.started_at, job.progress = RUNNING, utcnow(), "dimulai"
        fence(s)
        return Claim(job.id, job.kind, dict(job.params), job.requested_by, as_utc(job.started_at))


def _write(settings: Settings, claim: Claim, fence: Fence | None, **values: Any) -> bool:
    """Update this run of the job; False when the job is no longer this run's (requeued by a new holder)."""
    with session_scope(get_engine(settings.database_url)) as s:
        done = s.execute(update(m.Job).where(m.Job.id == claim.id, m.Job.state == RUNNING,
                                             m.Job.started_at == claim.started_at).values(**values))
        if fence is not None:
            fence(s)
        return done.rowcount == 1


def _run_briefing(settings: Settings, claim: Claim, fence: Fence, progress: Callable[[str], None]) -> dict:
    from ops.briefing import make_briefing

    moment = dt.datetime.fromisoformat(claim.params["moment"]) if claim.params.get("moment") else None
    result = make_briefing(settings, moment=moment, kind="manual", made_by=claim.requested_by, progress=progress,
                           fence=fence)
    return {"briefing_id": result.id, "pdf": str(result.pdf), "html": str(result.html)}


# One declared list of what the queue can run: kind -> runner(settings, claim, fence, progress) -> result.
RUNNERS: dict[str, Callable[[Settings, Claim, Fence, Callable[[str], None]], dict]] = {"briefing": _run_briefing}


def run_queued(settings: Settings, fence: Fence) -> int:
    """Run every queued job, oldest first; the number run. Stops at the first sign that the lease is gone."""
    count = 0
    while (claim := _claim(settings, fence)) is not None:
        count += 1
        try:
            result = RUNNERS[claim.kind](settings, claim, fence,
                                         lambda step: _write(settings, claim, fence, progress=step[:200]))
        except LeaseLost:
            # Recorded without the fence: it says why nothing was stored, and only if no new holder took the job.
            _write(settings, claim, None, state=FAILED, finished_at=utcnow(), error=FENCED_OUT)
            raise
        except Exception as e:  # the person who asked reads this on the page
            log.warning("job %s (%s) failed: %s", claim.id, claim.kind, e)
            _write(settings, claim, fence, state=FAILED, finished_at=utcnow(), error=str(e)[:2000])
        else:
            _write(settings, claim, fence, state=DONE, finished_at=utcnow(), progress="selesai", result=result)
    return count


def requeue_abandoned(settings: Settings, fence: Fence) -> int:
    """On taking the lease: jobs left running by the previous holder go back to the queue (its runs are fenced)."""
    with session_scope(get_engine(settings.database_url)) as s:
        done = s.execute(update(m.Job).where(m.Job.state == RUNNING)
                         .values(state=QUEUED, started_at=None, progress="diulang: penjadwal berganti"))
        fence(s)
        return done.rowcount
