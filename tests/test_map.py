"""The map as the centre: fitted to the screen, names that do not collide, river legs along the waterway out and back,
incident pins, the chosen TPS ringed and zoomed to (click and picker in step), switchable layers, colour modes from one
registry, TPS grouped above the marker budget (50,000 TPS), and a basemap that falls back to the offline boundaries.

Pages run through AppTest on the demo; the figure is read back from what Streamlit would send to the browser."""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
import socket
import time

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from ops.maps import Base, Context, Layers, Mode, Scale, Style, View, available, clicked, operation_map, register
from ops.maps import colouring
from ops.maps.geometry import Bounds, Canvas
from ops.maps.labels import Label, box_at, place
from ops.maps.routes import keep_right, leg_path, route_traces, waterway

PEMULUTAN = "16.10.05"
IBUL_BESAR_III_2 = "16.10.05.2031.002"
CTX = Context("pemungutan", 0.8)


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 230, 200)).save(buf, "PNG")
    return buf.getvalue()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_page(path: str, at: AppTest | None = None, **state) -> AppTest:
    at = at or AppTest.from_file(str(ROOT / path), default_timeout=90)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def figure(at: AppTest, index: int = 0) -> dict:
    """The figure as the browser receives it."""
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def traces(fig: dict, start: str) -> list[dict]:
    return [t for t in fig["data"] if (t.get("name") or "").startswith(start)]


def click(code: str, kind: str = "tps") -> dict:
    return {"selection": {"points": [{"customdata": [kind, code]}], "point_indices": [0], "box": [], "lasso": []}}


def values(v) -> list:
    """A trace's array as sent: plain, or typed and base64-encoded (Plotly's form for numeric arrays)."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v) if v is not None else []


def tps_markers(fig) -> int:
    """Markers that stand for TPS: one each, or one per area."""
    data = fig["data"] if isinstance(fig, dict) else [t.to_plotly_json() for t in fig.data]
    return sum(len(values(t.get("x"))) for t in data if (t.get("legendgroup") or "").startswith("tps-"))


@pytest.fixture
def demo_env(demo_sqlite, monkeypatch):
    monkeypatch.setenv("OPS_DATABASE_URL", demo_sqlite)
    return demo_sqlite


# --- names that do not collide ---------------------------------------------------------------------------------

def test_crowded_names_are_moved_or_left_out_never_drawn_over_each_other():
    canvas = Canvas(Bounds(104.0, -3.1, 104.1, -3.0), 400, 400)
    crowd = [Label(f"Kecamatan {i}", 104.05 + i * 0.001, -3.05, 12, 10 - i) for i in range(8)]
    placed = place(crowd, canvas)
    boxes = [box_at(*canvas.to_px(p.lon, p.lat), p.text, p.size) for p in placed]
    assert all(not a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert placed[0].text == "Kecamatan 0" and (placed[0].lon, placed[0].lat) == (crowd[0].lon, crowd[0].lat)
    assert 1 < len(placed) < len(crowd)  # some found a free spot nearby, the rest gave way
    taken = [box_at(200, 200, "TPS 001 Desa, Kec. X", 13)]  # a callout already there
    assert all(not taken[0].overlaps(box_at(*canvas.to_px(p.lon, p.lat), p.text, p.size))
               for p in place(crowd, canvas, taken))


def test_the_demo_map_places_every_kecamatan_name_without_overlap(demo_env):
    at = run_page("views/peta.py")
    fig = figure(at)
    names = next(t for t in fig["data"] if t.get("mode") == "text")
    assert len(names["text"]) == 16  # at full screen all of Ogan Ilir's kecamatan fit
    west, east = fig["layout"]["xaxis"]["range"]
    south, north = fig["layout"]["yaxis"]["range"]
    canvas = Canvas(Bounds(west, south, east, north), 1550, fig["layout"]["height"])
    boxes = [box_at(*canvas.to_px(x, y), t, s) for x, y, t, s in
             zip(names["x"], names["y"], names["text"], names["textfont"]["size"])]
    assert all(not a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


# --- river legs along the waterway, out and back ----------------------------------------------------------------

def river_kecamatan() -> tuple[pd.DataFrame, dict]:
    """A PPK at the origin and three river desa strung out east along the water, each with a PPK leg out and back."""
    desa = {"1.1.1.01": (0.010, 0.0), "1.1.1.02": (0.020, 0.002), "1.1.1.03": (0.030, 0.0)}
    rows = []
    for i, (code, (lon, lat)) in enumerate(desa.items()):
        common = {"kecamatan_code": "1.1.1", "desa_code": code, "mode": "sungai", "state": "direncanakan",
                  "from_name": "PPK", "to_name": f"PPS {code}", "verdict": "tunda" if i == 2 else "go",
                  "reasons": [{"kind": "hujan_lebat", "mm": 25.0}] if i == 2 else [{"kind": "aman"}]}
        rows.append({**common, "id": 2 * i, "stage": "ppk-pps", "direction": "berangkat",
                     "from_lon": 0.0, "from_lat": 0.0, "to_lon": lon + 0.0005, "to_lat": lat})
        rows.append({**common, "id": 2 * i + 1, "stage": "pps-ppk", "direction": "kembali",
                     "from_lon": lon + 0.0005, "from_lat": lat, "to_lon": 0.0, "to_lat": 0.0})
    rows.append({**common, "id": 9, "stage": "pps-tps", "direction": "berangkat", "tps_code": "1.1.1.03.001",
                 "from_lon": 0.0305, "from_lat": 0.0, "to_lon": 0.031, "to_lat": 0.001})
    return pd.DataFrame(rows), desa


def test_a_boat_to_the_farthest_desa_passes_the_nearer_river_desa_and_comes_back_the_same_way():
    legs, desa = river_kecamatan()
    ways = waterway(legs, desa)
    out = leg_path(next(legs[(legs["desa_code"] == "1.1.1.03") & (legs["stage"] == "ppk-pps")].itertuples()), ways)
    back = leg_path(next(legs[(legs["desa_code"] == "1.1.1.03") & (legs["stage"] == "pps-ppk")].itertuples()), ways)
    assert out == [(0.0, 0.0), desa["1.1.1.01"], desa["1.1.1.02"], (0.0305, 0.0)]  # not a straight line over land
    assert back == out[::-1]
    hop = leg_path(next(legs[legs["stage"] == "pps-tps"].itertuples()), ways)
    assert hop == [(0.0305, 0.0), (0.031, 0.001)]  # within a desa the hop stays straight


def test_out_and_back_are_two_lanes_dashed_differently_coloured_by_verdict_and_called_approximate():
    legs, desa = river_kecamatan()
    canvas = Canvas(Bounds(-0.01, -0.02, 0.04, 0.02), 800, 640)
    drawn = route_traces(legs, waterway(legs, desa), "penilaian", canvas)
    names = [t.name for t in drawn]
    # The third desa's PPK leg and its TPS hop are both judged tunda; the way back from it too.
    assert names == ["Berangkat · Tunda (2)", "Berangkat · Aman berangkat (2)", "Kembali · Tunda (1)",
                     "Kembali · Aman berangkat (2)"]
    dashes = {t.name.split(" · ")[0]: t.line.dash for t in drawn}
    assert dashes["Berangkat"] != dashes["Kembali"]
    assert all("perkiraan" in t.text[0] and t.legendgrouptitle.text == "Jalur sungai (perkiraan)" for t in drawn)
    tunda = drawn[0]
    assert tunda.line.color != next(t for t in drawn if t.name.startswith("Berangkat · Aman")).line.color
    assert "hujan lebat 25 mm/3 jam" in tunda.text[0]
    # Each lane keeps right of its own direction: out and back end up on opposite sides of the water.
    path = [(0.0, 0.0), (0.03, 0.0)]
    assert keep_right(path, 0.001)[0][1] < 0 < keep_right(path[::-1], 0.001)[0][1]


def test_the_peta_page_draws_every_river_leg_out_and_back_through_waypoints(demo_env):
    fig = figure(run_page("views/peta.py"))
    out, back = traces(fig, "Berangkat"), traces(fig, "Kembali")
    assert out and back

    def legs(ts):
        return sum(sum(1 for v in t["x"] if v is None) for t in ts)
    from sqlalchemy import func, select

    from ops import models as m
    from ops.config import get_settings
    from ops.db import get_engine, session_scope
    with session_scope(get_engine(get_settings().database_url)) as session:
        river = dict(session.execute(select(m.LogisticsLeg.direction, func.count()).where(
            m.LogisticsLeg.mode == "sungai").group_by(m.LogisticsLeg.direction)).all())
    # every river leg of the demo, the return legs too
    assert legs(out) == river["berangkat"] > 50 and legs(back) == river["kembali"] > 50
    xs = [x for t in out for x in t["x"]]
    breaks = [i for i, x in enumerate(xs) if x is None]
    vertices = [b - a - 1 for a, b in zip([-1] + breaks, breaks)]
    assert max(vertices) > 2  # some legs bend through river desa on the way
    assert all("dash" in t["line"]["dash"] or "dot" in t["line"]["dash"] for t in out + back)
    assert "perkiraan" in json.dumps(out[0]["text"][:3])


# --- incident pins ------------------------------------------------------------------------------------------------

def test_open_incidents_are_pins_by_severity_with_their_title_escaped_and_the_tps_named(demo_copy):
    from ops import models as m
    from ops.clock import load_clock
    from ops.config import get_settings
    from ops.db import get_engine, session_scope

    with session_scope(get_engine(get_settings().database_url)) as s:
        now = load_clock(s).now()
        s.add(m.Incident(ref="KJD-UJI-PETA", occurred_at=now - dt.timedelta(minutes=20), recorded_at=now,
                         category="lainnya", severity="tinggi", kecamatan_code=PEMULUTAN, desa_code="16.10.05.2031",
                         tps_code=IBUL_BESAR_III_2, title="<img src=x onerror=alert(1)> spanduk dibakar",
                         source="operator"))
    fig = figure(run_page("views/peta.py"))
    pins = traces(fig, "Kejadian tinggi")
    assert pins and pins[0]["marker"]["size"] > max(t["marker"]["size"] for t in traces(fig, "Kejadian selesai"))
    hover = json.dumps(pins[0]["hovertext"])
    assert "&lt;img src=x onerror=alert(1)&gt; spanduk dibakar" in hover and "<img" not in hover
    assert "TPS 002 Ibul Besar III, Kec. Pemulutan" in hover
    assert fig["layout"]["meta"]["incidents"] == sum(len(t["x"]) for t in traces(fig, "Kejadian") if
                                                     "selesai" not in t["name"])
    assert ["tps", IBUL_BESAR_III_2] in pins[0]["customdata"]  # a click on the pin chooses its TPS


def test_the_map_is_drawn_once_a_minute_and_afresh_after_an_entry(demo_copy):
    """Viewers within a minute share one drawn map, as they share its data; an entry (data.forget) draws it anew."""
    from ops import models as m
    from ops.clock import load_clock, set_clock
    from ops.config import get_settings
    from ops.db import get_engine, session_scope
    from ui import data

    engine = get_engine(get_settings().database_url)
    with session_scope(engine) as s:
        now = load_clock(s).now().replace(second=0, microsecond=0)
        set_clock(s, now, 0.0)  # the minute holds
    before = figure(run_page("views/peta.py"))["layout"]["meta"]["incidents"]
    with session_scope(engine) as s:
        s.add(m.Incident(ref="KJD-UJI-PETA-2", occurred_at=now - dt.timedelta(minutes=5), recorded_at=now,
                         category="lainnya", severity="sedang", kecamatan_code=PEMULUTAN, desa_code="16.10.05.2031",
                         tps_code=IBUL_BESAR_III_2, title="massa berkumpul", source="operator"))
    assert figure(run_page("views/peta.py"))["layout"]["meta"]["incidents"] == before  # the minute's map
    data.forget()  # what an entry on a page does after saving
    assert figure(run_page("views/peta.py"))["layout"]["meta"]["incidents"] == before + 1


# --- the chosen TPS: click and picker in step ---------------------------------------------------------------------

def ring_at(fig: dict) -> tuple[float, float] | None:
    rings = [t for t in fig["data"] if t.get("marker", {}).get("symbol") == "circle-open"]
    return (rings[-1]["x"][0], rings[-1]["y"][0]) if rings else None


def test_a_click_on_a_tps_rings_names_and_zooms_to_it_and_keeps_the_others_bright(demo_env):
    at = run_page("views/peta.py")
    whole = figure(at)["layout"]["xaxis"]["range"]
    run_page("views/peta.py", at, peta_map=click(IBUL_BESAR_III_2))
    assert at.selectbox(key="peta_tps").value == IBUL_BESAR_III_2  # the picker follows the map
    fig = figure(at)
    lon, lat = ring_at(fig)
    (west, east), (south, north) = fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]
    assert west < lon < east and south < lat < north
    assert (east - west) < (whole[1] - whole[0]) / 4  # zoomed in
    assert fig["layout"]["annotations"][0]["text"] == "<b>TPS 002 Ibul Besar III, Kec. Pemulutan</b>"
    markers = [t for t in fig["data"] if "markers" in (t.get("mode") or "")]
    assert all(t["unselected"]["marker"]["opacity"] == 1 for t in markers)  # a selection dims nothing
    assert "Status:" in "\n".join(m.value for m in at.markdown)  # the card below the map


def test_the_picker_moves_the_ring_and_an_old_click_does_not_take_it_back(demo_env):
    at = run_page("views/peta.py", peta_map=click(IBUL_BESAR_III_2))
    first = ring_at(figure(at))
    other = "16.10.05.2015.001"
    at.selectbox(key="peta_tps").set_value(other).run()  # the map still holds the old click
    assert not at.exception and at.selectbox(key="peta_tps").value == other
    assert ring_at(figure(at)) != first
    at.button(key="peta_all").click().run()
    assert at.selectbox(key="peta_tps").value is None and ring_at(figure(at)) is None


def test_the_picker_lists_tps_by_name(demo_env):
    options = run_page("views/peta.py").selectbox(key="peta_tps").options
    assert "TPS 002 Ibul Besar III, Kec. Pemulutan" in options and not any(o.startswith("16.") for o in options)


def test_layers_switch_and_colour_modes_come_from_the_registry(demo_env):
    at = run_page("views/peta.py")
    assert at.selectbox(key="peta_color").options == [m.label for m in colouring.MODES.values()]
    for mode in colouring.MODES:
        at.selectbox(key="peta_color").set_value(mode).run()
        assert not at.exception
        label = colouring.MODES[mode].label
        assert any(t.get("legendgrouptitle", {}).get("text") == f"TPS · {label}"
                   or (t.get("name") or "").startswith(f"TPS · {label}") for t in figure(at)["data"])
    at.pills(key="peta_layers").set_value(["tps"]).run()
    names = " ".join(t.get("name") or "" for t in figure(at)["data"])
    assert "Kejadian" not in names and "Berangkat" not in names and "di lokasi" not in names
    at.pills(key="peta_layers").set_value(["kejadian", "jalur"]).run()
    names = " ".join(t.get("name") or "" for t in figure(at)["data"])
    assert "Kejadian" in names and "Kembali" in names and "Siap" not in names


def test_the_peta_colours_tps_by_the_minutes_the_nearest_reserve_needs(demo_env):
    from ops.config import get_settings
    from ops.db import get_engine, session_scope
    from ops.reaction import reaction_table

    at = run_page("views/peta.py")
    at.selectbox(key="peta_color").set_value("reaksi").run()
    assert not at.exception
    single = next(t for t in figure(at)["data"] if t.get("name") == "TPS · Waktu reaksi (menit)")
    s = get_settings()
    with session_scope(get_engine(s.database_url)) as session:
        from ops.clock import load_clock
        table = reaction_table(session, s, load_clock(session).now()).set_index("code")
    minutes = dict(zip([c[1] for c in single["customdata"]], values(single["marker"]["color"])))
    assert len(minutes) == 667 and single["marker"]["colorbar"]["title"]["text"] == "menit"
    slowest = table["reaksi_menit"].idxmax()
    assert minutes[slowest] == table.at[slowest, "reaksi_menit"] > 0


# --- a colour mode is a few lines --------------------------------------------------------------------------------

def test_a_numeric_mode_registers_in_a_few_lines_and_groups_take_their_worst(demo_env):
    mode = register(Mode("uji_reaksi", "Waktu reaksi", ("reaksi_menit",), lambda pts, ctx: pts["reaksi_menit"],
                         scale=Scale(("#2e7d32", "#f9a825", "#c62828"), 0, 60, "menit")))
    try:
        pts = synthetic(400)
        assert "uji_reaksi" not in [m.key for m in available(pts, "pemungutan")]
        pts["reaksi_menit"] = np.arange(len(pts)) % 90
        assert "uji_reaksi" in [m.key for m in available(pts, "pemungutan")]
        fig = operation_map(Base([], []), Layers(pts), View(colour="uji_reaksi"), Style(max_points=100), CTX)
        grouped = next(t for t in fig.data if t.mode == "markers+text")
        assert grouped.marker.colorscale and max(grouped.marker.color) == 89  # an area shows its slowest TPS
        single = next(t for t in fig.data if t.name == "TPS · Waktu reaksi (menit)")
        assert single.marker.colorbar.title.text == "menit"
        fig = operation_map(Base([], []), Layers(pts), View(colour="uji_reaksi"), Style(), CTX)
        single = next(t for t in fig.data if t.name == "TPS · Waktu reaksi (menit)")
        assert list(single.marker.color[:3]) == [0, 1, 2] and "Waktu reaksi: 2 menit" in single.text[2]
    finally:
        colouring.MODES.pop(mode.key)


# --- never hundreds of thousands of markers ------------------------------------------------------------------------

def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    """n TPS over 5 kabupaten x 20 kecamatan x 25 desa (2,500 desa), with the columns the readiness table has."""
    rng = np.random.default_rng(seed)
    desa = [f"16.{k:02d}.{c:02d}.{2000 + d}" for k in range(1, 6) for c in range(1, 21) for d in range(1, 26)]
    pick = rng.integers(0, len(desa), n)
    desa_code = np.array(desa, dtype=object)[pick]
    kab = np.array([int(d[3:5]) for d in desa], dtype=float)[pick]
    kec = np.array([int(d[6:8]) for d in desa], dtype=float)[pick]
    codes = [f"{d}.{i % 1000:03d}" for i, d in enumerate(desa_code)]
    return pd.DataFrame({
        "code": codes, "number": np.arange(n) % 1000, "desa": "Desa", "kecamatan": "Kec", "akses": "darat",
        "lon": 103 + kab * 0.5 + (kec % 5) * 0.1 + rng.random(n) * 0.1,
        "lat": -3 - (kec // 5) * 0.1 - rng.random(n) * 0.1,
        "kerawanan": rng.choice(["kurang_rawan", "rawan", "sangat_rawan"], n, p=[0.85, 0.12, 0.03]),
        "status": None, "skor_pemungutan": rng.random(n), "cluster": codes, "desa_code": desa_code,
        "kecamatan_code": [d.rsplit(".", 1)[0] for d in desa_code]})


BUILD_SECONDS = 5.0  # measured about 0.5 s for 50,000 TPS and 50,000 officers; the bound leaves room for a busy CI


def test_50000_tps_stay_under_the_marker_budget_and_build_quickly():
    pts = synthetic(50_000)
    officers = pd.DataFrame({"lat": pts["lat"], "lon": pts["lon"], "status": "di_lokasi", "pangkat": "Bripda",
                             "nama": "X", "cluster": "K", "age_min": 1.0})
    style = Style(height=850, width=1550, max_points=3000)
    operation_map(Base([], []), Layers(pts.head(10)), View(), style, CTX)  # imports and first-call costs
    for colour in ("kerawanan", "kesiapan"):
        started = time.perf_counter()
        fig = operation_map(Base([], []), Layers(pts, officers=officers), View(colour=colour), style, CTX)
        took = time.perf_counter() - started
        assert took < BUILD_SECONDS, took
        meta = fig.layout.meta
        assert meta["tps_level"] == "desa" and meta["area_markers"] == 2500 and meta["tps_markers"] == 0
        assert tps_markers(fig) <= 3000
        assert sum(len(t.x) for t in fig.data if (t.name or "").startswith("Personel")) <= 3000
    fig = operation_map(Base([], []), Layers(pts), View(), Style(max_points=99), CTX)
    assert fig.layout.meta["tps_level"] == "kabupaten" and tps_markers(fig) == 5  # 100 kecamatan would not fit


def test_zooming_to_an_area_shows_its_tps_one_by_one_within_the_budget():
    pts = synthetic(50_000)
    kec = "16.03.05"
    fig = operation_map(Base([], []), Layers(pts), View(focus=kec), Style(max_points=3000), CTX)
    meta = fig.layout.meta
    assert 0 < meta["tps_markers"] <= 1500 and meta["tps_markers"] + meta["area_markers"] <= 3000
    inside = pts[pts["kecamatan_code"] == kec]
    singles = {c[1] for t in fig.data if t.customdata is not None for c in t.customdata if c[0] == "tps"}
    assert set(inside["code"]) <= singles


def test_a_click_on_a_grouped_area_zooms_the_page_to_it(demo_env, monkeypatch):
    monkeypatch.setenv("OPS_MAP_MAX_POINTS", "400")
    at = run_page("views/peta.py")
    fig = figure(at)
    meta = fig["layout"]["meta"]
    assert meta["tps_level"] == "desa" and meta["tps_markers"] == 0 and tps_markers(fig) == meta["area_markers"] <= 400
    notes = " ".join(c.value for c in at.caption)
    assert "667 TPS melebihi batas 400 penanda, jadi digabung per desa/kelurahan" in notes
    desa = IBUL_BESAR_III_2.rsplit(".", 1)[0]
    run_page("views/peta.py", at, peta_map=click(desa, "wilayah"))
    fig = figure(at)
    singles = {c[1] for t in fig["data"] if (t.get("legendgroup") or "").startswith("tps-")
               for c in t.get("customdata") or [] if c[0] == "tps"}
    assert at.session_state["peta_focus"] == desa and IBUL_BESAR_III_2 in singles
    west, east = fig["layout"]["xaxis"]["range"]
    assert east - west < 0.2


def test_clicks_on_anything_else_choose_nothing():
    assert clicked([{"customdata": ["", ""]}, {"x": 1}]) is None
    assert clicked([{"customdata": ["wilayah", PEMULUTAN]}]) == ("wilayah", PEMULUTAN)


# --- the wall and Ringkasan use the same map --------------------------------------------------------------------------

def test_the_wall_map_follows_dark_large_with_pins_and_routes(demo_env, monkeypatch):
    monkeypatch.setenv("OPS_WALL_VIEWS", '["peta"]')
    at = AppTest.from_file(str(ROOT / "views/dinding.py"), default_timeout=90)
    at.query_params["layar"] = "dinding"
    at.run()
    assert not at.exception
    fig = figure(at)
    assert fig["layout"]["paper_bgcolor"] == "#0b1620" and fig["layout"]["legend"]["font"]["size"] >= 16
    assert traces(fig, "Kejadian") and traces(fig, "Kembali")
    assert next(t for t in fig["data"] if t.get("mode") == "text")["textfont"]["size"][0] >= 16


def test_ringkasan_shows_the_same_map_with_readiness_and_pins(demo_env):
    at = run_page("views/ringkasan.py")
    maps = [figure(at, i) for i in range(len(at.get("plotly_chart")))]
    fig = next(f for f in maps if (f["layout"].get("meta") or {}).get("tps_total") == 667)
    assert any(t.get("legendgrouptitle", {}).get("text") == "TPS · Kesiapan" for t in fig["data"])
    assert traces(fig, "Kejadian")
