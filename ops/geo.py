"""Distances and travel times from coordinates."""
from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088
# Roads and rivers wind: straight-line distance times this factor approximates the travelled distance.
ROUTE_FACTOR = {"darat": 1.35, "sungai": 1.5}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def route_km(lat1: float, lon1: float, lat2: float, lon2: float, mode: str) -> float:
    return haversine_km(lat1, lon1, lat2, lon2) * ROUTE_FACTOR[mode]


def travel_minutes(distance_km: float, mode: str, road_kmh: float, river_kmh: float) -> float:
    speed = river_kmh if mode == "sungai" else road_kmh
    return distance_km / speed * 60.0
