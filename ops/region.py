"""Reference data of one kabupaten: kecamatan and desa/kelurahan with codes, names, centroids and boundaries.

Reads the format of data/region/<name>/ (wilayah.csv + batas_wilayah.geojson), so any Polres can load its own.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from shapely.geometry import Point, shape
from shapely.prepared import prep
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops.models import Region

LEVELS = ("kabupaten", "kecamatan", "desa", "kelurahan")


class RegionDataError(Exception):
    """The region files cannot be used; the message names the file, row and field."""


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str
    parent_code: str
    lat: float
    lon: float
    boundary: dict | None


@dataclass
class RegionData:
    areas: dict[str, Area]

    def of_level(self, *levels: str) -> list[Area]:
        return [a for a in self.areas.values() if a.level in levels]

    def desa_of(self, kecamatan_code: str) -> list[Area]:
        return sorted((a for a in self.of_level("desa", "kelurahan") if a.parent_code == kecamatan_code),
                      key=lambda a: a.code)

    @cached_property
    def _shapes(self):
        return {c: prep(shape(a.boundary)) for c, a in self.areas.items() if a.boundary}

    @cached_property
    def geometries(self):
        return {c: shape(a.boundary) for c, a in self.areas.items() if a.boundary}

    def contains(self, code: str, lat: float, lon: float) -> bool:
        s = self._shapes.get(code)
        return bool(s and s.contains(Point(lon, lat)))


def read_region(folder: Path, kabupaten_code: str) -> RegionData:
    """Read and check wilayah.csv and batas_wilayah.geojson for one kabupaten."""
    csv_path, geo_path = folder / "wilayah.csv", folder / "batas_wilayah.geojson"
    for p in (csv_path, geo_path):
        if not p.is_file():
            raise RegionDataError(f"Region file missing: {p}. Expected wilayah.csv and batas_wilayah.geojson in {folder}.")
    try:
        with csv_path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except (UnicodeDecodeError, csv.Error) as e:
        raise RegionDataError(f"{csv_path}: cannot be read as UTF-8 CSV ({e}).") from e
    need = {"kode", "nama", "tingkat", "kode_induk", "lat", "lon"}
    if not rows or not need <= set(rows[0]):
        raise RegionDataError(f"{csv_path}: columns must include {', '.join(sorted(need))}.")
    try:
        features = json.loads(geo_path.read_text(encoding="utf-8"))["features"]
    except (ValueError, KeyError, UnicodeDecodeError) as e:
        raise RegionDataError(f"{geo_path}: not a GeoJSON FeatureCollection ({e}).") from e
    boundaries = {str(f.get("properties", {}).get("kode")): f.get("geometry") for f in features}

    areas: dict[str, Area] = {}
    problems: list[str] = []
    for i, r in enumerate(rows, start=2):
        code = (r.get("kode") or "").strip()
        if not (code == kabupaten_code or code.startswith(kabupaten_code + ".")):
            continue
        level = (r.get("tingkat") or "").strip()
        if level not in LEVELS:
            problems.append(f"row {i} ({code}): tingkat {level!r} is not one of {', '.join(LEVELS)}")
            continue
        try:
            lat, lon = float(r["lat"]), float(r["lon"])
        except (TypeError, ValueError):
            problems.append(f"row {i} ({code}): lat/lon {r.get('lat')!r}, {r.get('lon')!r} are not numbers")
            continue
        if not (-11.5 <= lat <= 6.5 and 94 <= lon <= 141.5):
            problems.append(f"row {i} ({code}): lat/lon {lat}, {lon} is outside Indonesia (swapped?)")
        areas[code] = Area(code, r["nama"].strip(), level, (r.get("kode_induk") or "").strip(), lat, lon,
                           boundaries.get(code))
    if kabupaten_code not in areas:
        problems.append(f"kabupaten {kabupaten_code} is not in {csv_path.name}")
    for a in areas.values():
        if a.level != "kabupaten" and a.parent_code not in areas:
            problems.append(f"{a.code}: parent {a.parent_code} is not in the file")
        if a.boundary is None and a.level != "kabupaten":
            problems.append(f"{a.code}: no boundary in {geo_path.name}")
    if problems:
        raise RegionDataError(f"{folder}: {len(problems)} problem(s):\n  " + "\n  ".join(problems[:50]))
    return RegionData(areas)


def load_region(session: Session, data: RegionData) -> int:
    """Insert or update every area (inside the caller's transaction); TPS and plans keep pointing at their codes."""
    for a in data.areas.values():
        session.merge(Region(code=a.code, name=a.name, level=a.level, parent_code=a.parent_code or None, lat=a.lat,
                             lon=a.lon, boundary=a.boundary))
    return len(data.areas)


def region_from_db(session: Session) -> RegionData:
    rows = session.scalars(select(Region)).all()
    return RegionData({r.code: Area(r.code, r.name, r.level, r.parent_code or "", r.lat, r.lon, r.boundary)
                       for r in rows})
