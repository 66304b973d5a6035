"""Every write leaves a trace: who, what, before and after, when. Written in the same transaction as the change."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import utcnow


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def record(session: Session, actor: str, action: str, entity: str, entity_id: str | None,
           before: dict | None = None, after: dict | None = None) -> m.AuditLog:
    row = m.AuditLog(at=utcnow(), actor=actor, action=action, entity=entity, entity_id=entity_id,
                     before=_plain(before) if before is not None else None,
                     after=_plain(after) if after is not None else None)
    session.add(row)
    return row


def snapshot(obj, fields: tuple[str, ...]) -> dict:
    return {f: getattr(obj, f) for f in fields}


def audit_table(session: Session, limit: int = 500, actor: str | None = None, entity: str | None = None
                ) -> pd.DataFrame:
    q = select(m.AuditLog).order_by(m.AuditLog.id.desc()).limit(limit)
    if actor:
        q = q.where(m.AuditLog.actor == actor)
    if entity:
        q = q.where(m.AuditLog.entity == entity)
    rows = [{"id": a.id, "at": a.at, "actor": a.actor, "action": a.action, "entity": a.entity,
             "entity_id": a.entity_id, "before": a.before, "after": a.after} for a in session.scalars(q)]
    return pd.DataFrame(rows, columns=["id", "at", "actor", "action", "entity", "entity_id", "before", "after"])
