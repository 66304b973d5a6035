"""Area names placed so that they do not collide: a greedy pass over label boxes at the figure's size.

Plotly draws text where it is told, over other text. Here every label is measured in pixels at the scale of the view,
the more important ones are placed first, each tries a few spots around its anchor, and a label with no free spot is
left out (the outline and the hover still say where it is).
"""
from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import shape
from shapely.ops import polylabel

from ops.maps.geometry import Canvas

CHAR_WIDTH = 0.56  # average glyph width of the map's sans-serif font, as a share of its size
LINE_HEIGHT = 1.25
PAD = 3.0  # px of free space kept around every label


@dataclass(frozen=True)
class Label:
    text: str
    lon: float
    lat: float
    size: float  # font size in px
    priority: float  # higher is placed first


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return not (self.right <= other.left or other.right <= self.left or self.bottom <= other.top
                    or other.bottom <= self.top)


def anchor(geometry: dict) -> tuple[float, float] | None:
    """The spot deepest inside an area (its largest part): a label there reads as the area's, unlike at a centroid
    that can fall outside a crescent-shaped kecamatan."""
    try:
        area = shape(geometry)
        if area.geom_type == "MultiPolygon":
            area = max(area.geoms, key=lambda g: g.area)
        point = polylabel(area, tolerance=area.length / 400 or 1e-6)
        return point.x, point.y
    except (ValueError, TypeError, AttributeError):  # an empty or broken boundary: the caller keeps its centroid
        return None


def box_at(x: float, y: float, text: str, size: float) -> Box:
    w, h = len(text) * size * CHAR_WIDTH + 2 * PAD, size * LINE_HEIGHT + 2 * PAD
    return Box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def _spots(box: Box) -> list[tuple[float, float]]:
    """Offsets to try, nearest first: on the anchor, above, below, then to either side."""
    w, h = box.right - box.left, box.bottom - box.top
    return [(0, 0), (0, -h), (0, h), (w * 0.6, 0), (-w * 0.6, 0), (w * 0.5, -h), (-w * 0.5, h), (w * 0.5, h),
            (-w * 0.5, -h)]


def place(labels: list[Label], canvas: Canvas, taken: list[Box] | None = None) -> list[Label]:
    """The labels that fit, moved to their first free spot; `taken` holds boxes already used (e.g. a callout)."""
    taken = list(taken or [])
    placed = []
    for lab in sorted(labels, key=lambda lab: -lab.priority):
        x, y = canvas.to_px(lab.lon, lab.lat)
        home = box_at(x, y, lab.text, lab.size)
        for dx, dy in _spots(home):
            box = Box(home.left + dx, home.top + dy, home.right + dx, home.bottom + dy)
            inside = box.left >= 0 and box.top >= 0 and box.right <= canvas.width_px and box.bottom <= canvas.height_px
            if inside and not any(box.overlaps(t) for t in taken):
                taken.append(box)
                lon, lat = canvas.to_lonlat(x + dx, y + dy)
                placed.append(Label(lab.text, lon, lat, lab.size, lab.priority))
                break
    return placed
