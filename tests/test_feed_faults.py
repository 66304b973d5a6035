"""Faults real sources have, against loopback servers: slow and oversized answers, broken transfers, partial and empty
runs, a dead BMKG; and the feed states those runs leave behind."""
import datetime as dt
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from werkzeug import Response

from ops import models as m
from ops.cli import main as cli_main
from ops.config import get_settings
from ops.db import get_engine, session_scope
from ops.feeds import http as fhttp
from ops.feeds.runner import FeedFailed, load_reference, run_feed
from ops.freshness import STATE_LABEL, STATES, feed_states, judge
from ops.status import build_status

import feed_helpers
from conftest import FEEDS, ROOT
from feed_helpers import count, last_run

SIREKAP_PATH = "/pilkada/hhcw/pkwkk/16/1610.json"
GOOD_SIREKAP = (FEEDS / "sirekap_hhcw_pkwkk_1610.json").read_bytes()


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(fhttp, "BACKOFF_S", 0.01)


def configure(monkeypatch, **env):
    return feed_helpers.configure(monkeypatch, **{"OPS_HTTP_TIMEOUT_S": "2", "OPS_HTTP_RETRIES": "2",
                                                  "OPS_BMKG_REQUESTS_PER_MINUTE": "6000", **env})


def state_of(feed):
    s = get_settings()
    with session_scope(get_engine(s.database_url)) as sess:
        return feed_states(sess, s)[feed]


class RawServer:
    """An HTTP server on a bare loopback socket: `respond(conn, n)` writes the n-th answer byte by byte as it likes
    (trickle, over-send, cut off), which a real HTTP server library would not let a test do."""

    def __init__(self, respond):
        self.respond, self.requests, self.lock = respond, 0, threading.Lock()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            with self.lock:
                self.requests += 1
                n = self.requests
            try:
                self.respond(conn, n)
            except OSError:
                pass  # the client hung up, as the tests expect it to

    def close(self):
        self.sock.close()


@pytest.fixture
def raw_server():
    servers = []

    def start(respond):
        servers.append(RawServer(respond))
        return servers[-1]
    yield start
    for srv in servers:
        srv.close()


def head(length: int | None = None, extra: str = "") -> bytes:
    size = f"Content-Length: {length}\r\n" if length is not None else "Connection: close\r\n"
    return f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{size}{extra}\r\n".encode()


# --- HTTP: deadline, size cap, broken transfers -------------------------------------------------------------------

def test_a_trickling_server_is_cut_at_the_request_deadline(demo_copy, monkeypatch, raw_server):
    def trickle(conn, n):  # a byte a second: requests' own timeout (per read) would never fire
        conn.sendall(head(20))
        for _ in range(20):
            conn.sendall(b" ")
            time.sleep(1)
    srv = raw_server(trickle)
    s = configure(monkeypatch, OPS_SIREKAP_URL=srv.url, OPS_HTTP_TIMEOUT_S="2", OPS_HTTP_RETRIES="1")
    t0 = time.monotonic()
    with pytest.raises(FeedFailed) as e:
        run_feed("sirekap", s)
    assert time.monotonic() - t0 < 2 * 2 + 1.5  # two tries of 2 s each, not 20 s per try
    url = srv.url + SIREKAP_PATH
    assert f"GET {url} gagal (2× dicoba): tidak selesai dalam 2 s" in str(e.value)
    run = last_run("sirekap")
    assert not run.ok and url in run.error and run.finished_at is not None
    assert srv.requests == 2


CHILD = """
import json, sys
from ops.config import get_settings
from ops.feeds.runner import FeedFailed, run_feed

def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

s = get_settings()
run_feed("sirekap", s)  # a small good answer first: every module the run needs is loaded before measuring
before = peak_kb()
try:
    run_feed("sirekap", s)
    error = None
except FeedFailed as e:
    error = str(e)
print(json.dumps({"before_kb": before, "after_kb": peak_kb(), "error": error}))
"""


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no-length"])
def test_a_50_mb_body_stops_at_the_cap_without_filling_memory(demo_copy, raw_server, declared):
    size, cap = 50_000_000, 2_000_000

    def answer(conn, n):
        if n == 1:
            conn.sendall(head(len(GOOD_SIREKAP)) + GOOD_SIREKAP)
            return
        conn.sendall(head(size if declared else None))
        block = b" " * 65536
        for _ in range(size // len(block)):
            conn.sendall(block)
    srv = raw_server(answer)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OPS_")}, "OPS_DATABASE_URL": demo_copy,
           "OPS_SIREKAP_URL": srv.url, "OPS_HTTP_MAX_BYTES": str(cap), "OPS_HTTP_RETRIES": "2"}
    # A child process: its peak memory (VmHWM) is its own, not the test session's.
    out = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    grew_mb = (got["after_kb"] - got["before_kb"]) / 1024
    assert grew_mb < cap / 1e6 + 10, f"peak memory grew by {grew_mb:.0f} MB"
    assert f"GET {srv.url + SIREKAP_PATH} gagal" in got["error"]
    assert "batas 2.000.000 byte (http_max_bytes)" in got["error"]
    assert srv.requests == 2  # the good answer and one big one: a body over the cap is not asked for again


def cut_short(conn, n):
    conn.sendall(head(1000) + b"{" * 300)


def reset_mid_body(conn, n):
    conn.sendall(head(100_000) + b"{" * 300)
    time.sleep(0.05)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST


def chunk_cut(conn, n):
    conn.sendall(head(None, "Transfer-Encoding: chunked\r\n").replace(b"Connection: close\r\n", b"")
                 + b"100\r\n" + b"{" * 50)


def bad_gzip(conn, n):
    conn.sendall(head(20, "Content-Encoding: gzip\r\n") + b"x" * 20)


@pytest.mark.parametrize("cut", [cut_short, reset_mid_body, chunk_cut, bad_gzip],
                         ids=["shorter-than-length", "reset", "chunk-cut", "bad-gzip"])
def test_a_broken_transfer_is_retried_and_named(demo_copy, monkeypatch, raw_server, cut):
    srv = raw_server(cut)
    s = configure(monkeypatch, OPS_SIREKAP_URL=srv.url, OPS_HTTP_RETRIES="2")
    with pytest.raises(FeedFailed) as e:
        run_feed("sirekap", s)
    assert srv.requests == 3  # the first try and two retries, as for a 5xx
    assert f"GET {srv.url + SIREKAP_PATH} gagal (3× dicoba): transfer terputus setelah" in str(e.value)
    assert not last_run("sirekap").ok


def test_a_transfer_broken_once_succeeds_on_the_retry(demo_copy, monkeypatch, raw_server):
    srv = raw_server(lambda conn, n: cut_short(conn, n) if n == 1
                     else conn.sendall(head(len(GOOD_SIREKAP)) + GOOD_SIREKAP))
    s = configure(monkeypatch, OPS_SIREKAP_URL=srv.url)
    result = run_feed("sirekap", s)
    assert (result.rows, result.state, srv.requests) == (17, "ok", 2)


# --- partial and empty runs ----------------------------------------------------------------------------------------

def bmkg_answer(request):
    """A BMKG forecast for whichever desa is asked: the Pemulutan sample under the asked code."""
    body = json.loads((FEEDS / "bmkg_prakiraan_cuaca_16.10.05.2001.json").read_text())
    code = request.args["adm4"]
    body["lokasi"]["adm4"] = body["data"][0]["lokasi"]["adm4"] = code
    return Response(json.dumps(body), content_type="application/json")


def test_bmkg_with_4_of_5_desa_failing_is_partial(demo_copy, httpserver, monkeypatch, capsys):
    desa = ["16.10.05.2001", "16.10.05.2002", "16.10.05.2003", "16.10.05.2004", "16.10.05.2005"]
    httpserver.expect_request("/prakiraan-cuaca", query_string="adm4=16.10.05.2001").respond_with_handler(bmkg_answer)
    httpserver.expect_request("/prakiraan-cuaca").respond_with_data("Internal Server Error", status=500)
    s = configure(monkeypatch, OPS_BMKG_FORECAST_URL=httpserver.url_for("/prakiraan-cuaca"),
                  OPS_BMKG_FORECAST_DESA=json.dumps(desa))
    assert cli_main(["fetch", "bmkg-forecast"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("bmkg-forecast: partial — stored 24 record(s), rejected 0 row(s), failed 4 request(s)")
    first = f"16.10.05.2002: GET {httpserver.url_for('/prakiraan-cuaca')}?adm4=16.10.05.2002 gagal (3× dicoba): HTTP 500"
    assert first in out
    run = last_run("bmkg-forecast")
    assert (run.ok, run.rows, run.rejected, run.failed) == (True, 24, 0, 4)
    assert run.error.startswith(first)
    f = state_of("bmkg-forecast")
    assert (f.state, f.label, f.failed, f.rows) == ("partial", "Sebagian", 4, 24) and f.error.startswith(first)
    doc = build_status(s)["feeds"]["bmkg-forecast"]
    assert (doc["state"], doc["rows"], doc["rejected"], doc["failed"]) == ("partial", 24, 0, 4)
    assert doc["error"].startswith(first)
    page = AppTest.from_file(str(ROOT / "views/sumber_data.py"), default_timeout=60).run()
    assert not page.exception
    assert "Prakiraan BMKG · Sebagian" in " ".join(x.value for x in page.markdown)
    assert "Pengambilan terakhir: 0 baris ditolak · 4 permintaan gagal" in [x.value for x in page.caption]
    assert "HTTP 500" in page.warning[0].value
    newest = page.dataframe[0].value.iloc[0]
    assert (newest["Sumber"], newest["Hasil"], newest["Baris"], newest["Gagal"]) == ("Prakiraan BMKG", "sebagian", 24, 4)


def test_sirekap_with_every_row_null_fails_and_keeps_the_last_good_data(demo_copy, httpserver, monkeypatch):
    s = configure(monkeypatch, OPS_SIREKAP_URL=httpserver.url_for(""))
    good = json.loads(GOOD_SIREKAP)
    httpserver.expect_oneshot_request(SIREKAP_PATH).respond_with_json(good)
    assert run_feed("sirekap", s).rows == 17
    before = count(m.RecapProgress)
    nulls = {"ts": good["ts"], "mode": "hhcw", "progres": None,
             "tungsura": {"chart": {"progres": None}, "table": {code: {"progres": None} for code in good["tungsura"]["table"]}}}
    httpserver.expect_request(SIREKAP_PATH).respond_with_json(nulls)
    with pytest.raises(FeedFailed, match="tidak ada data yang bisa dipakai — 16.10: progres total/progres kosong"):
        run_feed("sirekap", s)
    run = last_run("sirekap")
    assert not run.ok and run.rejected == 17
    assert count(m.RecapProgress) == before
    f = state_of("sirekap")
    assert (f.state, f.rows) == ("error", 17) and f.last_success is not None


def test_a_tps_sheet_cut_mid_row_is_partial_and_names_the_row(demo_copy, httpserver, monkeypatch):
    with session_scope(get_engine(demo_copy)) as s:
        codes = s.scalars(select(m.Tps.code).order_by(m.Tps.code).limit(3)).all()
    sheet = ("kode_tps,status,waktu,pelapor,catatan\n"
             f"{codes[0]},dibuka,2024-11-27T07:02,KPPS 1,\n"
             f"{codes[1]},dibuka,2024-11-27T07:04,KPPS 2,aman\n"
             f"{codes[2]},dibuka,2024-11-27T07:06")  # the export ends here, in the middle of its last row
    httpserver.expect_request("/laporan.csv").respond_with_data(sheet, content_type="text/csv")
    s = configure(monkeypatch, OPS_TPS_STATUS_URL=httpserver.url_for("/laporan.csv"))
    r = run_feed("tps-status", s)
    assert (r.rows, r.rejected, r.state) == (2, 1, "partial")
    assert r.notes == ["baris 4: terpotong, hanya 3 dari 5 kolom (lembar berakhir di tengah baris?)"]
    f = state_of("tps-status")
    assert f.state == "partial" and "baris 4: terpotong" in f.error


# --- a dead or slow BMKG over every desa ----------------------------------------------------------------------------

def desa_with_tps(settings) -> list[str]:
    with session_scope(get_engine(settings.database_url)) as s:
        return load_reference(s, settings).desa_with_tps


@pytest.mark.parametrize("dead", ["refused", "503"])
def test_a_dead_bmkg_stops_early_and_keeps_the_last_good_data(demo_copy, httpserver, monkeypatch, dead):
    if dead == "refused":
        closed = socket.create_server(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/prakiraan-cuaca"
        closed.close()
    else:
        httpserver.expect_request("/prakiraan-cuaca").respond_with_data("Service Unavailable", status=503)
        url = httpserver.url_for("/prakiraan-cuaca")
    s = configure(monkeypatch, OPS_BMKG_FORECAST_URL=url)
    total = len(desa_with_tps(s))
    assert total == 241
    before = count(m.WeatherForecast, m.WeatherForecast.source == "bmkg")
    t0 = time.monotonic()
    with pytest.raises(FeedFailed) as e:
        run_feed("bmkg-forecast", s)
    assert time.monotonic() - t0 < 5  # five desa with their retries, not 241
    assert (f"tidak ada data yang bisa dipakai — dihentikan setelah 5 desa berturut-turut gagal (sumber tampaknya "
            f"mati): 0 dari {total} desa diambil") in str(e.value)
    run = last_run("bmkg-forecast")
    assert (run.ok, run.failed) == (False, total)
    assert count(m.WeatherForecast, m.WeatherForecast.source == "bmkg") == before
    assert state_of("bmkg-forecast").state == "error"


def test_a_slow_bmkg_run_stops_at_its_deadline_and_says_how_far_it_got(demo_copy, httpserver, monkeypatch):
    def slow(request):
        time.sleep(0.2)
        return bmkg_answer(request)
    httpserver.expect_request("/prakiraan-cuaca").respond_with_handler(slow)
    s = configure(monkeypatch, OPS_BMKG_FORECAST_URL=httpserver.url_for("/prakiraan-cuaca"),
                  OPS_BMKG_RUN_DEADLINE_S="1")
    t0 = time.monotonic()
    r = run_feed("bmkg-forecast", s)
    assert time.monotonic() - t0 < 2
    done = re.fullmatch(r"dihentikan setelah 1 s: (\d+) dari 241 desa diambil", r.problems[0])
    assert done, r.problems
    got = int(done.group(1))
    assert 1 <= got < 10 and r.rows == 24 * got and r.failed == 241 - got and r.state == "partial"
    run = last_run("bmkg-forecast")
    assert run.ok and run.failed == 241 - got and run.error.startswith("dihentikan setelah 1 s")
    assert state_of("bmkg-forecast").state == "partial"


# --- states ---------------------------------------------------------------------------------------------------------

def run_row(ok=True, rejected=0, failed=0, minutes_ago=1, error=None):
    at = dt.datetime(2024, 11, 27, 3, 0, tzinfo=dt.timezone.utc) - dt.timedelta(minutes=minutes_ago)
    return SimpleNamespace(ok=ok, rejected=rejected, failed=failed, started_at=at, finished_at=at, rows=10,
                           error=error)


NOW = dt.datetime(2024, 11, 27, 3, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("last, last_ok, expected", [
    (None, None, "never"),
    (run_row(), run_row(), "ok"),
    (run_row(failed=2, error="x"), "same", "partial"),
    (run_row(rejected=1, error="x"), "same", "partial"),
    (run_row(ok=False, error="x"), run_row(minutes_ago=5), "error"),
    (run_row(ok=False, error="x"), None, "error"),
    (run_row(failed=2, minutes_ago=40, error="x"), "same", "stale"),  # stale wins over partial: old data is old
    (run_row(ok=False, error="x"), run_row(minutes_ago=40), "stale"),
])
def test_judge_tells_partial_from_stale_and_error(last, last_ok, expected):
    f = judge("sirekap", last, last if last_ok == "same" else last_ok, 10, 3.0, NOW)
    assert f.state == expected
    assert f.as_json()["state"] == expected and {"rows", "rejected", "failed", "error"} <= set(f.as_json())
    if expected in ("partial", "error"):
        assert f.error == "x"


def test_every_state_has_a_label_and_a_badge_colour():
    from ui.components import BADGE_COLOR

    assert set(STATE_LABEL) == set(BADGE_COLOR) == set(STATES)
    assert "partial" in STATES


def test_a_run_under_way_leaves_the_state_of_the_last_finished_run(demo_copy, httpserver, monkeypatch):
    s = configure(monkeypatch, OPS_SIREKAP_URL=httpserver.url_for(""))
    httpserver.expect_request(SIREKAP_PATH).respond_with_data(GOOD_SIREKAP, content_type="application/json")
    run_feed("sirekap", s)
    with session_scope(get_engine(s.database_url)) as sess:  # the next run has started and not yet finished
        sess.add(m.FeedRun(feed="sirekap", started_at=dt.datetime.now(dt.timezone.utc), ok=False))
    assert state_of("sirekap").state == "ok"
