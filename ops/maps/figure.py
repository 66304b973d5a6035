"""The operation map: one builder for the Peta page, Ringkasan, the wall and the briefing.

What is drawn is data (`Layers`), how it is looked at is the `View` (colouring, the chosen TPS, the area zoomed to),
and where it lands is the `Style` (pixels, dark, basemap). The figure is fitted to the region or to what was chosen,
keeps its markers under the budget, and carries in `layout.meta` the facts a caption needs (how TPS were grouped,
whether the basemap is under it, how much each layer holds).
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from ops.maps import layers as lay
from ops.maps.aggregate import tps_groups
from ops.maps.colouring import MODES, Context
from ops.maps.geometry import MIN_SPAN, Bounds, Canvas
from ops.maps.labels import CHAR_WIDTH, Box, Label, anchor, box_at, place
from ops.maps.routes import route_traces, waterway
from ops.maps.tiles import tile_images

LAYERS = {"tps": "TPS", "personel": "Personel", "kejadian": "Kejadian", "jalur": "Jalur sungai",
          "peringatan": "Peringatan"}
HALO = "1px 1px 2px #fff, -1px -1px 2px #fff, 1px -1px 2px #fff, -1px 1px 2px #fff"  # names stay legible over markers
HALO_DARK = HALO.replace("#fff", "#0b1620")
DESA_LABELS_UP_TO = 45  # desa names only when the view is close enough to hold this many at most
OUTLINES_UP_TO = 3000  # areas outlined one by one; beyond it only those around the view


@dataclass(frozen=True)
class Base:
    """Boundaries: [{code, name, lat, lon, geometry}] per level."""
    kecamatan: list[dict]
    desa: list[dict]


@dataclass
class Layers:
    tps: pd.DataFrame  # the readiness table joined with places (code, lat, lon, number, desa, kecamatan, ...)
    officers: pd.DataFrame | None = None  # personnel.officer_board
    incidents: pd.DataFrame | None = None  # incidents.incident_table
    legs: pd.DataFrame | None = None  # river legs with state, and verdict/reasons where still to travel
    warnings: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class View:
    colour: str = "kerawanan"  # a key of colouring.MODES
    shown: frozenset = frozenset(LAYERS)
    routes: str = "penilaian"  # a key of routes.COLOURINGS
    chosen: str | None = None  # TPS code: ringed, named, zoomed to with its guard cluster
    focus: str | None = None  # area code (desa, kecamatan, ...) zoomed to


@dataclass(frozen=True)
class Style:
    height: int = 640
    width: int = 1000  # the width expected on screen: labels and tiles are measured against it
    dark: bool = False
    scale: float = 1.0  # marker and line size factor (the wall, and 4K)
    font_size: float = 12.0  # names and legend, px
    tiles: str = ""  # tile URL template, already checked as reachable; empty: blank background
    max_points: int = 3000
    legend: bool = True
    labels: bool = True


def _view(tps: pd.DataFrame, base: Base, view: View, chosen: pd.Series | None) -> Bounds:
    if chosen is not None:
        # Zoomed to the TPS with its guard cluster: the neighbours the same officers cover.
        same = (tps["cluster"] == chosen["cluster"]) if isinstance(chosen.get("cluster"), str) \
            else tps["code"] == chosen["code"]
        return Bounds.around(tps["lon"][same], tps["lat"][same]).padded(0.35, MIN_SPAN)
    if view.focus:
        inside = tps[tps["code"].str.startswith(view.focus + ".")]
        if len(inside):
            return Bounds.around(inside["lon"], inside["lat"]).padded(0.12, MIN_SPAN)
    box = lay.extent(base.kecamatan)
    if box is not None:
        return Bounds(*box).padded(0.02)
    if len(tps):
        return Bounds.around(tps["lon"], tps["lat"]).padded(0.05, MIN_SPAN)
    return Bounds(95.0, -11.0, 141.0, 6.0)  # Indonesia, when there is nothing yet


def _near(areas: list[dict], view: Bounds) -> list[dict]:
    if len(areas) <= OUTLINES_UP_TO:
        return areas
    wide = view.padded(0.5)
    return [a for a in areas if a["lat"] is not None and wide.west <= a["lon"] <= wide.east
            and wide.south <= a["lat"] <= wide.north]


def _labels(base: Base, tps: pd.DataFrame, canvas: Canvas, style: Style, taken: list[Box]) -> go.Scatter | None:
    fg = "#eceff1" if style.dark else "#263238"
    per_kec = tps["kecamatan_code"].value_counts() if "kecamatan_code" in tps else pd.Series(dtype=int)
    size = style.font_size
    wanted = []
    for k in _near(base.kecamatan, canvas.view):
        lon, lat = anchor(k["geometry"]) or (k["lon"], k["lat"])
        wanted.append(Label(k["name"], lon, lat, size, 1e6 + per_kec.get(k["code"], 0)))
    desa_in_view = [d for d in _near(base.desa, canvas.view) if d["lat"] is not None
                    and canvas.view.west <= d["lon"] <= canvas.view.east
                    and canvas.view.south <= d["lat"] <= canvas.view.north]
    if len(desa_in_view) <= DESA_LABELS_UP_TO:
        for d in desa_in_view:
            lon, lat = anchor(d["geometry"]) or (d["lon"], d["lat"])
            wanted.append(Label(d["name"], lon, lat, size * 0.8, 0))
    placed = place(wanted, canvas, taken)
    if not placed:
        return None
    return go.Scatter(
        x=[p.lon for p in placed], y=[p.lat for p in placed], text=[html.escape(p.text) for p in placed],
        mode="text", hoverinfo="skip", showlegend=False,
        textfont={"size": [p.size for p in placed], "family": lay.FONT, "shadow": HALO_DARK if style.dark else HALO,
                  "color": [fg if p.priority >= 1e6 else ("#90a4ae" if style.dark else "#546e7a") for p in placed]})


def operation_map(base: Base, layers: Layers, view: View, style: Style, ctx: Context,
                  name_of: Callable[[str], str] | None = None) -> go.Figure:
    """The map at its fitted view. `name_of` names an area code for the hover of grouped TPS (ops.places.Names.area)."""
    name_of = name_of or (lambda code: code)
    tps = layers.tps.reset_index(drop=True)
    mode = MODES[view.colour]
    chosen = tps[tps["code"] == view.chosen].iloc[0] if view.chosen in set(tps["code"]) else None
    canvas = Canvas(_view(tps, base, view, chosen).fitted(style.width, style.height), style.width, style.height)
    fig = go.Figure()
    dark = style.dark
    fig.add_trace(lay.outline(_near(base.desa, canvas.view), 0.6, "#5c6773" if dark else "#c9ced6"))
    fig.add_trace(lay.outline(_near(base.kecamatan, canvas.view), 1.6, "#cfd8dc" if dark else "#37474f"))
    v = canvas.view
    meta = {"tps_total": len(tps), "tps_level": "tps", "tps_markers": 0, "area_markers": 0, "legs": 0, "incidents": 0,
            "officers": 0, "warnings": 0, "basemap": bool(style.tiles), "view": [v.west, v.south, v.east, v.north]}
    if "peringatan" in view.shown and layers.warnings:
        for tr in lay.warning_traces(layers.warnings, style.scale):
            fig.add_trace(tr)
        meta["warnings"] = len(layers.warnings)
    if "jalur" in view.shown and layers.legs is not None and len(layers.legs):
        centres = {d["code"]: (d["lon"], d["lat"]) for d in base.desa if d["lat"] is not None}
        for tr in route_traces(layers.legs, waterway(layers.legs, centres), view.routes, canvas, style.scale, dark):
            fig.add_trace(tr)
        meta["legs"] = len(layers.legs)
    if "tps" in view.shown and len(tps):
        values = mode.value(tps, ctx)
        groups = tps_groups(tps, values, mode.rank(values), style.max_points,
                            canvas.view if (view.chosen or view.focus) else None, categorical=not mode.numeric)
        for tr in lay.tps_traces(tps, values, mode, groups, ctx, style.scale, dark, name_of):
            fig.add_trace(tr)
        meta.update(tps_level=groups.level or "tps", tps_markers=len(groups.singles), area_markers=len(groups.groups))
    if "personel" in view.shown and layers.officers is not None:
        for tr in lay.officer_traces(layers.officers, style.max_points, style.scale, dark):
            fig.add_trace(tr)
        meta["officers"] = int(layers.officers["lat"].notna().sum())
    if "kejadian" in view.shown and layers.incidents is not None and len(layers.incidents):
        where = {c: (x, y) for c, x, y in zip(tps["code"], tps["lon"], tps["lat"])}
        where.update({a["code"]: (a["lon"], a["lat"]) for a in base.desa + base.kecamatan if a["lat"] is not None})
        for tr in lay.incident_traces(layers.incidents, where, name_of, canvas, style.max_points, style.scale, dark):
            fig.add_trace(tr)
        meta["incidents"] = int((layers.incidents["state"] != "selesai").sum())
    taken = []
    if chosen is not None:
        for tr in lay.chosen_traces(chosen, style.scale, dark):
            fig.add_trace(tr)
        taken.append(_callout(fig, chosen, lay.tps_names(tps.loc[[chosen.name]]).iloc[0], canvas, style))
        meta["chosen"] = view.chosen
    if style.legend:
        taken.append(_legend_box(fig, style))
    if style.labels:
        text = _labels(base, tps, canvas, style, taken)
        if text is not None:
            fig.add_trace(text)
    if style.tiles:
        fig.update_layout(images=tile_images(style.tiles, canvas, opacity=0.75 if dark else 1.0))
    fig.update_xaxes(visible=False, range=[canvas.view.west, canvas.view.east])
    fig.update_yaxes(visible=False, range=[canvas.view.south, canvas.view.north], scaleanchor="x", scaleratio=1.0)
    _layout(fig, style, f"{view.chosen}|{view.focus}")  # a new choice re-fits the view; a refresh keeps the user's
    fig.update_layout(meta=meta)
    return fig


def _legend_box(fig: go.Figure, style: Style) -> Box:
    """Where the legend will sit (top left), estimated from its entries: names keep clear of it."""
    shown = [t for t in fig.data if t.showlegend is not False and t.name]
    titles = {t.legendgroup for t in shown if t.legendgrouptitle and t.legendgrouptitle.text}
    width = max((len(t.name) for t in shown), default=0) * style.font_size * CHAR_WIDTH + 50
    height = (1.6 * len(shown) + 1.8 * len(titles)) * style.font_size + 12
    left, top = 0.005 * style.width, 0.01 * style.height
    return Box(left, top, left + width, top + height)


def _callout(fig: go.Figure, row: pd.Series, name: str, canvas: Canvas, style: Style) -> Box:
    """The chosen TPS's name in a box, up and to the side (straight up is where an incident pin at the TPS stands);
    returns the box, which names must keep clear of."""
    dark, lift = style.dark, 46 * style.scale
    fig.add_annotation(x=row["lon"], y=row["lat"], ax=lift, ay=-lift, text=f"<b>{html.escape(name)}</b>",
                       showarrow=True, arrowhead=0, arrowwidth=1.5 * style.scale,
                       arrowcolor="#ffffff" if dark else "#111827", bgcolor="#ffffff" if dark else "#111827",
                       font={"color": "#111827" if dark else "#ffffff", "size": style.font_size + 1,
                             "family": lay.FONT}, borderpad=4 * style.scale)
    x, y = canvas.to_px(row["lon"], row["lat"])
    return box_at(x + lift, y - lift, name, style.font_size + 1)


def _layout(fig: go.Figure, style: Style, revision: str) -> None:
    dark, size = style.dark, style.font_size
    fg = "#eceff1" if dark else "#263238"
    fig.update_layout(
        height=style.height, margin={"l": 0, "r": 0, "t": 0, "b": 0}, font={"family": lay.FONT},
        paper_bgcolor="#0b1620" if dark else "white", plot_bgcolor="#0b1620" if dark else "white",
        showlegend=style.legend,
        legend={"orientation": "v", "yanchor": "top", "y": 0.99, "xanchor": "left", "x": 0.005,
                "itemsizing": "constant", "groupclick": "toggleitem",
                "bgcolor": "rgba(11,22,32,0.7)" if dark else "rgba(255,255,255,0.85)",
                "font": {"color": fg, "size": size}, "grouptitlefont": {"color": fg, "size": size}},
        hoverlabel={"font": {"family": lay.FONT, "size": size + 1}}, dragmode="pan", hovermode="closest",
        clickmode="event+select", uirevision=revision)
