"""Where the officers are: each one's latest fix and its age, and the on-site check against the TPS of their cluster.

What on site means, and the facts it is judged from, is ops.presence; the live answer reads them from position_latest
(ops.positions), a replayed moment from the fixes of the span before it.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops import positions, presence
from ops.clock import as_utc
from ops.config import Settings
from ops.presence import Fix, Place, Presence

ON_SITE_LABEL = {"di_lokasi": "Di lokasi", "di_luar": "Di luar radius", "senyap": "Perangkat senyap",
                 "tanpa_perangkat": "Tanpa perangkat"}


def judge_on_site(fixes: list[Fix] | Presence, places: list[Place], now: dt.datetime, settings: Settings) -> str:
    """di_lokasi | di_luar | senyap for one device at `now`: from the facts recent_fixes() gave for it, or from its
    fixes (time, lat, lon) up to `now`, oldest first, reaching back presence.history_span()."""
    if not isinstance(fixes, Presence):
        fixes = presence.fold(None, fixes, places, settings)
    elif fixes.rule != presence.post_rule(places, settings):
        raise ValueError(f"facts of {fixes.fix_time} were kept against another post than the one asked about")
    return presence.judge(fixes, as_utc(now), settings)


def recent_fixes(session: Session, settings: Settings, now: dt.datetime) -> dict[str, Presence | list[Fix]]:
    """Per device: what judge_on_site() needs at `now` (positions.on_site_inputs)."""
    return positions.on_site_inputs(session, settings, now)


def last_fixes(session: Session, now: dt.datetime, hours: float = 24) -> dict[str, tuple]:
    """Per device: its newest fix at or before `now` within the last `hours` (time, lat, lon)."""
    return positions.newest_fixes(session, now, hours)


def officer_board(session: Session, settings: Settings, now: dt.datetime) -> pd.DataFrame:
    """One row per officer on TPS duty: who, where assigned, latest fix with its age, on-site state."""
    now = as_utc(now)
    places: dict[str, list] = defaultdict(list)
    for code, cl, lat, lon in session.execute(select(m.Tps.code, m.Tps.cluster_code, m.Tps.lat, m.Tps.lon)):
        places[cl or code].append((lat, lon))
    fixes = recent_fixes(session, settings, now)
    last = last_fixes(session, now)
    rows = []
    for p, a in session.execute(select(m.Personnel, m.Assignment).join(m.Assignment, m.Assignment.nrp == m.Personnel.nrp)
                                .where(m.Assignment.task == "PAM TPS").order_by(m.Personnel.polsek_code, m.Personnel.nrp)):
        fix = last.get(p.device_id) if p.device_id else None
        state = judge_on_site(fixes.get(p.device_id, []), places.get(a.cluster_code or a.tps_code, []), now, settings) \
            if p.device_id else "tanpa_perangkat"
        rows.append({"nrp": p.nrp, "nama": p.name, "pangkat": p.rank, "polsek": p.polsek_code, "bko": p.bko,
                     "cluster": a.cluster_code, "device": p.device_id, "status": state,
                     "fix_at": fix[0] if fix else None, "lat": fix[1] if fix else None, "lon": fix[2] if fix else None,
                     "age_min": round((now - fix[0]).total_seconds() / 60, 1) if fix else None})
    return pd.DataFrame(rows, columns=["nrp", "nama", "pangkat", "polsek", "bko", "cluster", "device", "status",
                                       "fix_at", "lat", "lon", "age_min"])
