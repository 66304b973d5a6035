"""Faults real sources have, against loopback servers: slow and oversized answers, broken transfers."""
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest

from ops.feeds import http as fhttp
from ops.feeds.runner import FeedFailed, run_feed

import feed_helpers
from conftest import FEEDS, ROOT
from feed_helpers import last_run

SIREKAP_PATH = "/pilkada/hhcw/pkwkk/16/1610.json"
GOOD_SIREKAP = (FEEDS / "sirekap_hhcw_pkwkk_1610.json").read_bytes()


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(fhttp, "BACKOFF_S", 0.01)


def configure(monkeypatch, **env):
    return feed_helpers.configure(monkeypatch, **{"OPS_HTTP_TIMEOUT_S": "2", "OPS_HTTP_RETRIES": "2",
                                                  "OPS_BMKG_REQUESTS_PER_MINUTE": "6000", **env})


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
    assert (result.rows, result.rejected, srv.requests) == (17, 0, 2)
