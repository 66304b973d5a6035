"""Plotly charts shared by the pages, the wall and the briefing (no Streamlit here); the map is ops.maps."""
from __future__ import annotations


import pandas as pd
import plotly.graph_objects as go

from ops.clock import HARI
from ops.vocabulary import KERAWANAN_COLOR, KERAWANAN_LABEL

FONT = "Inter, Segoe UI, Roboto, Helvetica, Arial, sans-serif"


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


def rain_heatmap(timeline: pd.DataFrame, names: dict[str, str], threshold: float, height: int = 480) -> go.Figure:
    """Rain per kecamatan (rows) and 3-hour slot (columns); the colour scale saturates at twice the heavy threshold.
    Below the heavy-rain threshold rain is blue, deeper as it grows; at the threshold the colour jumps to orange and
    on to red: a warm cell is a slot a boat crew must be warned of, and nothing below it looks like one."""
    grid = timeline.pivot_table(index="kecamatan", columns="slot", values="rain_mm", aggfunc="max")
    grid = grid.loc[sorted(grid.index, key=lambda k: names.get(k, k), reverse=True)]
    x = [f"{HARI[s.weekday()][:3]} {s.day} {s:%H:%M}" for s in grid.columns]
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=x, y=[names.get(k, k) for k in grid.index], zmin=0, zmax=threshold * 2,
        colorscale=[[0, "#f7fbff"], [0.25, "#9ecae1"], [0.4999, "#4292c6"], [0.5, "#fd8d3c"], [1, "#bd0026"]],
        colorbar={"title": "mm/3 jam", "tickvals": [0, threshold / 2, threshold, threshold * 1.5, threshold * 2],
                  "ticktext": ["0", f"{threshold / 2:g}", f"{threshold:g} lebat", f"{threshold * 1.5:g}",
                               f"≥ {threshold * 2:g}"]},
        hovertemplate="%{y}<br>%{x}<br>%{z:.1f} mm<extra></extra>", xgap=1, ygap=1))
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
