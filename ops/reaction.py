"""Reaction time: for every TPS, how long the nearest available reserve needs to get there.

A reserve is an officer on the cadangan task at the moment (a Polsek's reserve, the Polres units and the BKO on
standby). It leaves from where its tracker last placed it (when that fix is current) or else from its base (its
Polsek HQ, the Polres HQ for those without a Polsek). A reserve standing at a TPS with an open incident is handling
it, and is not available. The way there is by road at road speed or, for a river TPS, by boat along the river at
boat speed (the winding factors of ops.geo), after reaction_dispatch_minutes to get going.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ops import models as m
from ops import tasks
from ops.clock import as_utc
from ops.config import Settings
from ops.geo import EARTH_RADIUS_KM, haversine_km, route_km, travel_minutes
from ops.presence import within_radius
from ops.db import in_chunks, one_of
from ops.region import in_area

COLUMNS = ["code", "reaksi_menit", "dari", "dari_kode", "jarak_km", "moda", "posisi", "nrp", "polsek_code",
           "kecamatan_code", "kerawanan", "akses"]


@dataclass(frozen=True)
class Reserve:
    nrp: str
    unit: str  # the name help comes from: the Polsek, or the unit (BKO, a Polres satuan)
    post: str | None  # the Polsek whose reserve it is; None: the Polres's
    lat: float
    lon: float
    located_by: str = "markas"  # markas (its base) or posisi (a current tracker fix)
    available: bool = True


@dataclass(frozen=True)
class Target:
    code: str
    lat: float
    lon: float
    akses: str = "darat"


@dataclass(frozen=True)
class Reaction:
    code: str
    minutes: float | None  # None: no reserve is available
    km: float | None
    mode: str
    reserve: Reserve | None


def reach(target: Target, reserve: Reserve, road_kmh: float, river_kmh: float, dispatch_min: float
          ) -> tuple[float, float, str]:
    """(minutes, km, mode) from a reserve to a TPS: a river TPS is reached by boat."""
    mode = "sungai" if target.akses == "sungai" else "darat"
    km = route_km(reserve.lat, reserve.lon, target.lat, target.lon, mode)
    return dispatch_min + travel_minutes(km, mode, road_kmh, river_kmh), km, mode


CELL_DEG = 0.25  # the grid of reserve places the nearest-reserve search looks over, ring by ring (about 28 km)
KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180


def nearest(targets: list[Target], reserves: list[Reserve], road_kmh: float, river_kmh: float,
            dispatch_min: float) -> list[Reaction]:
    """Per TPS the available reserve that arrives first (ties: the lower NRP).

    A TPS is reached one way (by road, or by boat on the river), so the minutes grow with the straight distance: the
    first to arrive is the nearest. Rather than every reserve for every TPS (the nation's 823,220 TPS × 83,554
    reserves on voting day), the TPS are taken a grid cell at a time: the places reserves leave from are looked up
    ring by ring around the cell until one is found, then every ring that could still hold one as near as the
    farthest of the cell's TPS has it; the distances of those few to the cell's TPS are computed at once. Reserves
    waiting at one place (a Polsek's HQ) arrive together: the one with the lowest NRP stands for them."""
    by_place: dict[tuple[float, float], Reserve] = {}
    for r in reserves:
        if r.available and ((r.lat, r.lon) not in by_place or r.nrp < by_place[(r.lat, r.lon)].nrp):
            by_place[(r.lat, r.lon)] = r
    grid: dict[tuple[int, int], list[Reserve]] = defaultdict(list)
    for r in by_place.values():
        grid[_cell(r.lat, r.lon)].append(r)
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, t in enumerate(targets):
        cells[_cell(t.lat, t.lon)].append(k)
    chosen: list[Reserve | None] = [None] * len(targets)
    if grid:
        rows, cols = [i for i, _ in grid], [j for _, j in grid]
        for (i, j), index in cells.items():
            # the ring that reaches the farthest cell holding a reserve
            last = max(abs(i - min(rows)), abs(i - max(rows)), abs(j - min(cols)), abs(j - max(cols)))
            lat = np.radians([targets[k].lat for k in index])
            lon = np.radians([targets[k].lon for k in index])
            edge = max(abs(i), abs(i + 1)) * CELL_DEG  # the cell's latitude farthest from the equator
            found: list[Reserve] = []
            reach_km = None
            for ring in range(last + 1):
                if reach_km is not None and _nearest_possible_km(edge, ring) > reach_km:
                    break
                found += [r for cell in _ring(i, j, ring) for r in grid.get(cell, ())]
                if found and reach_km is None:  # the farthest of the cell's TPS from its nearest found so far
                    reach_km = float(_km_matrix(lat, lon, found).min(axis=1).max())
            km = _km_matrix(lat, lon, found)
            close = km <= km.min(axis=1)[:, None] + 1e-9  # within a rounding of the nearest
            first, alike = close.argmax(axis=1), close.sum(axis=1)
            for row, k in enumerate(index):
                if alike[row] == 1:
                    chosen[k] = found[first[row]]
                else:  # places as near as each other: compared exactly, as one pair at a time would
                    t = targets[k]
                    chosen[k] = min((found[c] for c in np.flatnonzero(close[row])),
                                    key=lambda r: (haversine_km(r.lat, r.lon, t.lat, t.lon), r.nrp))
    out = []
    for t, r in zip(targets, chosen):
        if r is None:
            out.append(Reaction(t.code, None, None, "sungai" if t.akses == "sungai" else "darat", None))
        else:
            minutes, km, mode = reach(t, r, road_kmh, river_kmh, dispatch_min)
            out.append(Reaction(t.code, minutes, km, mode, r))
    return out


def _km_matrix(lat: np.ndarray, lon: np.ndarray, reserves: list[Reserve]) -> np.ndarray:
    """Great-circle km from each point (radians) to each reserve: ops.geo.haversine_km, for many at once."""
    rlat = np.radians([r.lat for r in reserves])[None, :]
    rlon = np.radians([r.lon for r in reserves])[None, :]
    a = (np.sin((rlat - lat[:, None]) / 2) ** 2
         + np.cos(lat[:, None]) * np.cos(rlat) * np.sin((rlon - lon[:, None]) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEG), math.floor(lon / CELL_DEG)


def _ring(i: int, j: int, ring: int) -> Iterator[tuple[int, int]]:
    """The cells `ring` steps out from (i, j): the square's border."""
    if ring == 0:
        yield i, j
        return
    for dj in range(-ring, ring + 1):
        yield i - ring, j + dj
        yield i + ring, j + dj
    for di in range(-ring + 1, ring):
        yield i + di, j - ring
        yield i + di, j + ring


def _nearest_possible_km(lat: float, ring: int) -> float:
    """A lower bound of the distance from a point of the cell whose latitude farthest from the equator is `lat` to
    anything in a cell `ring` steps out: at least ring - 1 whole cells apart, north-south or east-west (a degree of
    longitude shrinks with the latitude; a little kept back for the curve of the great circle)."""
    if ring <= 1:
        return 0.0
    return (ring - 1) * CELL_DEG * _km_per_lon_degree(abs(lat) + ring * CELL_DEG)


def _km_per_lon_degree(lat: float) -> float:
    """At most the km a degree of longitude spans up to latitude `lat` (either side of the equator; a little kept
    back for the curve of the great circle): how far apart two longitudes at least are."""
    return KM_PER_DEG * math.cos(math.radians(min(89.0, abs(lat)))) * 0.98


def reserves_at(session: Session, settings: Settings, moment: dt.datetime, nrps: set[str] | None = None,
                home: dict[str | None, tuple[float, float]] | None = None) -> list[Reserve]:
    """The officers on reserve at the moment (of `nrps` only, when given), each where it would leave from and
    whether it is free. `home`: ops.duty.bases, when the caller has read them."""
    from ops.duty import bases, duty_at
    from ops.incidents import incident_table
    from ops.personnel import last_fixes

    now = as_utc(moment)
    board = duty_at(session, settings, now, task="cadangan", nrps=nrps)  # only the reserves, not the whole roster
    if board.empty:
        return []
    home = bases(session, settings) if home is None else home
    polsek = dict(session.execute(select(m.Polsek.code, m.Polsek.name)).all())
    fresh = dt.timedelta(minutes=settings.traccar_silent_minutes)
    devices = {d for d in board["device"] if d}
    fixes = last_fixes(session, now, hours=fresh.total_seconds() / 3600, devices=devices)  # a current fix, or none
    # Only a reserve placed by its tracker can be standing at an incident: with none, the incidents are not read
    # (the nation's 4,747 take a third of a second).
    incidents = incident_table(session, now) if fixes else pd.DataFrame()
    open_at = []
    if not incidents.empty:
        codes = set(incidents.loc[(incidents["state"] != "selesai") & incidents["tps_code"].notna(), "tps_code"])
        open_at = [(lat, lon) for part in in_chunks(codes)
                   for lat, lon in session.execute(select(m.Tps.lat, m.Tps.lon).where(m.Tps.code.in_(part)))]
    radius_km = settings.on_site_radius_m / 1000
    out = []
    for r in board.itertuples():
        fix = fixes.get(r.device) if r.device else None
        base = home.get(r.pos) or home.get(r.polsek) or home.get(None)
        if fix is not None:
            lat, lon, located = fix[1], fix[2], "posisi"
        elif base is not None:
            (lat, lon), located = base, "markas"
        else:
            continue  # no base and no fix: nowhere to leave from
        busy = fix is not None and within_radius(lat, lon, open_at, radius_km)
        out.append(Reserve(r.nrp, polsek.get(r.pos) or r.satuan, r.pos, lat, lon, located, not busy))
    return out


def reaction_table(session: Session, settings: Settings, moment: dt.datetime, area: str | None = None,
                   reserves: list[Reserve] | None = None) -> pd.DataFrame:
    """Per TPS (of `area` only, when given): minutes for the nearest available reserve to arrive (reaksi_menit),
    where it comes from (dari, its code, its position: markas or posisi), the distance and the way (darat or sungai).
    For the map and the lists. Every reserve of the operation counts, a neighbouring kabupaten's too (`reserves`:
    reserves_at of the moment, when the caller already holds them)."""
    tps = session.execute(select(m.Tps.code, m.Tps.lat, m.Tps.lon, m.Tps.akses, m.Tps.polsek_code,
                                 m.Tps.kecamatan_code, m.Tps.kerawanan).where(in_area(m.Tps.kecamatan_code, area))
                          .order_by(m.Tps.code)).all()
    targets = [Target(t.code, t.lat, t.lon, t.akses) for t in tps]
    speeds = (settings.road_speed_kmh, settings.river_speed_kmh, settings.reaction_dispatch_minutes)
    found = None
    if reserves is None and area:
        found = _from_around(session, settings, moment, targets, speeds)
    if found is None:
        reserves = reserves_at(session, settings, moment) if reserves is None else reserves
        found = nearest(targets, reserves, *speeds)
    rows = []
    for t, r in zip(tps, found):
        rows.append({"code": t.code, "reaksi_menit": round(r.minutes, 1) if r.minutes is not None else None,
                     "dari": r.reserve.unit if r.reserve else None, "dari_kode": r.reserve.post if r.reserve else None,
                     "jarak_km": round(r.km, 1) if r.km is not None else None, "moda": r.mode,
                     "posisi": r.reserve.located_by if r.reserve else None,
                     "nrp": r.reserve.nrp if r.reserve else None, "polsek_code": t.polsek_code,
                     "kecamatan_code": t.kecamatan_code, "kerawanan": t.kerawanan, "akses": t.akses})
    return pd.DataFrame(rows, columns=COLUMNS)


AROUND_KM = 40.0  # how far around a drilled area its reserves are looked for first (a few Polsek's reach)


def _from_around(session: Session, settings: Settings, moment: dt.datetime, targets: list[Target],
                 speeds: tuple[float, float, float]) -> list[Reaction] | None:
    """The reactions of a drilled area's TPS from the reserves around it only, when that gives the same answer as
    every reserve of the operation (the nation's 83,554 take seconds to read); None when it cannot be shown to.

    Every reserve that leaves from within AROUND_KM of the area's bounding box is read: those of a Polsek whose HQ
    stands there (their own or the one they are posted to) and those whose tracker is there now. When each TPS
    found one within AROUND_KM, any reserve farther out is farther than that from every TPS: it cannot come first.
    A replayed moment (trackers have reported since) reads every reserve, as do trackers whose fixes came past the
    ingest (a copied history: no position_latest row), which are seen here only by their base."""
    from ops.duty import bases

    pl, p, a = m.PositionLatest, m.Personnel, m.Assignment
    now = as_utc(moment)
    # The newest fix stored, from the history's time index (position_latest has no index beside its key, so that
    # the ingest's updates stay in place): never older than position_latest's newest, so never a wrong shortcut.
    newest = session.scalar(select(func.max(m.PositionEvent.fix_time)))
    if not targets or (newest is not None and as_utc(newest) > now):
        return None
    home = bases(session, settings)
    south, north = min(t.lat for t in targets), max(t.lat for t in targets)
    pad_lat = AROUND_KM / KM_PER_DEG
    pad_lon = AROUND_KM / _km_per_lon_degree(max(abs(south), abs(north)) + pad_lat)
    west, east = min(t.lon for t in targets) - pad_lon, max(t.lon for t in targets) + pad_lon
    south, north = south - pad_lat, north + pad_lat

    def inside(lat: float, lon: float) -> bool:
        return south <= lat <= north and west <= lon <= east

    window = tasks.window_at(settings, now)
    # Reserves posted to no Polsek and of none wait at the Polres HQ: should it stand here, read them all.
    if home.get(None) is not None and inside(*home[None]) and window is not None and session.scalar(
            select(a.id).join(p, p.nrp == a.nrp).where(
                a.shift == window.code, a.task == "cadangan", p.polsek_code.is_(None),
                or_(a.cluster_code.is_(None), a.cluster_code.not_in(select(m.Polsek.code)))).limit(1)):
        return None
    polsek = [code for code, at in home.items() if code is not None and inside(*at)]
    fresh = dt.timedelta(minutes=settings.traccar_silent_minutes)
    nrps: set[str] = set()
    if window is not None:
        # Those whose tracker is here now, the Polsek's own and those posted to one; only officers with a reserve
        # row in the window can be on reserve (reserves_at keeps those whose task it is), so a Polsek's others are
        # left out at once. (The trackers here are few: a join costs less than matching them to the reserves.)
        on_reserve = select(a.nrp).where(a.shift == window.code, a.task == "cadangan")
        nrps.update(session.scalars(select(p.nrp).join(pl, pl.device_id == p.device_id).where(
            pl.lat.between(south, north), pl.lon.between(west, east), pl.fix_time > now - fresh)))
        nrps.update(n for cond in one_of(session, p.polsek_code, polsek) for n in session.scalars(
            select(p.nrp).where(cond, p.nrp.in_(on_reserve))))
        nrps.update(n for cond in one_of(session, a.cluster_code, polsek) for n in session.scalars(
            on_reserve.where(cond)))
    found = nearest(targets, reserves_at(session, settings, moment, nrps, home), *speeds)
    if any(r.reserve is None or haversine_km(r.reserve.lat, r.reserve.lon, t.lat, t.lon) > AROUND_KM
           for t, r in zip(targets, found)):
        return None
    return found


def summary(table: pd.DataFrame, limit: float) -> dict:
    """p50, p90 and max of the minutes, TPS beyond the limit, and TPS no reserve can be sent to."""
    minutes = table["reaksi_menit"].dropna() if len(table) else pd.Series(dtype=float)
    if minutes.empty:
        return {"p50": None, "p90": None, "max": None, "over_limit": 0, "no_reserve": int(len(table))}
    return {"p50": round(float(minutes.quantile(0.5)), 1), "p90": round(float(minutes.quantile(0.9)), 1),
            "max": round(float(minutes.max()), 1), "over_limit": int((minutes > limit).sum()),
            "no_reserve": int(table["reaksi_menit"].isna().sum())}


def per_polsek(table: pd.DataFrame) -> pd.DataFrame:
    """Per Polsek: its TPS, the median minutes, the farthest TPS from help (km) and the slowest (minutes)."""
    rows = []
    for polsek, part in table.dropna(subset=["reaksi_menit"]).groupby("polsek_code", sort=True):
        far = part.sort_values(["jarak_km", "code"], ascending=[False, True]).iloc[0]
        slow = part.sort_values(["reaksi_menit", "code"], ascending=[False, True]).iloc[0]
        rows.append({"polsek_code": polsek, "tps": len(part), "median_menit": round(float(part["reaksi_menit"].median()), 1),
                     "terjauh": far["code"], "terjauh_km": far["jarak_km"], "terjauh_menit": far["reaksi_menit"],
                     "terlama": slow["code"], "terlama_menit": slow["reaksi_menit"], "terlama_km": slow["jarak_km"],
                     "terlama_moda": slow["moda"]})
    return pd.DataFrame(rows, columns=["polsek_code", "tps", "median_menit", "terjauh", "terjauh_km", "terjauh_menit",
                                       "terlama", "terlama_menit", "terlama_km", "terlama_moda"])
