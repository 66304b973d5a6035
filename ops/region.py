"""Reference data of the operation's area: provinsi, kabupaten/kota, kecamatan and desa/kelurahan with codes, names,
centroids and boundaries.

Reads the format of data/region/<name>/ (wilayah.csv + batas_wilayah.geojson) for any area: a kabupaten (a Polres),
a province (a Polda) or the nation (Mabes). The national files carry centroids down to the kecamatan and boundaries
of the kabupaten only, so a place without a centroid is put near its parent's and a place without a boundary simply
has none (placement and the import's desa check then go by the centroid).
"""
from __future__ import annotations

import csv
import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from shapely.geometry import Point, shape
from shapely.prepared import prep
from sqlalchemy import delete, insert, or_, select, true, update
from sqlalchemy.orm import Session

from ops.models import Region

# Administrative levels from the top down: one declared list; a code's level follows from its number of parts.
LEVELS = ("provinsi", "kabupaten", "kecamatan", "desa", "kelurahan")
DESA_LEVELS = ("desa", "kelurahan")
CODE_PARTS = {"provinsi": 1, "kabupaten": 2, "kecamatan": 3, "desa": 4, "kelurahan": 4}
# A place without a centroid of its own stands this far (km, at most) from its parent's, in a direction of its own.
PLACED_NEAR_KM = 2.5


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


def level_of_code(code: str) -> str:
    """'' the nation, '16' provinsi, '16.10' kabupaten, '16.10.04' kecamatan, '16.10.04.2001' desa/kelurahan
    ('desa' stands for both), five parts a TPS."""
    parts = code.count(".") + 1 if code else 0
    return {0: "nasional", 1: "provinsi", 2: "kabupaten", 3: "kecamatan", 4: "desa", 5: "tps"}.get(parts, "")


def kabupaten_of(code: str) -> str:
    """The kabupaten/kota of any code at or below it (a TPS, desa or kecamatan): its first two parts."""
    return ".".join(code.split(".")[:2])


def within(code: str, area_code: str) -> bool:
    """Whether `code` lies in the area (the nation, '', holds every code)."""
    return not area_code or code == area_code or code.startswith(area_code + ".")


def in_area(column, area_code: str | None):
    """SQL: the column's region code lies in the area (None or '' the nation: every row)."""
    if not area_code:
        return true()
    return or_(column == area_code, column.startswith(area_code + ".", autoescape=True))


@dataclass
class RegionData:
    areas: dict[str, Area]
    # Rows of the files left out, and why ('12.04.28.2001: kecamatan 12.04.28 is not in wilayah.csv'): reported by init.
    skipped: list[str] = field(default_factory=list)

    def of_level(self, *levels: str) -> list[Area]:
        return [a for a in self.areas.values() if a.level in levels]

    @cached_property
    def _children(self) -> dict[str, list[Area]]:
        out: dict[str, list[Area]] = {}
        for a in sorted(self.areas.values(), key=lambda a: a.code):
            out.setdefault(a.parent_code, []).append(a)
        return out

    def children(self, code: str) -> list[Area]:
        """The next level down, by code ('' gives the provinces of a national file)."""
        if code == "":
            return sorted((a for a in self.areas.values() if a.parent_code not in self.areas), key=lambda a: a.code)
        return list(self._children.get(code, []))

    def desa_of(self, kecamatan_code: str) -> list[Area]:
        return [a for a in self._children.get(kecamatan_code, []) if a.level in DESA_LEVELS]

    @cached_property
    def _shapes(self):
        return {c: prep(g) for c, g in self.geometries.items()}

    @cached_property
    def geometries(self):
        return {c: shape(a.boundary) for c, a in self.areas.items() if a.boundary}

    def contains(self, code: str, lat: float, lon: float) -> bool:
        s = self._shapes.get(code)
        return bool(s and s.contains(Point(lon, lat)))


def read_region(folder: Path, area_code: str) -> RegionData:
    """Read and check wilayah.csv and batas_wilayah.geojson for one area: a kabupaten ('16.10'), a province ('16')
    or the nation ('')."""
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

    found: dict[str, tuple[str, str, str, float | None, float | None]] = {}
    problems: list[str] = []
    for i, r in enumerate(rows, start=2):
        code = (r.get("kode") or "").strip()
        if not within(code, area_code):
            continue
        level = (r.get("tingkat") or "").strip()
        if level not in LEVELS:
            problems.append(f"row {i} ({code}): tingkat {level!r} is not one of {', '.join(LEVELS)}")
            continue
        if code.count(".") + 1 != CODE_PARTS[level]:
            problems.append(f"row {i} ({code}): a {level} code has {CODE_PARTS[level]} part(s)")
            continue
        lat, lon = None, None
        if (r.get("lat") or "").strip() or (r.get("lon") or "").strip():  # empty: placed by its parent below
            try:
                lat, lon = float(r["lat"]), float(r["lon"])
            except (TypeError, ValueError):
                problems.append(f"row {i} ({code}): lat/lon {r.get('lat')!r}, {r.get('lon')!r} are not numbers")
                continue
            if not (-11.5 <= lat <= 6.5 and 94 <= lon <= 141.5):
                problems.append(f"row {i} ({code}): lat/lon {lat}, {lon} is outside Indonesia (swapped?)")
        found[code] = ((r.get("nama") or "").strip(), level, (r.get("kode_induk") or "").strip(), lat, lon)
    if area_code and area_code not in found:
        problems.append(f"area {area_code} is not in {csv_path.name}")
    if problems:
        raise RegionDataError(f"{folder}: {len(problems)} problem(s):\n  " + "\n  ".join(problems[:50]))

    # The area's own row has its parent outside the file (a kabupaten's province, a province's nation); any other
    # row whose parent is missing cannot be placed in the tree and is left out, said so.
    depth = min((c.count(".") for c in found), default=0)
    top = {area_code} if area_code else {c for c in found if c.count(".") == depth}
    skipped = []
    for code in sorted(found, key=lambda c: c.count(".")):
        parent = found[code][2]
        if code not in top and parent not in found:
            skipped.append(f"{code}: {_parent_word(code)} {parent} is not in {csv_path.name}")
            del found[code]
    areas = _placed(found, boundaries)
    return RegionData(areas, skipped)


def folder_area(folder: Path) -> str:
    """The area a region folder describes: its one top row (a kabupaten, a province), or '' (the nation) when it
    holds several provinces."""
    try:
        with (folder / "wilayah.csv").open(encoding="utf-8-sig", newline="") as f:
            codes = [(r.get("kode") or "").strip() for r in csv.DictReader(f)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise RegionDataError(f"{folder / 'wilayah.csv'}: cannot be read ({e}).") from e
    depth = min((c.count(".") for c in codes if c), default=0)
    top = [c for c in codes if c and c.count(".") == depth]
    return top[0] if len(top) == 1 else ""


def _parent_word(code: str) -> str:
    return {"desa": "kecamatan", "kecamatan": "kabupaten", "kabupaten": "provinsi"}.get(level_of_code(code), "induk")


def _placed(found: dict, boundaries: dict) -> dict[str, Area]:
    """Areas with a position each: their own centroid; else near their parent's (a province: the mean of its
    kabupaten), top down so that a parent is placed before its children."""
    pos: dict[str, tuple[float, float]] = {c: (v[3], v[4]) for c, v in found.items() if v[3] is not None}
    for prov in (c for c, v in found.items() if v[1] == "provinsi" and c not in pos):
        kab = [pos[c] for c, v in found.items() if v[2] == prov and c in pos]
        if kab:
            pos[prov] = (sum(p[0] for p in kab) / len(kab), sum(p[1] for p in kab) / len(kab))
    for code in sorted(found, key=lambda c: c.count(".")):
        if code not in pos:
            pos[code] = near(pos.get(found[code][2], (0.0, 0.0)), code)
    return {c: Area(c, v[0], v[1], v[2], round(pos[c][0], 6), round(pos[c][1], 6), boundaries.get(c))
            for c, v in sorted(found.items())}


def near(centre: tuple[float, float], key: str, max_km: float = PLACED_NEAR_KM) -> tuple[float, float]:
    """A point within max_km of `centre`, the same for the same key: places sharing a centre do not pile up."""
    h = hashlib.sha256(key.encode()).digest()
    angle = int.from_bytes(h[:4], "big") / 2**32 * 2 * math.pi
    km = max_km * (0.3 + 0.7 * int.from_bytes(h[4:8], "big") / 2**32)
    dlat = km * math.cos(angle) / 111.32
    dlon = km * math.sin(angle) / (111.32 * max(0.2, math.cos(math.radians(centre[0]))))
    return centre[0] + dlat, centre[1] + dlon


def load_region(session: Session, data: RegionData, prune: bool = False) -> int:
    """Insert or update every area in bulk (inside the caller's transaction); TPS and plans keep pointing at their
    codes. With prune, areas no longer in the data are removed (only safe once no operation row points at them)."""
    rows = [{"code": a.code, "name": a.name, "level": a.level, "parent_code": a.parent_code or None, "lat": a.lat,
             "lon": a.lon, "boundary": a.boundary} for a in data.areas.values()]
    existing = set(session.scalars(select(Region.code)))
    new = [r for r in rows if r["code"] not in existing]
    old = [r for r in rows if r["code"] in existing]
    for batch in range(0, len(new), 5000):
        session.execute(insert(Region), new[batch:batch + 5000])
    if old:
        session.execute(update(Region), old)  # bulk update by primary key
    if prune:
        gone = sorted(existing - set(data.areas))
        for batch in range(0, len(gone), 5000):
            session.execute(delete(Region).where(Region.code.in_(gone[batch:batch + 5000])))
    return len(rows)


def region_from_db(session: Session) -> RegionData:
    rows = session.execute(select(Region.code, Region.name, Region.level, Region.parent_code, Region.lat, Region.lon,
                                  Region.boundary)).all()
    return RegionData({r.code: Area(r.code, r.name, r.level, r.parent_code or "", r.lat, r.lon, r.boundary)
                       for r in rows})


def children(session: Session, code: str) -> list[tuple[str, str, str]]:
    """(code, name, level) of the next level down from any area code: '' the provinces (or, when the database holds
    one province or one kabupaten, that area), a province its kabupaten/kota, a kabupaten its kecamatan, a kecamatan
    its desa and kelurahan."""
    q = select(Region.code, Region.name, Region.level).order_by(Region.code)
    if code:
        return [tuple(r) for r in session.execute(q.where(Region.parent_code == code))]
    codes = select(Region.code).scalar_subquery()
    return [tuple(r) for r in session.execute(q.where((Region.parent_code.is_(None)) |
                                                      (Region.parent_code.not_in(codes))))]
