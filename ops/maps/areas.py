"""The overview map of a province or the nation: its areas one level down (a Polda's kabupaten/kota, Mabes' provinces)
filled by how ready their TPS are, ringed by their worst open Perhatian item, named with their figures. A click on an
area opens it (customdata ("wilayah", code)), so the commander drills from the map.

Where the region files have no boundary for an area (the national file stops at the kabupaten), the boundaries of the
level below stand in for it, each filled with its area's colour, and the name sits at the area's centroid.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ops.maps import layers as lay
from ops.maps.figure import HALO, HALO_DARK, Style, _layout
from ops.maps.geometry import Bounds, Canvas
from ops.maps.labels import Label, anchor, place

# Readiness share against the target: the same three tones as the headline's tiles, and grey before anything is due.
TONE_FILL = {"baik": "rgba(46,125,50,0.35)", "waspada": "rgba(249,168,37,0.45)", "buruk": "rgba(198,40,40,0.40)",
             "netral": "rgba(144,164,174,0.25)"}
TONE_LABEL = {"baik": "sesuai target", "waspada": "di bawah target", "buruk": "jauh di bawah target",
              "netral": "belum dinilai"}
SEVERITY_RING = {"kritis": "#b71c1c", "tinggi": "#e65100", "sedang": "#f9a825", "info": "#607d8b"}


@dataclass(frozen=True)
class AreaStat:
    code: str
    name: str
    tps: int
    dinilai: int
    siap: int
    worst: str | None  # worst open Perhatian severity in the area
    items: int  # open Perhatian items in the area


def tone(siap: int, dinilai: int, target: float) -> str:
    if not dinilai:
        return "netral"
    share = siap / dinilai
    return "baik" if share >= target else "waspada" if share >= target - 0.15 else "buruk"


def rings_of(areas: list[dict]) -> dict[str, np.ndarray]:
    """Per boundary: its rings as one (x, y) array, each ring closed by a gap (NaN). The same every run: a caller that
    keeps the boundaries keeps these beside them (the nation's 514 kabupaten took a quarter of a second a map)."""
    out = {}
    for a in areas:
        parts = []
        for ring in lay._rings(a["geometry"]):
            parts.append(np.asarray(ring, dtype=float)[:, :2])
            parts.append(np.full((1, 2), np.nan))
        out[a["code"]] = np.concatenate(parts) if parts else np.empty((0, 2))
    return out


def _rings_xy(areas: list[dict], rings: dict[str, np.ndarray]) -> np.ndarray:
    parts = [rings[a["code"]] for a in areas]
    return np.concatenate(parts) if parts else np.empty((0, 2))


def area_map(areas: list[dict], stats: list[AreaStat], style: Style, target: float,
             owner: dict[str, str] | None = None, rings: dict[str, np.ndarray] | None = None) -> go.Figure:
    """`areas`: boundaries [{code, name, lat, lon, geometry}] of the areas ranked, or of the level below them with
    `owner` mapping each boundary's code to its area's code. `stats` per area; `target` the readiness target share;
    `rings`: rings_of(areas), when the caller keeps it."""
    owner = owner or {a["code"]: a["code"] for a in areas}
    rings = rings if rings is not None else rings_of(areas)
    tones = {s.code: tone(s.siap, s.dinilai, target) for s in stats}
    dark = style.dark
    fg = "#eceff1" if dark else "#263238"
    box = lay.extent(areas)
    view = Bounds(*box).padded(0.03) if box else Bounds(95.0, -11.0, 141.0, 6.0)
    canvas = Canvas(view.fitted(style.width, style.height), style.width, style.height)
    fig = go.Figure()
    for t in ("buruk", "waspada", "baik", "netral"):
        mine = [a for a in areas if tones.get(owner.get(a["code"], "")) == t]
        if not mine:
            continue
        xy = _rings_xy(mine, rings)
        # One filled trace per tone: the rings are closed shapes separated by gaps.
        fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="lines", fill="toself", fillcolor=TONE_FILL[t],
                                 line={"width": 0.8 * style.scale, "color": "#90a4ae" if dark else "#78909c"},
                                 hoverinfo="skip", name=f"TPS siap {TONE_LABEL[t]}", legendgroup="tone"))
    # Each area's outline in its worst item's colour: what needs the commander stands out from the readiness fill.
    for sev, colour in SEVERITY_RING.items():
        ringed = {s.code for s in stats if s.worst == sev}
        mine = [a for a in areas if owner.get(a["code"]) in ringed]
        if mine:
            xy = _rings_xy(mine, rings)
            fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="lines", line={"width": 2.4 * style.scale,
                                     "color": colour}, hoverinfo="skip", name=f"Perhatian terberat: {sev}",
                                     legendgroup="ring"))
    # Where each area is: the deepest point of its own boundary, else its centroid.
    spot: dict[str, tuple[float, float]] = {}
    for a in areas:
        code = owner.get(a["code"])
        if code == a["code"]:
            spot[code] = anchor(a["geometry"]) or (a["lon"], a["lat"])
    for s in stats:
        if s.code not in spot:
            where = [(a["lon"], a["lat"]) for a in areas if owner.get(a["code"]) == s.code and a["lat"] is not None]
            if where:
                spot[s.code] = (float(np.mean([w[0] for w in where])), float(np.mean([w[1] for w in where])))
    shown = [s for s in stats if s.code in spot]
    hover = [f"<b>{html.escape(s.name)}</b><br>{s.siap:,} dari {s.dinilai:,} TPS dinilai siap · {s.tps:,} TPS"
             .replace(",", ".") + (f"<br>{s.items} hal perhatian, terberat {s.worst}" if s.items else
                                   "<br>tidak ada hal perhatian") + "<br><i>klik untuk membuka</i>" for s in shown]
    fig.add_trace(go.Scatter(
        x=[spot[s.code][0] for s in shown], y=[spot[s.code][1] for s in shown], mode="markers",
        marker={"size": 22 * style.scale, "color": "rgba(0,0,0,0)"}, text=hover, hovertemplate="%{text}<extra></extra>",
        customdata=[["wilayah", s.code] for s in shown], showlegend=False, name="wilayah"))
    labels = place([Label(f"{s.name} · {s.siap / s.dinilai:.0%}" if s.dinilai else s.name, spot[s.code][0],
                          spot[s.code][1], style.font_size, s.tps) for s in shown], canvas)
    if labels:
        fig.add_trace(go.Scatter(x=[p.lon for p in labels], y=[p.lat for p in labels],
                                 text=[html.escape(p.text) for p in labels], mode="text", hoverinfo="skip",
                                 showlegend=False, textfont={"size": style.font_size, "family": lay.FONT, "color": fg,
                                                             "shadow": HALO_DARK if dark else HALO}))
    fig.update_xaxes(visible=False, range=[canvas.view.west, canvas.view.east])
    fig.update_yaxes(visible=False, range=[canvas.view.south, canvas.view.north], scaleanchor="x", scaleratio=1.0)
    _layout(fig, style, "wilayah")
    fig.update_layout(meta={"areas": len(stats), "labels": len(labels), "tones": {c: t for c, t in tones.items()}})
    return fig


def stats_of(ranking: pd.DataFrame, name_of) -> list[AreaStat]:
    """AreaStat per row of an ops.perhatian.ranking table (kode, terberat, hal, siap, dinilai, tps)."""
    return [AreaStat(r.kode, name_of(r.kode), int(r.tps), int(r.dinilai), int(r.siap),
                     r.terberat if isinstance(r.terberat, str) else None, int(r.hal)) for r in ranking.itertuples()]
