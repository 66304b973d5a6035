"""Operator entries: what arrives by radio or phone, typed in at the Posko. Each is appended as an event carrying
the operator's name, and each leaves an audit entry in the same transaction.

Nothing is recorded twice. The same report saved again — a double click, a retry after an error, two operators typing
the same radio call — finds what is on record and answers with it (`Recorded.new` is False). A report is "the same" by
its natural key (a TPS status: TPS, status, time; a hand-over: leg, state, time) or, where there is none (incidents,
follow-ups, meetings), by the one-time key of the form it was typed into. The database settles races by those unique
keys (INSERT … ON CONFLICT DO NOTHING), not a read before the write: two savers at the same moment cannot both win.

Every write first re-reads the acting user (`ops.auth.authorize`) in the same transaction, so an account disabled or
demoted since it logged in records nothing."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ops import models as m
from ops.audit import record
from ops.auth import authorize
from ops.clock import as_utc, utcnow
from ops.coordination import ROLE_LABEL
from ops.incidents import SEVERITY_LABEL, STATE_LABEL, new_ref, open_from_reports
from ops.vocabulary import TPS_STATUS

SEVERITIES = tuple(SEVERITY_LABEL)
INCIDENT_STATES = tuple(STATE_LABEL)
LEG_STATES = ("berangkat", "tiba", "diserahkan")
VERIFICATION = m.VERIFIKASI
SOURCE = "operator"
ENTRY_KEY_MAX = 40  # the entry_key columns


class EntryError(ValueError):
    """An entry that cannot be recorded; the message says which field and why."""


@dataclass(frozen=True)
class Recorded:
    """What is on record after a save: written now, or found from an earlier save of the same report."""
    action: str  # the audit action, i.e. what kind of entry (lapor_status, catat_kejadian, …)
    new: bool  # False: the same report was already on record and nothing was written now
    ref: str  # how people name it: incident reference, TPS code, leg, place
    by: str | None  # who recorded it, when known
    at: dt.datetime | None  # when it was recorded (UTC)
    values: dict[str, Any]  # the values on record, under the audit entry's field names
    row: Any = field(default=None, repr=False, compare=False)


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


def _key(entry_key: str | None) -> str | None:
    if entry_key is not None and not 0 < len(entry_key) <= ENTRY_KEY_MAX:
        raise EntryError("kunci formulir tidak sah; muat ulang halaman")
    return entry_key


def _append_once(session: Session, model: type[m.Base], key: dict[str, Any], values: dict[str, Any]
                 ) -> tuple[Any, bool]:
    """The row on record for `key` and whether it was written now; (None, False) when the insert met another unique
    key of the table instead (a NULL key matches nothing).

    INSERT … ON CONFLICT DO NOTHING: a second saver of the same key waits for the first one's transaction to end and
    then inserts nothing, on SQLite and PostgreSQL alike."""
    insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[session.get_bind().dialect.name]
    new_id = session.scalar(insert(model).values(**key, **values).on_conflict_do_nothing().returning(model.id))
    if new_id is not None:
        return session.get(model, new_id), True
    if any(v is None for v in key.values()):
        return None, False
    return session.scalars(select(model).filter_by(**key)).one_or_none(), False


def _audit_entry(session: Session, action: str, entity_id: str, **match: Any) -> m.AuditLog | None:
    """The newest audit entry of `action` on `entity_id` whose recorded values include `match`: who did it, when."""
    want = {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in match.items()}
    for entry in session.scalars(select(m.AuditLog).where(m.AuditLog.action == action,
                                                          m.AuditLog.entity_id == entity_id)
                                 .order_by(m.AuditLog.id.desc())):
        if all((entry.after or {}).get(k) == v for k, v in want.items()):
            return entry
    return None


def _by(entry: m.AuditLog | None) -> str | None:
    return entry.actor if entry else None


def tps_status(session: Session, actor: str, now: dt.datetime, tps_code: str, status: str, at: dt.datetime,
               reporter: str | None, note: str | None) -> Recorded:
    authorize(session, actor, "entry")
    tps = _tps(session, tps_code)
    if status not in TPS_STATUS:
        raise EntryError(f"status {status!r} tidak dikenal")
    key = {"tps_code": tps.code, "status": status, "occurred_at": _moment(at, now), "source": SOURCE}
    ev, new = _append_once(session, m.TpsStatusEvent, key, {
        "recorded_at": utcnow(), "reporter": _text(reporter, "pelapor", 120) or actor,
        "note": _text(note, "catatan", 1000)})
    values = {"status": ev.status, "waktu": as_utc(ev.occurred_at), "pelapor": ev.reporter, "catatan": ev.note}
    if new:
        # A KPPS 'gangguan' report opens (or joins) an incident: one incident list for the Posko.
        open_from_reports(session, [{"tps_code": ev.tps_code, "status": ev.status, "occurred_at": ev.occurred_at,
                                     "reporter": ev.reporter, "note": ev.note}], SOURCE)
        record(session, actor, "lapor_status", "tps", tps.code, None, values)
    by = actor if new else _by(_audit_entry(session, "lapor_status", tps.code, status=status, waktu=key["occurred_at"]))
    return Recorded("lapor_status", new, tps.code, by, as_utc(ev.recorded_at), values, ev)


def incident(session: Session, actor: str, now: dt.datetime, category: str, severity: str, kecamatan_code: str,
             title: str, at: dt.datetime, tps_code: str | None = None, desa_code: str | None = None,
             description: str | None = None, follow_up: str | None = None, reporter: str | None = None,
             entry_key: str | None = None) -> Recorded:
    authorize(session, actor, "entry")
    if severity not in SEVERITIES:
        raise EntryError(f"tingkat {severity!r} tidak dikenal")
    if tps_code:
        t = _tps(session, tps_code)
        tps_code, kecamatan_code, desa_code = t.code, t.kecamatan_code, t.desa_code
    region = session.get(m.Region, kecamatan_code or "")
    if region is None or region.level != "kecamatan":
        raise EntryError("kecamatan wajib dipilih")
    at = _moment(at, now)
    fields = {"occurred_at": at, "recorded_at": utcnow(), "category": _text(category, "kategori", 40, True),
              "severity": severity, "kecamatan_code": kecamatan_code, "desa_code": desa_code,
              "tps_code": tps_code or None, "title": _text(title, "judul", 200, True),
              "description": _text(description, "uraian", 4000), "source": SOURCE,
              "reporter": _text(reporter, "pelapor", 120) or actor}
    note = _text(follow_up, "tindak lanjut", 1000) or "laporan diterima"
    key = {"entry_key": _key(entry_key)}
    for _ in range(5):  # another reference on the rare draw of one already taken
        inc, new = _append_once(session, m.Incident, key, {**fields, "ref": new_ref(at)})
        if inc is not None:
            break
    else:
        raise EntryError("nomor kejadian tidak dapat dibuat; coba simpan lagi")
    values = {"kategori": inc.category, "tingkat": inc.severity, "judul": inc.title, "tps": inc.tps_code,
              "kecamatan": inc.kecamatan_code, "waktu": as_utc(inc.occurred_at)}
    if new:
        session.add(m.IncidentUpdate(incident_id=inc.id, state="terbuka", occurred_at=at, recorded_at=utcnow(),
                                     actor=actor, note=note))
        record(session, actor, "catat_kejadian", "kejadian", inc.ref, None, values)
    by = actor if new else _by(_audit_entry(session, "catat_kejadian", inc.ref))
    return Recorded("catat_kejadian", new, inc.ref, by, as_utc(inc.recorded_at), values, inc)


def incident_update(session: Session, actor: str, now: dt.datetime, incident_id: int, state: str, note: str,
                    at: dt.datetime, entry_key: str | None = None) -> Recorded:
    authorize(session, actor, "entry")
    inc = session.get(m.Incident, incident_id)
    if inc is None:
        raise EntryError("kejadian tidak ditemukan")
    if state not in INCIDENT_STATES:
        raise EntryError(f"keadaan {state!r} tidak dikenal")
    last = session.scalars(select(m.IncidentUpdate).where(m.IncidentUpdate.incident_id == incident_id)
                           .order_by(m.IncidentUpdate.occurred_at.desc(), m.IncidentUpdate.id.desc())).first()
    fields = {"incident_id": incident_id, "state": state, "occurred_at": _moment(at, now), "recorded_at": utcnow(),
              "actor": actor, "note": _text(note, "tindak lanjut", 1000, True)}
    up, new = _append_once(session, m.IncidentUpdate, {"entry_key": _key(entry_key)}, fields)
    if up.incident_id != inc.id:  # the key was spent on another incident's follow-up: answer with that one
        inc = session.get(m.Incident, up.incident_id)
    values = {"keadaan": up.state, "catatan": up.note, "waktu": as_utc(up.occurred_at)}
    if new:
        record(session, actor, "tindak_lanjut", "kejadian", inc.ref, {"keadaan": last.state if last else None},
               values)
    return Recorded("tindak_lanjut", new, inc.ref, up.actor, as_utc(up.recorded_at), values, up)


def handover(session: Session, actor: str, now: dt.datetime, leg_id: int, state: str, at: dt.datetime,
             received_by: str | None, note: str | None) -> Recorded:
    authorize(session, actor, "entry")
    leg = session.get(m.LogisticsLeg, leg_id)
    if leg is None:
        raise EntryError("leg logistik tidak ditemukan")
    if state not in LEG_STATES:
        raise EntryError(f"keadaan {state!r} tidak dikenal")
    if state == "diserahkan" and not (received_by or "").strip():
        raise EntryError("serah terima perlu nama penerima")
    key = {"leg_id": leg.id, "state": state, "occurred_at": _moment(at, now)}
    ev, new = _append_once(session, m.LogisticsEvent, key, {
        "recorded_at": utcnow(), "source": SOURCE, "actor": _text(received_by, "penerima", 120),
        "note": _text(note, "catatan", 1000)})
    values = {"tahap": leg.stage, "ke": leg.to_name, "keadaan": ev.state, "penerima": ev.actor,
              "waktu": as_utc(ev.occurred_at)}
    if new:
        record(session, actor, "serah_terima", "logistik", str(leg.id), None, values)
    by = actor if new else _by(_audit_entry(session, "serah_terima", str(leg.id), keadaan=state,
                                            waktu=key["occurred_at"]))
    return Recorded("serah_terima", new, f"{leg.from_name} → {leg.to_name}", by, as_utc(ev.recorded_at), values, ev)


def coordination(session: Session, actor: str, now: dt.datetime, kecamatan_code: str, desa_code: str | None,
                 roles_met: list[str], topic: str, led_by: str, notes: str | None,
                 at: dt.datetime, entry_key: str | None = None) -> Recorded:
    authorize(session, actor, "entry")
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
    fields = {"occurred_at": _moment(at, now), "recorded_at": utcnow(), "kecamatan_code": kecamatan_code,
              "desa_code": desa_code or None, "roles_met": list(roles_met),
              "topic": _text(topic, "kegiatan", 200, True), "led_by": _text(led_by, "dipimpin", 120, True),
              "notes": _text(notes, "catatan", 4000), "source": SOURCE}
    act, new = _append_once(session, m.CoordinationActivity, {"entry_key": _key(entry_key)}, fields)
    place = act.desa_code or act.kecamatan_code
    values = {"ditemui": list(act.roles_met), "kegiatan": act.topic, "oleh": act.led_by,
              "waktu": as_utc(act.occurred_at)}
    if new:
        record(session, actor, "catat_koordinasi", "koordinasi", place, None, values)
    by = actor if new else _by(_audit_entry(session, "catat_koordinasi", place, kegiatan=act.topic,
                                            waktu=values["waktu"]))
    return Recorded("catat_koordinasi", new, place, by, as_utc(act.recorded_at), values, act)


def _set_if_unchanged(session: Session, tps: m.Tps, read: dict[str, Any], values: dict[str, Any]) -> bool:
    """Update the TPS only if the columns in `read` still hold what was read: a concurrent change makes this a no-op
    (False), and the caller looks again, so two savers of the same change record it once."""
    same = [getattr(m.Tps, k).is_(None) if v is None else getattr(m.Tps, k) == v for k, v in read.items()]
    done = session.execute(update(m.Tps).where(m.Tps.code == tps.code, *same).values(**values),
                           execution_options={"synchronize_session": False}).rowcount
    session.refresh(tps)
    return bool(done)


def kerawanan_change(session: Session, actor: str, tps_code: str, kerawanan: str, reason: str,
                     indikator: list[str] | None = None) -> Recorded:
    authorize(session, actor, "entry")
    tps = _tps(session, tps_code)
    if kerawanan not in m.KERAWANAN:
        raise EntryError(f"kerawanan {kerawanan!r} tidak dikenal")
    reason = _text(reason, "alasan", 1000, True)
    for _ in range(3):  # look again after a concurrent change
        before = {"kerawanan": tps.kerawanan, "indikator": list(tps.indikator or [])}
        if kerawanan == tps.kerawanan and (indikator is None or indikator == before["indikator"]):
            last = _audit_entry(session, "ubah_kerawanan", tps.code)
            return Recorded("ubah_kerawanan", False, tps.code, _by(last), as_utc(last.at) if last else None, before,
                            tps)
        after = {"kerawanan": kerawanan, "indikator": before["indikator"] if indikator is None else list(indikator)}
        if _set_if_unchanged(session, tps, {"kerawanan": before["kerawanan"]}, after):
            values = {**after, "alasan": reason}
            record(session, actor, "ubah_kerawanan", "tps", tps.code, before, values)
            return Recorded("ubah_kerawanan", True, tps.code, actor, utcnow(), values, tps)
    raise EntryError("TPS ini sedang diubah pengguna lain; coba simpan lagi")


def verify(session: Session, actor: str, tps_code: str, state: str, note: str | None) -> Recorded:
    authorize(session, actor, "verify")
    tps = _tps(session, tps_code)
    if state not in VERIFICATION:
        raise EntryError(f"status verifikasi {state!r} tidak dikenal")
    note = _text(note, "catatan", 1000)
    for _ in range(3):  # look again after a concurrent change
        before = {"verification": tps.verification, "verified_by": tps.verified_by}
        last = _audit_entry(session, "verifikasi", tps.code)
        last_note = (last.after or {}).get("catatan") if last else None
        # The same result saved again, with nothing new to say, is not a new verification.
        if state == tps.verification and note in (None, last_note):
            return Recorded("verifikasi", False, tps.code, tps.verified_by,
                            as_utc(tps.verified_at) if tps.verified_at else None,
                            {**before, "catatan": last_note}, tps)
        stamp = utcnow()
        if _set_if_unchanged(session, tps, {"verification": tps.verification, "verified_at": tps.verified_at},
                             {"verification": state, "verified_by": actor, "verified_at": stamp}):
            values = {"verification": state, "verified_by": actor, "catatan": note}
            record(session, actor, "verifikasi", "tps", tps.code, before, values)
            return Recorded("verifikasi", True, tps.code, actor, stamp, values, tps)
    raise EntryError("TPS ini sedang diubah pengguna lain; coba simpan lagi")
