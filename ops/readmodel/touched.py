"""Which TPS a span of time touched: the ones whose facts may differ at the end of the span from what they were at its
start. The read model regathers exactly these; everything else keeps its facts and is only rescored when the clock
crosses a mark that changes what is due."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.config import Settings
from ops.db import one_of
from ops.position_ingest import POSTS_FOR
from ops.presence import HELD_SLACK, history_span
from ops.readiness import operation_times
from ops.tasks import PAM_TPS


@dataclass
class Span:
    """Events recorded after these ids (the live refresh) or occurring in (since, until] (a replay from a snapshot);
    `machine_since` catches entries recorded late for an earlier moment."""
    since: dt.datetime
    until: dt.datetime
    ids: dict[str, int] = field(default_factory=dict)
    machine_since: dt.datetime | None = None


# event table -> (id column, moment column, recorded column)
EVENTS = {
    "status": (m.TpsStatusEvent.id, m.TpsStatusEvent.occurred_at, m.TpsStatusEvent.recorded_at),
    "logistics": (m.LogisticsEvent.id, m.LogisticsEvent.occurred_at, m.LogisticsEvent.recorded_at),
    "incident": (m.Incident.id, m.Incident.occurred_at, m.Incident.recorded_at),
    "incident_update": (m.IncidentUpdate.id, m.IncidentUpdate.occurred_at, m.IncidentUpdate.recorded_at),
    "coordination": (m.CoordinationActivity.id, m.CoordinationActivity.occurred_at,
                     m.CoordinationActivity.recorded_at),
    "position": (m.PositionEvent.id, m.PositionEvent.fix_time, m.PositionEvent.recorded_at),
}


# Besides events, the facts are gathered from the TPS, the roster and its assignments, the legs, the stakeholders, the
# Polsek and the calendar. Those change through the imports, the planner and the operator's TPS edits, each of which
# leaves an audit row of one of these actions (ops.audit): one newer than the read model was built on has every TPS
# gathered anew (a TPS's class sets the pola of its whole guard cluster; a moved guard leaves one cluster for another).
REFERENCE_ACTIONS = ("impor", "impor_tambah", "impor_ubah", "impor_hapus", "impor_turunan", "simpan_rencana",
                     "ubah_kerawanan", "verifikasi")


def reference_stamp(session: Session) -> int:
    """The newest audit row of a change to the reference data (0: none yet)."""
    return session.scalar(select(func.coalesce(func.max(m.AuditLog.id), 0)).where(
        m.AuditLog.action.in_(REFERENCE_ACTIONS)))


def high_water(session: Session) -> dict[str, int]:
    """The newest id of every event table: the next refresh starts after these."""
    return {name: newest_id(session, name) for name in EVENTS}


def newest_id(session: Session, name: str) -> int:
    """The newest id of one event table of EVENTS (0: none yet)."""
    return session.scalar(select(func.coalesce(func.max(EVENTS[name][0]), 0)))


def _new(name: str, span: Span):
    """Rows of an event table in the span: by id when the refresh knows its watermark, else by moment — and, for a
    replay, also those recorded late (after its snapshot was taken) for a moment up to the span's end."""
    id_col, at_col, rec_col = EVENTS[name]
    if name in span.ids:
        return (id_col > span.ids[name],)
    in_span = (at_col > span.since) & (at_col <= span.until)
    if span.machine_since is None:
        return (in_span,)
    return (or_(in_span, (rec_col > span.machine_since) & (at_col <= span.until)),)


def marks(settings: Settings) -> list[dt.datetime]:
    """Moments at which what is due changes for every TPS (voting day begins, guards due, opening, closing, counting
    due, counting over), and every hour (the weather windows move with the clock)."""
    t = operation_times(settings)
    return sorted([t.day_start, t.opening - dt.timedelta(hours=1), t.opening, t.closing,
                   t.closing + dt.timedelta(minutes=30), t.counting_end])


def crossed(settings: Settings, since: dt.datetime, until: dt.datetime) -> bool:
    """True when the span crosses a mark or an hour (the forecast windows move by the hour; a river day by the day)."""
    if any(since < mk <= until for mk in marks(settings)):
        return True
    return since.replace(minute=0, second=0, microsecond=0) != until.replace(minute=0, second=0, microsecond=0)


def touched_tps(session: Session, settings: Settings, span: Span) -> set[str]:
    """The TPS whose facts may have changed in the span."""
    return by_events(session, settings, span) | guarded(session, settings, span)


def by_events(session: Session, settings: Settings, span: Span) -> set[str]:
    """The TPS whose own facts (status, logistics, incidents, coordination) may have changed in the span; the guards'
    positions are `guarded`'s."""
    codes: set[str] = set()
    codes |= set(session.scalars(select(m.TpsStatusEvent.tps_code).where(*_new("status", span)).distinct()))
    codes |= {c for c in session.scalars(select(m.LogisticsLeg.tps_code).join(
        m.LogisticsEvent, m.LogisticsEvent.leg_id == m.LogisticsLeg.id).where(*_new("logistics", span)).distinct()) if c}
    codes |= {c for c in session.scalars(select(m.Incident.tps_code).where(*_new("incident", span)).distinct()) if c}
    codes |= {c for c in session.scalars(select(m.Incident.tps_code).join(
        m.IncidentUpdate, m.IncidentUpdate.incident_id == m.Incident.id).where(*_new("incident_update", span))
        .distinct()) if c}
    desa = set(session.scalars(select(m.CoordinationActivity.desa_code).where(*_new("coordination", span)).distinct()))
    if desa:
        codes |= {c for part in one_of(session, m.Tps.desa_code, {d for d in desa if d})
                  for c in session.scalars(select(m.Tps.code).where(part))}
    # A pps-tps leg whose planned arrival passed in the span turns late without any event.
    codes |= {c for c in session.scalars(select(m.LogisticsLeg.tps_code).where(
        m.LogisticsLeg.stage == "pps-tps", m.LogisticsLeg.planned_arrive > span.since,
        m.LogisticsLeg.planned_arrive <= span.until)) if c}
    return codes


def guarded(session: Session, settings: Settings, span: Span) -> set[str]:
    """TPS whose guards' on-site answer may have changed: a device that sent fixes in the window the check looks at
    (arrivals, departures, a dwell completing, a device falling silent all happen inside it). A replay's span, and the
    first minutes after a rebuild, take this wide set; the live minute takes `guarded_precisely`."""
    window = _window(settings)
    devices = set(session.scalars(select(m.PositionEvent.device_id).where(
        m.PositionEvent.fix_time > span.since - window, m.PositionEvent.fix_time <= span.until).distinct()))
    if "position" in span.ids:
        devices |= _new_fixes(session, span)
    return guarded_by(session, devices)


def guarded_precisely(session: Session, settings: Settings, span: Span) -> set[str]:
    """TPS whose guards' on-site answer may have changed in the span, device by device: the trackers with new fixes,
    those whose kept facts cross one of ops.presence.judge's limits in it, and those without kept facts that reported
    in the window. At the nation `guarded`'s window held every tracker that reported in the last 25 minutes, and
    their TPS were refolded every minute even when nothing came in.

    Only sound while every tracker's kept facts were judged against its post in force (ops.positions.on_site_inputs
    otherwise folds its history, whose answer moves with other instants): the refresh takes `guarded` for a while
    after anything that moves posts (`wide_after_rebuild`)."""
    devices = _new_fixes(session, span) | _crossing(session, settings, span)
    window = _window(settings)
    pe, pl = m.PositionEvent, m.PositionLatest
    # Trackers on the roster without kept facts (fixes copied in another way): each probes its own index range.
    devices |= set(session.scalars(select(m.Personnel.device_id).where(
        m.Personnel.device_id.is_not(None),
        ~select(pl.device_id).where(pl.device_id == m.Personnel.device_id).exists(),
        select(pe.id).where(pe.device_id == m.Personnel.device_id, pe.fix_time > span.since - window,
                            pe.fix_time <= span.until).exists())))
    return guarded_by(session, devices)


def _window(settings: Settings) -> dt.timedelta:
    """How far back a tracker's fixes can still move its on-site answer (ops.presence.judge's longest limit, and a
    margin)."""
    return dt.timedelta(minutes=max(settings.on_site_dwell_minutes, settings.traccar_silent_minutes) + 5)


def _crossing(session: Session, settings: Settings, span: Span) -> set[str]:
    """Trackers whose kept facts cross a limit of ops.presence.judge in the span: falling silent, their newest fix
    leaving the dwell period, a stay completing it, an outside fix leaving it; and facts newer than the span's end
    (read from the history instead)."""
    pl = m.PositionLatest
    silent = dt.timedelta(minutes=settings.traccar_silent_minutes)
    dwell = dt.timedelta(minutes=settings.on_site_dwell_minutes)

    def crosses(column, limit: dt.timedelta):
        # judge's answers at `since` and at `until` differ only if column + limit lies between them; some of its
        # comparisons are strict and some are not, so both ends are taken
        return (column >= span.since - limit) & (column <= span.until - limit)
    return set(session.scalars(select(pl.device_id).where(or_(
        pl.fix_time > span.until, crosses(pl.fix_time, silent), crosses(pl.fix_time, dwell),
        crosses(pl.stay_since, dwell - HELD_SLACK), crosses(pl.outside_at, dwell)))))


def _new_fixes(session: Session, span: Span) -> set[str]:
    """Trackers with fixes recorded after the refresh's watermark."""
    return set(session.scalars(select(m.PositionEvent.device_id).where(*_new("position", span)).distinct()))


def wide_after_rebuild(settings: Settings, speed: float) -> dt.timedelta:
    """How long after a rebuild (operation time) the refresh takes `guarded`'s wide window: a rebuild follows a change
    of posts or of the on-site limits, and until the ingest reads the posts again (POSTS_FOR seconds of machine time,
    at the clock's speed) and every tracker folded against an old post has fallen out of the history span, the kept
    facts do not tell when their answers move."""
    return history_span(settings) + dt.timedelta(seconds=POSTS_FOR * max(speed, 1.0), minutes=1)


def guarded_by(session: Session, devices: set[str]) -> set[str]:
    """The TPS these trackers' officers guard (their whole guard cluster)."""
    if not devices:
        return set()
    # At the nation every tracker moves each minute: 300,000 devices, past any IN list's parameter limit.
    clusters = {c for part in one_of(session, m.Personnel.device_id, devices) for c in session.scalars(
        select(m.Assignment.cluster_code).join(m.Personnel, m.Personnel.nrp == m.Assignment.nrp).where(
            part, m.Assignment.task == PAM_TPS).distinct())}
    clusters.discard(None)
    # By its cluster or by its own code, each through its index (one array parameter each on PostgreSQL: 300,000
    # clusters as IN lists took 8 s).
    return {c for column in (m.Tps.cluster_code, m.Tps.code) for part in one_of(session, column, clusters)
            for c in session.scalars(select(m.Tps.code).where(part))}


def _areas_tps(session: Session, areas: set[str]) -> set[str]:
    """TPS in the given desa or kecamatan (forecasts are per desa for BMKG, per kecamatan for the rest)."""
    areas = sorted(a for a in areas if a)
    out: set[str] = set()
    for i in range(0, len(areas), 2000):
        part = areas[i:i + 2000]
        out |= set(session.scalars(select(m.Tps.code).where(
            or_(m.Tps.desa_code.in_(part), m.Tps.kecamatan_code.in_(part)))))
    return out


def environment_touched(session: Session, span: Span) -> set[str]:
    """TPS whose weather, warning, river or recap facts may have changed: areas whose forecast, warnings, discharge or
    progress were stored since `machine_since`, and warnings that began or ended within the span."""
    areas: set[str] = set()
    since = span.machine_since
    if since is not None:
        areas |= set(session.scalars(select(m.WeatherForecast.area_code).where(
            m.WeatherForecast.fetched_at > since).distinct()))
        areas |= set(session.scalars(select(m.RiverDischarge.point_code).where(
            m.RiverDischarge.fetched_at > since).distinct()))
        areas |= set(session.scalars(select(m.RecapProgress.region_code).where(
            m.RecapProgress.fetched_at > since).distinct()))
        for kec in session.scalars(select(m.WeatherWarning.kecamatan_codes).where(m.WeatherWarning.fetched_at > since)):
            areas |= set(kec or [])
    # A warning in force from an hour before its start until it expires: both edges can fall in the span.
    ahead = dt.timedelta(hours=1)
    for kec in session.scalars(select(m.WeatherWarning.kecamatan_codes).where(or_(
            (m.WeatherWarning.effective > span.since + ahead) & (m.WeatherWarning.effective <= span.until + ahead),
            (m.WeatherWarning.expires >= span.since) & (m.WeatherWarning.expires < span.until)))):
        areas |= set(kec or [])
    return _areas_tps(session, areas)