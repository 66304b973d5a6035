"""Weather for the pages, the readiness model and the briefing: BMKG first; Open-Meteo when BMKG is not current.

BMKG forecasts each desa in 3-hour slots; Open-Meteo each kecamatan centre hourly. Both are brought to 3-hour slots
(WIB-aligned, as BMKG's) so that thresholds mean the same whichever source is shown.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import WIB, as_utc
from ops.config import Settings
from ops.freshness import Freshness, feed_states
from ops.region import in_area

SOURCE_LABEL = {"bmkg": "BMKG", "openmeteo": "Open-Meteo"}
# Thunderstorm weather codes: BMKG uses 95 and 97 (Hujan Petir); Open-Meteo the WMO codes 95, 96 and 99.
THUNDER_CODES = frozenset({95, 96, 97, 99})


@dataclass(frozen=True)
class ForecastSource:
    source: str  # bmkg | openmeteo
    freshness: Freshness
    fallback: bool  # True when Open-Meteo stands in for BMKG

    @property
    def note(self) -> str:
        if not self.fallback:
            return f"Prakiraan {SOURCE_LABEL[self.source]}"
        return "BMKG tidak terkini — prakiraan cadangan Open-Meteo (per kecamatan)"


def forecast_source(states: dict[str, Freshness]) -> ForecastSource:
    """BMKG while it is current; else Open-Meteo when that is current; else whichever has the younger data."""
    bmkg, om = states["bmkg-forecast"], states["openmeteo"]
    if bmkg.current or (not om.current and _younger(bmkg, om)):
        return ForecastSource("bmkg", bmkg, False)
    return ForecastSource("openmeteo", om, True)


def _younger(a: Freshness, b: Freshness) -> bool:
    if a.last_success is None:
        return b.last_success is None
    return b.last_success is None or a.last_success >= b.last_success


def _slot3(t: dt.datetime) -> dt.datetime:
    local = as_utc(t).astimezone(WIB)
    return local.replace(hour=local.hour - local.hour % 3, minute=0, second=0, microsecond=0)


AREAS_BY_PREFIX = 200  # up to this many kecamatan are read by code prefix; more, and the whole window is read


def rain_slots(session: Session, source: str, start: dt.datetime, end: dt.datetime,
               kecamatan: Iterable[str] | None = None, area: str | None = None) -> pd.DataFrame:
    """Rain per area and 3-hour slot (WIB): columns area, kecamatan, slot, rain_mm (slot total), wind_kmh (max),
    desc. BMKG areas are desa, Open-Meteo areas kecamatan. `kecamatan`: only those kecamatan and their desa (a
    kabupaten's river legs need their own, not a province's forecasts); `area`: only the areas inside that region code."""
    q = select(m.WeatherForecast.area_code, m.WeatherForecast.slot, m.WeatherForecast.rain_mm,
               m.WeatherForecast.wind_kmh, m.WeatherForecast.weather_desc, m.WeatherForecast.weather_code).where(
        m.WeatherForecast.source == source, m.WeatherForecast.slot >= start, m.WeatherForecast.slot < end,
        in_area(m.WeatherForecast.area_code, area))
    wanted = sorted(set(kecamatan)) if kecamatan is not None else None
    if wanted is not None and len(wanted) <= AREAS_BY_PREFIX:
        if not wanted:
            q = q.where(false())
        else:
            q = q.where(or_(m.WeatherForecast.area_code.in_(wanted), *(
                m.WeatherForecast.area_code.startswith(k + ".", autoescape=True) for k in wanted)))
    rows = session.execute(q).all()
    # Plain tuples and dicts: a province's 72 hours are hundreds of thousands of rows, and a lambda or a dict per row
    # was most of the time.
    acc: dict[tuple, list] = {}
    slot3: dict[dt.datetime, dt.datetime] = {}  # every area shares the same few slot times: each converted once
    for area, slot, rain, wind, desc, code in rows:
        s3 = slot3.get(slot)
        if s3 is None:
            s3 = slot3[slot] = _slot3(slot)
        thunder = code is not None and code in THUNDER_CODES
        a = acc.get((area, s3))
        if a is None:
            acc[(area, s3)] = [rain or 0.0, wind or 0.0, desc, thunder]
            continue
        a[0] += rain or 0.0
        a[1] = max(a[1], wind or 0.0)
        a[2] = desc or a[2]
        a[3] = a[3] or thunder
    areas = [k[0] for k in acc]
    # A desa's code is its kecamatan's and one part more (16.10.05.2001 in 16.10.05).
    kecamatan = {a: a if source == "openmeteo" else a.rsplit(".", 1)[0] for a in set(areas)}
    values = list(acc.values())
    columns = ["area", "slot", "rain_mm", "wind_kmh", "desc", "thunder", "kecamatan"]
    out = pd.DataFrame(dict(zip(columns, (areas, [k[1] for k in acc], [round(v[0], 1) for v in values],
                                          [v[1] for v in values], [v[2] for v in values], [v[3] for v in values],
                                          [kecamatan[a] for a in areas])))) if acc else pd.DataFrame(columns=columns)
    return out.sort_values(["area", "slot"]).reset_index(drop=True)


def forecast_panel(session: Session, settings: Settings, now: dt.datetime, hours: int, area: str = "") -> tuple:
    """The rain panel of Cuaca (and the briefing's): the forecast source in use (BMKG while current, else Open-Meteo)
    and its kecamatan_timeline over `hours` of `area` ('' the whole operation)."""
    chosen = forecast_source(feed_states(session, settings, now))
    return chosen, kecamatan_timeline(session, chosen.source, now, hours, area or None)


def heavy_rain_first(session: Session, settings: Settings, source: str, now: dt.datetime,
                     hours: int = 24) -> dict[str, tuple[dt.datetime, float]]:
    """Per area: the first slot from 3 h ago to `hours` ahead with rain at or above the heavy-rain threshold, and its
    rain (mm/3 h)."""
    now = as_utc(now)
    df = rain_slots(session, source, now - dt.timedelta(hours=3), now + dt.timedelta(hours=hours))
    heavy = df[df["rain_mm"] >= settings.heavy_rain_mm].sort_values("slot")
    out = {a: (as_utc(g["slot"].iloc[0]), float(g["rain_mm"].iloc[0])) for a, g in heavy.groupby("area")}
    # A desa BMKG was not asked for this round is judged by its kecamatan (ops.feeds.coverage): the first heavy slot
    # of any of its desa.
    for kec, g in heavy.groupby("kecamatan"):
        out.setdefault(kec, (as_utc(g["slot"].iloc[0]), float(g["rain_mm"].iloc[0])))
    return out


def worst_in_window(session: Session, source: str, start: dt.datetime, end: dt.datetime
                    ) -> dict[str, tuple[float, dt.datetime, bool]]:
    """Per area: the heaviest 3-hour slot overlapping [start, end) — (rain mm, slot start, thunder anywhere in it)."""
    if end <= start:
        return {}
    df = rain_slots(session, source, as_utc(start) - dt.timedelta(hours=3), as_utc(end))
    if df.empty:
        return {}
    df = df[df["slot"] + pd.Timedelta(hours=3) > pd.Timestamp(as_utc(start))]
    out = {}
    for key in ("area", "kecamatan"):  # per desa, and per kecamatan for desa without a forecast of their own
        for area, g in df.groupby(key):
            top = g.loc[g["rain_mm"].idxmax()]
            out.setdefault(area, (float(top["rain_mm"]), as_utc(top["slot"]), bool(g["thunder"].any())))
    return out


def kecamatan_timeline(session: Session, source: str, now: dt.datetime, hours: int = 72,
                       area: str | None = None) -> pd.DataFrame:
    """Per kecamatan (of `area` when given) and 3-hour slot: the heaviest rain forecast in any of its areas (what a
    boat crew must expect)."""
    now = as_utc(now)
    df = rain_slots(session, source, now - dt.timedelta(hours=3), now + dt.timedelta(hours=hours), area=area)
    if df.empty:
        return pd.DataFrame(columns=["kecamatan", "slot", "rain_mm", "wind_kmh"])
    return df.groupby(["kecamatan", "slot"], as_index=False).agg(rain_mm=("rain_mm", "max"),
                                                                  wind_kmh=("wind_kmh", "max"))


def active_warnings(session: Session, now: dt.datetime, ahead_hours: float = 1) -> list[m.WeatherWarning]:
    """Warnings in force at `now` (or starting within the hour), newest first."""
    now = as_utc(now)
    return list(session.scalars(select(m.WeatherWarning).where(
        m.WeatherWarning.effective <= now + dt.timedelta(hours=ahead_hours), m.WeatherWarning.expires >= now)
        .order_by(m.WeatherWarning.effective.desc())))


def discharge_trend(session: Session, settings: Settings, now: dt.datetime, days_back: int = 7,
                    days_ahead: int = 7) -> pd.DataFrame:
    """Daily river discharge per kecamatan river point, with the threshold flag."""
    today = as_utc(now).astimezone(WIB).date()
    rows = session.execute(select(m.RiverDischarge.point_code, m.RiverDischarge.day, m.RiverDischarge.discharge,
                                  m.RiverDischarge.discharge_max)
                           .where(m.RiverDischarge.day >= today - dt.timedelta(days=days_back),
                                  m.RiverDischarge.day <= today + dt.timedelta(days=days_ahead))
                           .order_by(m.RiverDischarge.point_code, m.RiverDischarge.day)).all()
    df = pd.DataFrame(rows, columns=["kecamatan", "day", "discharge", "discharge_max"])
    df["above"] = df["discharge"] > settings.river_discharge_threshold
    return df


def forecast_coverage(session: Session, now: dt.datetime, area: str | None = None) -> pd.DataFrame:
    """Per kecamatan (of `area` only, when given): desa with a TPS, of them with a BMKG forecast of their own, and the
    age of the oldest and newest (hours). The rest are judged by their kecamatan's forecast (ops.feeds.coverage)."""
    now = as_utc(now)
    desa = pd.DataFrame(session.execute(select(m.Tps.kecamatan_code, m.Tps.desa_code).where(
        in_area(m.Tps.kecamatan_code, area)).distinct()).all(), columns=["kecamatan", "desa"])
    fetched = pd.DataFrame(session.execute(
        select(m.WeatherForecast.area_code, func.max(m.WeatherForecast.fetched_at))
        .where(m.WeatherForecast.source == "bmkg", in_area(m.WeatherForecast.area_code, area))
        .group_by(m.WeatherForecast.area_code)).all(), columns=["desa", "fetched"])
    if desa.empty:
        return pd.DataFrame(columns=["kecamatan", "desa", "dengan_prakiraan", "tertua_jam", "terbaru_jam"])
    df = desa.merge(fetched, on="desa", how="left")
    df["age_h"] = (pd.Timestamp(now) - pd.to_datetime(df["fetched"], utc=True)).dt.total_seconds() / 3600
    out = df.groupby("kecamatan").agg(desa=("desa", "count"), dengan_prakiraan=("fetched", "count"),
                                      tertua_jam=("age_h", "max"), terbaru_jam=("age_h", "min")).reset_index()
    return out.sort_values(["dengan_prakiraan", "tertua_jam"], ascending=[True, False]).reset_index(drop=True)
