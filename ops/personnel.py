"""Where the officers are: each one's latest fix and its age, and the on-site check against the TPS of their cluster.

What on site means, and the facts it is judged from, is ops.presence; the live answer reads them from position_latest
(ops.positions), a replayed moment from the fixes of the span before it.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ops import models as m
from ops import positions, presence
from ops.clock import as_utc
from ops.config import Settings
from ops.db import IN_CHUNK, one_of
from ops.presence import Fix, Place, Presence
from ops.tasks import PAM_TPS

ON_SITE_LABEL = {"di_lokasi": "Di lokasi", "di_luar": "Di luar radius", "senyap": "Perangkat senyap",
                 "tanpa_perangkat": "Tanpa perangkat"}
# A mobile task (escort, patrol, reserve) has no post to be at: its tracker reporting is what can be checked.
DUTY_STATE_LABEL = {**ON_SITE_LABEL, "aktif": "Aktif (tugas bergerak)"}


def judge_on_site(fixes: list[Fix] | Presence, places: list[Place], now: dt.datetime, settings: Settings) -> str:
    """di_lokasi | di_luar | senyap for one device at `now`: from the facts recent_fixes() gave for it, or from its
    fixes (time, lat, lon) up to `now`, oldest first, reaching back presence.history_span()."""
    if not isinstance(fixes, Presence):
        fixes = presence.fold(None, fixes, places, settings)
    elif fixes.rule != presence.post_rule(places, settings):
        raise ValueError(f"facts of {fixes.fix_time} were kept against another post than the one asked about")
    return presence.judge(fixes, as_utc(now), settings)


def recent_fixes(session: Session, settings: Settings, now: dt.datetime,
                 devices: list[str] | None = None) -> dict[str, Presence | list[Fix]]:
    """Per device (all, or those given): what judge_on_site() needs at `now` (positions.on_site_inputs)."""
    return positions.on_site_inputs(session, settings, now, None if devices is None else set(devices))


def on_site_states(session: Session, settings: Settings, now: dt.datetime,
                   posts: dict[str, list[Place]], inputs: dict[str, Presence | list[Fix]] | None = None
                   ) -> dict[str, str]:
    """di_lokasi | di_luar | senyap per device at its post's places. position_latest keeps each tracker's facts
    against its PAM TPS post; a device at another post (a PPK, the warehouse, the Posko) is judged from its history.
    `inputs`: recent_fixes() of these devices at `now`, when the caller already read them."""
    now = as_utc(now)
    if inputs is None:  # a few posts (a kabupaten's, the TPS a refresh touched): only their trackers are read
        inputs = recent_fixes(session, settings, now, list(posts) if len(posts) <= IN_CHUNK else None)
    inputs = dict(inputs)  # the caller's stays as it was
    other = [d for d, places in posts.items()
             if isinstance(inputs.get(d), Presence) and inputs[d].rule != presence.post_rule(places, settings)]
    if other:
        found = positions.history(session, other, now - presence.history_span(settings), now)
        inputs.update({d: found.get(d, []) for d in other})
    return {d: judge_on_site(inputs.get(d, []), places, now, settings) for d, places in posts.items()}


def newest_fix_time(entry: Presence | list[Fix] | None) -> dt.datetime | None:
    """The newest fix of what recent_fixes() gave for a device (kept facts or fixes), None when it has none."""
    if isinstance(entry, Presence):
        return entry.fix_time
    return entry[-1][0] if entry else None


def last_fixes(session: Session, now: dt.datetime, hours: float = 24,
               devices: set[str] | None = None) -> dict[str, tuple]:
    """Per device (all, or those given): its newest fix at or before `now` within the last `hours` (time, lat, lon)."""
    return positions.newest_fixes(session, now, hours, devices)


def guards(session: Session, posts: set[str] | None = None) -> list[tuple]:
    """Every PAM TPS guard once, as plain rows (nrp, name, rank, polsek_code, bko, device_id, cluster_code, tps_code)
    naming its post (a guard holds one row per guarded shift: the first counts); with `posts` (cluster or TPS
    codes), only the guards of those posts."""
    seen: dict[str, tuple] = {}
    p, a = m.Personnel, m.Assignment
    q = select(p.nrp, p.name, p.rank, p.polsek_code, p.bko, p.device_id, a.cluster_code, a.tps_code).join(
        a, a.nrp == p.nrp).where(a.task == PAM_TPS)
    if posts is None:
        rows = session.execute(q.order_by(p.polsek_code, p.nrp, a.id)).all()
    else:  # each post looked up by its index, a chunk at a time, then put in the same order
        rows = sorted((r for column in (a.cluster_code, a.tps_code) for cond in one_of(session, column, posts)
                       for r in session.execute(q.add_columns(a.id).where(cond))),
                      key=lambda r: (r.polsek_code is None, r.polsek_code or "", r.nrp, r.id))
    for r in rows:
        seen.setdefault(r.nrp, tuple(r)[:8])
    return list(seen.values())


def officer_board(session: Session, settings: Settings, now: dt.datetime, area: str | None = None) -> pd.DataFrame:
    """One row per officer on TPS duty: who, where assigned, latest fix with its age, on-site state; with `area` (a
    region code), only the guards of posts in it (a kabupaten of a province: a tenth of the work)."""
    now = as_utc(now)
    places: dict[str, list] = defaultdict(list)
    q = select(m.Tps.code, m.Tps.cluster_code, m.Tps.lat, m.Tps.lon)
    if area:
        q = q.where(or_(m.Tps.kecamatan_code == area, m.Tps.kecamatan_code.like(f"{area}.%")))
    for code, cl, lat, lon in session.execute(q):
        places[cl or code].append((lat, lon))
    chosen = guards(session, set(places) if area else None)
    devices = {g[5] for g in chosen if g[5]} if area else None  # a kabupaten's trackers only
    fixes = recent_fixes(session, settings, now, devices)
    last = last_fixes(session, now, devices=devices)
    rows = []
    for nrp, name, rank, polsek, bko, device, cluster, tps_code in chosen:
        fix = last.get(device) if device else None
        state = judge_on_site(fixes.get(device, []), places.get(cluster or tps_code, []), now, settings) \
            if device else "tanpa_perangkat"
        rows.append({"nrp": nrp, "nama": name, "pangkat": rank, "polsek": polsek, "bko": bko,
                     "cluster": cluster, "device": device, "status": state,
                     "fix_at": fix[0] if fix else None, "lat": fix[1] if fix else None, "lon": fix[2] if fix else None,
                     "age_min": round((now - fix[0]).total_seconds() / 60, 1) if fix else None})
    return pd.DataFrame(rows, columns=["nrp", "nama", "pangkat", "polsek", "bko", "cluster", "device", "status",
                                       "fix_at", "lat", "lon", "age_min"])
