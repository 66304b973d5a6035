"""The ballot-box pipeline: each leg's state at a moment, its ETA and lateness, and for river legs a go / hati-hati /
tunda verdict from the forecast, the warnings and the river discharge over the leg's departure window."""
from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import WIB, as_utc, fmt_wib
from ops.config import Settings
from ops.freshness import feed_states
from ops.weather import active_warnings, forecast_source, rain_slots

LEG_STATES = ("direncanakan", "berangkat", "tiba", "diserahkan")  # direncanakan: nothing reported yet
LEG_STATE_COLOR = {"direncanakan": "#90a4ae", "berangkat": "#ffb74d", "tiba": "#64b5f6", "diserahkan": "#2e7d32"}
STAGE_LABEL = {"gudang-ppk": "Gudang KPU → PPK", "ppk-pps": "PPK → PPS", "pps-tps": "PPS → TPS",
               "tps-pps": "TPS → PPS", "pps-ppk": "PPS → PPK"}
STAGES = tuple(STAGE_LABEL)
# berangkat: out towards the TPS before voting; kembali: back to the PPK after counting.
STAGE_DIRECTION = {"gudang-ppk": "berangkat", "ppk-pps": "berangkat", "pps-tps": "berangkat", "tps-pps": "kembali",
                   "pps-ppk": "kembali"}
LATE_GRACE = dt.timedelta(minutes=15)
WINDOW_BEFORE = dt.timedelta(hours=3)  # a river leg's departure window opens 3 hours before it is due to leave
SLOT = dt.timedelta(hours=3)  # a forecast slot (ops.weather.rain_slots) covers three hours from its start


def _utc(values: pd.Series) -> pd.Series:
    """Stored times as UTC timestamps (SQLite hands them back without a zone), to the microsecond as stored (a column
    with no time at all would otherwise come out in seconds)."""
    out = pd.to_datetime(values)
    return (out.dt.tz_localize("UTC") if out.dt.tz is None else out.dt.tz_convert("UTC")).dt.as_unit("us")
VERDICT_LABEL = {"go": "Aman berangkat", "hati-hati": "Hati-hati", "tunda": "Tunda"}


def leg_board(session: Session, now: dt.datetime, area: str | None = None) -> pd.DataFrame:
    """Every leg (of `area`, a region code, when given) with its latest state at `now`, when that was reported, ETA
    and whether it is late."""
    now = as_utc(now)
    legs = legs_at(session, now, area)
    return legs if legs.empty else judged(legs, now)


def legs_at(session: Session, now: dt.datetime, area: str | None = None) -> pd.DataFrame:
    """The legs (of `area`, when given) with their states at `now` (with_states), not yet judged."""
    conn = session.connection()  # Core rows, not the ORM's: the nation has 1,820,109 legs and 2.7 million events
    in_area = (true() if not area else
               or_(m.LogisticsLeg.kecamatan_code == area, m.LogisticsLeg.kecamatan_code.like(f"{area}.%")))
    legs = leg_rows(conn, in_area)
    if legs.empty:
        return legs
    return with_states(legs, leg_states(conn, as_utc(now), m.LogisticsEvent.leg_id.in_(
        select(m.LogisticsLeg.id).where(in_area)) if area else true()))


LEG_COLUMNS = (m.LogisticsLeg.id, m.LogisticsLeg.direction, m.LogisticsLeg.stage, m.LogisticsLeg.from_name,
               m.LogisticsLeg.to_name, m.LogisticsLeg.kecamatan_code, m.LogisticsLeg.desa_code,
               m.LogisticsLeg.tps_code, m.LogisticsLeg.mode, m.LogisticsLeg.distance_km, m.LogisticsLeg.planned_depart,
               m.LogisticsLeg.planned_arrive, m.LogisticsLeg.boxes, m.LogisticsLeg.from_lat, m.LogisticsLeg.from_lon,
               m.LogisticsLeg.to_lat, m.LogisticsLeg.to_lon)
STATE_COLUMNS = ["id", "state", "state_at", "actor", "departed"]


def leg_rows(conn, where) -> pd.DataFrame:
    """The legs as planned (no state), by id."""
    result = conn.execute(select(*LEG_COLUMNS).where(where).order_by(m.LogisticsLeg.id))
    # Rows as tuples with the column names once: building the frame from one dict per row took half the time at Polda
    # size (58,725 legs).
    # (as plain tuples: pandas probes each row for attributes, and a Row answers a missing one by raising)
    return pd.DataFrame.from_records([tuple(r) for r in result.all()], columns=list(result.keys()))


def leg_states(conn, now: dt.datetime, where) -> pd.DataFrame:
    """STATE_COLUMNS of the legs whose events `where` picks, as they stood at `now`: the latest report (its state,
    moment and actor) and the first departure. A leg without a report has no row."""
    rn = func.row_number().over(partition_by=m.LogisticsEvent.leg_id,
                                order_by=(m.LogisticsEvent.occurred_at.desc(), m.LogisticsEvent.id.desc())).label("rn")
    sub = select(m.LogisticsEvent.leg_id, m.LogisticsEvent.state, m.LogisticsEvent.occurred_at,
                 m.LogisticsEvent.actor, rn).where(m.LogisticsEvent.occurred_at <= now, where).subquery()
    latest = conn.execute(select(sub.c.leg_id, sub.c.state, sub.c.occurred_at, sub.c.actor).where(sub.c.rn == 1))
    departed = dict(conn.execute(select(m.LogisticsEvent.leg_id, func.min(m.LogisticsEvent.occurred_at))
                                 .where(m.LogisticsEvent.state == "berangkat", m.LogisticsEvent.occurred_at <= now, where)
                                 .group_by(m.LogisticsEvent.leg_id)).all())
    ev = pd.DataFrame.from_records([tuple(r) for r in latest.all()], columns=STATE_COLUMNS[:4])
    ev["departed"] = ev["id"].map(departed)  # a leg departs before its latest report, so it has a row
    return ev


def with_states(legs: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """The legs with their states (leg_states), times as UTC timestamps; a leg without a report is direncanakan."""
    legs = legs.merge(states, on="id", how="left")
    legs["state"] = legs["state"].fillna("direncanakan")
    legs["state_at"] = _utc(legs["state_at"])
    legs["departed"] = _utc(legs["departed"])
    return legs


def judged(legs: pd.DataFrame, now: dt.datetime) -> pd.DataFrame:
    """The board at `now`: each leg's ETA (not once arrived) and whether it is late (a copy; `legs` is kept as is)."""
    # Vectorised: at 20x the demo (36,000 legs) a row loop took seconds.
    depart, arrive = _utc(legs["planned_depart"]), _utc(legs["planned_arrive"])
    duration = arrive - depart
    now_ts = pd.Timestamp(now)
    waiting = (arrive.where(arrive > now_ts + duration, now_ts + duration)).where(now_ts > depart, arrive)
    eta = (legs["departed"] + duration).where(legs["departed"].notna(), waiting)
    done = legs["state"].isin(["tiba", "diserahkan"])
    return legs.assign(eta=eta.where(~done), late=~done & ((now_ts > arrive + LATE_GRACE) | (
        (legs["state"] == "direncanakan") & (now_ts > depart + LATE_GRACE))))


def pipeline(board: pd.DataFrame) -> pd.DataFrame:
    """Legs per stage and state, in pipeline order: the funnel the Logistik page shows."""
    if board.empty:
        return pd.DataFrame(columns=["stage", "direncanakan", "berangkat", "tiba", "diserahkan", "terlambat", "legs"])
    rows = []
    for stage in STAGES:
        sub = board[board["stage"] == stage]
        counts = sub["state"].value_counts()
        rows.append({"stage": stage, **{st: int(counts.get(st, 0)) for st in LEG_STATES},
                     "terlambat": int(sub["late"].sum()), "legs": len(sub), "boxes": int(sub["boxes"].sum())})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class RouteVerdict:
    verdict: str  # go | hati-hati | tunda
    reasons: list[dict]  # {"kind": ..., facts...}: words are made by route_reason()


# River-leg reasons: kind -> sentence from its facts (the only place they become words).
ROUTE_REASON = {
    "peringatan": lambda r: "peringatan dini BMKG berlaku",
    "hujan_lebat": lambda r: f"hujan lebat {r['mm']:.0f} mm/3 jam",
    "hujan": lambda r: f"hujan {r['mm']:.0f} mm/3 jam",
    "angin_kencang": lambda r: f"angin {r['kmh']:.0f} km/jam",
    "angin": lambda r: f"angin {r['kmh']:.0f} km/jam",
    "debit": lambda r: f"debit sungai {r['q']:.0f} m³/s (ambang {r['threshold']:.0f})",
    "aman": lambda r: "cuaca dan sungai aman pada jendela keberangkatan",
    "tanpa_prakiraan": lambda r: "belum ada prakiraan cuaca untuk jendela keberangkatan",
}


def route_reason(reason: dict) -> str:
    return ROUTE_REASON[reason["kind"]](reason)


def route_reasons(reasons: list[dict]) -> str:
    return "; ".join(route_reason(r) for r in reasons)


def judge_window(rain_mm: float | None, wind_kmh: float | None, warned: bool, discharge: float | None,
                 settings: Settings, forecast: bool = True) -> RouteVerdict:
    """Pure rule: a warning or heavy rain or a gale postpones a boat; moderate rain, wind or a high river calls for care.
    No forecast for the window (`forecast` False: a new operation before its first forecast, a window past the
    forecast's end) is no sign of calm water: it calls for care too, and says why."""
    stop, care = [], []
    if not forecast:
        care.append({"kind": "tanpa_prakiraan"})
    if warned:
        stop.append({"kind": "peringatan"})
    if rain_mm is not None and rain_mm >= settings.heavy_rain_mm:
        stop.append({"kind": "hujan_lebat", "mm": float(rain_mm)})
    elif rain_mm is not None and rain_mm >= settings.river_rain_caution_mm:
        care.append({"kind": "hujan", "mm": float(rain_mm)})
    if wind_kmh is not None and wind_kmh >= settings.river_wind_stop_kmh:
        stop.append({"kind": "angin_kencang", "kmh": float(wind_kmh)})
    elif wind_kmh is not None and wind_kmh >= settings.river_wind_caution_kmh:
        care.append({"kind": "angin", "kmh": float(wind_kmh)})
    if discharge is not None and discharge > settings.river_discharge_threshold:
        care.append({"kind": "debit", "q": float(discharge), "threshold": settings.river_discharge_threshold})
    if stop:
        return RouteVerdict("tunda", stop + care)
    return RouteVerdict("hati-hati" if care else "go", care or [{"kind": "aman"}])


def _start(slot: tuple) -> dt.datetime:
    return slot[0]


def river_legs(session: Session, settings: Settings, now: dt.datetime, board: pd.DataFrame | None = None) -> pd.DataFrame:
    """River legs not yet arrived, each with its departure window (3 h before departure to arrival) judged."""
    now = as_utc(now)
    board = leg_board(session, now) if board is None else board
    if board.empty:
        return board
    legs = board[(board["mode"] == "sungai") & ~board["state"].isin(["tiba", "diserahkan"])].copy()
    if legs.empty:
        return legs.assign(verdict=[], reasons=[], window=[], window_open=[])
    source = forecast_source(feed_states(session, settings, now)).source
    start = min(as_utc(t) for t in legs["planned_depart"]) - dt.timedelta(hours=3)
    end = max(max(as_utc(t) for t in legs["planned_arrive"]), now) + dt.timedelta(hours=3)
    slots = rain_slots(session, source, min(start, now - dt.timedelta(hours=3)), end,
                       kecamatan=set(legs["kecamatan_code"].dropna()))
    warnings = active_warnings(session, now, ahead_hours=72)
    discharge = {(p, d): q for p, d, q in session.execute(select(
        m.RiverDischarge.point_code, m.RiverDischarge.day, m.RiverDischarge.discharge))}
    # Each area's slots as plain (start, rain, wind) tuples in time order, a leg's window cut out by bisection: a
    # pandas filter per leg cost 0.3 ms (1.7 s for a Polres of 13,000 TPS).
    by_kec: dict[str, list[tuple]] = defaultdict(list)
    by_area: dict[str, list[tuple]] = defaultdict(list)
    utc_of = {t: as_utc(t) for t in set(slots["slot"])}  # a few slot times shared by every area
    for area, kec, slot, rain, wind in sorted(zip(slots["area"], slots["kecamatan"], slots["slot"].map(utc_of),
                                                  slots["rain_mm"], slots["wind_kmh"]), key=lambda r: r[2]):
        by_kec[kec].append((slot, rain, wind))
        if source == "bmkg":
            by_area[area].append((slot, rain, wind))
    verdicts, reasons, windows, opened = [], [], [], []
    for leg in legs.itertuples():
        window_from = as_utc(leg.planned_depart) - WINDOW_BEFORE
        opened.append(now >= window_from)
        w_start = max(now, window_from)
        eta = leg.eta if isinstance(leg.eta, pd.Timestamp) and not pd.isna(leg.eta) else now
        w_end = max(as_utc(leg.planned_arrive), as_utc(eta), w_start) + dt.timedelta(hours=1)
        # BMKG forecasts the leg's own desa when it has one; else the heaviest of its kecamatan. No forecast for the
        # window (a new operation, a demo before its first run, a window past the forecast's end): care, said so.
        area = by_area[leg.desa_code] if leg.desa_code in by_area else by_kec.get(leg.kecamatan_code, ())
        within = area[bisect_right(area, w_start - SLOT, key=_start):bisect_left(area, w_end, key=_start)]
        warned = any(leg.kecamatan_code in (w.kecamatan_codes or []) and as_utc(w.effective) < w_end
                     and as_utc(w.expires) > w_start for w in warnings)
        day = w_start.astimezone(WIB).date()
        v = judge_window(max(r for _, r, _ in within) if within else None,
                         max(w for _, _, w in within) if within else None,
                         warned, discharge.get((leg.kecamatan_code, day)), settings, bool(within))
        verdicts.append(v.verdict)
        reasons.append(v.reasons)
        windows.append(f"{fmt_wib(w_start)}–{fmt_wib(w_end, False)}")
    legs["verdict"], legs["reasons"], legs["window"], legs["window_open"] = verdicts, reasons, windows, opened
    return legs
