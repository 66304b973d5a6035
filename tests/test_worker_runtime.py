"""The worker as the scheduler's home: a fenced lease, a database that goes away, SIGTERM, queued briefings.

Real `python -m ops worker` processes on SQLite files and PostgreSQL, a TPS status sheet served on loopback (whose
first answer the test holds back), and a TCP proxy in front of PostgreSQL that the test switches off and on.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from streamlit.testing.v1 import AppTest

from ops import jobs
from ops import models as m
from ops.config import get_settings, reset_settings
from ops.db import get_engine, session_scope, upgrade
from ops.lease import FENCED_OUT, LEASE_NAME, LeaseLost, fence, try_lease

from conftest import CHROMIUM_SKIP, ROOT, _new_pg_database

PG_PORT = 5432


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str, *workers: "Worker"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    logs = "\n".join(f"--- worker {w.proc.pid}:\n{w.log_text()[-3000:]}" for w in workers)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


class Worker:
    """`python -m ops worker` with short lease timings; its log goes to a file the test reads."""

    def __init__(self, url: str, log: Path, **env: str):
        base = {k: v for k, v in os.environ.items() if not k.startswith("OPS_")}
        base.update({"OPS_DATABASE_URL": url, "OPS_DEMO": "0", "OPS_FEEDS_ENABLED": "[]",
                     "OPS_SCHEDULER_LEASE_SECONDS": "3", "OPS_SCHEDULER_RENEW_SECONDS": "0.5",
                     "OPS_JOB_POLL_SECONDS": "0.5", "OPS_HTTP_RETRIES": "0", "OPS_HTTP_TIMEOUT_S": "120", **env})
        self.log = log
        self.proc = subprocess.Popen([sys.executable, "-m", "ops", "worker"], cwd=ROOT, env=base,
                                     stdout=subprocess.DEVNULL, stderr=log.open("w"))

    def log_text(self) -> str:
        return self.log.read_text()

    def holds(self, url: str) -> bool:
        row = lease_row(url)
        return row is not None and row.holder.endswith(f":{self.proc.pid}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture
def workers():
    started: list[Worker] = []
    yield started
    for w in started:
        w.stop()


class Sheet:
    """The TPS status sheet on 127.0.0.1. Answer n reports its TPS as 'siap' at n o'clock by 'lembar-n'; the first
    request is held until `release` is set (a source that is slow to answer)."""

    def __init__(self, codes: list[str]):
        self.codes, self.count = codes, 0
        self.first_arrived, self.release = threading.Event(), threading.Event()
        lock, sheet = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with lock:
                    sheet.count += 1
                    n = sheet.count
                if n == 1:
                    sheet.first_arrived.set()
                    sheet.release.wait(120)
                body = sheet.body(n).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/csv; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/laporan.csv"

    def body(self, n: int) -> str:
        rows = [f"{code},siap,2024-11-26T{n:02d}:00,lembar-{n}," for code in self.codes]
        return "kode_tps,status,waktu,pelapor,catatan\n" + "\n".join(rows) + "\n"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def reports_by(url: str, reporter: str) -> int:
    with session_scope(get_engine(url)) as s:
        return s.scalar(select(func.count()).select_from(m.TpsStatusEvent)
                        .where(m.TpsStatusEvent.reporter == reporter))


def sheet_runs(url: str, after: int = 0) -> list[m.FeedRun]:
    with session_scope(get_engine(url)) as s:
        return list(s.scalars(select(m.FeedRun).where(m.FeedRun.feed == "tps-status", m.FeedRun.id > after)
                              .order_by(m.FeedRun.id)))


def last_run_id(url: str) -> int:
    with session_scope(get_engine(url)) as s:
        return s.scalar(select(func.max(m.FeedRun.id))) or 0


def some_tps(url: str, n: int = 40) -> list[str]:
    with session_scope(get_engine(url)) as s:
        return list(s.scalars(select(m.Tps.code).order_by(m.Tps.code).limit(n)))


def lease_row(url: str) -> m.SchedulerLease | None:
    if not inspect(get_engine(url)).has_table("scheduler_lease"):  # the worker has not made the schema yet
        return None
    with session_scope(get_engine(url)) as s:
        return s.get(m.SchedulerLease, LEASE_NAME)


def lease_expiry(url: str) -> dt.datetime | None:
    row = lease_row(url)
    return row.expires_at if row else None


def freeze_after_renewal(worker: Worker, url: str) -> None:
    """SIGSTOP just after a renewal committed: the lease thread is then asleep, holding no lock a takeover needs.
    On SQLite another of its threads (a minute's job) may be inside a write at that instant, and a frozen writer keeps
    the whole file locked: nothing can take over from that, on any setup. That is not the case under test (fencing of
    a run that waited on a feed), so the worker is woken and frozen again until the file is free."""
    for _ in range(20):
        before = lease_expiry(url)
        wait_for(lambda: lease_expiry(url) != before, 10, "a lease renewal", worker)
        os.kill(worker.proc.pid, signal.SIGSTOP)
        if not url.startswith("sqlite") or _sqlite_writable(url):
            return
        os.kill(worker.proc.pid, signal.SIGCONT)
    raise AssertionError("the worker never froze outside a write")


def _sqlite_writable(url: str) -> bool:
    import sqlite3

    conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=1.0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


@pytest.fixture
def sheet_operation(db_url) -> str:
    """A database of each kind holding one desa with forty TPS, which the sheet reports on."""
    upgrade(get_engine(db_url))
    with session_scope(get_engine(db_url)) as s:
        s.add_all([m.Region(code="16.10.01", name="Muara Kuang", level="kecamatan", parent_code="16.10", lat=-3.4,
                            lon=104.4),
                   m.Region(code="16.10.01.2001", name="Desa Uji", level="desa", parent_code="16.10.01", lat=-3.4,
                            lon=104.4)])
        s.flush()
        s.add_all([m.Tps(code=f"16.10.01.2001.{n:03d}", desa_code="16.10.01.2001", kecamatan_code="16.10.01", number=n,
                         lat=-3.4, lon=104.4, dpt=300, kerawanan="rawan") for n in range(1, 41)])
    return db_url


def test_a_frozen_lease_holder_that_wakes_stores_nothing(sheet_operation, workers, tmp_path):
    url = sheet_operation
    sheet, before = Sheet(some_tps(url)), last_run_id(url)
    feed = {"OPS_FEEDS_ENABLED": '["tps-status"]', "OPS_TPS_STATUS_URL": sheet.url, "OPS_JOB_POLL_SECONDS": "30"}
    try:
        first = Worker(url, tmp_path / "first.log", **feed)
        workers.append(first)
        wait_for(sheet.first_arrived.is_set, 60, "the first worker's request to the sheet", first)
        assert first.holds(url)
        freeze_after_renewal(first, url)  # frozen while its feed run waits for the sheet, past its lease

        second = Worker(url, tmp_path / "second.log", **feed)
        workers.append(second)
        wait_for(lambda: second.holds(url), 30, "the second worker taking over the lease", second)
        wait_for(lambda: reports_by(url, "lembar-2"), 30, "the second worker's run to store", second)

        os.kill(first.proc.pid, signal.SIGCONT)  # wakes up, and the sheet answers its old request at last
        sheet.release.set()
        runs = wait_for(lambda: (r := sheet_runs(url, before)) and r[0].finished_at and r, 30, "the woken run to end", first)
        assert reports_by(url, "lembar-1") == 0  # nothing of the run made under the old lease
        assert reports_by(url, "lembar-2") == len(sheet.codes)
        assert not runs[0].ok and runs[0].error == FENCED_OUT
        assert any(r.ok and r.rows == len(sheet.codes) for r in runs[1:])
        assert second.holds(url) and first.proc.poll() is None  # the woken worker stands by, it does not fight
    finally:
        sheet.close()


def test_sigterm_ends_the_worker_within_seconds_while_a_job_waits(sheet_operation, workers, tmp_path):
    url = sheet_operation
    sheet = Sheet(some_tps(url))
    try:
        w = Worker(url, tmp_path / "w.log", OPS_FEEDS_ENABLED='["tps-status"]', OPS_TPS_STATUS_URL=sheet.url)
        workers.append(w)
        wait_for(sheet.first_arrived.is_set, 60, "the feed run to wait on the sheet", w)
        started = time.monotonic()
        w.proc.terminate()
        w.proc.wait(15)
        assert time.monotonic() - started < 5, w.log_text()
        assert w.proc.returncode == 0
        assert lease_expiry(url) is None  # handed back: the abandoned run's token is gone with it
        sheet.release.set()
        assert reports_by(url, "lembar-1") == 0
    finally:
        sheet.close()


class Proxy:
    """A TCP proxy to the PostgreSQL server; switched off it drops every connection and refuses new ones."""

    def __init__(self, target: int = PG_PORT):
        self.target, self.on = target, False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.pipes: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.on:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.pipes += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def switch(self, on: bool) -> None:
        self.on = on
        if not on:
            with self.lock:
                for s in self.pipes:
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()
                self.pipes = []

    def close(self) -> None:
        self.switch(False)
        self.listener.close()


@pytest.fixture
def pg_behind_proxy():
    from conftest import PG_SKIP

    if PG_SKIP:
        pytest.skip(PG_SKIP)
    direct, drop = _new_pg_database()
    proxy = Proxy()
    via = re.sub(r"@127\.0\.0\.1:\d+/", f"@127.0.0.1:{proxy.port}/", direct)
    assert via != direct
    yield direct, via, proxy
    proxy.close()
    get_engine(direct).dispose()
    drop()


def test_the_worker_waits_for_the_database_and_resumes(pg_behind_proxy, workers, tmp_path):
    direct, via, proxy = pg_behind_proxy
    w = Worker(via, tmp_path / "w.log", OPS_DB_RETRY_SECONDS="0.2", OPS_DB_RETRY_MAX_SECONDS="0.8")
    workers.append(w)
    waits = lambda: [float(x) for x in re.findall(r"trying again in ([\d.]+) s", w.log_text())]  # noqa: E731
    wait_for(lambda: len(waits()) >= 4, 30, "the worker's retries", w)
    assert w.proc.poll() is None  # waiting, not gone
    assert waits()[:4] == [0.2, 0.4, 0.8, 0.8]  # one line a try, each wait longer up to the limit
    assert "Traceback" not in w.log_text() and f"127.0.0.1:{proxy.port}" in w.log_text()

    proxy.switch(True)  # the database answers again: schema, lease, jobs
    wait_for(lambda: w.holds(direct), 30, "the worker to take the lease", w)

    proxy.switch(False)  # and goes away while the worker runs
    before = lease_expiry(direct)
    time.sleep(2)
    assert w.proc.poll() is None and "lease check failed" in w.log_text()
    proxy.switch(True)
    wait_for(lambda: lease_expiry(direct) > before, 30, "the lease to be renewed again", w)
    w.proc.terminate()
    assert w.proc.wait(10) == 0


CLOSED = f"postgresql+psycopg://postgres:geheim@127.0.0.1:{free_port()}/x"


@pytest.mark.parametrize("args", [("status",), ("status", "--json"), ("fetch", "simulator"), ("import", "tps", "{csv}"),
                                  ("briefing",), ("backup", "--out", "{out}"), ("restore", "{dump}"), ("clock", "real")])
def test_every_command_answers_a_database_outage_in_one_line(args, tmp_path):
    csv = tmp_path / "tps.csv"
    csv.write_text("kode_tps\n")
    dump = tmp_path / "ops.dump"
    dump.write_bytes(b"PGDMP" + bytes(64))
    argv = [a.format(csv=csv, out=tmp_path / "b.dump", dump=dump) for a in args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPS_")}
    r = subprocess.run([sys.executable, "-m", "ops", *argv], cwd=ROOT, capture_output=True, text=True, timeout=60,
                       env={**env, "OPS_DATABASE_URL": CLOSED})
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Cannot connect" in lines[0] and f"127.0.0.1:{CLOSED.split(':')[-1]}" in lines[0]
    assert "geheim" not in r.stderr and "Traceback" not in r.stderr and r.stdout == ""


def test_pages_and_the_wall_say_the_database_is_not_answering(monkeypatch):
    monkeypatch.setenv("OPS_DATABASE_URL", CLOSED)
    reset_settings()
    at = AppTest.from_file(str(ROOT / "views" / "ringkasan.py"), default_timeout=60).run()
    assert not at.exception
    text = at.error[0].value
    assert "Basis data tidak menjawab" in text and "sejak" in text and "mencoba lagi" in text
    assert "127.0.0.1" in text and "geheim" not in text
    wall = AppTest.from_file(str(ROOT / "views" / "dinding.py"), default_timeout=60).run()
    assert not wall.exception
    banners = [x.value for x in wall.markdown if "class='banner'" in x.value]
    assert banners and "Basis data tidak menjawab" in banners[0] and "mencoba lagi" in banners[0]


def test_a_page_comes_back_when_the_database_answers_again(pg_behind_proxy, monkeypatch):
    direct, via, proxy = pg_behind_proxy
    upgrade(get_engine(direct))
    monkeypatch.setenv("OPS_DATABASE_URL", via)
    reset_settings()
    at = AppTest.from_file(str(ROOT / "views" / "sumber_data.py"), default_timeout=60).run()
    assert not at.exception and "Basis data tidak menjawab" in at.error[0].value
    proxy.switch(True)
    at.run()
    assert not at.exception and not at.error
    assert "Riwayat pengambilan" in [x.value for x in at.subheader]


def test_the_fence_refuses_a_token_that_is_no_longer_the_leases(db_url):
    upgrade(get_engine(db_url))
    s = get_settings()
    now = dt.datetime.now(dt.timezone.utc)
    old = try_lease(s, "worker@a", now - dt.timedelta(seconds=s.scheduler_lease_seconds + 5))
    with session_scope(get_engine(db_url)) as session:
        fence(old)(session)  # still current
    new = try_lease(s, "worker@b", now)
    assert new and new != old
    with pytest.raises(LeaseLost), session_scope(get_engine(db_url)) as session:
        session.add(m.Job(kind="briefing", params={}, requested_by="x", requested_at=now, state="antri"))
        fence(old)(session)
    with session_scope(get_engine(db_url)) as session:
        assert session.scalar(select(func.count()).select_from(m.Job)) == 0  # the fenced write was rolled back


def test_queued_jobs_wait_for_the_holder_and_go_back_to_the_queue_on_takeover(demo_copy):
    s = get_settings()
    engine = get_engine(demo_copy)
    with session_scope(engine) as session:
        job_id = jobs.request_briefing(session, "operator", dt.datetime(2024, 11, 26, 23, tzinfo=dt.timezone.utc))
    old = try_lease(s, "worker@a")
    claim = jobs._claim(s, fence(old))
    assert claim.id == job_id and jobs.job_view(s, job_id).state == "berjalan"
    with session_scope(engine) as session:  # the holder froze; its lease ran out and another took it
        session.get(m.SchedulerLease, LEASE_NAME).expires_at = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    new = try_lease(s, "worker@b")
    assert jobs.requeue_abandoned(s, fence(new)) == 1
    assert jobs.job_view(s, job_id).state == "antri"
    with pytest.raises(LeaseLost):  # the old holder, awake again, cannot take the job back
        jobs._claim(s, fence(old))
    assert jobs.job_view(s, job_id).state == "antri"


def test_a_viewer_cannot_queue_a_briefing(demo_copy):
    from ops.auth import AuthError

    with pytest.raises(AuthError), session_scope(get_engine(demo_copy)) as session:
        jobs.request_briefing(session, "pemantau", dt.datetime(2024, 11, 27, tzinfo=dt.timezone.utc))


@pytest.mark.skipif(CHROMIUM_SKIP is not None, reason=str(CHROMIUM_SKIP))
def test_a_briefing_asked_for_on_the_page_is_made_by_the_worker(demo_copy, workers, tmp_path, monkeypatch):
    monkeypatch.setenv("OPS_BRIEFING_DIR", str(tmp_path / "arsip"))
    reset_settings()
    at = AppTest.from_file(str(ROOT / "views" / "laporan.py"), default_timeout=120).run()
    assert at.button(key="make_briefing").disabled  # making one is a write: operators and up
    assert "belum ada worker yang memegang lease" in at.warning[0].value.lower()
    at.session_state["user"] = {"username": "operator", "full_name": "Operator", "role": "operator"}
    at.run()
    at.button(key="make_briefing").click().run()
    assert not at.exception and not at.error
    assert "menunggu worker" in at.info[0].value
    assert not list((tmp_path / "arsip").glob("*.pdf"))  # the page drew nothing itself
    job_id = at.session_state["briefing_job"]

    w = Worker(demo_copy, tmp_path / "w.log", OPS_BRIEFING_DIR=str(tmp_path / "arsip"))
    workers.append(w)
    wait_for(lambda: jobs.job_view(get_settings(), job_id).finished, 180, "the worker to make the briefing", w)
    job = jobs.job_view(get_settings(), job_id)
    assert job.state == "selesai", job.error
    at.run()
    assert not at.exception and not at.error
    assert f"Laporan {job.result['briefing_id']} selesai" in at.success[0].value
    assert not any("belum ada worker" in x.value.lower() for x in at.warning)
    assert len(at.get("download_button")) == 2
    assert len(list((tmp_path / "arsip").glob("*.pdf"))) == 1
    with session_scope(get_engine(demo_copy)) as session:
        made = session.get(m.Briefing, job.result["briefing_id"])
        assert made.made_by == "operator" and made.kind == "manual"
        audit = session.scalars(select(m.AuditLog).where(m.AuditLog.action == "buat_laporan")).one()
        assert audit.actor == "operator"


@pytest.mark.skipif(CHROMIUM_SKIP is not None, reason=str(CHROMIUM_SKIP))
def test_a_briefing_whose_lease_moved_on_keeps_neither_files_nor_archive_row(demo_copy, tmp_path):
    from ops.briefing import make_briefing

    s = get_settings()
    old = try_lease(s, "worker@a")
    with session_scope(get_engine(demo_copy)) as session:  # another holder took over while the charts were drawn
        session.get(m.SchedulerLease, LEASE_NAME).token = "another"
    with pytest.raises(LeaseLost):
        make_briefing(s, tmp_path / "arsip", kind="terjadwal", made_by="penjadwal", fence=fence(old))
    assert not any((tmp_path / "arsip").iterdir())  # no file, not even a temporary one
    with session_scope(get_engine(demo_copy)) as session:
        assert session.scalar(select(func.count()).select_from(m.Briefing)) == 0
