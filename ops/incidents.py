"""Incidents as they stood at a moment: each with its latest state and the updates so far."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import as_utc
from ops.region import in_area

SEVERITY_LABEL = {"tinggi": "Tinggi", "sedang": "Sedang", "rendah": "Rendah"}
SEVERITY_ORDER = {"tinggi": 0, "sedang": 1, "rendah": 2}
STATE_LABEL = {"terbuka": "Terbuka", "ditangani": "Ditangani", "selesai": "Selesai"}
# A table cell's tone (ui.components.toned): a high incident and one nobody handles yet are red, a middling one and one
# being handled amber, a closed one green; a low one plain.
SEVERITY_TONE = {"tinggi": "buruk", "sedang": "waspada"}
STATE_TONE = {"terbuka": "buruk", "ditangani": "waspada", "selesai": "baik"}
COLUMNS = ["id", "ref", "occurred_at", "category", "severity", "kecamatan_code", "desa_code", "tps_code", "title",
           "description", "reporter", "state", "state_at", "last_note", "updates"]


def incident_table(session: Session, now: dt.datetime, since: dt.datetime | None = None,
                   area: str | None = None) -> pd.DataFrame:
    """Incidents reported up to `now` (and from `since`; in `area`, a region code, when given), open ones first, most
    severe first, newest first."""
    now = as_utc(now)
    where = [m.Incident.occurred_at <= now, in_area(m.Incident.kecamatan_code, area)]
    if since is not None:
        where.append(m.Incident.occurred_at >= as_utc(since))
    incidents = list(session.scalars(select(m.Incident).where(*where)))
    updates: dict[int, list] = {}
    if incidents:
        for u in session.scalars(select(m.IncidentUpdate).where(
                m.IncidentUpdate.incident_id.in_(select(m.Incident.id).where(*where)),
                m.IncidentUpdate.occurred_at <= now)
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


JOIN_WINDOW = dt.timedelta(hours=12)  # a second report from the same TPS within this span is the same trouble


def new_ref(at: dt.datetime, identity: str | None = None, digits: int = 6) -> str:
    """A reference people can read out on the radio, unique without counting rows: KJD-20241127-7F3A2C. With an
    `identity` (a report's TPS and time) the same report always gets the same reference."""
    import hashlib
    import secrets

    tail = hashlib.sha256(identity.encode()).hexdigest()[:digits] if identity else secrets.token_hex(3)
    return f"KJD-{as_utc(at).astimezone(dt.timezone(dt.timedelta(hours=7))):%Y%m%d}-{tail.upper()}"


def report_ref(tps_code: str, at: dt.datetime, long: bool = False) -> str:
    """The reference of the incident a KPPS gangguan report opens. Six hex digits a day collide once a province or
    the nation reports thousands: the long form (ten digits) is for a report whose short one is taken."""
    return new_ref(at, f"{tps_code}|{as_utc(at).isoformat()}", digits=10 if long else 6)


def open_from_reports(session: Session, reports: list[dict], source: str) -> int:
    """KPPS status reports of 'gangguan' become incidents: each opens one at its TPS, or joins the incident already
    open there (reported within JOIN_WINDOW), so the Posko keeps one list of incidents, not two that disagree.
    `reports` are the new status reports just stored (tps_code, status, occurred_at, reporter, note)."""
    made = 0
    for r in sorted((r for r in reports if r["status"] == "gangguan"), key=lambda r: r["occurred_at"]):
        at = as_utc(r["occurred_at"])
        tps = session.get(m.Tps, r["tps_code"])
        if tps is None:
            continue
        recent = list(session.scalars(select(m.Incident).where(
            m.Incident.tps_code == tps.code, m.Incident.occurred_at <= at, m.Incident.occurred_at >= at - JOIN_WINDOW)
            .order_by(m.Incident.occurred_at.desc())))
        open_one = next((i for i in recent if _state_at(session, i.id, at) != "selesai"), None)
        note = (r.get("note") or "").strip()
        if open_one is not None:
            session.add(m.IncidentUpdate(incident_id=open_one.id, state="terbuka", occurred_at=at, recorded_at=at,
                                         actor=r.get("reporter") or "KPPS",
                                         note="laporan gangguan KPPS" + (f": {note}" if note else "")))
            continue
        ref = report_ref(tps.code, at)
        if session.scalar(select(m.Incident.id).where(m.Incident.ref == ref)) is not None:
            ref = report_ref(tps.code, at, long=True)
        inc = m.Incident(ref=ref, occurred_at=at, recorded_at=at, category="gangguan pemungutan",
                         severity="tinggi" if tps.kerawanan == "sangat_rawan" else "sedang",
                         kecamatan_code=tps.kecamatan_code, desa_code=tps.desa_code, tps_code=tps.code,
                         title=("Gangguan dilaporkan KPPS: " + note if note else "Gangguan dilaporkan KPPS")[:200],
                         source=source, reporter=r.get("reporter"))
        session.add(inc)
        session.flush()
        session.add(m.IncidentUpdate(incident_id=inc.id, state="terbuka", occurred_at=at, recorded_at=at,
                                     actor=r.get("reporter") or "KPPS", note="laporan status TPS: gangguan"))
        made += 1
    return made


def _state_at(session: Session, incident_id: int, at: dt.datetime) -> str:
    last = session.scalars(select(m.IncidentUpdate.state).where(
        m.IncidentUpdate.incident_id == incident_id, m.IncidentUpdate.occurred_at <= at)
        .order_by(m.IncidentUpdate.occurred_at.desc(), m.IncidentUpdate.id.desc())).first()
    return last or "terbuka"
