"""The optional basemap (`map_tiles`): raster tiles laid under the same layers as images in degrees, so the map keeps
one renderer (text, dashes and clicks work the same with or without tiles, and no WebGL is needed on the wall).

The dashboard asks for one tile before it offers the basemap: with no answer, an error or something that is not an
image, the map falls back to the blank background with boundaries, and says why.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import requests

from ops.maps.geometry import Canvas, tile_lat, tile_lon, tile_x, tile_y

MAX_TILES = 48  # images per view; beyond it a coarser zoom is used
PROBE_ZOOM = 10
IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"RIFF", b"GIF8")  # PNG, JPEG, WebP, GIF


@dataclass(frozen=True)
class TileCheck:
    ok: bool
    url: str  # the tile asked for
    problem: str | None = None  # tak_terjangkau | http | bukan_gambar
    detail: str = ""  # the HTTP status or the error's name


def tile_url(template: str, zoom: int, x: int, y: int) -> str:
    return template.replace("{z}", str(zoom)).replace("{x}", str(x)).replace("{y}", str(y))


def check(template: str, lon: float, lat: float, timeout_s: float = 3.0) -> TileCheck:
    """Fetch the tile under (lon, lat) once; only its first bytes are read."""
    url = tile_url(template, PROBE_ZOOM, int(tile_x(lon, PROBE_ZOOM)), int(tile_y(lat, PROBE_ZOOM)))
    try:
        with requests.get(url, timeout=timeout_s, stream=True) as r:
            if r.status_code != 200:
                return TileCheck(False, url, "http", str(r.status_code))
            head = r.raw.read(16, decode_content=True) or b""
    except requests.RequestException as e:
        return TileCheck(False, url, "tak_terjangkau", type(e).__name__)
    if not head.startswith(IMAGE_MAGIC):
        return TileCheck(False, url, "bukan_gambar", "")
    return TileCheck(True, url)


def zoom_for(canvas: Canvas) -> int:
    """The tile zoom whose pixels are about the screen's, coarser when the view would need too many tiles."""
    zoom = max(0, min(19, round(math.log2(canvas.px_per_degree * 360 / 256))))
    while zoom > 0:
        xs, ys = _range(canvas, zoom)
        if len(xs) * len(ys) <= MAX_TILES:
            break
        zoom -= 1
    return zoom


def _range(canvas: Canvas, zoom: int) -> tuple[range, range]:
    v = canvas.view
    return (range(int(tile_x(v.west, zoom)), int(tile_x(v.east, zoom)) + 1),
            range(int(tile_y(v.north, zoom)), int(tile_y(v.south, zoom)) + 1))


def tile_images(template: str, canvas: Canvas, opacity: float = 1.0) -> list[dict]:
    """Layout images covering the view, each stretched over its tile's box in degrees."""
    zoom = zoom_for(canvas)
    xs, ys = _range(canvas, zoom)
    images = []
    for x in xs:
        for y in ys:
            west, east = tile_lon(x, zoom), tile_lon(x + 1, zoom)
            north, south = tile_lat(y, zoom), tile_lat(y + 1, zoom)
            images.append({"source": tile_url(template, zoom, x, y % 2 ** zoom), "xref": "x", "yref": "y",
                           "x": west, "y": north, "sizex": east - west, "sizey": north - south,
                           "xanchor": "left", "yanchor": "top", "sizing": "stretch", "layer": "below",
                           "opacity": opacity})
    return images
