"""The map's layers as Plotly traces: boundaries, TPS (single or grouped), officers, incident pins, BMKG warnings and
the chosen TPS. Every text a person or a feed typed is escaped: Plotly reads hover text as HTML."""
from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ops.clock import fmt_wib
from ops.incidents import SEVERITY_LABEL as INCIDENT_SEVERITY
from ops.incidents import STATE_LABEL as INCIDENT_STATE
from ops.maps.aggregate import Groups, grid_cells
from ops.maps.colouring import Context, Mode
from ops.maps.geometry import Canvas
from ops.vocabulary import KERAWANAN_LABEL, TAHAPAN_LABEL, TPS_STATUS_SHORT

FONT = "Inter, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
AREA_WORD = {"desa": "desa", "kecamatan": "kecamatan", "kabupaten": "kabupaten", "provinsi": "provinsi"}
INCIDENT_COLOR = {"tinggi": "#c62828", "sedang": "#ef6c00", "rendah": "#f9a825"}
OFFICER_COLOR = {"di_lokasi": "#00897b", "di_luar": "#ef6c00", "senyap": "#757575"}
OFFICER_LABEL = {"di_lokasi": "di lokasi", "di_luar": "di luar radius", "senyap": "senyap"}


def esc(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).map(html.escape)


def tps_names(points: pd.DataFrame) -> pd.Series:
    """"TPS 001 Pegayut, Kec. Pemulutan": how the picker, the hover and the callout name a TPS."""
    return ("TPS " + points["number"].map("{:03d}".format).astype(str) + " " + points["desa"].astype(str)
            + ", Kec. " + points["kecamatan"].astype(str))


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def outline(areas: list[dict], width: float, color: str) -> go.Scatter:
    """All outlines as one line trace, rings joined with gaps (NaN): one trace of numbers draws and builds fast."""
    parts = []
    for a in areas:
        for ring in _rings(a["geometry"]):
            parts.append(np.asarray(ring, dtype=float)[:, :2])
            parts.append(np.full((1, 2), np.nan))
    xy = np.concatenate(parts) if parts else np.empty((0, 2))
    return go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="lines", line={"width": width, "color": color}, hoverinfo="skip",
                      showlegend=False)


def extent(areas: list[dict]) -> tuple[float, float, float, float] | None:
    coords = [p for a in areas for ring in _rings(a["geometry"]) for p in ring]
    if not coords:
        return None
    arr = np.asarray(coords, dtype=float)[:, :2]
    return arr[:, 0].min(), arr[:, 1].min(), arr[:, 0].max(), arr[:, 1].max()


def tps_hover(points: pd.DataFrame, ctx: Context) -> pd.Series:
    if points.empty:
        return pd.Series(dtype=object)
    text = "<b>" + esc(tps_names(points)) + "</b>"
    if "kerawanan" in points:
        text += "<br>" + points["kerawanan"].map(KERAWANAN_LABEL).fillna("—")
    if "akses" in points:
        text += " · akses " + esc(points["akses"])
    if "status" in points:
        text += "<br>Status: " + points["status"].map(lambda s: TPS_STATUS_SHORT.get(s if isinstance(s, str)
                                                                                     else None, str(s)))
    score = f"skor_{ctx.phase}"
    if score in points:
        text += (f"<br>Kesiapan {TAHAPAN_LABEL[ctx.phase].lower()}: "
                 + points[score].map(lambda v: "belum dinilai" if v is None or v != v else f"{v * 100:.0f}%"))
    return text


STEADY = {"selected": {"marker": {"opacity": 1}}, "unselected": {"marker": {"opacity": 1}}}
RANK = {"tps": 100, "personel": 200, "kejadian": 300, "jalur": 400, "peringatan": 500}  # legend order


def ids(kind: str, codes) -> np.ndarray:
    """customdata of clickable markers: (kind, code) rows as one array (a list of lists validates slowly)."""
    codes = np.asarray(codes, dtype=object)
    return np.column_stack([np.full(len(codes), kind, dtype=object), codes]) if len(codes) else np.empty((0, 2))


def _of_class(values: pd.Series, key) -> pd.Series:
    return (values.isna() if key is None else values == key).fillna(False).astype(bool)


def tps_traces(points: pd.DataFrame, values: pd.Series, mode: Mode, groups: Groups, ctx: Context, scale: float,
               dark: bool, name_of) -> list[go.Scatter]:
    """Single TPS by class (the worst drawn last, on top) and area markers sized by their TPS count. A class keeps its
    legend entry, counting all its TPS, even when every one of them sits inside an area marker."""
    if mode.numeric:
        return _numeric_traces(values, mode, groups, ctx, scale, dark, name_of)
    edge = "#102027" if dark else "white"
    singles, area = groups.singles, groups.groups
    hover, area_hover = tps_hover(singles, ctx), _area_hover(area, mode, groups.level, name_of)
    area_size = (10 + 3.2 * np.sqrt(area["n"].astype(float))).clip(upper=46) * scale
    totals = {key: int(_of_class(values, key).sum()) for key in mode.classes}
    first = next((i for i, k in enumerate(mode.classes) if totals[k]), 0)
    out = []
    for rank, (key, (label, color)) in reversed(list(enumerate(mode.classes.items()))):
        if not totals[key]:
            continue
        mine = _of_class(values.loc[singles.index], key)
        out.append(go.Scatter(
            x=singles["lon"][mine], y=singles["lat"][mine], mode="markers", name=f"{label} ({totals[key]})",
            legendgroup=f"tps-{key}", legendrank=RANK["tps"] + rank,
            legendgrouptitle={"text": f"TPS · {mode.label}"} if rank == first else None,
            marker={"size": (10 if rank == 0 else 7) * scale, "color": color, "line": {"width": 0.6, "color": edge}},
            customdata=ids("tps", singles["code"][mine]), text=hover[mine] if len(hover) else hover,
            hovertemplate="%{text}<extra></extra>", **STEADY))
        mine = _of_class(area["worst"], key)
        if mine.any():
            out.append(go.Scatter(
                x=area["lon"][mine], y=area["lat"][mine], mode="markers+text", text=area["n"][mine].astype(str),
                hovertext=area_hover[mine], hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
                legendgroup=f"tps-{key}", marker={"size": area_size[mine], "color": color, "opacity": 0.88,
                                                 "line": {"width": 1.2, "color": edge}},
                textfont={"size": 10 * scale, "color": "white", "family": FONT},
                customdata=ids("wilayah", area["code"][mine]), **STEADY))
    return out


def _numeric_traces(values: pd.Series, mode: Mode, groups: Groups, ctx: Context, scale: float, dark: bool,
                    name_of) -> list[go.Scatter]:
    """A measure on a colour scale (one colour bar); an area marker takes its highest value."""
    edge = "#102027" if dark else "white"
    singles, area, s = groups.singles, groups.groups, mode.scale
    colour = {"colorscale": list(s.colors), "cmin": s.low, "cmax": s.high}
    mine = values.loc[singles.index]
    hover = tps_hover(singles, ctx)
    if len(singles):
        hover = hover + f"<br>{mode.label}: " + mine.map(lambda v: "—" if v != v else f"{v:.0f} {s.unit}")
    out = [go.Scatter(
        x=singles["lon"], y=singles["lat"], mode="markers", name=f"TPS · {mode.label} ({s.unit})",
        legendrank=RANK["tps"], customdata=ids("tps", singles["code"]), text=hover,
        hovertemplate="%{text}<extra></extra>",
        marker={**colour, "color": mine, "size": 8 * scale, "line": {"width": 0.6, "color": edge},
                "colorbar": {"title": s.unit, "thickness": 12, "len": 0.4, "x": 1.0, "xanchor": "right"}}, **STEADY)]
    if len(area):
        out.append(go.Scatter(
            x=area["lon"], y=area["lat"], mode="markers+text", text=area["n"].astype(str), showlegend=False,
            hovertext=_area_hover(area, mode, groups.level, name_of), hovertemplate="%{hovertext}<extra></extra>",
            marker={**colour, "color": area["worst"].astype(float), "opacity": 0.85,
                    "line": {"width": 1, "color": edge},
                    "size": (10 + 3.2 * np.sqrt(area["n"].astype(float))).clip(upper=46) * scale},
            textfont={"size": 10 * scale, "color": "white"}, customdata=ids("wilayah", area["code"]),
            **STEADY))
    return out


def _area_hover(area: pd.DataFrame, mode: Mode, level: str | None, name_of) -> pd.Series:
    if area.empty:
        return pd.Series(dtype=str)
    names = area["code"].map(lambda c: html.escape(name_of(c)))
    head = "<b>" + names + "</b><br>" + area["n"].map("{:,} TPS".format).str.replace(",", ".")
    if mode.numeric:
        return head + "<br>terburuk: " + area["worst"].map(lambda v: "—" if v != v else f"{v:.0f} {mode.scale.unit}")
    parts = area["counts"].map(lambda counts: ", ".join(
        f"{n} {mode.classes[k][0].lower()}" for k, n in sorted(counts.items(), key=lambda kv: list(mode.classes)
                                                             .index(kv[0]) if kv[0] in mode.classes else 99)
        if k in mode.classes))
    return head + ": " + parts + "<br><i>klik untuk memperbesar " + AREA_WORD.get(level or "", "wilayah") + " ini</i>"


def officer_traces(officers: pd.DataFrame, budget: int, scale: float, dark: bool) -> list[go.Scatter]:
    """Latest fixes, the hover saying whose and how old; above the budget, counts per grid cell."""
    have = officers.dropna(subset=["lat", "lon"])
    if have.empty:
        return []
    edge = "#000000" if dark else "#ffffff"
    if len(have) <= budget:
        text = (esc(have["pangkat"]) + " " + esc(have["nama"]) + "<br>" + esc(have["cluster"]) + "<br>posisi "
                + have["age_min"].map(lambda a: f"{a:.0f} mnt lalu") + " · " + have["status"].map(OFFICER_LABEL))
        out = []
        for status, label in OFFICER_LABEL.items():
            mine = (have["status"] == status).to_numpy()
            if mine.any():
                out.append(go.Scatter(
                    x=have["lon"][mine], y=have["lat"][mine], mode="markers", legendgroup="personel",
                    legendgrouptitle={"text": "Personel"} if not out else None, legendrank=RANK["personel"],
                    name=f"{label} ({int(mine.sum())})", text=text[mine], hovertemplate="%{text}<extra></extra>",
                    marker={"symbol": "diamond", "size": 7 * scale, "opacity": 0.85, "color": OFFICER_COLOR[status],
                            "line": {"width": 0.5, "color": edge}}, **STEADY))
        return out
    cells = have.assign(cell=grid_cells(have["lon"], have["lat"], budget))
    g = cells.groupby("cell").agg(lon=("lon", "mean"), lat=("lat", "mean"), n=("lon", "size"),
                                  senyap=("status", lambda s: int((s == "senyap").sum())),
                                  di_lokasi=("status", lambda s: int((s == "di_lokasi").sum())))
    text = (g["n"].astype(str) + " personel: " + g["di_lokasi"].astype(str) + " di lokasi, "
            + g["senyap"].astype(str) + " senyap")
    return [go.Scatter(x=g["lon"], y=g["lat"], mode="markers", name=f"Personel ({len(have)}, per petak)",
                       legendrank=RANK["personel"],
                       marker={"symbol": "diamond", "size": (6 + 2 * np.sqrt(g["n"])).clip(upper=30) * scale,
                               "color": "#00897b", "opacity": 0.7, "line": {"width": 0.5, "color": edge}},
                       text=text, hovertemplate="%{text}<extra></extra>", **STEADY)]


def incident_traces(incidents: pd.DataFrame, where: dict[str, tuple[float, float]], place_of, canvas: Canvas,
                    budget: int, scale: float, dark: bool) -> list[go.Scatter]:
    """Pins: a stem up from the place and a head with '!', open ones large in their severity's colour, finished ones
    small and grey. `where` gives a TPS, desa or kecamatan code's (lon, lat); `place_of` its name."""
    if incidents is None or incidents.empty:
        return []
    rows = []
    for i in incidents.itertuples():
        code = next((c for c in (i.tps_code, i.desa_code, i.kecamatan_code) if isinstance(c, str) and c in where),
                    None)
        if code is not None:
            rows.append((i, code, *where[code]))
    rows = rows[:budget]  # the table comes open first, most severe first
    if not rows:
        return []
    stem = canvas.degrees(16 * scale)
    groups: dict[tuple, list] = {}
    for i, code, lon, lat in rows:
        key = ("selesai", None) if i.state == "selesai" else ("terbuka", i.severity)
        groups.setdefault(key, []).append((i, code, lon, lat + stem))
    out = [go.Scatter(x=[v for _, _, lon, _ in rows for v in (lon, lon, None)],
                      y=[v for _, _, _, lat in rows for v in (lat, lat + stem, None)], mode="lines",
                      line={"color": "#cfd8dc" if dark else "#37474f", "width": 1.4 * scale}, hoverinfo="skip",
                      showlegend=False, legendgroup="kejadian")]
    order = [("terbuka", s) for s in INCIDENT_SEVERITY] + [("selesai", None)]
    for key in order:
        pins = groups.get(key)
        if not pins:
            continue
        is_open = key[0] == "terbuka"
        text = [f"<b>{html.escape(str(i.title))}</b><br>{html.escape(place_of(code))}<br>"
                f"{INCIDENT_SEVERITY.get(i.severity, i.severity)} · {INCIDENT_STATE.get(i.state, i.state)} · "
                f"sejak {fmt_wib(i.occurred_at, False)}" for i, code, _, _ in pins]
        out.append(go.Scatter(
            x=[p[2] for p in pins], y=[p[3] for p in pins], mode="markers+text" if is_open else "markers",
            text=["!"] * len(pins) if is_open else None, hovertext=text, hovertemplate="%{hovertext}<extra></extra>",
            textfont={"size": 11 * scale, "color": "white", "family": FONT},
            name=(f"Kejadian {INCIDENT_SEVERITY[key[1]].lower()} ({len(pins)})" if is_open
                  else f"Kejadian selesai ({len(pins)})"), legendgroup="kejadian", legendrank=RANK["kejadian"],
            marker={"size": (17 if is_open else 9) * scale,
                    "color": INCIDENT_COLOR.get(key[1], "#9e9e9e") if is_open else "#9e9e9e",
                    "opacity": 1 if is_open else 0.7,
                    "line": {"width": 1.5, "color": "#000000" if dark else "#ffffff"}},
            customdata=[["tps", i.tps_code] if isinstance(i.tps_code, str) else ["", ""] for i, *_ in pins],
            **STEADY))
    return out


def warning_traces(warnings: list[dict], scale: float = 1.0) -> list[go.Scatter]:
    out = []
    for w in warnings:
        for poly in w["polygons"] or []:
            out.append(go.Scatter(x=[p[0] for p in poly], y=[p[1] for p in poly], mode="lines", fill="toself",
                                  fillcolor="rgba(198,40,40,0.16)", line={"color": "#c62828", "width": 2 * scale},
                                  name=f"Peringatan BMKG: {html.escape(str(w['event']))}",
                                  legendrank=RANK["peringatan"],
                                  text=html.escape(str(w.get("headline") or w["event"])), legendgroup="peringatan",
                                  hovertemplate="%{text}<extra></extra>", showlegend=len(out) == 0))
    return out


def chosen_traces(row: pd.Series, scale: float, dark: bool) -> list[go.Scatter]:
    """The chosen TPS as a ring over a halo, so that it stands out on any colour; the others stay as they are."""
    ring = "#ffffff" if dark else "#111827"
    halo = "#000000" if dark else "#ffffff"
    return [go.Scatter(x=[row["lon"]], y=[row["lat"]], mode="markers", hoverinfo="skip", showlegend=False,
                       marker={"symbol": "circle-open", "size": size * scale, "color": color,
                               "line": {"width": width * scale, "color": color}},
                       customdata=[["tps", row["code"]]], **STEADY)
            for size, width, color in ((30, 6, halo), (30, 3, ring))]
