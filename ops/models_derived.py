"""Tables the worker derives from the events: the Perhatian items with their history and the messages to phones, and
the read model (per-TPS facts and scores, roll-ups per area, snapshots for replay). Nothing here is a record of what
happened: every row can be rebuilt from the events and reference data in ops/models.py."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ops.models_base import Base, UTCDateTime


# ---------------- Perhatian ----------------

class Alert(Base):
    """One Perhatian item as the worker has seen it: identity (kind at a place), what it said last, and its state."""
    __tablename__ = "alert"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(8))  # as shown: the rule's severity raised by escalations
    base_severity: Mapped[str] = mapped_column(String(8))  # as the rule gave it
    place_level: Mapped[str] = mapped_column(String(16))
    place_code: Mapped[str] = mapped_column(String(60))
    place_name: Mapped[str] = mapped_column(String(200))
    kecamatan_code: Mapped[str | None] = mapped_column(String(20))
    since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean)  # the condition was present at the last evaluation
    state: Mapped[str] = mapped_column(String(12))  # baru, ditangani, selesai
    taken_by: Mapped[str | None] = mapped_column(String(80))
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The worker reads the items still open or still present; closed and gone ones stay for history.
    __table_args__ = (Index("ix_alert_active_state", "active", "state"),)


class AlertEvent(Base):
    """Every change of an item (new, taken, escalated, finished, reopened), in operation time: replay reads these."""
    __tablename__ = "alert_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    event: Mapped[str] = mapped_column(String(16))  # baru, ditangani, selesai, eskalasi, naik
    state: Mapped[str] = mapped_column(String(12))  # the item's state after the event
    severity: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_alert_event_alert_at", "alert_id", "at"),)


class Outbox(Base):
    """A message owed to a channel: written with the event, removed from the queue only when the channel took it."""
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("alert_event.id"))
    channel: Mapped[str] = mapped_column(String(16))  # telegram, webhook
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # One message per event per channel; delivery picks the unsent by channel and due time.
    __table_args__ = (UniqueConstraint("event_id", "channel", name="uq_outbox_event_channel"),
                      Index("ix_outbox_channel_sent_next", "channel", "sent_at", "next_attempt_at"))


# ---------------- read model (kept current by the worker) ----------------

class TpsState(Base):
    """Each TPS as the worker last computed it: its facts from the event history and its readiness per tahapan.
    Pages read this instead of recomputing the history; the worker refreshes only what new events touched."""
    __tablename__ = "tps_state"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    kabupaten_code: Mapped[str] = mapped_column(String(8))
    kecamatan_code: Mapped[str] = mapped_column(String(12))
    desa_code: Mapped[str] = mapped_column(String(16))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    skor_sebelum: Mapped[float | None] = mapped_column(Float)
    skor_pemungutan: Mapped[float | None] = mapped_column(Float)
    skor_sesudah: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)  # per tahapan: problems and components (kinds and facts)
    gathered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the operation moment of the facts
    scored_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Drill-down reads one kabupaten's or one kecamatan's TPS.
    __table_args__ = (Index("ix_tps_state_kabupaten", "kabupaten_code"),
                      Index("ix_tps_state_kecamatan", "kecamatan_code"))


class AreaRollup(Base):
    """Readiness per area and tahapan, summed up from tps_state (counts add up: kecamatan -> kabupaten -> provinsi)."""
    __tablename__ = "area_rollup"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)  # "" is the nation
    tahapan: Mapped[str] = mapped_column(String(12), primary_key=True)
    level: Mapped[str] = mapped_column(String(12))
    parent_code: Mapped[str | None] = mapped_column(String(24))
    tps: Mapped[int] = mapped_column(Integer)
    dinilai: Mapped[int] = mapped_column(Integer)
    siap: Mapped[int] = mapped_column(Integer)
    masalah: Mapped[dict[str, int]] = mapped_column(JSON)  # issue kind -> TPS with it
    angka: Mapped[dict[str, int] | None] = mapped_column(JSON)  # headline.TPS_COUNTS (and late deliveries) -> count
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The overview reads one level's areas under a parent (the kabupaten of a province, the kecamatan of a kabupaten).
    __table_args__ = (Index("ix_area_rollup_parent", "parent_code", "tahapan"),)


class TpsSnapshot(Base):
    """tps_state as it stood at a moment (taken every few hours by the worker): a replay starts from the nearest one
    before the moment asked and recomputes only the TPS that events touched since."""
    __tablename__ = "tps_snapshot"
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReadBoard(Base):
    """A whole-operation table the worker made for one minute (ops.readmodel.boards), with the versions of what it
    was made from; pages take it for that minute while those are unchanged. One row per board, replaced each minute:
    read by its key only."""
    __tablename__ = "read_board"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    moment: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    versions: Mapped[str] = mapped_column(String(400))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
