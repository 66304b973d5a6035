"""Whether an officer is on site, from a few facts per device rather than its whole track.

On site (di_lokasi) means: the device has reported within the dwell period, none of its fixes in that period lay
outside the radius of its post's TPS, and its stay there goes back at least the dwell period (less HELD_SLACK, about one
fix interval), so one jittery point near or far does not flip the state. A stay is a run of fixes inside the radius
with no silence longer than the silent limit between two of them. Silent (senyap): no fix within the silent limit.
Otherwise outside the radius (di_luar).

The facts — the newest fix, when the stay began, when a fix was last outside — are folded from fixes oldest first:
from a stretch of history (a replayed moment) or one batch at a time by the ingest, which keeps them in position_latest
so that the live answer reads one row per device. Both folds give the same answer at every moment after the newest fix.
"""
from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from typing import Iterable, NamedTuple, Sequence

from ops.config import Settings
from ops.geo import EARTH_RADIUS_KM, haversine_km

Place = tuple[float, float]  # (lat, lon) of one TPS of the post
Fix = tuple[dt.datetime, float, float]  # (time, lat, lon)

ON_SITE_STATES = ("di_lokasi", "di_luar", "senyap", "tanpa_perangkat")
HELD_SLACK = dt.timedelta(minutes=5)
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180  # of latitude, on the sphere haversine_km measures
FLAT_UP_TO_KM, FLAT_MARGIN = 10.0, 0.01  # within_radius: up to this radius, a flat distance this close decides nothing


class Presence(NamedTuple):
    fix_time: dt.datetime  # the newest fix
    lat: float
    lon: float
    rule: str | None = None  # post_rule() the facts below were judged under; None: the device has no post
    stay_since: dt.datetime | None = None  # first fix of the current stay inside the radius; None: not inside now
    outside_at: dt.datetime | None = None  # the newest fix outside the radius


def post_rule(places: Sequence[Place], settings: Settings) -> str | None:
    """A short fingerprint of what the facts depend on: the post's places, the radius and the time limits. Facts
    judged under another rule (the officer moved to another post, a setting changed) must be folded again. (Python's
    hash of numbers is the same in every process; another Python version may hash otherwise, which only refolds.)"""
    if not places:
        return None
    key = (tuple(sorted(places)), settings.on_site_radius_m, settings.traccar_silent_minutes,
           settings.on_site_dwell_minutes)
    return f"{hash(key) & 0xFFFF_FFFF_FFFF_FFFF:016x}"


def history_span(settings: Settings) -> dt.timedelta:
    """How far before a moment the fixes must go for a fold to answer as the kept facts would: the dwell period and one
    silence (a stay that began earlier than that shows in it as a run reaching back past the dwell period)."""
    return dt.timedelta(minutes=settings.on_site_dwell_minutes + settings.traccar_silent_minutes)


def fold(start: Presence | None, fixes: Iterable[Fix], places: Sequence[Place], settings: Settings,
         rule: str | None = None) -> Presence | None:
    """The facts after `fixes` (all newer than `start`'s newest fix, oldest first), judged against `places` (whose
    post_rule() a caller that knows it passes as `rule`)."""
    rule = rule if rule is not None or not places else post_rule(places, settings)
    if start is not None and start.rule != rule:
        raise ValueError("facts judged against another post or other limits: fold the device's history instead")
    radius_km, silence = _limits(settings.on_site_radius_m, settings.traccar_silent_minutes)
    last = lat = lon = stay = outside = None
    if start is not None:
        last, lat, lon, _, stay, outside = start
    for t, lat, lon in fixes:
        if rule is None:
            pass
        elif within_radius(lat, lon, places, radius_km):
            if stay is None or t - last > silence:
                stay = t
        else:
            stay, outside = None, t
        last = t
    return None if last is None else Presence(last, lat, lon, rule, stay, outside)


@lru_cache(maxsize=8)
def _limits(radius_m: float, silent_minutes: int) -> tuple[float, dt.timedelta]:
    """The radius in km and the silent limit, made once rather than at each of the ingest's ten thousand folds."""
    return radius_m / 1000, dt.timedelta(minutes=silent_minutes)


def within_radius(lat: float, lon: float, places: Sequence[Place], radius_km: float) -> bool:
    """Whether (lat, lon) lies within `radius_km` of any of `places` (by the haversine distance)."""
    # The ingest asks this of every fix, so the trigonometry is spared where it cannot change the answer:
    # - a great circle is never shorter than its north-south part, so a place farther than the radius by latitude
    #   alone is passed over;
    # - within a few kilometres the flat (equirectangular) distance differs from the haversine one by far less than
    #   FLAT_MARGIN, so a place clearly inside or clearly outside by it is so by the haversine too; only a fix near
    #   the edge, or a radius too wide for the flat distance, is measured by the haversine.
    if radius_km > FLAT_UP_TO_KM:
        return any(haversine_km(lat, lon, pl, po) <= radius_km for pl, po in places)
    outer = radius_km * (1 + FLAT_MARGIN)
    inner2, outer2 = (radius_km * (1 - FLAT_MARGIN)) ** 2, outer * outer
    shrink = None
    for pl, po in places:
        dlon = lon - po
        if not -180.0 < dlon < 180.0:  # across the antimeridian, where the flat distance does not hold
            if haversine_km(lat, lon, pl, po) <= radius_km:
                return True
            continue
        dy = (lat - pl) * KM_PER_DEGREE
        if dy > outer or -dy > outer:
            continue
        if shrink is None:
            shrink = math.cos(math.radians(lat)) * KM_PER_DEGREE
        dx = dlon * shrink
        d2 = dx * dx + dy * dy
        if d2 <= inner2 or (d2 < outer2 and haversine_km(lat, lon, pl, po) <= radius_km):
            return True
    return False


def judge(p: Presence | None, now: dt.datetime, settings: Settings) -> str:
    """di_lokasi | di_luar | senyap at `now`, from facts that include every fix up to `now` (and none after)."""
    if p is None or now - p.fix_time > dt.timedelta(minutes=settings.traccar_silent_minutes):
        return "senyap"
    dwell_start = now - dt.timedelta(minutes=settings.on_site_dwell_minutes)
    recent = p.fix_time >= dwell_start
    stayed = p.stay_since is not None and p.stay_since <= dwell_start + HELD_SLACK
    kept_in = p.outside_at is None or p.outside_at < dwell_start
    return "di_lokasi" if recent and stayed and kept_in else "di_luar"
