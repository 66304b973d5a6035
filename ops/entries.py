"""Operator entries: what arrives by radio or phone, typed in at the Posko. Each is appended as an event carrying
the operator's name, and each leaves an audit entry in the same transaction."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.audit import record
from ops.clock import as_utc, utcnow
from ops.coordination import ROLE_LABEL
from ops.incidents import open_from_reports
from ops.vocabulary import TPS_STATUS

SEVERITIES = ("rendah", "sedang", "tinggi")
INCIDENT_STATES = ("terbuka", "ditangani", "selesai")
LEG_STATES = ("berangkat", "tiba", "diserahkan")
VERIFICATION = ("belum", "terverifikasi", "perlu_cek")
SOURCE = "operator"


class EntryError(ValueError):
    """An entry that cannot be recorded; the message says which field and why."""


def _text(value: str | None, field: str, limit: int, required: bool = False) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise EntryError(f"{field} wajib diisi")
    if len(value) > limit:
        raise EntryError(f"{field} lebih dari {limit} karakter")
    return value or None


def _moment(at: dt.datetime, now: dt.datetime) -> dt.datetime:
    at = as_utc(at)
    if at > as_utc(now) + dt.timedelta(minutes=5):
        raise EntryError("waktu kejadian tidak boleh di masa depan (menurut jam operasi)")
    return at


def _tps(session: Session, code: str) -> m.Tps:
    tps = session.get(m.Tps, (code or "").strip())
    if tps is None:
        raise EntryError(f"TPS {code!r} tidak ada dalam daftar")
    return tps


def tps_status(session: Session, actor: str, now: dt.datetime, tps_code: str, status: str, at: dt.datetime,
               reporter: str | None, note: str | None) -> m.TpsStatusEvent:
    _tps(session, tps_code)
    if status not in TPS_STATUS:
        raise EntryError(f"status {status!r} tidak dikenal")
    ev = m.TpsStatusEvent(tps_code=tps_code, status=status, occurred_at=_moment(at, now), recorded_at=utcnow(),
                          source=SOURCE, reporter=_text(reporter, "pelapor", 120) or actor,
                          note=_text(note, "catatan", 1000))
    session.add(ev)
    session.flush()
    open_from_reports(session, [{"tps_code": tps_code, "status": status, "occurred_at": ev.occurred_at,
                                 "reporter": ev.reporter, "note": ev.note}], SOURCE)
    record(session, actor, "lapor_status", "tps", tps_code, None,
           {"status": status, "waktu": ev.occurred_at, "pelapor": ev.reporter, "catatan": ev.note})
    return ev


def incident(session: Session, actor: str, now: dt.datetime, category: str, severity: str, kecamatan_code: str,
             title: str, at: dt.datetime, tps_code: str | None = None, desa_code: str | None = None,
             description: str | None = None, follow_up: str | None = None, reporter: str | None = None) -> m.Incident:
    if severity not in SEVERITIES:
        raise EntryError(f"tingkat {severity!r} tidak dikenal")
    if tps_code:
        t = _tps(session, tps_code)
        kecamatan_code, desa_code = t.kecamatan_code, t.desa_code
    region = session.get(m.Region, kecamatan_code or "")
    if region is None or region.level != "kecamatan":
        raise EntryError("kecamatan wajib dipilih")
    at = _moment(at, now)
    n = session.scalar(select(func.count()).select_from(m.Incident)) + 1
    inc = m.Incident(ref=f"KJD-{at.astimezone(dt.timezone(dt.timedelta(hours=7))):%Y%m%d}-{n:02d}-OP",
                     occurred_at=at, recorded_at=utcnow(), category=_text(category, "kategori", 40, True),
                     severity=severity, kecamatan_code=kecamatan_code, desa_code=desa_code, tps_code=tps_code or None,
                     title=_text(title, "judul", 200, True), description=_text(description, "uraian", 4000),
                     source=SOURCE, reporter=_text(reporter, "pelapor", 120) or actor)
    session.add(inc)
    session.flush()
    session.add(m.IncidentUpdate(incident_id=inc.id, state="terbuka", occurred_at=at, recorded_at=utcnow(),
                                 actor=actor, note=_text(follow_up, "tindak lanjut", 1000) or "laporan diterima"))
    record(session, actor, "catat_kejadian", "kejadian", inc.ref, None,
           {"kategori": inc.category, "tingkat": severity, "judul": inc.title, "tps": tps_code,
            "kecamatan": kecamatan_code, "waktu": at})
    return inc


def incident_update(session: Session, actor: str, now: dt.datetime, incident_id: int, state: str, note: str,
                    at: dt.datetime) -> m.IncidentUpdate:
    inc = session.get(m.Incident, incident_id)
    if inc is None:
        raise EntryError("kejadian tidak ditemukan")
    if state not in INCIDENT_STATES:
        raise EntryError(f"keadaan {state!r} tidak dikenal")
    last = session.scalars(select(m.IncidentUpdate).where(m.IncidentUpdate.incident_id == incident_id)
                           .order_by(m.IncidentUpdate.occurred_at.desc(), m.IncidentUpdate.id.desc())).first()
    up = m.IncidentUpdate(incident_id=incident_id, state=state, occurred_at=_moment(at, now), recorded_at=utcnow(),
                          actor=actor, note=_text(note, "tindak lanjut", 1000, True))
    session.add(up)
    record(session, actor, "tindak_lanjut", "kejadian", inc.ref, {"keadaan": last.state if last else None},
           {"keadaan": state, "catatan": up.note, "waktu": up.occurred_at})
    return up


def handover(session: Session, actor: str, now: dt.datetime, leg_id: int, state: str, at: dt.datetime,
             received_by: str | None, note: str | None) -> m.LogisticsEvent:
    leg = session.get(m.LogisticsLeg, leg_id)
    if leg is None:
        raise EntryError("leg logistik tidak ditemukan")
    if state not in LEG_STATES:
        raise EntryError(f"keadaan {state!r} tidak dikenal")
    if state == "diserahkan" and not (received_by or "").strip():
        raise EntryError("serah terima perlu nama penerima")
    ev = m.LogisticsEvent(leg_id=leg_id, state=state, occurred_at=_moment(at, now), recorded_at=utcnow(),
                          source=SOURCE, actor=_text(received_by, "penerima", 120), note=_text(note, "catatan", 1000))
    session.add(ev)
    record(session, actor, "serah_terima", "logistik", str(leg_id), None,
           {"tahap": leg.stage, "ke": leg.to_name, "keadaan": state, "penerima": ev.actor, "waktu": ev.occurred_at})
    return ev


def coordination(session: Session, actor: str, now: dt.datetime, kecamatan_code: str, desa_code: str | None,
                 roles_met: list[str], topic: str, led_by: str, notes: str | None,
                 at: dt.datetime) -> m.CoordinationActivity:
    kec = session.get(m.Region, kecamatan_code or "")
    if kec is None or kec.level != "kecamatan":
        raise EntryError("kecamatan wajib dipilih")
    if desa_code:
        desa = session.get(m.Region, desa_code)
        if desa is None or desa.parent_code != kecamatan_code:
            raise EntryError("desa tidak berada di kecamatan itu")
    unknown = [r for r in roles_met if r not in ROLE_LABEL]
    if not roles_met or unknown:
        raise EntryError("pilih pemangku kepentingan yang ditemui" + (f" (tidak dikenal: {unknown})" if unknown else ""))
    act = m.CoordinationActivity(occurred_at=_moment(at, now), recorded_at=utcnow(), kecamatan_code=kecamatan_code,
                                 desa_code=desa_code or None, roles_met=list(roles_met),
                                 topic=_text(topic, "kegiatan", 200, True), led_by=_text(led_by, "dipimpin", 120, True),
                                 notes=_text(notes, "catatan", 4000), source=SOURCE)
    session.add(act)
    record(session, actor, "catat_koordinasi", "koordinasi", desa_code or kecamatan_code, None,
           {"ditemui": list(roles_met), "kegiatan": act.topic, "oleh": act.led_by, "waktu": act.occurred_at})
    return act


def kerawanan_change(session: Session, actor: str, tps_code: str, kerawanan: str, reason: str,
                     indikator: list[str] | None = None) -> m.Tps:
    tps = _tps(session, tps_code)
    if kerawanan not in m.KERAWANAN:
        raise EntryError(f"kerawanan {kerawanan!r} tidak dikenal")
    reason = _text(reason, "alasan", 1000, True)
    before = {"kerawanan": tps.kerawanan, "indikator": list(tps.indikator or [])}
    if kerawanan == tps.kerawanan and (indikator is None or indikator == before["indikator"]):
        raise EntryError("tidak ada perubahan")
    tps.kerawanan = kerawanan
    if indikator is not None:
        tps.indikator = indikator
    record(session, actor, "ubah_kerawanan", "tps", tps_code, before,
           {"kerawanan": kerawanan, "indikator": list(tps.indikator or []), "alasan": reason})
    return tps


def verify(session: Session, actor: str, tps_code: str, state: str, note: str | None) -> m.Tps:
    tps = _tps(session, tps_code)
    if state not in VERIFICATION:
        raise EntryError(f"status verifikasi {state!r} tidak dikenal")
    before = {"verification": tps.verification, "verified_by": tps.verified_by}
    tps.verification, tps.verified_by, tps.verified_at = state, actor, utcnow()
    record(session, actor, "verifikasi", "tps", tps_code, before,
           {"verification": state, "verified_by": actor, "catatan": _text(note, "catatan", 1000)})
    return tps
