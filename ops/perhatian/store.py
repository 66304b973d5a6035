"""Perhatian items kept over time: the worker syncs each evaluation into the `alert` table (new, still there, gone),
escalates items nobody has taken, and writes an event for every change — and, for the channels configured, a message
into the outbox in the same transaction, so nothing is lost while a channel is down.

States: baru -> ditangani (someone took it: who, when, note) -> selesai (the condition cleared, or someone closed it).
An item that clears and comes back is opened again as baru."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.audit import _plain, record
from ops.auth import authorize
from ops.clock import as_utc, utcnow
from ops.config import Settings
from ops.perhatian.model import REGION_LEVELS, Item, Place, at_least, raise_severity, rank_key
from ops.region import in_area
from ops.perhatian import wording

SYSTEM = "sistem"


class PerhatianError(ValueError):
    """An action on an item that cannot be done; the message says why, for the person who tried."""


def channels(settings: Settings) -> list[str]:
    """The channels configured now: an empty token or URL disables a channel."""
    out = []
    if settings.telegram_bot_token and settings.telegram_chat_id:
        out.append("telegram")
    if settings.webhook_url:
        out.append("webhook")
    return out


def _payload(row: m.Alert, event: m.AlertEvent, settings: Settings) -> dict:
    item = to_item(row)
    return {"key": row.key, "kind": row.kind, "severity": event.severity, "event": event.event, "state": event.state,
            "place": item.place.as_json(), "title": wording.title(item), "action": wording.action(item),
            "since": _plain(row.since), "at": _plain(event.at), "actor": event.actor, "note": event.note,
            "escalations": row.escalations, "facts": row.facts, "operation": settings.operation_name,
            "polres": settings.polres_name}


def _event(session: Session, settings: Settings, row: m.Alert, at: dt.datetime, event: str, actor: str,
           note: str | None = None, notify: bool = True) -> m.AlertEvent:
    ev = m.AlertEvent(alert_id=row.id, at=at, event=event, state=row.state, severity=row.severity, actor=actor,
                      note=note)
    session.add(ev)
    session.flush()
    # Only items urgent enough reach the phones; a change of such an item is sent again (taken, escalated, finished).
    if notify and at_least(row.base_severity if event == "selesai" else row.severity, settings.notify_min_severity):
        now = utcnow()
        for channel in channels(settings):
            session.add(m.Outbox(event_id=ev.id, channel=channel, payload=_payload(row, ev, settings),
                                 created_at=now, attempts=0, next_attempt_at=now))
    return ev


def to_item(row) -> Item:
    """An Item from an Alert (or a row of ITEM_COLUMNS)."""
    return Item(row.kind, row.severity, Place(row.place_level, row.place_code, row.place_name, row.kecamatan_code),
                as_utc(row.since) if row.since else None, row.facts, row.state, row.taken_by,
                as_utc(row.taken_at) if row.taken_at else None, row.note, row.escalations, id=row.id)


# The columns an Item needs: open_items reads them as plain rows (no ORM objects; 12,000 items at the nation).
ITEM_COLUMNS = (m.Alert.id, m.Alert.kind, m.Alert.severity, m.Alert.place_level, m.Alert.place_code,
                m.Alert.place_name, m.Alert.kecamatan_code, m.Alert.since, m.Alert.facts, m.Alert.state,
                m.Alert.taken_by, m.Alert.taken_at, m.Alert.note, m.Alert.escalations)


def stamp(session: Session) -> tuple:
    """What moves whenever the stored items do: the newest event (an item new, taken, escalated, finished or cleared,
    by the worker or on any server) and the newest evaluation the worker stored (its facts, counted anew each
    minute). A page keys the items it holds on it, and reads them again when it moves."""
    return (session.scalar(select(func.max(m.AlertEvent.id))), session.scalar(select(func.max(m.Alert.last_seen))))


def open_items(session: Session, area: str | None = None) -> list[Item]:
    """The items the worker last found present and not finished, most urgent first: what an overview of a province or
    the nation lists (evaluating every TPS of the nation on a page would take minutes; the worker does it). With
    `area` (a drilled region code): those placed in it or in one of its kecamatan, those about an area holding it,
    and those about the whole operation (a data source) — not the nation's 12,000."""
    q = select(*ITEM_COLUMNS).where(m.Alert.active, m.Alert.state != "selesai")
    if area:
        parts = area.split(".")
        holding = [".".join(parts[:n]) for n in range(1, len(parts))]
        q = q.where(or_(in_area(m.Alert.place_code, area), in_area(m.Alert.kecamatan_code, area),
                        m.Alert.place_level.not_in(REGION_LEVELS), m.Alert.place_code.in_(holding)))
    rows = session.execute(q)
    return sorted((to_item(r) for r in rows), key=rank_key)


@dataclass
class SyncReport:
    new: int = 0
    reopened: int = 0
    cleared: int = 0
    escalated: int = 0
    open: int = 0

    def __str__(self) -> str:
        return (f"{self.open} terbuka — {self.new} baru, {self.reopened} muncul lagi, {self.cleared} selesai, "
                f"{self.escalated} dieskalasi")


def sync(session: Session, settings: Settings, items: list[Item], moment: dt.datetime) -> SyncReport:
    """Bring the stored items in line with one evaluation at `moment` (operation time)."""
    moment = as_utc(moment)
    report = SyncReport()
    by_key = {i.key: i for i in items}
    rows = {r.key: r for r in session.scalars(select(m.Alert).where(
        (m.Alert.active.is_(True)) | (m.Alert.state != "selesai")))}
    missing = [k for k in by_key if k not in rows]
    for start in range(0, len(missing), 500):
        rows.update({r.key: r for r in session.scalars(select(m.Alert).where(m.Alert.key.in_(missing[start:start + 500])))})
    for key, item in by_key.items():
        row = rows.get(key)
        facts = _plain(item.facts)
        if row is None:
            row = m.Alert(key=key, kind=item.kind, severity=item.severity, base_severity=item.severity,
                          place_level=item.place.level, place_code=item.place.code, place_name=item.place.name,
                          kecamatan_code=item.place.kecamatan_code, since=item.since or moment, facts=facts,
                          first_seen=moment, last_seen=moment, active=True, escalations=0,
                          # already taken elsewhere (an incident the Posko follows up): it starts as ditangani
                          state="ditangani" if item.state == "ditangani" else "baru",
                          taken_by=item.taken_by if item.state == "ditangani" else None,
                          taken_at=moment if item.state == "ditangani" else None)
            session.add(row)
            session.flush()
            _event(session, settings, row, moment, "baru", SYSTEM)
            report.new += 1
            continue
        if item.state == "ditangani" and row.state == "baru":
            # Taken outside Perhatian (an incident's follow-up recorded by the Posko): the item follows.
            row.state, row.taken_by, row.taken_at = "ditangani", item.taken_by, moment
            _event(session, settings, row, moment, "ditangani", item.taken_by or SYSTEM, item.note)
        rose = item.severity != row.base_severity and at_least(item.severity, row.base_severity)
        row.base_severity, row.facts, row.last_seen, row.place_name = item.severity, facts, moment, item.place.name
        row.severity = raise_severity(item.severity, row.escalations)
        if item.since is not None:
            row.since = item.since
        if not row.active:  # it had cleared and is back
            # A new episode: it is counted (and escalated) from now; the earlier one stays in the events.
            row.active, row.state, row.escalations, row.escalated_at, row.first_seen = True, "baru", 0, None, moment
            row.taken_by = row.taken_at = row.note = None
            row.severity = item.severity
            row.since = item.since or moment
            _event(session, settings, row, moment, "baru", SYSTEM, "muncul lagi")
            report.reopened += 1
        elif rose and row.state != "selesai":
            _event(session, settings, row, moment, "naik", SYSTEM)
    for key, row in rows.items():
        if key in by_key or not row.active:
            continue
        row.active, row.last_seen = False, moment
        if row.state != "selesai":
            row.state = "selesai"
            _event(session, settings, row, moment, "selesai", SYSTEM, "keadaan sudah teratasi")
            report.cleared += 1
    for row in rows.values():
        if row.active and row.state == "baru" and _overdue(row, settings, moment):
            row.escalations += 1
            row.escalated_at = moment
            row.severity = raise_severity(row.base_severity, row.escalations)
            _event(session, settings, row, moment, "eskalasi", SYSTEM,
                   f"belum ditangani setelah {settings.perhatian_escalate_minutes[row.base_severity]} mnt")
            report.escalated += 1
    report.open = sum(1 for r in rows.values() if r.active and r.state != "selesai") + report.new
    return report


def _overdue(row: m.Alert, settings: Settings, moment: dt.datetime) -> bool:
    minutes = settings.perhatian_escalate_minutes.get(row.base_severity)
    if not minutes:
        return False
    last = as_utc(row.escalated_at or row.first_seen)
    return (moment - last).total_seconds() >= minutes * 60


def _row(session: Session, alert_id: int) -> m.Alert:
    row = session.get(m.Alert, alert_id, with_for_update=True)
    if row is None:
        raise PerhatianError("hal ini tidak ditemukan (mungkin daftar sudah berubah; muat ulang halaman)")
    return row


def ensure(session: Session, settings: Settings, item: Item, moment: dt.datetime) -> int:
    """The stored row of an item seen on a screen before the worker's next minute (taking it must not wait)."""
    if item.id is not None:
        return item.id
    row = session.scalar(select(m.Alert).where(m.Alert.key == item.key))
    if row is None:
        row = m.Alert(key=item.key, kind=item.kind, severity=item.severity, base_severity=item.severity,
                      place_level=item.place.level, place_code=item.place.code, place_name=item.place.name,
                      kecamatan_code=item.place.kecamatan_code, since=item.since or as_utc(moment),
                      facts=_plain(item.facts), first_seen=as_utc(moment), last_seen=as_utc(moment), active=True,
                      state="baru", escalations=0)
        session.add(row)
        session.flush()
        _event(session, settings, row, as_utc(moment), "baru", SYSTEM)
    return row.id


def take(session: Session, settings: Settings, alert_id: int, actor: str, note: str | None,
         moment: dt.datetime) -> m.Alert:
    """Tangani: someone takes the item. Operators and up; audited."""
    authorize(session, actor, "entry")
    row = _row(session, alert_id)
    if row.state == "ditangani":
        raise PerhatianError(f"sudah ditangani oleh {row.taken_by}")
    if row.state == "selesai":
        raise PerhatianError("hal ini sudah selesai")
    note = (note or "").strip()[:1000] or None
    row.state, row.taken_by, row.taken_at, row.note = "ditangani", actor, as_utc(moment), note
    _event(session, settings, row, as_utc(moment), "ditangani", actor, note)
    record(session, actor, "tangani_perhatian", "perhatian", row.key[:60], {"state": "baru"},
           {"state": "ditangani", "catatan": note, "hal": row.kind, "tempat": row.place_name})
    return row


def finish(session: Session, settings: Settings, alert_id: int, actor: str, note: str | None,
           moment: dt.datetime) -> m.Alert:
    """Selesai by hand: the item is closed even if its condition persists; it opens again only after it clears."""
    authorize(session, actor, "entry")
    row = _row(session, alert_id)
    if row.state == "selesai":
        raise PerhatianError("hal ini sudah selesai")
    before = row.state
    note = (note or "").strip()[:1000] or None
    row.state, row.note = "selesai", note or row.note
    _event(session, settings, row, as_utc(moment), "selesai", actor, note)
    record(session, actor, "selesaikan_perhatian", "perhatian", row.key[:60], {"state": before},
           {"state": "selesai", "catatan": note, "hal": row.kind, "tempat": row.place_name})
    return row


def annotate(session: Session, items: list[Item], moment: dt.datetime) -> list[Item]:
    """The evaluated items with their stored state as it stood at `moment` (replay-safe: events after it are not
    seen): state, who took it, escalations, and since when it was first seen."""
    moment = as_utc(moment)
    keys = [i.key for i in items]
    rows: dict[str, m.Alert] = {}
    for start in range(0, len(keys), 500):
        rows.update({r.key: r for r in session.scalars(select(m.Alert).where(m.Alert.key.in_(keys[start:start + 500])))})
    ids = [r.id for r in rows.values()]
    history: dict[int, list[m.AlertEvent]] = {}
    for start in range(0, len(ids), 500):
        for ev in session.scalars(select(m.AlertEvent).where(m.AlertEvent.alert_id.in_(ids[start:start + 500]),
                                                             m.AlertEvent.at <= moment)
                                  .order_by(m.AlertEvent.at, m.AlertEvent.id)):
            history.setdefault(ev.alert_id, []).append(ev)
    out = []
    for item in items:
        row = rows.get(item.key)
        events = history.get(row.id, []) if row else []
        if not events:
            out.append(item)
            continue
        # The current episode starts at the last "baru" (an item that cleared and came back starts afresh).
        start = max(i for i, e in enumerate(events) if e.event == "baru") if any(e.event == "baru" for e in events) else 0
        episode = events[start:]
        last = episode[-1]
        taken = next((e for e in reversed(episode) if e.event == "ditangani"), None)
        escalations = sum(1 for e in episode if e.event == "eskalasi")
        state = "ditangani" if last.state == "baru" and item.state == "ditangani" else last.state
        out.append(item.with_state(
            state=state, severity=raise_severity(item.severity, escalations), escalations=escalations,
            taken_by=taken.actor if taken else item.taken_by, taken_at=as_utc(taken.at) if taken else item.taken_at,
            note=taken.note if taken else item.note, id=row.id,
            since=item.since or as_utc(episode[0].at)))
    return out


def delivery_state(session: Session) -> list[dict]:
    """Per channel: messages waiting, sent, failing now, and the last error — for the Sumber data page."""
    out = []
    for channel in sorted(set(session.scalars(select(m.Outbox.channel).distinct()))):
        waiting = session.scalar(select(func.count()).select_from(m.Outbox).where(
            m.Outbox.channel == channel, m.Outbox.sent_at.is_(None)))
        sent = session.scalar(select(func.count()).select_from(m.Outbox).where(
            m.Outbox.channel == channel, m.Outbox.sent_at.is_not(None)))
        last_sent = session.scalar(select(func.max(m.Outbox.sent_at)).where(m.Outbox.channel == channel))
        failing = session.scalars(select(m.Outbox).where(
            m.Outbox.channel == channel, m.Outbox.sent_at.is_(None), m.Outbox.attempts > 0)
            .order_by(m.Outbox.id.desc())).first()
        out.append({"channel": channel, "waiting": waiting, "sent": sent,
                    "last_sent": as_utc(last_sent) if last_sent else None,
                    "failing": bool(failing), "last_error": failing.last_error if failing else None,
                    "next_attempt": as_utc(failing.next_attempt_at) if failing else None})
    return out
