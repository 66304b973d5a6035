"""Several dashboard servers on one PostgreSQL database, and one worker holding the scheduler lease.

On a private copy of the demo: two real `streamlit run app.py` servers on their own ports and two `python -m ops
worker` processes, all on the same OPS_DATABASE_URL, the servers with OPS_RUN_SCHEDULER_IN_APP=false. Exactly one
worker holds the lease; killed with SIGKILL (no hand-back), the other takes over once the lease has run out. In
Chromium an operator takes a Perhatian item on server A and a browser without A's cookies sees it taken on server B;
failed sign-ins on A make B refuse the right password too. Every process and the database go away at the end, whatever
happened.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import signal
import time

import pytest
from sqlalchemy import func, select

from ops import db as ops_db
from ops import models as m

from conftest import CHROMIUM_SKIP, ROOT, copy_of_pg_demo
from test_browser import CHROMIUM, Server
from test_worker_runtime import Worker, lease_row, wait_for

LEASE_SECONDS, RENEW_SECONDS = 3.0, 0.5
LOGIN_DELAY_SECONDS = 60  # after login_delay_after_failures (3) failures the next try must wait this long
COMMON = {"OPS_RUN_SCHEDULER_IN_APP": "false", "OPS_SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
          "OPS_SCHEDULER_RENEW_SECONDS": str(RENEW_SECONDS), "OPS_LOGIN_DELAY_SECONDS": str(LOGIN_DELAY_SECONDS),
          "OPS_LOGIN_DELAY_AFTER_FAILURES": "3",
          # Each server keeps its answers; the items the worker stored are read again when the store's stamp moves
          # (an item taken on the other server), so who took an item shows at once all the same.
          "OPS_CACHE_TTL_SECONDS": "600"}
ROWS = '.st-key-perhatian [data-testid="stHorizontalBlock"]'  # one Perhatian item: its text, its state or buttons


@pytest.fixture(scope="module")
def shared_db(demo_postgres):
    """A private copy of the PostgreSQL demo, dropped at the end."""
    url, drop = copy_of_pg_demo(demo_postgres)
    try:
        yield url
    finally:
        drop()


@pytest.fixture(scope="module")
def cluster(shared_db, tmp_path_factory):
    """Servers A and B and two workers on the one database; all of them stopped at the end, even after a failure."""
    logs = tmp_path_factory.mktemp("two_servers")
    servers = [Server(shared_db, **COMMON) for _ in range(2)]
    started: list = []
    try:
        workers = []
        for n in (1, 2):  # the workers start while the servers come up
            workers.append(Worker(shared_db, logs / f"worker{n}.log", **COMMON))
            started.append(workers[-1])
        for srv in servers:
            started.append(srv.launch())
        for srv in servers:
            srv.wait_ready()
        yield {"url": shared_db, "a": servers[0], "b": servers[1], "workers": workers}
    finally:
        for proc in started:
            proc.stop()


@pytest.fixture(scope="module")
def pages(cluster):
    """Chromium with two browser contexts (no shared cookies), one on Perhatian of server A, one on server B's. The
    pages start drawing at once, so both servers evaluate Perhatian while the lease test runs; None without Chromium."""
    if CHROMIUM_SKIP:
        yield None
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            opened = {}
            for name in ("a", "b"):
                opened[name] = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
                opened[name].goto(cluster[name].url + "/perhatian", wait_until="commit")  # no waiting here
            yield {"browser": browser, **opened}
        finally:
            browser.close()


def drawn(page, text: str | None = None, selector: str | None = None, timeout_ms: int = 90000) -> None:
    """Until the page shows `text` or `selector` and Streamlit's script run has ended (settle() without its pauses)."""
    if text:
        page.wait_for_function("t => document.body.innerText.includes(t)", arg=text, timeout=timeout_ms)
    if selector:
        page.wait_for_selector(selector, state="attached", timeout=timeout_ms)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)
    page.wait_for_timeout(300)


def holder_of(url: str, workers: list[Worker]) -> list[Worker]:
    return [w for w in workers if w.holds(url)]


@pytest.mark.usefixtures("pages")  # the browser part's pages draw meanwhile
def test_one_worker_holds_the_lease_and_the_other_takes_over_when_it_dies(cluster):
    url, workers = cluster["url"], cluster["workers"]
    first = wait_for(lambda: holder_of(url, workers), 60, "a worker to take the scheduler lease", *workers)
    assert len(first) == 1
    holder, waiting = first[0], next(w for w in workers if w is not first[0])
    # For several renewals: the same holder, a worker (not a dashboard server), renewing; the other stands by.
    seen, expiries = set(), set()
    for _ in range(int(4 * RENEW_SECONDS / 0.1)):
        row = lease_row(url)
        seen.add((row.holder, row.token))
        expiries.add(row.expires_at)
        time.sleep(0.1)
    assert len(seen) == 1 and len(expiries) > 1, (seen, expiries)
    (held_by, token), = seen
    assert held_by.startswith("worker@") and holder.holds(url), held_by
    assert "holds the scheduler lease" not in waiting.log_text()
    assert waiting.proc.poll() is None and holder.proc.poll() is None

    killed_at = time.monotonic()
    os.kill(holder.proc.pid, signal.SIGKILL)  # no hand-back: the lease must run out
    holder.proc.wait(10)
    dead_until = lease_row(url).expires_at  # the dead holder's last renewal
    wait_for(lambda: waiting.holds(url), LEASE_SECONDS + 10, "the standing-by worker taking over", waiting)
    took = time.monotonic() - killed_at
    taken = lease_row(url)
    assert taken.token != token  # a new token: whatever the dead holder left running is fenced out
    # Not before the dead holder's lease ran out (taken at expires_at - lease), and within one lease time plus a
    # renewal round of the kill (and slack for a busy machine).
    assert taken.expires_at - dt.timedelta(seconds=LEASE_SECONDS) >= dead_until
    assert took <= LEASE_SECONDS + RENEW_SECONDS + 3, took
    wait_for(lambda: "holds the scheduler lease" in waiting.log_text(), 10, "the new holder starting its jobs", waiting)


def login(page, name: str, password: str) -> None:
    page.get_by_label("Nama pengguna").fill(name)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def item_row(page, place: str, title: str):
    return page.locator(ROWS).filter(has=page.locator(".ph-place", has_text=place)).filter(
        has=page.locator(".ph-title", has_text=title))


def taken_by_operator(url: str) -> int:
    with ops_db.session_scope(ops_db.get_engine(url)) as s:
        return s.scalar(select(func.count()).select_from(m.Alert).where(m.Alert.taken_by == "operator"))


def failures_of(url: str, name: str) -> int:
    with ops_db.session_scope(ops_db.get_engine(url)) as s:
        return s.scalar(select(func.count()).select_from(m.LoginAttempt)
                        .where(m.LoginAttempt.username == name, m.LoginAttempt.reason == "sandi_salah"))


@pytest.mark.skipif(CHROMIUM_SKIP is not None, reason=str(CHROMIUM_SKIP))
def test_what_is_done_on_server_a_shows_on_server_b(cluster, pages):
    url, on_a, on_b = cluster["url"], pages["a"], pages["b"]
    assert taken_by_operator(url) == 0
    drawn(on_a, selector=".ph-row")
    login(on_a, "operator", "operator-demo-2024")
    drawn(on_a, selector=".st-key-logout")  # signed in: the Keluar button
    drawn(on_b, selector=".ph-row")

    # A: the operator takes the first new item.
    row_a = on_a.locator(ROWS).filter(has=on_a.get_by_role("button", name="Tangani")).first
    place, title = (row_a.locator(part).inner_text() for part in (".ph-place", ".ph-title"))
    row_b = item_row(on_b, place, title)
    assert row_b.count() == 1 and "Baru" in row_b.inner_text()
    row_a.get_by_role("button", name="Tangani").click()
    on_a.locator('input[aria-label^="Catatan"]:visible').fill("Kapolsek bergerak (uji dua server)")
    on_a.get_by_role("button", name="Simpan: saya tangani").click()
    wait_for(lambda: taken_by_operator(url) == 1, 30, "the item taken, in the database")

    # B, another browser session on the other server, sees the item taken by that user.
    on_b.reload()
    drawn(on_b, text="Ditangani · operator")
    assert "Ditangani · operator" in row_b.inner_text(), row_b.inner_text()

    # Sign-in throttling is counted in the database: three failures on A and B refuses the right password.
    tries = pages["browser"].new_context().new_page()
    tries.goto(cluster["a"].url + "/entri")  # a page that asks for a login draws nothing else
    drawn(tries, text="Kata sandi")
    for n in range(1, 4):
        login(tries, "komandan", f"salah-{n}")
        wait_for(lambda: failures_of(url, "komandan") == n, 30, f"failed sign-in {n} on A")
    drawn(tries, text="Coba lagi dalam")
    login(on_b, "komandan", "komandan-demo-2024")
    drawn(on_b, text="Terlalu banyak percobaan gagal")
    assert "Coba lagi dalam" in on_b.inner_text("body")
    assert on_b.get_by_role("button", name="Keluar").count() == 0  # not signed in
    drawn(on_a, text="Ditangani · operator")  # A has drawn the page again meanwhile
    assert "Ditangani · operator" in item_row(on_a, place, title).inner_text()
    with ops_db.session_scope(ops_db.get_engine(url)) as s:
        assert s.scalar(select(func.count()).select_from(m.LoginAttempt).where(
            m.LoginAttempt.username == "komandan", m.LoginAttempt.reason == "ditunda")) == 1


def test_the_deploy_files_name_real_commands_and_settings():
    """compose.yaml, the systemd units, their env file and run-local.sh: every `python -m ops` command parses, every
    OPS_* variable is a setting (README, Configuration), and every process runs from the project folder's app.py."""
    from ops.cli import _parser
    from ops.config import Settings

    files = [p for p in (ROOT / "deploy").rglob("*") if p.is_file()]
    assert {"compose.yaml", "run-local.sh", "posko-worker.service", "posko-dashboard@.service", "posko-init.service",
            "posko.env.example"} <= {p.name for p in files}
    for path in files:
        content = path.read_text(encoding="utf-8")
        flat = content.replace('"', " ").replace(",", " ").replace("[", " ").replace("]", " ")
        for command in re.findall(r"-m\s+ops\s+(\w+)", flat):
            _parser().parse_args([command])  # exits (fails the test) on a command the CLI does not know
        for name in set(re.findall(r"\bOPS_([A-Z0-9_]+)", content)) - {"CONFIG"}:
            assert name.lower() in Settings.model_fields, f"{path.name}: OPS_{name} is no setting"
        for script in re.findall(r"streamlit\s+run\s+(\S+)", flat):
            assert (ROOT / script).is_file(), f"{path.name}: {script}"
