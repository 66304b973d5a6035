"""Plotly figures shared by the pages and the briefing (no Streamlit here)."""
from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from ops.clock import HARI
from ops.vocabulary import KERAWANAN_COLOR, KERAWANAN_LABEL

FONT = "Inter, Segoe UI, Roboto, Helvetica, Arial, sans-serif"


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def _outline(areas: list[dict]) -> tuple[list, list]:
    """All outlines as one line trace: rings joined with None breaks (one trace draws fast)."""
    xs, ys = [], []
    for a in areas:
        for ring in _rings(a["geometry"]):
            xs.extend(p[0] for p in ring)
            ys.extend(p[1] for p in ring)
            xs.append(None)
            ys.append(None)
    return xs, ys


def operation_map(kecamatan: list[dict], desa: list[dict], points: pd.DataFrame, color_by: str = "kerawanan",
                  colors: dict | None = None, labels: dict | None = None, height: int = 640, dark: bool = False,
                  tiles: str = "", extra_traces: list | None = None) -> go.Figure:
    """TPS over kecamatan and desa boundaries. A blank background by default: it needs no network."""
    colors = colors or KERAWANAN_COLOR
    labels = labels or KERAWANAN_LABEL
    if tiles:
        return _tile_map(kecamatan, desa, points, color_by, colors, labels, height, tiles, extra_traces)
    line_desa = "#5c6773" if dark else "#c9ced6"
    line_kec = "#cfd8dc" if dark else "#37474f"
    fig = go.Figure()
    x, y = _outline(desa)
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line={"width": 0.6, "color": line_desa}, hoverinfo="skip",
                             showlegend=False))
    x, y = _outline(kecamatan)
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line={"width": 1.6, "color": line_kec}, hoverinfo="skip",
                             showlegend=False))
    fig.add_trace(go.Scatter(x=[k["lon"] for k in kecamatan], y=[k["lat"] for k in kecamatan], mode="text",
                             text=[k["name"] for k in kecamatan], hoverinfo="skip", showlegend=False,
                             textfont={"size": 11, "color": "#eceff1" if dark else "#263238", "family": FONT}))
    for key in colors:
        sub = points[points[color_by].fillna("__none__") == (key if key is not None else "__none__")] \
            if len(points) else points
        if sub.empty:
            continue
        fig.add_trace(go.Scatter(
            x=sub["lon"], y=sub["lat"], mode="markers", name=f"{labels.get(key, key)} ({len(sub)})",
            marker={"size": 7 if key != "sangat_rawan" else 11, "color": colors[key],
                    "line": {"width": 0.6, "color": "#102027" if dark else "white"}},
            customdata=sub[["code"]].to_numpy(),
            text=sub.get("hover", sub["code"]), hovertemplate="%{text}<extra></extra>"))
    for tr in extra_traces or []:
        fig.add_trace(tr)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.0)
    _layout(fig, height, dark)
    return fig


def _tile_map(kecamatan, desa, points, color_by, colors, labels, height, tiles, extra_traces) -> go.Figure:
    fig = go.Figure()
    for key in colors:
        sub = points[points[color_by] == key]
        if sub.empty:
            continue
        fig.add_trace(go.Scattermap(lat=sub["lat"], lon=sub["lon"], mode="markers",
                                    name=f"{labels.get(key, key)} ({len(sub)})",
                                    marker={"size": 8, "color": colors[key]}, customdata=sub[["code"]].to_numpy(),
                                    text=sub.get("hover", sub["code"]), hovertemplate="%{text}<extra></extra>"))
    for tr in extra_traces or []:
        fig.add_trace(tr)
    layers = [{"sourcetype": "raster", "source": [tiles], "below": "traces"}]
    for areas, width, color in ((desa, 0.6, "#90a4ae"), (kecamatan, 1.6, "#263238")):
        layers.append({"sourcetype": "geojson", "type": "line", "color": color, "line": {"width": width},
                       "source": {"type": "FeatureCollection",
                                  "features": [{"type": "Feature", "geometry": a["geometry"], "properties": {}}
                                               for a in areas]}})
    lat = points["lat"].mean() if len(points) else kecamatan[0]["lat"]
    lon = points["lon"].mean() if len(points) else kecamatan[0]["lon"]
    fig.update_layout(map={"style": "white-bg", "layers": layers, "center": {"lat": lat, "lon": lon}, "zoom": 9.2})
    _layout(fig, height, False)
    return fig


def _layout(fig: go.Figure, height: int, dark: bool) -> None:
    fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0}, font={"family": FONT},
                      paper_bgcolor="#0b1620" if dark else "white", plot_bgcolor="#0b1620" if dark else "white",
                      legend={"orientation": "h", "yanchor": "bottom", "y": 0.0, "xanchor": "left", "x": 0.0,
                              "bgcolor": "rgba(0,0,0,0.55)" if dark else "rgba(255,255,255,0.85)",
                              "font": {"color": "#eceff1" if dark else "#263238"}},
                      hoverlabel={"font": {"family": FONT}}, dragmode="pan", uirevision="map")


def kecamatan_bars(table: pd.DataFrame, height: int = 420) -> go.Figure:
    """TPS per kecamatan, stacked by kerawanan."""
    df = table.sort_values("tps")
    fig = go.Figure()
    for k in ("sangat_rawan", "rawan", "kurang_rawan"):
        fig.add_trace(go.Bar(y=df["kecamatan"], x=df[k], name=KERAWANAN_LABEL[k], orientation="h",
                             marker_color=KERAWANAN_COLOR[k]))
    fig.update_layout(barmode="stack", height=height, margin={"l": 0, "r": 10, "t": 10, "b": 0},
                      legend={"orientation": "h", "y": -0.12}, font={"family": FONT}, xaxis_title="Jumlah TPS",
                      plot_bgcolor="white")
    fig.update_xaxes(gridcolor="#eceff1")
    return fig


def position_trace(officers: pd.DataFrame, dark: bool = False) -> go.Scatter:
    """Officers' latest fixes; the hover says whose fix it is and how old."""
    have = officers.dropna(subset=["lat", "lon"])
    color = {"di_lokasi": "#00897b", "di_luar": "#ef6c00", "senyap": "#757575"}
    # Plotly reads a few HTML tags (links among them) in hover text: names from the roster go in escaped.
    text = (have["pangkat"].map(html.escape) + " " + have["nama"].map(html.escape) + "<br>"
            + have["cluster"].fillna("").map(html.escape) + "<br>posisi "
            + have["age_min"].map(lambda a: f"{a:.0f} mnt lalu") + " · " + have["status"])
    return go.Scatter(x=have["lon"], y=have["lat"], mode="markers", name=f"Personel ({len(have)})",
                      marker={"symbol": "diamond", "size": 6, "opacity": 0.75,
                              "color": have["status"].map(color).fillna("#757575"),
                              "line": {"width": 0.5, "color": "#ffffff" if not dark else "#000000"}},
                      text=text, hovertemplate="%{text}<extra></extra>")


def route_trace(legs: pd.DataFrame, name: str = "Jalur sungai", color: str = "#0277bd") -> go.Scatter:
    """Legs drawn as straight lines from origin to destination, one trace with breaks."""
    xs, ys = [], []
    for leg in legs.itertuples():
        xs += [leg.from_lon, leg.to_lon, None]
        ys += [leg.from_lat, leg.to_lat, None]
    return go.Scatter(x=xs, y=ys, mode="lines", name=f"{name} ({len(legs)})", hoverinfo="skip",
                      line={"width": 1.4, "color": color, "dash": "dot"})


def warning_traces(warnings: list[dict]) -> list[go.Scatter]:
    out = []
    for w in warnings:
        for poly in w["polygons"] or []:
            out.append(go.Scatter(x=[p[0] for p in poly], y=[p[1] for p in poly], mode="lines", fill="toself",
                                  fillcolor="rgba(198,40,40,0.18)", line={"color": "#c62828", "width": 2},
                                  name=f"Peringatan: {html.escape(w['event'])}",
                                  text=html.escape(w.get("headline") or w["event"]),
                                  hovertemplate="%{text}<extra></extra>", showlegend=len(out) == 0))
    return out


def rain_heatmap(timeline: pd.DataFrame, names: dict[str, str], threshold: float, height: int = 480) -> go.Figure:
    """Rain per kecamatan (rows) and 3-hour slot (columns); the colour scale saturates at twice the heavy threshold."""
    grid = timeline.pivot_table(index="kecamatan", columns="slot", values="rain_mm", aggfunc="max")
    grid = grid.loc[sorted(grid.index, key=lambda k: names.get(k, k), reverse=True)]
    x = [f"{HARI[s.weekday()][:3]} {s.day} {s:%H:%M}" for s in grid.columns]
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=x, y=[names.get(k, k) for k in grid.index], zmin=0, zmax=threshold * 2,
        colorscale=[[0, "#f7fbff"], [0.25, "#9ecae1"], [0.5, "#2171b5"], [0.75, "#fd8d3c"], [1, "#bd0026"]],
        colorbar={"title": "mm/3 jam"}, hovertemplate="%{y}<br>%{x}<br>%{z:.1f} mm<extra></extra>", xgap=1, ygap=1))
    fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 10, "b": 0}, font={"family": FONT},
                      plot_bgcolor="white")
    return fig


def discharge_lines(trend: pd.DataFrame, names: dict[str, str], threshold: float, today, height: int = 360
                    ) -> go.Figure:
    fig = go.Figure()
    for code, g in trend.groupby("kecamatan"):
        fig.add_trace(go.Scatter(x=g["day"], y=g["discharge"], mode="lines+markers", name=names.get(code, code),
                                 marker={"size": 4}))
    fig.add_hline(y=threshold, line={"color": "#c62828", "dash": "dash"}, annotation_text=f"ambang {threshold:g} m³/s")
    fig.add_vline(x=today, line={"color": "#607d8b", "dash": "dot"})
    fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 10, "b": 0}, font={"family": FONT},
                      yaxis_title="Debit (m³/s)", plot_bgcolor="white", legend={"orientation": "h", "y": -0.2})
    # Day/month in numbers: Plotly's month names are English.
    fig.update_xaxes(gridcolor="#eceff1", tickformat="%d/%m")
    fig.update_yaxes(gridcolor="#eceff1")
    return fig


def readiness_bars(kec: pd.DataFrame, names: dict[str, str], threshold: float, dark: bool = False,
                   height: int = 520, font_size: int = 14) -> go.Figure:
    """Readiness per kecamatan (0-100 %), lowest at the top, coloured against the ready threshold."""
    df = kec.assign(nama=kec["kode"].map(names).fillna(kec["kode"]), pct=(kec["skor"].fillna(1.0) * 100).round(0))
    df = df.sort_values("pct", ascending=False)
    colors = ["#2e7d32" if v >= threshold * 100 else "#f9a825" if v >= 50 else "#c62828" for v in df["pct"]]
    fg = "#eceff1" if dark else "#263238"
    fig = go.Figure(go.Bar(y=df["nama"], x=df["pct"], orientation="h", marker_color=colors,
                           text=[f"{v:.0f}%" for v in df["pct"]], textposition="outside",
                           textfont={"size": font_size, "color": fg}, cliponaxis=False))
    fig.add_vline(x=threshold * 100, line={"color": fg, "dash": "dot", "width": 1})
    fig.update_layout(height=height, margin={"l": 0, "r": 40, "t": 10, "b": 0}, font={"family": FONT,
                      "size": font_size, "color": fg}, paper_bgcolor="#0b1620" if dark else "white",
                      plot_bgcolor="#0b1620" if dark else "white", showlegend=False)
    fig.update_xaxes(range=[0, 105], showgrid=False, visible=False)
    fig.update_yaxes(tickfont={"size": font_size, "color": fg}, automargin=True)
    return fig


def pipeline_bars(pipe: pd.DataFrame, stage_labels: dict[str, str], states: tuple[str, ...], colors: dict[str, str],
                  dark: bool = False, height: int = 300, font_size: int = 12) -> go.Figure:
    """Legs per stage, stacked by state: the ballot boxes' way out to the TPS and back."""
    fg = "#eceff1" if dark else "#263238"
    fig = go.Figure()
    labels = [stage_labels[s] for s in pipe["stage"]]
    for state in states:
        fig.add_trace(go.Bar(y=labels, x=pipe[state], name=state.capitalize(), orientation="h",
                             marker_color=colors[state], text=pipe[state].where(pipe[state] > 0),
                             textposition="inside"))
    fig.update_layout(barmode="stack", height=height, margin={"l": 0, "r": 10, "t": 10, "b": 0},
                      font={"family": FONT, "size": font_size, "color": fg},
                      legend={"orientation": "h", "y": -0.12, "font": {"size": font_size, "color": fg}},
                      paper_bgcolor="#0b1620" if dark else "white", plot_bgcolor="#0b1620" if dark else "white")
    fig.update_yaxes(autorange="reversed", tickfont={"size": font_size, "color": fg}, automargin=True)
    fig.update_xaxes(showgrid=False, tickfont={"size": max(10, font_size - 4), "color": fg})
    return fig


KIND_COLORS = ("#c62828", "#ef6c00", "#f9a825", "#6a1b9a", "#1565c0", "#00838f", "#78909c")


def problem_bars(tps: pd.DataFrame, names: dict[str, str], phase: str, threshold: float, dark: bool = False,
                 height: int = 520, font_size: int = 13, top: int = 6) -> go.Figure:
    """Problem TPS per kecamatan (score below the ready threshold), stacked by kind of problem: where it is not ready
    and why, instead of bars of averages that all look alike."""
    from ops.readiness.issues import label as issue_label

    scores = tps[f"skor_{phase}"]
    problem = tps[scores.notna() & (scores < threshold)]
    rows = [(kec, i["kind"]) for kec, issues in zip(problem["kecamatan_code"], problem[f"masalah_{phase}"])
            for i in {i["kind"]: i for i in issues}.values()]
    counts = pd.DataFrame(rows, columns=["kec", "kind"])
    kinds = list(counts["kind"].value_counts().index)
    main, other = kinds[:top], set(kinds[top:])
    counts["kind"] = counts["kind"].where(~counts["kind"].isin(other), "lainnya")
    grid = counts.pivot_table(index="kec", columns="kind", aggfunc="size", fill_value=0)
    all_kec = sorted(set(tps["kecamatan_code"]))
    grid = grid.reindex(all_kec, fill_value=0)
    order = problem.groupby("kecamatan_code").size().reindex(all_kec, fill_value=0).sort_values()
    fg = "#eceff1" if dark else "#263238"
    fig = go.Figure()
    for color, kind in zip(KIND_COLORS, main + (["lainnya"] if other else [])):
        if kind not in grid.columns:
            continue
        fig.add_trace(go.Bar(y=[names.get(k, k) for k in order.index], x=grid.loc[order.index, kind],
                             name=issue_label(kind) if kind != "lainnya" else "lainnya", orientation="h",
                             marker_color=color))
    ends = grid.sum(axis=1).reindex(order.index)
    fig.add_trace(go.Scatter(y=[names.get(k, k) for k in order.index], x=ends.values, mode="text",
                             text=[f" {v} TPS" if v else " siap semua" for v in order.values], textposition="middle right",
                             textfont={"size": font_size - 1, "color": fg}, showlegend=False, hoverinfo="skip"))
    fig.update_layout(barmode="stack", height=height, margin={"l": 0, "r": 90, "t": 10, "b": 0},
                      font={"family": FONT, "size": font_size, "color": fg},
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left",
                              "font": {"size": font_size - 1, "color": fg}},
                      paper_bgcolor="#0b1620" if dark else "white", plot_bgcolor="#0b1620" if dark else "white")
    fig.update_xaxes(gridcolor="#37474f" if dark else "#eceff1", tickfont={"color": fg})
    fig.update_yaxes(tickfont={"size": font_size, "color": fg}, automargin=True)
    return fig
