"""ORM models. Reference data (region, polsek, TPS, personnel, plans) is updated in place and audited; everything that
happens (status reports, positions, logistics movements, incidents, coordination, feed runs, edits) is appended."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from ops.models_base import Base, UTCDateTime

KERAWANAN = ("kurang_rawan", "rawan", "sangat_rawan")
AKSES = ("darat", "sungai")
VERIFIKASI = ("belum", "terverifikasi", "perlu_cek")


class Region(Base):
    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(12), index=True)  # kabupaten, kecamatan, desa, kelurahan
    parent_code: Mapped[str | None] = mapped_column(String(20), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # GeoJSON geometry, lon/lat


class Polsek(Base):
    __tablename__ = "polsek"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    hq_lat: Mapped[float] = mapped_column(Float)
    hq_lon: Mapped[float] = mapped_column(Float)


class PolsekKecamatan(Base):
    __tablename__ = "polsek_kecamatan"
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    polsek_code: Mapped[str] = mapped_column(ForeignKey("polsek.code"), index=True)


class Tps(Base):
    __tablename__ = "tps"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)  # desa code + 3-digit number
    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    dpt: Mapped[int] = mapped_column(Integer)
    kerawanan: Mapped[str] = mapped_column(String(16), index=True)
    indikator: Mapped[list[str]] = mapped_column(JSON, default=list)  # the indicators behind the kerawanan class
    akses: Mapped[str] = mapped_column(String(8), default="darat")
    polsek_code: Mapped[str | None] = mapped_column(ForeignKey("polsek.code"), index=True)
    distance_km: Mapped[float | None] = mapped_column(Float)  # travel distance from its Polsek
    travel_min: Mapped[float | None] = mapped_column(Float)
    linmas: Mapped[int] = mapped_column(Integer, default=2)
    cluster_code: Mapped[str | None] = mapped_column(String(40), index=True)
    verification: Mapped[str] = mapped_column(String(16), default="belum")
    verified_by: Mapped[str | None] = mapped_column(String(80))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Personnel(Base):
    __tablename__ = "personnel"
    nrp: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    rank: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(80))
    polsek_code: Mapped[str | None] = mapped_column(ForeignKey("polsek.code"), index=True)
    # The kabupaten/kota of the Polres of an officer of no Polsek (a Polres unit at a Polda; a Polsek's officer has
    # its Polsek's); empty: the operation's own Polres, or a BKO of the Polda.
    polres_code: Mapped[str | None] = mapped_column(String(20), index=True)
    role: Mapped[str] = mapped_column(String(40))
    bko: Mapped[bool] = mapped_column(Boolean, default=False)
    device_id: Mapped[str | None] = mapped_column(String(40), unique=True)


class Assignment(Base):
    __tablename__ = "assignment"
    # Officers' rows of one shift (ops.duty._held: the nation has 400,004 officers over 16 shifts); its nrp prefix
    # serves the look-ups by officer alone.
    __table_args__ = (Index("ix_assignment_nrp_shift", "nrp", "shift"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nrp: Mapped[str] = mapped_column(ForeignKey("personnel.nrp"))
    tps_code: Mapped[str | None] = mapped_column(ForeignKey("tps.code"), index=True)
    cluster_code: Mapped[str | None] = mapped_column(String(40), index=True)
    tahapan: Mapped[str] = mapped_column(String(12))
    shift: Mapped[str] = mapped_column(String(20), default="penuh")
    task: Mapped[str] = mapped_column(String(60))


class LogisticsLeg(Base):
    __tablename__ = "logistics_leg"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(10))  # berangkat (out to the TPS) or kembali (back to the PPK)
    stage: Mapped[str] = mapped_column(String(20))  # gudang-ppk, ppk-pps, pps-tps, tps-pps, pps-ppk
    from_name: Mapped[str] = mapped_column(String(160))
    to_name: Mapped[str] = mapped_column(String(160))
    from_lat: Mapped[float] = mapped_column(Float)
    from_lon: Mapped[float] = mapped_column(Float)
    to_lat: Mapped[float] = mapped_column(Float)
    to_lon: Mapped[float] = mapped_column(Float)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    tps_code: Mapped[str | None] = mapped_column(ForeignKey("tps.code"), index=True)
    mode: Mapped[str] = mapped_column(String(8))  # darat or sungai
    distance_km: Mapped[float] = mapped_column(Float)
    planned_depart: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    planned_arrive: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    boxes: Mapped[int] = mapped_column(Integer)  # ballot boxes carried


class Stakeholder(Base):
    __tablename__ = "stakeholder"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    role: Mapped[str] = mapped_column(String(40))  # kpu_ppk, bawaslu_panwascam, camat, kepala_desa, tokoh_agama, ...
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))


class OperationClockRow(Base):
    __tablename__ = "operation_clock"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    anchored_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    speed: Mapped[float] = mapped_column(Float, default=1.0)


class OperationMeta(Base):
    """Small facts about the database itself (demo or real, seed, when loaded)."""
    __tablename__ = "operation_meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ---------------- append-only events ----------------

class TpsStatusEvent(Base):
    """On PostgreSQL partitioned by day of `occurred_at` (migration 0006, ops.partitions): there the primary key is
    (id, occurred_at), as a partitioned table's must include the partition key; `id` alone stays unique (identity)."""
    __tablename__ = "tps_status_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tps_code: Mapped[str] = mapped_column(ForeignKey("tps.code"))
    status: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(40))
    reporter: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    # The report key makes a resent report one row (entries, the TPS sheet); its tps_code prefix serves the sheet's
    # check of what it stored before. (tps_code, occurred_at): one TPS's history up to a moment (tps_detail).
    __table_args__ = (UniqueConstraint("tps_code", "status", "occurred_at", "source", name="uq_tps_status_event_report"),
                      Index("ix_tps_status_event_tps_time", "tps_code", "occurred_at"))


class FixFields:
    """What one fix says, kept alike in the history and in the latest-position row."""
    fix_time: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    battery: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(40))


class PositionEvent(FixFields, Base):
    """Every fix, append-only. On PostgreSQL partitioned by day of `fix_time` (migration 0006, ops.partitions), old
    days dropped whole after position_retention_days; the primary key there is (id, fix_time) and `id` a bigint
    identity that stays unique on its own, which is all the ORM needs of it."""
    __tablename__ = "position_event"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(40))
    nrp: Mapped[str | None] = mapped_column(ForeignKey("personnel.nrp"))
    # A tracker that resends its last fix is not a new position: (device, fix time) is unique. Its index also serves
    # one device's fixes over a span (a late fix's recount, a replayed moment for a few devices).
    # ix_position_event_time: every fix of a span (a replayed moment's on-site check). Nothing reads positions by nrp.
    __table_args__ = (UniqueConstraint("device_id", "fix_time", name="uq_position_event_fix"),
                      Index("ix_position_event_time", "fix_time"))


class PositionLatest(FixFields, Base):
    """One row per device, kept by the ingest in the transaction that stores its fixes: the newest fix, and what the
    on-site check needs so that the dashboard never scans the history (ops.presence): since when the device's fixes
    have stayed inside its post's radius with no silence longer than the silent limit, and when one was last outside,
    both judged under `post_rule` (its post's places and the limits then in force)."""
    __tablename__ = "position_latest"
    # Only the primary key: every read takes the whole table (one row per device), and an index on a column the ingest
    # updates would stop PostgreSQL's in-place (HOT) updates.
    device_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    nrp: Mapped[str | None] = mapped_column(String(20))
    post_rule: Mapped[str | None] = mapped_column(String(16))
    stay_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outside_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PositionLatestMark(Base):
    """Which transaction last wrote position_latest: on PostgreSQL a trigger sets `txid` before every statement that
    writes the table, whoever runs it. The ingest holds the facts it wrote between polls and reads the table again only
    when another transaction has written it since (ops.position_ingest). One row; on SQLite `txid` stays empty."""
    __tablename__ = "position_latest_mark"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    txid: Mapped[int | None] = mapped_column(BigInteger)


class LogisticsEvent(Base):
    __tablename__ = "logistics_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    leg_id: Mapped[int] = mapped_column(ForeignKey("logistics_leg.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # berangkat, tiba, diserahkan
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(120))  # who handed over / received
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("leg_id", "state", "occurred_at", name="uq_logistics_event_step"),)


class Incident(Base):
    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(12))  # rendah, sedang, tinggi
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    tps_code: Mapped[str | None] = mapped_column(ForeignKey("tps.code"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(40))
    reporter: Mapped[str | None] = mapped_column(String(120))
    # The form's one-time key: the same submission saved twice (double click, retry after an error) is one incident.
    entry_key: Mapped[str | None] = mapped_column(String(40), unique=True)


class IncidentUpdate(Base):
    __tablename__ = "incident_update"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # terbuka, ditangani, selesai
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    entry_key: Mapped[str | None] = mapped_column(String(40), unique=True)


class CoordinationActivity(Base):
    __tablename__ = "coordination_activity"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    roles_met: Mapped[list[str]] = mapped_column(JSON)  # stakeholder roles present
    topic: Mapped[str] = mapped_column(String(200))
    led_by: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(40))
    entry_key: Mapped[str | None] = mapped_column(String(40), unique=True)


class FeedRun(Base):
    __tablename__ = "feed_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed: Mapped[str] = mapped_column(String(24))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    # Requests of this run that failed while others answered (a BMKG desa with HTTP 500): the run is partial.
    failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_feed_run_feed_started", "feed", "started_at"),)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# ---------------- feed data ----------------

class WeatherForecast(Base):
    __tablename__ = "weather_forecast"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_code: Mapped[str] = mapped_column(String(20))  # desa (BMKG adm4) or kecamatan (Open-Meteo point)
    source: Mapped[str] = mapped_column(String(12))  # bmkg, openmeteo
    slot: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    analysis_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    temp_c: Mapped[float | None] = mapped_column(Float)
    humidity: Mapped[float | None] = mapped_column(Float)
    rain_mm: Mapped[float | None] = mapped_column(Float)
    rain_prob: Mapped[float | None] = mapped_column(Float)
    cloud: Mapped[float | None] = mapped_column(Float)
    weather_code: Mapped[int | None] = mapped_column(Integer)
    weather_desc: Mapped[str | None] = mapped_column(String(60))
    wind_kmh: Mapped[float | None] = mapped_column(Float)
    wind_dir: Mapped[str | None] = mapped_column(String(8))
    visibility_m: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (UniqueConstraint("area_code", "source", "slot", name="uq_weather_forecast_slot"),
                      Index("ix_weather_forecast_slot", "slot"))


class WeatherWarning(Base):
    __tablename__ = "weather_warning"
    identifier: Mapped[str] = mapped_column(String(80), primary_key=True)
    sent: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    event: Mapped[str] = mapped_column(String(120))
    severity: Mapped[str | None] = mapped_column(String(20))
    urgency: Mapped[str | None] = mapped_column(String(20))
    certainty: Mapped[str | None] = mapped_column(String(20))
    effective: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    headline: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    area_desc: Mapped[str | None] = mapped_column(Text)
    polygons: Mapped[list] = mapped_column(JSON)  # [[[lon, lat], ...], ...] GeoJSON order
    kecamatan_codes: Mapped[list] = mapped_column(JSON)  # kecamatan the polygons touch
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RiverDischarge(Base):
    __tablename__ = "river_discharge"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_code: Mapped[str] = mapped_column(String(20))  # kecamatan whose river route the point watches
    day: Mapped[dt.date] = mapped_column(Date)
    discharge: Mapped[float | None] = mapped_column(Float)
    discharge_max: Mapped[float | None] = mapped_column(Float)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("point_code", "day", name="uq_river_discharge_day"),)


class RecapProgress(Base):
    __tablename__ = "recap_progress"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(20), index=True)  # kabupaten or kecamatan (dotted)
    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    tps_total: Mapped[int] = mapped_column(Integer)
    tps_in: Mapped[int] = mapped_column(Integer)
    persen: Mapped[float] = mapped_column(Float)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("region_code", "ts", name="uq_recap_progress_ts"),)


class SchedulerLease(Base):
    """Exactly one scheduler at a time: the holder renews its lease; another may take it once it has expired."""
    __tablename__ = "scheduler_lease"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # A new token each time the lease changes hands: a job's writes commit only while its token is current (fencing).
    token: Mapped[str] = mapped_column(String(40), default="", server_default="")


class Briefing(Base):
    """One daily briefing made: where its files are and the headline figures it showed (the next one compares)."""
    __tablename__ = "briefing"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    moment: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the operation moment it describes
    kind: Mapped[str] = mapped_column(String(12))  # terjadwal (scheduled) or manual
    made_by: Mapped[str] = mapped_column(String(80))
    pdf_path: Mapped[str] = mapped_column(String(400))
    html_path: Mapped[str] = mapped_column(String(400))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)


class AppUser(Base):
    __tablename__ = "app_user"
    username: Mapped[str] = mapped_column(String(40), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(12))  # viewer, operator, commander, admin
    password_hash: Mapped[str] = mapped_column(String(100))  # bcrypt
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # When role, active flag or password last changed: a session that began before a password change ends.
    changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """Every login try, kept for throttling and lockout (per user and per browser session) and for the audit."""
    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    username: Mapped[str] = mapped_column(String(80))
    session_key: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(40))
    __table_args__ = (Index("ix_login_attempt_user_at", "username", "at"),
                      Index("ix_login_attempt_session_at", "session_key", "at"))


class Job(Base):
    """Work the dashboard asks of the worker (a briefing made from a page): queued here, run by the lease holder."""
    __tablename__ = "job"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(12), index=True)  # antri, berjalan, selesai, gagal
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    progress: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


# What the worker derives from the events (Perhatian items and their messages, the read model) is in
# ops/models_derived.py; imported here so that every table is on Base.metadata and reachable as models.X.
from ops.models_derived import (Alert, AlertEvent, AreaRollup, Outbox, ReadBoard, TpsSnapshot,  # noqa: E402,F401
                                 TpsState)
