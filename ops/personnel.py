"""Where the officers are: each one's latest fix and its age, and the on-site check against the TPS of their cluster.

On site means: the device has reported within the silent limit, every fix of the last dwell period lies within the
radius of one of the cluster's TPS, and the presence goes back at least that long, so one jittery point near or far
does not flip the state.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import as_utc
from ops.config import Settings
from ops.geo import haversine_km
from ops.tasks import PAM_TPS

ON_SITE_LABEL = {"di_lokasi": "Di lokasi", "di_luar": "Di luar radius", "senyap": "Perangkat senyap",
                 "tanpa_perangkat": "Tanpa perangkat"}
# A mobile task (escort, patrol, reserve) has no post to be at: its tracker reporting is what can be checked.
DUTY_STATE_LABEL = {**ON_SITE_LABEL, "aktif": "Aktif (tugas bergerak)"}


def judge_on_site(fixes: list[tuple[dt.datetime, float, float]], places: list[tuple[float, float]],
                  now: dt.datetime, settings: Settings) -> str:
    """di_lokasi | di_luar | senyap for one device's fixes (time, lat, lon), sorted by time, up to `now`."""
    silent = dt.timedelta(minutes=settings.traccar_silent_minutes)
    dwell = dt.timedelta(minutes=settings.on_site_dwell_minutes)
    if not fixes or now - fixes[-1][0] > silent:
        return "senyap"
    radius_km = settings.on_site_radius_m / 1000
    recent = [p for p in fixes if p[0] >= now - dwell]
    held = fixes[0][0] <= now - dwell + dt.timedelta(minutes=5)
    near = all(any(haversine_km(lat, lon, pl, po) <= radius_km for pl, po in places) for _, lat, lon in recent)
    return "di_lokasi" if recent and near and held else "di_luar"


def recent_fixes(session: Session, settings: Settings, now: dt.datetime,
                 devices: list[str] | None = None) -> dict[str, list]:
    """Per device (all, or those given): fixes in the window the on-site check needs, oldest first."""
    now = as_utc(now)
    span = max(settings.on_site_dwell_minutes, settings.traccar_silent_minutes) + 5
    fixes: dict[str, list] = defaultdict(list)
    only = (m.PositionEvent.device_id.in_(devices),) if devices is not None else ()
    for dev, t, lat, lon in session.execute(
            select(m.PositionEvent.device_id, m.PositionEvent.fix_time, m.PositionEvent.lat, m.PositionEvent.lon)
            .where(m.PositionEvent.fix_time > now - dt.timedelta(minutes=span), m.PositionEvent.fix_time <= now,
                   *only)):
        fixes[dev].append((as_utc(t), lat, lon))
    for pts in fixes.values():
        pts.sort()
    return fixes


def last_fixes(session: Session, now: dt.datetime, hours: float = 24) -> dict[str, tuple]:
    """Per device: its newest fix at or before `now` within the last `hours` (time, lat, lon)."""
    now = as_utc(now)
    out: dict[str, tuple] = {}
    for dev, t, lat, lon in session.execute(
            select(m.PositionEvent.device_id, m.PositionEvent.fix_time, m.PositionEvent.lat, m.PositionEvent.lon)
            .where(m.PositionEvent.fix_time <= now, m.PositionEvent.fix_time > now - dt.timedelta(hours=hours))
            .order_by(m.PositionEvent.fix_time)):
        out[dev] = (as_utc(t), lat, lon)
    return out


def guards(session: Session) -> list[tuple[m.Personnel, m.Assignment]]:
    """Every PAM TPS guard once with an assignment naming its cluster (a guard holds one row per guarded shift)."""
    seen: dict[str, tuple[m.Personnel, m.Assignment]] = {}
    for p, a in session.execute(select(m.Personnel, m.Assignment).join(m.Assignment, m.Assignment.nrp == m.Personnel.nrp)
                                .where(m.Assignment.task == PAM_TPS)
                                .order_by(m.Personnel.polsek_code, m.Personnel.nrp, m.Assignment.id)):
        seen.setdefault(p.nrp, (p, a))
    return list(seen.values())


def officer_board(session: Session, settings: Settings, now: dt.datetime) -> pd.DataFrame:
    """One row per officer on TPS duty: who, where assigned, latest fix with its age, on-site state."""
    now = as_utc(now)
    places: dict[str, list] = defaultdict(list)
    for code, cl, lat, lon in session.execute(select(m.Tps.code, m.Tps.cluster_code, m.Tps.lat, m.Tps.lon)):
        places[cl or code].append((lat, lon))
    fixes = recent_fixes(session, settings, now)
    last = last_fixes(session, now)
    rows = []
    for p, a in guards(session):
        fix = last.get(p.device_id) if p.device_id else None
        state = judge_on_site(fixes.get(p.device_id, []), places.get(a.cluster_code or a.tps_code, []), now, settings) \
            if p.device_id else "tanpa_perangkat"
        rows.append({"nrp": p.nrp, "nama": p.name, "pangkat": p.rank, "polsek": p.polsek_code, "bko": p.bko,
                     "cluster": a.cluster_code, "device": p.device_id, "status": state,
                     "fix_at": fix[0] if fix else None, "lat": fix[1] if fix else None, "lon": fix[2] if fix else None,
                     "age_min": round((now - fix[0]).total_seconds() / 60, 1) if fix else None})
    return pd.DataFrame(rows, columns=["nrp", "nama", "pangkat", "polsek", "bko", "cluster", "device", "status",
                                       "fix_at", "lat", "lon", "age_min"])
