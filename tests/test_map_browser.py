"""The map's basemap and the map in a real browser: tiles that answer lie under the map, tiles that do not fall back to
the offline boundaries and say so; in Chromium at 1080p the map fills the screen, names do not collide, tiles load and
a click rings the chosen TPS."""
from __future__ import annotations

import pytest

from conftest import CHROMIUM_SKIP, find_chromium
from test_map import closed_port, demo_env, figure, png_bytes, run_page  # noqa: F401,F811 (demo_env: a fixture)

# --- basemap and its fallback --------------------------------------------------------------------------------------

def test_tiles_that_answer_lie_under_the_map_and_cover_the_view(demo_env, httpserver, monkeypatch):
    import re
    httpserver.expect_request(re.compile(r"/tiles/\d+/\d+/\d+\.png")).respond_with_data(png_bytes(),
                                                                                         content_type="image/png")
    template = httpserver.url_for("/tiles/{z}/{x}/{y}.png").replace("%7B", "{").replace("%7D", "}")
    monkeypatch.setenv("OPS_MAP_TILES", template)
    at = run_page("views/peta.py")
    fig = figure(at)
    images = fig["layout"]["images"]
    assert images and all(i["source"].startswith(httpserver.url_for("/tiles/")) and i["layer"] == "below"
                          for i in images)
    (west, east), (south, north) = fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]
    assert min(i["x"] for i in images) <= west and max(i["x"] + i["sizex"] for i in images) >= east
    assert max(i["y"] for i in images) >= north and min(i["y"] - i["sizey"] for i in images) <= south
    assert fig["layout"]["meta"]["basemap"]
    assert any(t.get("mode") == "lines" for t in fig["data"])  # the boundaries stay over the tiles
    assert not any("peta dasar" in c.value for c in at.caption)


@pytest.mark.parametrize("answer", ["closed", "404", "html"])
def test_tiles_that_do_not_answer_fall_back_to_the_boundaries_and_say_so(demo_env, httpserver, monkeypatch, answer):
    if answer == "closed":
        template = f"http://127.0.0.1:{closed_port()}/{{z}}/{{x}}/{{y}}.png"
    else:
        import re
        handler = httpserver.expect_request(re.compile(rf"/{answer}/.*"))
        if answer == "404":
            handler.respond_with_data("not found", status=404)
        else:
            handler.respond_with_data("<html>login</html>", content_type="text/html")
        template = httpserver.url_for(f"/{answer}/") + "{z}/{x}/{y}.png"
    monkeypatch.setenv("OPS_MAP_TILES", template)
    at = run_page("views/peta.py")
    fig = figure(at)
    assert not fig["layout"].get("images") and not fig["layout"]["meta"]["basemap"]
    assert any(t.get("mode") == "lines" for t in fig["data"])
    note = " ".join(c.value for c in at.caption)
    expected = {"closed": "peta dasar tidak terjangkau", "404": "peta dasar menjawab HTTP 404",
                "html": "peta dasar tidak mengirim gambar"}[answer]
    assert expected in note and "latar kosong dengan batas wilayah dipakai" in note
    assert "127.0.0.1" in note or "localhost" in note
    assert ".png" not in note  # the server's name, not the tile's URL (which may carry an access key)


def test_without_map_tiles_no_tile_is_asked_for(demo_env):
    fig = figure(run_page("views/peta.py"))
    assert not fig["layout"].get("images") and not fig["layout"]["meta"]["basemap"]


# --- in a real browser ------------------------------------------------------------------------------------------------

LABEL_BOXES = """() => [...document.querySelectorAll('.js-plotly-plot g.trace.scatter g.textpoint text')]
  .filter(t => t.textContent.length > 1).map(t => { const r = t.getBoundingClientRect();
    return {text: t.textContent, l: r.left, t: r.top, r: r.right, b: r.bottom}; }).filter(b => b.r > b.l)"""


# A TPS marker on screen (a point of a trace of many markers), with its desa's name from the hover.
TPS_POINT = """() => { const plot = document.querySelector('.js-plotly-plot');
  const i = plot._fullData.findIndex(t => t.mode === 'markers' && t.x && t.x.length > 100);
  const point = plot.querySelectorAll('g.scatterlayer g.trace')[i].querySelectorAll('path.point')[7];
  const r = point.getBoundingClientRect();
  const name = plot._fullData[i].text[7].split('</b>')[0];
  return {x: r.x + r.width / 2, y: r.y + r.height / 2, desa: name.split(' ').slice(2).join(' ').split(',')[0]}; }"""
# Markers and names drawn fainter than their trace asks for: how Plotly shows the points a selection left out.
FADED = """() => { const plot = document.querySelector('.js-plotly-plot'); const out = [];
  plot.querySelectorAll('g.scatterlayer g.trace').forEach((g, i) => { const t = plot._fullData[i];
    const want = t.marker && t.marker.opacity !== undefined ? t.marker.opacity : 1;
    if ([...g.querySelectorAll('path.point, g.textpoint text')].some(e => parseFloat(getComputedStyle(e).opacity)
        < want - 0.01)) out.push(t.name || t.mode); });
  return out; }"""


def collisions(boxes: list[dict]) -> list[tuple[str, str]]:
    return [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if not (a["r"] <= b["l"] or b["r"] <= a["l"] or a["b"] <= b["t"] or b["b"] <= a["t"])]


@pytest.mark.skipif(CHROMIUM_SKIP is not None, reason=str(CHROMIUM_SKIP))
def test_in_chromium_the_map_fills_a_1080p_screen_names_do_not_collide_and_tiles_load(demo_sqlite, tmp_path,
                                                                                        httpserver):
    import re
    import sqlite3

    from playwright.sync_api import sync_playwright
    from test_browser import Server, exceptions, settle

    httpserver.expect_request(re.compile(r"/tiles/\d+/\d+/\d+\.png")).respond_with_data(png_bytes(),
                                                                                         content_type="image/png")
    db = tmp_path / "ops.db"
    with sqlite3.connect(demo_sqlite.removeprefix("sqlite:///")) as src, sqlite3.connect(db) as out:
        src.backup(out)
    srv = Server(db, OPS_WALL_VIEWS='["peta"]', OPS_RUN_SCHEDULER_IN_APP="false",
                 OPS_MAP_TILES=httpserver.url_for("/tiles/") + "{z}/{x}/{y}.png").start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium(), args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(srv.url + "/peta")
            settle(page, until_selector=".js-plotly-plot .imagelayer image")
            assert exceptions(page) == []
            plot = page.locator(".js-plotly-plot").first.bounding_box()
            main = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
            assert plot["width"] >= 0.95 * (main["width"] - 64)  # the whole width inside the page's padding
            assert plot["height"] >= 0.75 * 1080 and plot["y"] + plot["height"] <= 1080  # the screen, not beyond
            boxes = page.evaluate(LABEL_BOXES)
            assert len(boxes) == 16 and collisions(boxes) == []
            assert page.locator(".js-plotly-plot .imagelayer image").count() > 0
            assert any(r.path.startswith("/tiles/") for r, _ in httpserver.log)  # the browser fetched the basemap
            # A real click on a TPS: the picker names it, the map rings it, and nothing else fades.
            target = page.evaluate(TPS_POINT)
            page.mouse.click(target["x"], target["y"])
            page.wait_for_function("n => [...document.querySelectorAll('.js-plotly-plot g.annotation-text-g')]"
                                   ".some(e => e.textContent.startsWith('TPS ') && e.textContent.includes(n))",
                                   arg=target["desa"], timeout=60000)
            settle(page)
            assert target["desa"] in page.locator('[data-testid="stSelectbox"] input').last.input_value()
            assert page.evaluate(FADED) == []
            page.goto(srv.url + "/?layar=dinding")
            settle(page, until_selector="#wall-rendered")
            page.wait_for_selector(".js-plotly-plot g.textpoint text", timeout=60000)
            boxes = page.evaluate(LABEL_BOXES)
            assert len(boxes) >= 12 and collisions(boxes) == []
            assert page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]'); "
                                 "return m.scrollHeight <= m.clientHeight + 4; }")  # the wall never scrolls
            browser.close()
    finally:
        srv.stop()
