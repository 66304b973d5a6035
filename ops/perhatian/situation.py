"""What the rules look at, gathered once at one operation moment: the per-TPS facts and readiness, incidents, legs and
river verdicts, warnings, river discharge, feed health and reaction times. Reading is here; judging is in ops.perhatian.rules."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops import queries
from ops.clock import WIB, as_utc
from ops.config import Settings
from ops.freshness import Freshness, feed_states
from ops.incidents import incident_table
from ops.logistics import leg_board, river_legs
from ops.phase import PhaseInfo, phase_at
from ops.places import Names, load_names
from ops.reaction import reaction_table
from ops.readiness import operation_times, per_tps, with_points
from ops.readiness.model import Times
from ops.tasks import guarded_span
from ops.weather import active_warnings


@dataclass
class Situation:
    moment: dt.datetime
    settings: Settings
    phase: PhaseInfo
    times: Times
    tps: pd.DataFrame  # readiness.per_tps joined with tps_points (names, kerawanan, akses, travel)
    incidents: pd.DataFrame  # incidents.incident_table at the moment
    legs: pd.DataFrame  # logistics.leg_board
    river: pd.DataFrame  # logistics.river_legs (river legs not yet arrived, judged)
    warnings: list[dict]  # BMKG warnings in force or starting within the hour
    discharge: dict[str, float]  # kecamatan -> today's river discharge (m³/s)
    feeds: dict[str, Freshness]
    feeds_in_use: tuple[str, ...]  # the feeds this operation runs (others cannot fail it)
    names: Names
    reaction: pd.DataFrame = field(default_factory=pd.DataFrame)  # reaction.reaction_table at the moment


def gather(session: Session, settings: Settings, moment: dt.datetime, tps: pd.DataFrame | None = None,
           legs: pd.DataFrame | None = None, river: pd.DataFrame | None = None) -> Situation:
    """Tables already computed for the same moment (the dashboard caches them) may be passed in."""
    moment = as_utc(moment)
    table = per_tps(session, settings, moment) if tps is None else tps
    points = queries.tps_points(session)
    tps_table = with_points(points, table) if "desa" not in table.columns else table
    board = leg_board(session, moment) if legs is None else legs
    judged = river_legs(session, settings, moment, board) if river is None else river
    today = moment.astimezone(WIB).date()
    discharge = dict(session.execute(select(m.RiverDischarge.point_code, m.RiverDischarge.discharge).where(
        m.RiverDischarge.day == today, m.RiverDischarge.discharge.is_not(None))).all())
    warnings = [{"identifier": w.identifier, "event": w.event, "severity": w.severity, "effective": w.effective,
                 "expires": w.expires, "kecamatan_codes": list(w.kecamatan_codes or [])}
                for w in active_warnings(session, moment, ahead_hours=1)]
    return Situation(moment=moment, settings=settings, phase=phase_at(moment, settings),
                     times=operation_times(settings), tps=tps_table, incidents=incident_table(session, moment),
                     legs=board, river=judged, warnings=warnings, discharge=discharge,
                     feeds=feed_states(session, settings, moment), feeds_in_use=feeds_in_use(session, settings),
                     names=load_names(session), reaction=_reaction(session, settings, moment))


def _reaction(session: Session, settings: Settings, moment: dt.datetime) -> pd.DataFrame:
    """Every TPS's reaction time, while the TPS hold ballot boxes (the only span the waktu_reaksi rule judges): at the
    nation it takes some 16 s of the minute."""
    start, end = guarded_span(settings)
    return reaction_table(session, settings, moment) if start <= moment < end else pd.DataFrame()


def feeds_in_use(session: Session, settings: Settings) -> tuple[str, ...]:
    """The feeds whose failure matters: in demo mode every feed (each runs from the demo source), else the enabled,
    configured ones."""
    from ops.feeds.registry import FEED_NAMES, all_feeds

    demo = settings.demo if settings.demo is not None else queries.operation_meta(session).get("kind") == "demo"
    if demo:
        return FEED_NAMES
    return tuple(n for n, f in all_feeds().items() if f.enabled(settings))
