"""Incidents as they stood at a moment: each with its latest state and the updates so far."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import as_utc

SEVERITY_LABEL = {"tinggi": "Tinggi", "sedang": "Sedang", "rendah": "Rendah"}
SEVERITY_ORDER = {"tinggi": 0, "sedang": 1, "rendah": 2}
STATE_LABEL = {"terbuka": "Terbuka", "ditangani": "Ditangani", "selesai": "Selesai"}
COLUMNS = ["id", "ref", "occurred_at", "category", "severity", "kecamatan_code", "desa_code", "tps_code", "title",
           "description", "reporter", "state", "state_at", "last_note", "updates"]


def incident_table(session: Session, now: dt.datetime, since: dt.datetime | None = None) -> pd.DataFrame:
    """Incidents reported up to `now` (and from `since`), open ones first, most severe first, newest first."""
    now = as_utc(now)
    q = select(m.Incident).where(m.Incident.occurred_at <= now)
    if since is not None:
        q = q.where(m.Incident.occurred_at >= as_utc(since))
    incidents = list(session.scalars(q))
    updates: dict[int, list] = {}
    if incidents:
        for u in session.scalars(select(m.IncidentUpdate).where(
                m.IncidentUpdate.incident_id.in_([i.id for i in incidents]), m.IncidentUpdate.occurred_at <= now)
                .order_by(m.IncidentUpdate.occurred_at, m.IncidentUpdate.id)):
            updates.setdefault(u.incident_id, []).append(
                {"at": as_utc(u.occurred_at), "state": u.state, "actor": u.actor, "note": u.note})
    rows = []
    for i in incidents:
        ups = updates.get(i.id, [])
        last = ups[-1] if ups else None
        rows.append({"id": i.id, "ref": i.ref, "occurred_at": as_utc(i.occurred_at), "category": i.category,
                     "severity": i.severity, "kecamatan_code": i.kecamatan_code, "desa_code": i.desa_code,
                     "tps_code": i.tps_code, "title": i.title, "description": i.description, "reporter": i.reporter,
                     "state": last["state"] if last else "terbuka", "state_at": last["at"] if last else None,
                     "last_note": last["note"] if last else None, "updates": ups})
    df = pd.DataFrame(rows, columns=COLUMNS)
    if df.empty:
        return df
    df["_open"] = (df["state"] == "selesai").astype(int)
    df["_sev"] = df["severity"].map(SEVERITY_ORDER)
    df = df.sort_values(["_open", "_sev", "occurred_at"], ascending=[True, True, False])
    return df.drop(columns=["_open", "_sev"]).reset_index(drop=True)
