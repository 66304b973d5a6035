"""The demo's weather as pure functions of place and time: afternoon storm cells that form, drift and die out over the
kabupaten, dry mornings, rivers that rise a few days after the rain and fall again when it stops, and the BMKG nowcast
warnings that the simulated rain calls for. Deterministic per seed; any place and moment can be asked for."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Sequence

from shapely.geometry import Polygon, shape
from shapely.ops import unary_union

from ops.clock import WIB, as_utc, wib_at
from ops.demo.scenario import rng_for

SLOT = dt.timedelta(hours=3)  # BMKG forecasts in 3-hour slots
# A 3-hour slot forecast at or above this (mm) over any desa of a kecamatan draws a BMKG nowcast warning there, Severe
# from SEVERE_MM. BMKG warns of "hujan lebat" from about 5 mm an hour; the river rules postpone boats from 10 mm/3 h.
WARNING_MM = 15.0
SEVERE_MM = 30.0
WARNING_LEAD = dt.timedelta(minutes=20)  # a nowcast goes out shortly before the rain it warns of
# Where storm cells form: the kabupaten and a margin around it (a cell formed just outside drifts in).
FORM_LAT, FORM_LON = (-3.75, -3.0), (104.35, 104.9)


@dataclass(frozen=True)
class Cell:
    """A convective storm cell: where and when it forms, how it drifts, how wide and how heavy it is."""
    start: dt.datetime  # UTC
    hours: float  # lifetime: it grows to its peak half-way, then dies out
    lat: float
    lon: float
    heading: float  # degrees it drifts towards (0 north, 90 east)
    speed_kmh: float
    radius_km: float
    peak_mm: float  # rain in 3 hours under its centre at its strongest

    def rain_rate(self, lat: float, lon: float, at: dt.datetime) -> float:
        """mm an hour at (lat, lon) at `at`."""
        age = (at - self.start).total_seconds() / 3600
        if not 0 < age < self.hours:
            return 0.0
        strength = math.sin(math.pi * age / self.hours)
        km = self.speed_kmh * age
        c_lat = self.lat + km * math.cos(math.radians(self.heading)) / 110.6
        c_lon = self.lon + km * math.sin(math.radians(self.heading)) / (111.3 * math.cos(math.radians(c_lat)))
        dy, dx = (lat - c_lat) * 110.6, (lon - c_lon) * 111.3 * math.cos(math.radians(lat))
        return self.peak_mm / 3 * strength * math.exp(-(dx * dx + dy * dy) / (2 * self.radius_km ** 2))


# The story, in days from voting day (H). A wet spell in mid-November fills the rivers; from H-7 a drier week lets them
# fall; a storm crosses the Pemulutan lowlands on the afternoon of H-1 and another the Ogan valley south of Indralaya on
# the afternoon of H, so that boats bringing ballot boxes back that evening wait there while the north can go.
# (start WIB, hours, lat, lon, heading, km/h, radius km, peak mm/3 h); a seed moves them a little.
SCRIPTED: dict[int, tuple[tuple, ...]] = {
    -1: ((dt.time(14, 0), 5.0, -3.17, 104.64, 95, 8, 8.0, 36.0),),
    0: ((dt.time(13, 30), 6.5, -3.42, 104.70, 45, 2.5, 7.0, 36.0),
        (dt.time(15, 0), 3.0, -3.62, 104.47, 70, 10, 7.0, 14.0)),
}
WET_UNTIL = -8  # up to H-8 the wet season: two to four cells an afternoon
DRY_UNTIL = -2  # H-7 to H-2: the odd weak shower


def _regime(offset: int) -> tuple[float, int, int, tuple[float, float], tuple[float, float]]:
    """For a day `offset` days from H: (chance of no cell at all, fewest and most cells, range of peak mm/3 h, range of
    radius km)."""
    if offset <= WET_UNTIL:
        return 0.1, 2, 4, (16.0, 40.0), (9.0, 15.0)
    if offset <= DRY_UNTIL:
        return 0.6, 1, 1, (3.0, 8.0), (5.0, 9.0)
    return 0.4, 1, 2, (8.0, 26.0), (6.0, 11.0)


@lru_cache(maxsize=512)
def cells_of_day(seed: int, day: dt.date, voting_day: dt.date) -> tuple[Cell, ...]:
    """The storm cells that form on `day` (WIB)."""
    offset = (day - voting_day).days
    r = rng_for(seed, "sel-hujan", day.isoformat())
    if offset in SCRIPTED:
        return tuple(Cell(wib_at(day, start) + dt.timedelta(minutes=r.uniform(-20, 20)), hours,
                          lat + r.uniform(-0.01, 0.01), lon + r.uniform(-0.01, 0.01), heading + r.uniform(-5, 5),
                          speed, radius, peak * r.uniform(0.95, 1.05))
                     for start, hours, lat, lon, heading, speed, radius, peak in SCRIPTED[offset])
    none, fewest, most, peak, radius = _regime(offset)
    if r.random() < none:
        return ()
    out = []
    for _ in range(r.randint(fewest, most)):
        # Convection builds in the afternoon; now and then a cell forms in the evening.
        start = dt.time(r.choice((12, 13, 13, 14, 14, 15, 16, 19)), r.choice((0, 15, 30, 45)))
        out.append(Cell(wib_at(day, start), r.uniform(3, 6), r.uniform(*FORM_LAT), r.uniform(*FORM_LON),
                        r.uniform(20, 140), r.uniform(8, 20), r.uniform(*radius), r.uniform(*peak)))
    return tuple(out)


def slot_start(at: dt.datetime) -> dt.datetime:
    """The 3-hour slot (WIB-aligned, as BMKG's) that holds `at`, in UTC."""
    local = as_utc(at).astimezone(WIB)
    start = local.replace(hour=local.hour - local.hour % 3, minute=0, second=0, microsecond=0)
    return start.astimezone(dt.timezone.utc)


def rain_mm(seed: int, area: str, lat: float, lon: float, slot: dt.datetime, voting_day: dt.date) -> float:
    """Rain (mm) forecast for the 3-hour slot starting at `slot` at an area's point: the storm cells passing over it
    and a little drizzle of its own in the afternoon and at night; mornings are dry."""
    slot = as_utc(slot)
    day = slot.astimezone(WIB).date()
    cells = cells_of_day(seed, day, voting_day) + cells_of_day(seed, day - dt.timedelta(days=1), voting_day)
    storm = sum(c.rain_rate(lat, lon, slot + dt.timedelta(minutes=30 + 60 * k)) for c in cells for k in range(3))
    hour = slot.astimezone(WIB).hour
    r = rng_for(seed, "gerimis", area, slot.isoformat())
    drizzle = 0.0
    if 12 <= hour <= 18:
        drizzle = min(3.0, max(0.0, r.gauss(0.6, 1.0)))
    elif hour >= 21 or hour <= 0:
        drizzle = min(1.0, max(0.0, r.gauss(0.0, 0.5)))
    return round(storm + drizzle, 1)


def weather_for_rain(mm: float) -> tuple[int, str, str]:
    """BMKG weather code and descriptions for a slot's rain."""
    if mm >= 20:
        return 95, "Hujan Petir", "Thunderstorm"
    if mm >= 10:
        return 63, "Hujan Lebat", "Heavy Rain"
    if mm >= 5:
        return 61, "Hujan Sedang", "Moderate Rain"
    if mm >= 0.5:
        return 60, "Hujan Ringan", "Light Rain"
    return 3, "Berawan", "Mostly Cloudy"


def openmeteo_code(rain_mm_hour: float) -> int:
    """WMO weather code as Open-Meteo reports it: 3 overcast, 61/63/65 slight/moderate/heavy rain."""
    return 3 if rain_mm_hour < 0.2 else 61 if rain_mm_hour < 2.5 else 63 if rain_mm_hour < 7.6 else 65


# ---------------- rivers ----------------

# How a day's rain reaches a river point: most of it one to three days later, as the lebak swamps drain into the river,
# and a slow part that keeps a wet month's river high for a while.
FAST = tuple(k * math.exp(-k / 1.1) for k in range(1, 7))
SLOW_DAYS = 20
BASE_FLOW = 255.0  # m³/s the Ogan carries in November after weeks without rain
FAST_GAIN = 13.0  # m³/s per mm/day of recent catchment rain
SLOW_GAIN = 7.0  # m³/s per mm/day of the last SLOW_DAYS days' mean


@lru_cache(maxsize=16384)
def daily_rain(seed: int, lat: float, lon: float, day: dt.date, voting_day: dt.date) -> float:
    """Storm rain (mm) that falls on a point over one WIB day (drizzle does not feed a river)."""
    cells = cells_of_day(seed, day, voting_day) + cells_of_day(seed, day - dt.timedelta(days=1), voting_day)
    start = wib_at(day, dt.time(0))
    return sum(c.rain_rate(lat, lon, start + dt.timedelta(minutes=30 + 60 * h)) for c in cells for h in range(24))


def discharge(seed: int, point: str, lat: float, lon: float, day: dt.date, voting_day: dt.date,
              catchment: Sequence[tuple[float, float]]) -> float:
    """Daily mean discharge (m³/s) at a river point from the rain of the days before: half the catchment's (the
    kabupaten's kecamatan centres), half the rain around the point; a base flow of its own; no rain, no rise."""
    def rain(k: int) -> float:
        before = day - dt.timedelta(days=k)
        wide = sum(daily_rain(seed, la, lo, before, voting_day) for la, lo in catchment) / max(1, len(catchment))
        return 0.5 * wide + 0.5 * daily_rain(seed, lat, lon, before, voting_day)

    fast = sum(w * rain(k) for k, w in enumerate(FAST, start=1)) / sum(FAST)
    slow = sum(rain(k) for k in range(1, SLOW_DAYS + 1)) / SLOW_DAYS
    base = BASE_FLOW * rng_for(seed, "debit", point).uniform(0.9, 1.1)
    noise = rng_for(seed, "debit", point, day.isoformat()).gauss(0, 5)
    return round(base + FAST_GAIN * fast + SLOW_GAIN * slow + noise, 1)


# ---------------- BMKG nowcast warnings ----------------

@dataclass(frozen=True)
class Nowcast:
    """One nowcast: heavy rain for one slot over these kecamatan (code -> heaviest mm/3 h at any of its points)."""
    slot: dt.datetime  # UTC; the warning is in force for the slot
    severity: str  # CAP: Moderate, Severe
    kecamatan: dict[str, float]

    @property
    def sent(self) -> dt.datetime:
        return self.slot - WARNING_LEAD

    @property
    def expires(self) -> dt.datetime:
        return self.slot + SLOT


Points = Mapping[str, Sequence[tuple[str, float, float]]]  # kecamatan code -> (area code, lat, lon) it is forecast at


def heaviest(seed: int, points: Points, slot: dt.datetime, voting_day: dt.date) -> dict[str, float]:
    """Per kecamatan: the heaviest rain forecast for the slot at any of its points."""
    return {kec: max(rain_mm(seed, code, lat, lon, slot, voting_day) for code, lat, lon in pts)
            for kec, pts in points.items() if pts}


def nowcasts(seed: int, points: Points, start: dt.datetime, end: dt.datetime, voting_day: dt.date) -> list[Nowcast]:
    """The nowcasts for the slots from the one holding `start` up to `end`: for each slot in which the forecast
    reaches WARNING_MM over some kecamatan, one per severity naming every kecamatan concerned."""
    out, slot = [], slot_start(start)
    while slot < as_utc(end):
        over = {k: mm for k, mm in heaviest(seed, points, slot, voting_day).items() if mm >= WARNING_MM}
        for severity, kecs in (("Severe", {k: mm for k, mm in over.items() if mm >= SEVERE_MM}),
                               ("Moderate", {k: mm for k, mm in over.items() if mm < SEVERE_MM})):
            if kecs:
                out.append(Nowcast(slot, severity, kecs))
        slot += SLOT
    return out


def warning_polygons(boundaries: Mapping[str, dict]) -> dict[str, list[list[tuple[float, float]]]]:
    """Per kecamatan, the rings (lat, lon) a nowcast draws over it: its own area without the parts that the
    approximate boundaries share with a neighbour, so that a warning over one kecamatan never touches the next."""
    shapes = {code: shape(g) for code, g in boundaries.items()}
    out = {}
    for code, geom in shapes.items():
        own = geom.difference(unary_union([g for c, g in shapes.items() if c != code])).buffer(-0.001).simplify(0.001)
        parts = [p for p in getattr(own, "geoms", [own]) if isinstance(p, Polygon) and p.area > 1e-5]
        out[code] = [[(round(y, 4), round(x, 4)) for x, y in p.exterior.coords] for p in parts]
    return out
