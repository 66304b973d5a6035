"""The map's view: a box in degrees fitted to a canvas in pixels, and the conversions between the two.

The map is drawn on plain x/y axes (longitude, latitude) with one scale for both: in the tropics a degree of latitude
and of longitude are within a fraction of a percent of each other, so nothing needs a projection but the basemap tiles.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

MIN_SPAN = 0.06  # degrees (~6.5 km): a view around one TPS still shows its neighbourhood


@dataclass(frozen=True)
class Bounds:
    west: float
    south: float
    east: float
    north: float

    @classmethod
    def around(cls, lon: pd.Series, lat: pd.Series) -> Bounds:
        return cls(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))

    @property
    def width(self) -> float:
        return self.east - self.west

    @property
    def height(self) -> float:
        return self.north - self.south

    @property
    def centre(self) -> tuple[float, float]:
        return (self.west + self.east) / 2, (self.south + self.north) / 2

    def padded(self, share: float = 0.04, min_span: float = 0.0) -> Bounds:
        """Grown by `share` of its size on every side, and to at least `min_span` degrees each way."""
        cx, cy = self.centre
        half_w = max(self.width * (1 + 2 * share), min_span) / 2
        half_h = max(self.height * (1 + 2 * share), min_span) / 2
        return Bounds(cx - half_w, cy - half_h, cx + half_w, cy + half_h)

    def fitted(self, width_px: float, height_px: float) -> Bounds:
        """The smallest box around this one with the canvas's shape (one scale for both axes), centred on it."""
        scale = min(width_px / max(self.width, 1e-9), height_px / max(self.height, 1e-9))  # px per degree
        cx, cy = self.centre
        half_w, half_h = width_px / scale / 2, height_px / scale / 2
        return Bounds(cx - half_w, cy - half_h, cx + half_w, cy + half_h)

    def contains(self, lon: pd.Series, lat: pd.Series) -> pd.Series:
        return lon.between(self.west, self.east) & lat.between(self.south, self.north)


@dataclass(frozen=True)
class Canvas:
    """The view as it lands on the screen: what the label placer and the tile picker measure against."""
    view: Bounds
    width_px: float
    height_px: float

    @property
    def px_per_degree(self) -> float:
        return min(self.width_px / self.view.width, self.height_px / self.view.height)

    def to_px(self, lon: float, lat: float) -> tuple[float, float]:
        """Pixels from the top-left corner."""
        k = self.px_per_degree
        return (lon - self.view.west) * k, (self.view.north - lat) * k

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        k = self.px_per_degree
        return self.view.west + x / k, self.view.north - y / k

    def degrees(self, px: float) -> float:
        return px / self.px_per_degree


# Web Mercator tile arithmetic (the basemap); https://wiki.openstreetmap.org/wiki/Slippy_map_tilenames
def tile_x(lon: float, zoom: int) -> float:
    return (lon + 180.0) / 360.0 * 2 ** zoom


def tile_y(lat: float, zoom: int) -> float:
    lat_r = math.radians(max(-85.0511, min(85.0511, lat)))
    return (1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * 2 ** zoom


def tile_lon(x: float, zoom: int) -> float:
    return x / 2 ** zoom * 360.0 - 180.0


def tile_lat(y: float, zoom: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2 ** zoom))))
