"""Every officer at one moment: the task of the shift (or off duty), the post, and whether the tracker shows the
officer there; and the task table that reconciles to the roster (every officer counted once)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ops import models as m
from ops import tasks
from ops.area import several_polres
from ops.clock import as_utc
from ops.config import Settings
from ops.personnel import newest_fix_time, on_site_states, recent_fixes
from ops.db import in_chunks, one_of
from ops.region import in_area, kabupaten_of, level_of_code

DUTY_COLUMNS = ["nrp", "nama", "pangkat", "satuan", "polsek", "bko", "device", "tugas", "pos", "shift"]
TASK_RANK = {t: i for i, t in enumerate(tasks.DUTIES)}


def area_members(session: Session, area: str) -> set[str]:
    """The officers of an area (a kabupaten of a Polda, a kecamatan), by NRP: those of a Polsek that covers a
    kecamatan in it, a kabupaten's Polres units (personnel.polres_code), and anyone posted in it in any shift: at one
    of its TPS or PPK (a BKO guarding there), on patrol or in reserve for one of its Polsek, and at a Polda at the
    Posko or the warehouse of its Polres (posted at the kabupaten). Simple indexed look-ups, one after another: as one
    statement of nested subqueries PostgreSQL planned it row by row over the nation's assignments."""
    polsek = session.scalars(select(m.PolsekKecamatan.polsek_code).where(
        in_area(m.PolsekKecamatan.kecamatan_code, area))).all()
    # The post an assignment names: a PAM TPS its guard cluster (a TPS without one: its code), a PPK its kecamatan,
    # a patrol or reserve its Polsek, a Polda's Polres Posko or warehouse its kabupaten.
    posts = {cl or code for code, cl in session.execute(select(m.Tps.code, m.Tps.cluster_code).where(
        in_area(m.Tps.kecamatan_code, area)))}
    posts.update(session.scalars(select(m.Region.code).where(m.Region.level == "kecamatan",
                                                             in_area(m.Region.code, area))))
    posts.update(polsek)
    posts.add(area)
    found = {nrp for cond in one_of(session, m.Personnel.polsek_code, polsek)
             for nrp in session.scalars(select(m.Personnel.nrp).where(cond))}
    if level_of_code(area) == "kabupaten":
        found.update(session.scalars(select(m.Personnel.nrp).where(m.Personnel.polres_code == area)))
    found.update(nrp for cond in one_of(session, m.Assignment.cluster_code, posts)
                 for nrp in session.scalars(select(m.Assignment.nrp).where(cond)))
    return found


def duty_at(session: Session, settings: Settings, moment: dt.datetime, area: str | None = None,
            task: str | None = None, nrps: set[str] | None = None) -> pd.DataFrame:
    """One row per roster member (of `area` only, area_members, or of `nrps`; with `task`, only those on that task):
    the task its assignment gives for the shift that holds `moment`, or off duty. Should an officer hold two rows in
    one shift (a hand-made mistake), the first task in TASKS order counts."""
    window = tasks.window_at(settings, moment)
    wanted = area_members(session, area) if area else nrps
    held = _held(session, window, wanted, task)
    p = m.Personnel  # plain rows, not ORM objects: a province's roster is 12,196 officers, the nation's 385,642
    q = select(p.nrp, p.name, p.rank, p.unit, p.polsek_code, p.bko, p.device_id)
    doing = {nrp for nrp, (duty, _) in held.items() if duty == task}
    if task is not None and wanted is None:  # the whole operation's on the task: a join, not IN lists of 83,000 NRPs
        a = m.Assignment
        people = [r for r in session.execute(q.where(p.nrp.in_(select(a.nrp).where(
            a.shift == window.code, a.task == task))).order_by(p.nrp)) if r.nrp in doing] if window else []
    elif wanted is None:
        people = session.execute(q.order_by(p.nrp)).all()
    else:
        wanted = wanted & doing if task is not None else wanted
        people = sorted((r for cond in one_of(session, p.nrp, wanted) for r in session.execute(q.where(cond))),
                        key=lambda r: r.nrp)
    out = []
    for nrp, name, rank, unit, polsek, bko, device in people:
        duty, post = held.get(nrp, (tasks.OFF_DUTY, None))
        out.append({"nrp": nrp, "nama": name, "pangkat": rank, "satuan": unit, "polsek": polsek, "bko": bko,
                    "device": device, "tugas": duty, "pos": post, "shift": window.code if window else None})
    frame = pd.DataFrame(out, columns=DUTY_COLUMNS).astype(object)
    return frame.where(frame.notna(), None)  # a missing post or device stays None, never a NaN that reads as true


def _held(session: Session, window: tasks.Window | None, nrps: set[str] | None, task: str | None
          ) -> dict[str, tuple[str, str | None]]:
    """Each officer's (task, post) in the window: of `nrps` only, or of those with a row of `task`, when given (the
    nation's window has some 320,000 rows); an officer with two rows takes the first task in TASKS order."""
    if window is None:
        return {}
    a = m.Assignment
    q = select(a.nrp, a.task, a.cluster_code).where(a.shift == window.code)
    if nrps is None:
        if task is not None:
            q = q.where(a.nrp.in_(select(a.nrp).where(a.shift == window.code, a.task == task)))
        rows = session.execute(q).all()
    else:
        # The officers named, by (nrp, shift); those with no row of `task` are left out here rather than by a
        # sub-select, which would go through every row of the task in the window (the nation's 83,000 reserves).
        rows = [r for cond in one_of(session, a.nrp, nrps) for r in session.execute(q.where(cond))]
        if task is not None:
            on_task = {r.nrp for r in rows if r.task == task}
            rows = [r for r in rows if r.nrp in on_task]
    held: dict[str, tuple[str, str | None]] = {}
    for nrp, duty, post in sorted(rows, key=lambda r: (TASK_RANK.get(r.task, len(TASK_RANK)), r.nrp)):
        held.setdefault(nrp, (duty, post))
    return held


def post_places(session: Session, settings: Settings, posts: set[str] | None = None
                ) -> dict[tuple[str, str | None], list[tuple[float, float]]]:
    """Where each fixed post stands (every post, or only those named in `posts`): a guard cluster's TPS, a PPK (where
    the warehouse legs deliver), the warehouse (where they leave; at a Polda each Polres's, posted at its kabupaten),
    a Polres operation's Posko (polres_hq)."""
    places: dict[tuple[str, str | None], list[tuple[float, float]]] = defaultdict(list)
    tps = select(m.Tps.code, m.Tps.cluster_code, m.Tps.lat, m.Tps.lon)
    leg = m.LogisticsLeg
    legs = select(leg.kecamatan_code, leg.from_lat, leg.from_lon, leg.to_lat, leg.to_lon).where(
        leg.stage == "gudang-ppk")
    if posts is None:
        tps_rows, leg_rows = session.execute(tps).all(), session.execute(legs).all()
    else:
        parts = in_chunks(posts)
        tps_rows = [r for part in parts for r in session.execute(tps.where(or_(m.Tps.cluster_code.in_(part),
                                                                                m.Tps.code.in_(part))))]
        leg_rows = [r for part in parts for r in session.execute(legs.where(leg.kecamatan_code.in_(part)))]
        leg_rows += session.execute(legs.limit(1)).all()  # the warehouse: where any of them leaves
        # A kabupaten's warehouse: where any of its legs leaves.
        leg_rows += [r for kab in posts if level_of_code(kab) == "kabupaten"
                     for r in session.execute(legs.where(in_area(leg.kecamatan_code, kab)).limit(1))]
    for code, cl, lat, lon in tps_rows:
        places[(tasks.PAM_TPS, cl or code)].append((lat, lon))
    for kec, flat, flon, tlat, tlon in leg_rows:
        places[("pam_ppk", kec)] = [(tlat, tlon)]
        places[("pam_gudang", None)] = [(flat, flon)]
        places[("pam_gudang", kabupaten_of(kec))] = [(flat, flon)]
    if hq := polres_hq(session, settings):
        places[("posko", None)] = [hq]
    return dict(places)


def duty_board(session: Session, settings: Settings, moment: dt.datetime, area: str | None = None) -> pd.DataFrame:
    """duty_at (of `area` only, area_members) with each on-duty officer's state: at a fixed post di_lokasi / di_luar
    (the PAM TPS check against the post's places), on a mobile task aktif when the tracker reports; senyap,
    tanpa_perangkat; None off duty."""
    now = as_utc(moment)
    board = duty_at(session, settings, now, area)
    # An area's officers: the places of their own posts and the fixes of their own trackers, not the operation's.
    places = post_places(session, settings, {p for p in board["pos"] if p} if area else None)
    on_duty = [d for d, t in zip(board["device"], board["tugas"]) if d and t != tasks.OFF_DUTY]
    fixes = recent_fixes(session, settings, now, on_duty if area else None)
    at_post = on_site_states(session, settings, now, {
        r.device: places[(r.tugas, r.pos)] for r in board.itertuples()
        if r.device and r.tugas != tasks.OFF_DUTY and tasks.TASKS[r.tugas].fixed_post and places.get((r.tugas, r.pos))},
        fixes)  # every on-duty tracker's, read once
    silent = dt.timedelta(minutes=settings.traccar_silent_minutes)
    states = []
    for r in board.itertuples():
        if r.tugas == tasks.OFF_DUTY:
            states.append(None)
        elif not r.device:
            states.append("tanpa_perangkat")
        elif tasks.TASKS[r.tugas].fixed_post and places.get((r.tugas, r.pos)):
            states.append(at_post[r.device])
        else:
            last = newest_fix_time(fixes.get(r.device))
            states.append("aktif" if last is not None and now - last <= silent else "senyap")
    board["status"] = states
    return board


def task_board(session: Session, settings: Settings, moment: dt.datetime,
               board: pd.DataFrame | None = None, area: str | None = None) -> pd.DataFrame:
    """Per task and off duty: officers required in the shift (pola, logistics plan, task_plan), assigned, short,
    at the post (or active on a mobile task). The assigned column sums to the roster (of `area`: its officers, and
    what its TPS, legs and Polsek require). `board`: duty_board of the same moment and area, when already made."""
    from ops.planner import operation_needs

    board = duty_board(session, settings, moment, area) if board is None else board
    window = tasks.window_at(settings, moment)
    want: dict[str, int] = defaultdict(int)
    if window is not None:
        _, needs = operation_needs(session, settings, area=area)
        for n in needs.get(window.code, []):
            want[n.task] += n.count
    rows = []
    for duty in tasks.DUTIES:
        part = board[board["tugas"] == duty]
        off = duty == tasks.OFF_DUTY
        rows.append({"tugas": duty, "dasar": None if off else tasks.TASKS[duty].required_by,
                     "wajib": None if off else want[duty], "ditugaskan": len(part),
                     "kurang": None if off else max(0, want[duty] - len(part)),
                     "di_lokasi": None if off else int(part["status"].isin(("di_lokasi", "aktif")).sum())})
    return pd.DataFrame(rows, columns=["tugas", "dasar", "wajib", "ditugaskan", "kurang", "di_lokasi"])


def by_task(session: Session, settings: Settings, moment: dt.datetime) -> dict[str, int]:
    """Officers per task (and off duty) at the moment: the figures sum to the roster."""
    counts = duty_at(session, settings, moment)["tugas"].value_counts()
    return {d: int(counts.get(d, 0)) for d in tasks.DUTIES}


def bases(session: Session, settings: Settings) -> dict[str | None, tuple[float, float]]:
    """Where an officer starts from and a reserve waits: its Polsek HQ; None (Polres units, BKO) the Polres HQ of a
    Polres operation (polres_hq)."""
    # plain rows: the nation has 4,972 Polsek, read on every drilled reaction table
    out: dict[str | None, tuple[float, float]] = {code: (lat, lon) for code, lat, lon in session.execute(
        select(m.Polsek.code, m.Polsek.hq_lat, m.Polsek.hq_lon))}
    if hq := polres_hq(session, settings):
        out[None] = hq
    return out


def polres_hq(session: Session, settings: Settings) -> tuple[float, float] | None:
    """The HQ and Posko of a Polres operation (settings.polres_hq). Above one (a Polda, the nation) every Polres has
    its own and one point cannot stand for them all: None, and the planner posts no one there (ops.planner)."""
    if not settings.polres_hq or several_polres(session, settings):
        return None
    return settings.polres_hq[0], settings.polres_hq[1]


PATROL_STOPS = 6  # TPS a patrol looks in on, spread over its Polsek


def patrol_stops(tps: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """The TPS a patrol looks in on, of its Polsek's TPS in code order: PATROL_STOPS spread over them."""
    return tuple(tps[:: max(1, len(tps) // PATROL_STOPS)][:PATROL_STOPS])


def postings(session: Session, settings: Settings, moment: dt.datetime) -> list[tuple[str, str, tuple, tuple]]:
    """Officers with a tracker on a post other than a TPS at the moment, as (nrp, device, base, places): the
    warehouse, a PPK, the Posko, a reserve's base, or the TPS a patrol looks in on. Escorts move with the legs and
    are left out."""
    board = duty_at(session, settings, moment)
    places = post_places(session, settings)
    home = bases(session, settings)
    tps_of: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for polsek, lat, lon in session.execute(select(m.Tps.polsek_code, m.Tps.lat, m.Tps.lon).order_by(m.Tps.code)):
        tps_of[polsek].append((lat, lon))
    out = []
    for r in board.itertuples():
        if not r.device or r.tugas in (tasks.OFF_DUTY, tasks.PAM_TPS, "pengawalan"):
            continue
        base = home.get(r.polsek) or home.get(None)
        if r.tugas == "patroli":
            spots = patrol_stops(tps_of.get(r.pos, []))
        elif r.tugas == "cadangan":
            spot = home.get(r.pos) or base
            spots = (spot,) if spot else ()
        else:
            spots = tuple(places.get((r.tugas, r.pos), ()))
        if base and spots:
            out.append((r.nrp, r.device, base, spots))
    return out


def post_name(task: str, post: str | None, names) -> str:
    """A post as the Posko says it: the guard cluster, 'PPK Kec. Pemulutan', 'Polsek Pemulutan', 'Polres' (at a
    Polda 'Polres Ogan Ilir')."""
    if task == tasks.OFF_DUTY:
        return "—"
    if post is None:
        return "Polres"
    if level_of_code(post) == "kabupaten":
        return names.polres(post)
    if task == "pam_ppk":
        return f"PPK {names.kecamatan(post)}"
    return names.polsek.get(post, post)
