"""River legs along the waterway: a boat from the PPK to a river desa passes the river desa nearer the PPK, not over
land in a straight line. Per kecamatan the PPK and its river desa (their centroids) are joined by a minimum spanning
tree grown from the PPK; a leg follows the tree from one end to the other. Nobody surveyed these paths, so they are
drawn dashed and called approximate (perkiraan). Out (berangkat) and back (kembali) keep to the right of their own
direction of travel, like two lanes, so both show on the same water.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from ops.logistics import LEG_STATE_COLOR, LEG_STATES, STAGE_LABEL, VERDICT_LABEL, route_reasons
from ops.maps.geometry import Canvas
from ops.maps.layers import RANK, STEADY

Point = tuple[float, float]  # lon, lat
VERDICT_COLOR = dict(zip(VERDICT_LABEL, ("#00897b", "#f9a825", "#c62828")))  # go, hati-hati, tunda
DIRECTIONS = {"berangkat": ("Berangkat", "dash"), "kembali": ("Kembali", "dot")}
# Route colourings: key -> (radio label, leg column, {value: (label, colour)}); legs without a verdict have arrived.
COLOURINGS = {
    "penilaian": ("Penilaian sungai", "verdict",
                  {**{v: (VERDICT_LABEL[v], VERDICT_COLOR[v]) for v in reversed(VERDICT_LABEL)},
                   None: ("Sudah tiba", "#90a4ae")}),
    "keadaan": ("Keadaan", "state", {s: (s.capitalize(), LEG_STATE_COLOR[s]) for s in LEG_STATES}),
}
LANE_PX = 2.5  # how far each direction keeps from the middle of the water, in px at the map's scale


@dataclass(frozen=True)
class Waterway:
    """Per kecamatan, a tree over its PPK and river desa: each node's parent (towards the PPK) and position."""
    parent: dict[str, str | None]
    at: dict[str, Point]

    def chain(self, desa: str) -> list[Point]:
        """Waypoints between the PPK and a desa (both left out), PPK side first."""
        out, node = [], self.parent.get(desa)
        while node is not None and self.parent.get(node) is not None:
            out.append(self.at[node])
            node = self.parent[node]
        return out[::-1]


def _distance(a: Point, b: Point) -> float:
    k = math.cos(math.radians((a[1] + b[1]) / 2))  # a degree of longitude is shorter away from the equator
    return math.hypot((a[0] - b[0]) * k, a[1] - b[1])


def on_the_water(board: pd.DataFrame, judged: pd.DataFrame) -> pd.DataFrame:
    """Every river leg (out and back) with its state, and the verdict and reasons of those still to travel."""
    if board.empty:
        return board
    river = board[board["mode"] == "sungai"]
    if judged.empty or "verdict" not in judged:
        return river.assign(verdict=None, reasons=None)
    return river.merge(judged[["id", "verdict", "reasons"]], on="id", how="left")


def waterway(legs: pd.DataFrame, desa_centres: dict[str, Point]) -> Waterway:
    """The tree per kecamatan from its river legs; a desa without a centroid sits at its PPS."""
    parent: dict[str, str | None] = {}
    at: dict[str, Point] = {}
    cols = ["kecamatan_code", "desa_code", "stage", "from_lon", "from_lat", "to_lon", "to_lat"]
    for kec, g in legs[cols].astype({"stage": object, "desa_code": object}).groupby("kecamatan_code"):
        out = g[g["stage"] == "ppk-pps"]
        back = g[g["stage"] == "pps-ppk"]
        if len(out):
            root_at = (float(out["from_lon"].iloc[0]), float(out["from_lat"].iloc[0]))
        elif len(back):
            root_at = (float(back["to_lon"].iloc[0]), float(back["to_lat"].iloc[0]))
        else:
            continue  # no PPK leg: nothing to route through
        root = f"ppk:{kec}"
        parent[root], at[root] = None, root_at
        todo = {}
        for r in g.dropna(subset=["desa_code"]).itertuples():
            todo.setdefault(r.desa_code, desa_centres.get(r.desa_code) or (
                (r.to_lon, r.to_lat) if r.stage == "ppk-pps" else (r.from_lon, r.from_lat)))
        # Prim: join the nearest outside desa to the tree until every river desa hangs on it.
        best = {d: (_distance(root_at, p), root) for d, p in todo.items()}
        while best:
            d = min(best, key=lambda k: best[k][0])
            parent[d], at[d] = best.pop(d)[1], todo[d]
            for other in best:
                dist = _distance(at[d], todo[other])
                if dist < best[other][0]:
                    best[other] = (dist, d)
    return Waterway(parent, at)


def leg_path(leg, ways: Waterway) -> list[Point]:
    """A leg's line: PPK <-> PPS legs through the waypoints; PPS <-> TPS hops inside a desa stay straight."""
    start, end = (leg.from_lon, leg.from_lat), (leg.to_lon, leg.to_lat)
    if leg.stage not in ("ppk-pps", "pps-ppk") or leg.desa_code not in ways.parent:
        return [start, end]
    chain = ways.chain(leg.desa_code)
    return [start, *(chain if leg.stage == "ppk-pps" else chain[::-1]), end]


def keep_right(path: list[Point], offset: float) -> list[Point]:
    """The path moved `offset` degrees to the right of its direction of travel (mitred at the bends)."""
    if len(path) < 2 or offset == 0:
        return path
    normals = []
    for (x0, y0), (x1, y1) in zip(path, path[1:]):
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        normals.append(((y1 - y0) / length, -(x1 - x0) / length))
    out = []
    for i, (x, y) in enumerate(path):
        a, b = normals[max(i - 1, 0)], normals[min(i, len(normals) - 1)]
        nx, ny = a[0] + b[0], a[1] + b[1]
        norm = math.hypot(nx, ny) or 1.0
        out.append((x + nx / norm * offset, y + ny / norm * offset))
    return out


def _hover(leg) -> str:
    lines = [f"<b>{html.escape(str(leg.from_name))} → {html.escape(str(leg.to_name))}</b>",
             f"{DIRECTIONS[leg.direction][0]} · {STAGE_LABEL[leg.stage]} · {leg.state.capitalize()}"]
    verdict = getattr(leg, "verdict", None)
    if isinstance(verdict, str):
        lines.append(f"{VERDICT_LABEL[verdict]}: {html.escape(route_reasons(leg.reasons))}")
    lines.append("<i>jalur perkiraan, lewat desa jalur sungai</i>")
    return "<br>".join(lines)


def route_traces(legs: pd.DataFrame, ways: Waterway, colouring: str, canvas: Canvas, scale: float = 1.0,
                 dark: bool = False) -> list[go.Scatter]:
    """One trace per direction and colour, legs joined with breaks; an arrowhead at each leg's end."""
    _, column, classes = COLOURINGS[colouring]
    cls = legs[column].map(lambda v: v if isinstance(v, str) else "") if column in legs else pd.Series("", legs.index)
    lane = canvas.degrees(LANE_PX * scale)
    traces = []
    for direction, (word, dash) in DIRECTIONS.items():
        for value, (name, colour) in classes.items():
            sub = legs[(legs["direction"] == direction) & (cls == (value or ""))]
            if sub.empty:
                continue
            xs, ys, text, size = [], [], [], []
            for leg in sub.itertuples():
                path = keep_right(leg_path(leg, ways), lane)
                hover = _hover(leg)
                xs += [p[0] for p in path] + [None]
                ys += [p[1] for p in path] + [None]
                text += [hover] * len(path) + [None]
                size += [0] * (len(path) - 1) + [9 * scale, 0]
            traces.append(go.Scatter(
                x=xs, y=ys, mode="lines+markers", text=text, hovertemplate="%{text}<extra></extra>",
                name=f"{word} · {name} ({len(sub)})", legendgroup="jalur", legendrank=RANK["jalur"],
                legendgrouptitle={"text": "Jalur sungai (perkiraan)"},
                line={"color": colour, "width": 2.2 * scale, "dash": dash},
                marker={"symbol": "arrow", "angleref": "previous", "size": size, "color": colour,
                        "line": {"width": 0}}, **STEADY))
    return traces
