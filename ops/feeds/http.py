"""HTTP for feeds: a deadline per request, a size cap per body, retries with exponential backoff, 429/Retry-After, a
per-source rate limit, and failures that name the URL (in Indonesian: the feed-health page shows them to operators).

requests' own timeout bounds each read of the socket, so a server that trickles a byte a second never times out.
Here the deadline covers the whole request: connecting, waiting for the answer and reading all of the body; a watchdog
shuts the socket when it passes. The body is read in chunks and the transfer stops at `http_max_bytes`.
"""
from __future__ import annotations

import contextlib
import email.utils
import threading
import time
from typing import Iterator

import requests

from ops.feeds.base import FeedContext, FeedError

RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_WAIT_S = 60.0
BACKOFF_S = 0.5
CHUNK_BYTES = 64 * 1024


class RateLimiter:
    """Spaces requests evenly: at most `per_minute` a minute (BMKG allows 60 per IP)."""

    def __init__(self, per_minute: int):
        self.gap = 60.0 / per_minute
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            if now < self.next_at:
                time.sleep(self.next_at - now)
            self.next_at = max(now, self.next_at) + self.gap


class RequestFailed(FeedError):
    """A request that brought nothing, after its retries. `source_down` when the server looks unwell (no connection,
    no answer in time, 5xx, a transfer broken off) rather than refusing this one request (4xx, a body over the cap)."""

    def __init__(self, url: str, attempts: int, reason: str, source_down: bool):
        self.url, self.attempts, self.reason, self.source_down = url, attempts, reason, source_down
        tries = f" ({attempts}× dicoba)" if attempts > 1 else ""
        super().__init__(f"GET {url} gagal{tries}: {reason}")


class RunDeadline(FeedError):
    """The run's own deadline came before this request could be made or finished."""


class _Attempt(Exception):
    """One try that failed: why, and whether another try may help."""

    def __init__(self, reason: str, retry: bool = True):
        super().__init__(reason)
        self.reason, self.retry = reason, retry


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def get(ctx: FeedContext, url: str, *, params=None, headers=None, limiter: RateLimiter | None = None,
        accept_404: bool = False, until: float | None = None) -> requests.Response:
    """GET with the feed settings' deadline, size cap and retries; the body is already read (r.content, r.text).

    `until` (time.monotonic()) is the run's deadline: no try starts or waits past it (RunDeadline)."""
    s = ctx.settings
    full_url = requests.Request("GET", url, params=params).prepare().url or url
    reason, source_down = "", True
    for attempt in range(1, s.http_retries + 2):
        if limiter:
            limiter.wait()
        start = time.monotonic()
        deadline = start + s.http_timeout_s
        if until is not None:
            if start >= until:
                raise RunDeadline(full_url)
            deadline = min(deadline, until)
        wait = BACKOFF_S * (2 ** (attempt - 1))
        try:
            r = _attempt(ctx.http, url, params, headers, deadline, s.http_max_bytes, accept_404,
                         f"tidak selesai dalam {s.http_timeout_s:g} s")
        except _Attempt as e:
            if until is not None and time.monotonic() >= until:
                raise RunDeadline(full_url) from None
            reason, source_down = e.reason, e.retry
            if not e.retry:
                break
        else:
            if r.status_code < 400 or (r.status_code == 404 and accept_404):
                return r
            reason, source_down = f"HTTP {r.status_code}", r.status_code >= 500
            if r.status_code not in RETRY_STATUS:
                break
            if r.status_code == 429:
                ra = retry_after_seconds(r.headers.get("Retry-After"))
                reason += f" (dibatasi, Retry-After {r.headers.get('Retry-After')})"
                if ra is not None:
                    wait = min(ra, MAX_WAIT_S)
        if attempt <= s.http_retries:
            if until is not None and time.monotonic() + wait >= until:
                raise RunDeadline(full_url)
            time.sleep(wait)
    raise RequestFailed(full_url, attempt, reason, source_down)


def _attempt(http: requests.Session, url: str, params, headers, deadline: float, max_bytes: int,
             accept_404: bool, late: str) -> requests.Response:
    """One try. An error status comes back with its body unread; any other answer with its body read whole.
    `late` is what to say when the deadline passes."""
    left = max(0.001, deadline - time.monotonic())
    try:
        # (connect, read): neither may take longer than what is left; the watchdog below covers the rest.
        r = http.get(url, params=params, headers=headers, timeout=(left, left), stream=True)
    except requests.Timeout:
        raise _Attempt(late) from None
    except requests.ConnectionError as e:
        raise _Attempt(f"koneksi gagal ({_cause(e)})") from None
    if r.status_code >= 400 and not (r.status_code == 404 and accept_404):
        r.close()
        return r
    with _watchdog(r, deadline) as cut:
        try:
            r._content = _read_body(r, max_bytes, cut, late)
        finally:
            r.close()  # after the whole body this only hands the connection back; after a cut it drops it
    r._content_consumed = True
    return r


@contextlib.contextmanager
def _watchdog(r: requests.Response, deadline: float) -> Iterator[threading.Event]:
    """Shut the response's socket at the deadline: a blocked read then returns at once, however slow the sender."""
    cut = threading.Event()

    def fire() -> None:
        cut.set()
        with contextlib.suppress(Exception):  # the body may have been read and the connection handed back meanwhile
            r.raw.shutdown()
    timer = threading.Timer(max(0.0, deadline - time.monotonic()), fire)
    timer.daemon = True
    timer.start()
    try:
        yield cut
    finally:
        timer.cancel()


def _read_body(r: requests.Response, max_bytes: int, cut: threading.Event, late: str) -> bytes:
    declared = _content_length(r)
    cap = f"batas {max_bytes:,} byte (http_max_bytes)".replace(",", ".")
    if declared is not None and declared > max_bytes:
        raise _Attempt(f"jawaban {declared:,} byte melebihi {cap}".replace(",", "."), retry=False)
    parts, got = [], 0
    try:
        for chunk in r.iter_content(CHUNK_BYTES):
            got += len(chunk)
            if got > max_bytes:
                raise _Attempt(f"jawaban melebihi {cap}; pengambilan dihentikan", retry=False)
            parts.append(chunk)
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
            requests.ConnectionError) as e:
        if cut.is_set():
            raise _Attempt(late) from None
        of = f" dari {declared:,}".replace(",", ".") if declared is not None else ""
        raise _Attempt(f"transfer terputus setelah {got:,}{of} byte ({_cause(e)})".replace(",", ".")) from None
    if cut.is_set():  # a body without a length simply ends when the socket is shut: it is not complete
        raise _Attempt(late)
    return b"".join(parts)


def _content_length(r: requests.Response) -> int | None:
    try:
        return int(r.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _cause(e: Exception) -> str:
    """The innermost cause's name (ConnectionResetError, IncompleteRead …): what a network engineer looks for."""
    inner = e
    while inner.__cause__ is not None or (inner.args and isinstance(inner.args[-1], Exception)):
        inner = inner.__cause__ if inner.__cause__ is not None else inner.args[-1]
    return type(inner).__name__


def json_body(r: requests.Response):
    """The body as JSON, or a FeedError that says what came instead (an HTML error page, a cut-off body)."""
    try:
        return r.json()
    except ValueError:
        head = r.text[:80].replace("\n", " ").strip()
        kind = "halaman HTML" if head.lower().startswith(("<!doctype", "<html")) else "JSON yang tidak valid"
        raise FeedError(f"{r.url} menjawab dengan {kind}, bukan JSON (awalnya: {head!r})") from None
