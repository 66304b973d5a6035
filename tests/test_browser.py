"""The dashboard in real headless Chromium: every page renders without an exception (screenshots go to shots/, not
committed), and the wall rotates through its views, never scrolls, and says so when the server goes away."""
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import CHROMIUM_SKIP, ROOT, find_chromium

CHROMIUM = find_chromium()
SHOTS = ROOT / "shots"
pytestmark = pytest.mark.skipif(CHROMIUM_SKIP is not None, reason=str(CHROMIUM_SKIP))
PAGES = [("/", "Ringkasan operasi"), ("/linimasa", "Linimasa operasi"), ("/peta", "Peta operasi"), ("/tps", "TPS"), ("/personel", "Personel"),
         ("/logistik", "Logistik pemilu"), ("/cuaca", "Cuaca & peringatan"), ("/kejadian", "Kejadian"),
         ("/koordinasi", "Koordinasi"), ("/laporan", "Laporan harian Posko"), ("/entri", "Entri operator"),
         ("/persiapan", "Persiapan operasi"), ("/data", "Data & impor"), ("/sumber-data", "Sumber data"),
         ("/admin", "Pengguna & audit")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` on a port of its own, on a SQLite file or a database URL; OPS_* only from `env`."""

    def __init__(self, db: Path | str, port: int | None = None, **env):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        url = str(db) if "://" in str(db) else f"sqlite:///{db}"
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("OPS_")}, "OPS_DATABASE_URL": url,
                    **env}
        self.proc = None

    def start(self):
        return self.launch().wait_ready()

    def launch(self):
        """Start the process without waiting for it (several servers come up side by side)."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.headless", "true"], cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        return self

    def wait_ready(self):
        for _ in range(120):
            try:
                urllib.request.urlopen(self.url + "/_stcore/health", timeout=1)
                return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("streamlit did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture(scope="module")
def demo_file(demo_sqlite, tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("browser") / "ops.db"
    with sqlite3.connect(demo_sqlite.removeprefix("sqlite:///")) as src, sqlite3.connect(dst) as out:
        src.backup(out)
    return dst


@pytest.fixture(scope="module")
def server(demo_file):
    srv = Server(demo_file, OPS_WALL_ROTATE_SECONDS="12").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def settle(page, until_text: str | None = None, until_selector: str | None = None, timeout_ms: int = 90000) -> None:
    """Wait until the page's script has drawn what the test looks for, then until Streamlit says it is idle."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_ms)
    if until_text:  # the status widget can be absent before a run starts as well as after it ends
        page.wait_for_function("t => document.body.innerText.includes(t)", arg=until_text, timeout=timeout_ms)
    if until_selector:
        page.wait_for_selector(until_selector, state="attached", timeout=timeout_ms)
    page.wait_for_timeout(1500)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)
    page.wait_for_timeout(500)


def exceptions(page) -> list[str]:
    return [e.inner_text()[:300] for e in page.query_selector_all('[data-testid="stException"]')]


def test_every_page_renders_in_chromium(server, browser):
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    for path, title in PAGES:
        page.goto(server.url + path)
        # Ringkasan's compact header carries its title in a span rather than an h1
        settle(page, until_selector=f"h1:has-text(\"{title}\"), [data-testid=stMain] span:text-is(\"{title}\")")
        page.screenshot(path=str(SHOTS / f"{path.strip('/') or 'ringkasan'}.png"))
        assert exceptions(page) == [], path
        assert title in page.inner_text("body"), path
    page.close()


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_ringkasan_shows_perhatian_on_the_first_screen(server, browser, size):
    """The commander sees what needs him without scrolling: the panel's heading and its first items above the fold."""
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(server.url + "/")
    settle(page, until_selector=".ph-row")
    page.screenshot(path=str(SHOTS / f"ringkasan_{size[0]}x{size[1]}.png"))
    rows = page.query_selector_all(".ph-row")
    assert len(rows) >= 3
    boxes = [r.bounding_box() for r in rows[:3]]
    assert all(b and b["y"] + b["height"] <= size[1] for b in boxes), boxes
    assert "KRITIS" in rows[0].inner_text() or "TINGGI" in rows[0].inner_text()
    assert page.query_selector("button:has-text('Tangani')") is None  # reading needs no login; taking does
    page.close()


def wall_view(page) -> str | None:
    return page.evaluate("() => { const e = document.getElementById('wall-rendered'); return e && e.dataset.view; }")


@pytest.mark.parametrize("size, query", [((1920, 1080), ""), ((3840, 2160), "&skala=2")])
def test_wall_rotates_through_views_without_scrolling(server, browser, size, query):
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(server.url + "/?layar=dinding" + query)
    settle(page, until_selector="#wall-rendered")
    seen = []
    deadline = time.time() + 90  # a view takes seconds to draw on a busy machine
    while time.time() < deadline and len(seen) < 4:  # the first view, then every rotation of the playlist
        view = wall_view(page)
        if view and (not seen or seen[-1] != view):
            seen.append(view)
            page.wait_for_timeout(1200)  # let the view's charts draw
            page.screenshot(path=str(SHOTS / f"dinding_{size[0]}_{len(seen)}_{view}.png"))
            assert exceptions(page) == []
            fits = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]') || "
                                 "document.scrollingElement; return m.scrollHeight <= m.clientHeight + 4; }")
            assert fits, f"view {view} scrolls at {size}"
        page.wait_for_timeout(500)
    assert seen == ["ringkasan", "peta", "kecamatan", "logistik"], seen
    panel = page.query_selector(".ph-panel")  # Perhatian stays on the wall whatever the view
    box = panel.bounding_box() if panel else None
    assert box and box["y"] + box["height"] <= size[1] and "PERHATIAN" in panel.inner_text()
    assert "Navigasi" not in page.inner_text("body") and not page.query_selector('[data-testid="stSidebar"]:visible')
    page.close()


def test_wall_says_when_the_server_is_gone_and_recovers(demo_file, browser, tmp_path):
    db = tmp_path / "ops.db"
    shutil.copy(demo_file, db)
    srv = Server(db, OPS_WALL_ROTATE_SECONDS="5", OPS_RUN_SCHEDULER_IN_APP="false").start()
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        page.goto(srv.url + "/?layar=dinding")
        settle(page, until_selector="#wall-rendered")
        page.wait_for_timeout(6000)  # the watchdog has checked the server at least once
        srv.stop()
        page.wait_for_selector("#wall-connection", timeout=30000)
        assert "terputus" in page.inner_text("#wall-connection")
        page.screenshot(path=str(SHOTS / "dinding_terputus.png"))
        srv.start()  # same port: the watchdog sees the server again and reloads the wall
        page.wait_for_function("() => !document.getElementById('wall-connection') && "
                               "document.getElementById('wall-rendered')", timeout=90000)
        assert exceptions(page) == []
    finally:
        page.close()
        srv.stop()


def test_a_bookmarked_page_on_a_fresh_server_gets_the_apps_navigation(demo_file, browser, tmp_path):
    db = tmp_path / "ops.db"
    shutil.copy(demo_file, db)
    srv = Server(db, OPS_RUN_SCHEDULER_IN_APP="false").start()
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        page.goto(srv.url + "/tps")  # the first request this server sees
        settle(page, until_text="TPS sesuai saringan")
        nav = page.inner_text('[data-testid="stSidebarNav"]')
        assert "Komando" in nav and "Peta operasi" in nav, nav[:200]
        assert exceptions(page) == [] and "TPS sesuai saringan" in page.inner_text("body")
    finally:
        page.close()
        srv.stop()
