"""Checks the list imports share: a region code of the right level inside the operation, a point inside its area,
a moment as a spreadsheet user types it, a list of codes in one cell. Each returns the reason a person reads."""
from __future__ import annotations

import datetime as dt
import re

from shapely.geometry import Point

from ops.region import RegionData, within

LEVEL_WORD = {"kabupaten": "kabupaten", "kecamatan": "kecamatan", "desa": "desa/kelurahan"}
LEVELS_OF = {"kabupaten": ("kabupaten",), "kecamatan": ("kecamatan",), "desa": ("desa", "kelurahan")}
EXAMPLE = {"kabupaten": "16.10", "kecamatan": "16.10.04", "desa": "16.10.04.2001", "tps": "16.10.04.2001.003"}
PARTS = {"kabupaten": 2, "kecamatan": 3, "desa": 4, "tps": 5}


def code_of(level: str):
    """A Kemendagri code of one level by its shape (16.10.04 for a kecamatan); whether it exists is checked later."""
    def parse(raw: str) -> str:
        bits = raw.split(".")
        if len(bits) != PARTS[level] or not all(b.isdigit() for b in bits):
            raise ValueError(f"bentuk kode {level} tidak sah (contoh {EXAMPLE[level]})")
        return raw
    return parse


def any_code(raw: str) -> str:
    """A region or TPS code of any level; its level is its number of parts."""
    bits = raw.split(".")
    if not 2 <= len(bits) <= 5 or not all(b.isdigit() for b in bits):
        raise ValueError(f"bentuk kode tidak sah (contoh {EXAMPLE['kecamatan']} kecamatan, {EXAMPLE['desa']} desa, "
                         f"{EXAMPLE['tps']} TPS)")
    return raw


def level_of(code: str) -> str:
    return {n: level for level, n in PARTS.items()}[code.count(".") + 1]


def codes(parse_one):
    """Several codes in one cell, separated by ';' (a comma too, as people type lists)."""
    def parse(raw: str) -> list[str]:
        items = [x.strip() for x in re.split(r"[;,]", raw) if x.strip()]
        if not items:
            raise ValueError("tidak ada kode")
        seen = [x for i, x in enumerate(items) if x in items[:i]]
        if seen:
            raise ValueError(f"{seen[0]} disebut dua kali")
        return [parse_one(x) for x in items]
    return parse


def area_problem(region: RegionData, code: str, level: str, scope: str) -> str | None:
    """Why `code` is not a `level` area inside the operation's area `scope` (a kabupaten '16.10', a province '16',
    the nation ''), or None when it is."""
    area = region.areas.get(code)
    if area is None or area.level not in LEVELS_OF[level] or not within(code, scope):
        return f"{code} bukan {LEVEL_WORD[level]} di wilayah operasi ({scope or 'nasional'})"
    return None


def boundary_of(region: RegionData, code: str) -> str | None:
    """The area whose boundary stands for `code`: its own, else the nearest enclosing one that has a boundary (the
    national files stop at the kabupaten); None when no level above has one."""
    while code:
        if code in region.geometries:
            return code
        area = region.areas.get(code)
        code = area.parent_code if area is not None and area.parent_code else ".".join(code.split(".")[:-1])
    return None


def inside(region: RegionData, code: str, lat: float, lon: float, tolerance_m: float) -> bool:
    """Whether (lat, lon) lies in the area `code` or within the tolerance of it (boundaries are approximate)."""
    bound = boundary_of(region, code)
    return bound is None or region.geometries[bound].distance(Point(lon, lat)) <= tolerance_m / 111_000


def point_problem(region: RegionData, area_codes: list[str], lat: float, lon: float, tolerance_m: float, where: str
                  ) -> str | None:
    """Why (lat, lon) is in none of the areas (within the tolerance), or None; a swapped pair is named so. `where`
    names the areas in the message ("desa Pegayut")."""
    if any(inside(region, c, lat, lon, tolerance_m) for c in area_codes):
        return None
    if any(inside(region, c, lon, lat, tolerance_m) for c in area_codes):
        return "lat dan lon tertukar"
    bounds = sorted({b for c in area_codes if (b := boundary_of(region, c)) is not None and b != c})
    if bounds:  # checked against an enclosing boundary: name the one the point fell outside
        where = ", ".join(region.areas[b].name for b in bounds) + f" (batas {where} tidak tersedia)"
    return f"({lat}, {lon}) di luar {where} (toleransi {tolerance_m:g} m)"


# Moments as spreadsheets hold them: ISO (2024-11-27 07:00, what an XLSX date cell reads as) or day first
# (27/11/2024 07.00, as Indonesian sheets are typed). A month-first date is never guessed.
_DAY_FIRST = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?")


def moment(raw: str) -> dt.datetime | dt.date | dt.time:
    """A date and time (WIB), a date alone, or a time of day alone, as typed; the caller says which it needs."""
    text = raw.strip()
    if m := _TIME.fullmatch(text):
        return _checked(dt.time, int(m[1]), int(m[2]), int(m[3] or 0))
    if m := _DAY_FIRST.fullmatch(text):
        day = _checked(dt.date, int(m[3]), int(m[2]), int(m[1]))
        if m[4] is None:
            return day
        return dt.datetime.combine(day, _checked(dt.time, int(m[4]), int(m[5]), int(m[6] or 0)))
    try:
        value = dt.datetime.fromisoformat(text.replace(".", ":") if "T" in text or " " in text else text)
    except ValueError:
        raise ValueError("bukan tanggal/jam; tulis mis. 2024-11-27 07:00 atau 27/11/2024 07:00 (WIB)") from None
    if value.tzinfo is not None:
        raise ValueError("tulis jam WIB tanpa zona waktu")
    if len(text) <= 10:  # a date alone
        return value.date()
    return value


def _checked(kind, *parts):
    try:
        return kind(*parts)
    except ValueError:
        raise ValueError("tanggal atau jam tidak ada di kalender") from None


def wib_text(value: dt.datetime | dt.time) -> str:
    """A WIB moment as the lists write it: 2024-11-27 07:00 (seconds only when there are some)."""
    fmt = "%H:%M:%S" if value.second else "%H:%M"
    return value.strftime(fmt if isinstance(value, dt.time) else "%Y-%m-%d " + fmt)
