"""HTTP for feeds: timeouts, retries with exponential backoff, 429/Retry-After, a per-source rate limit."""
from __future__ import annotations

import email.utils
import threading
import time

import requests

from ops.feeds.base import FeedError

RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_WAIT_S = 60.0
BACKOFF_S = 0.5


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


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def get(http: requests.Session, url: str, *, params=None, headers=None, timeout: float, retries: int,
        limiter: RateLimiter | None = None, accept_404: bool = False) -> requests.Response:
    """GET with retries; raises FeedError saying what went wrong with which URL after the last try."""
    last = ""
    for attempt in range(retries + 1):
        if limiter:
            limiter.wait()
        wait = BACKOFF_S * (2 ** attempt)
        try:
            r = http.get(url, params=params, headers=headers, timeout=timeout)
        except requests.Timeout:
            last = f"timed out after {timeout:g} s"
        except requests.ConnectionError as e:
            last = f"connection failed ({type(e).__name__})"
        else:
            if r.status_code == 404 and accept_404:
                return r
            if r.status_code < 400:
                return r
            last = f"HTTP {r.status_code}"
            if r.status_code not in RETRY_STATUS:
                break
            if r.status_code == 429:
                ra = retry_after_seconds(r.headers.get("Retry-After"))
                last += f" (rate limited, Retry-After {r.headers.get('Retry-After')})"
                if ra is not None:
                    wait = min(ra, MAX_WAIT_S)
        if attempt < retries:
            time.sleep(wait)
    raise FeedError(f"GET {url} failed: {last}")


def json_body(r: requests.Response):
    """The body as JSON, or a FeedError that says what came instead (an HTML error page, a cut-off body)."""
    try:
        return r.json()
    except ValueError:
        head = r.text[:80].replace("\n", " ").strip()
        kind = "an HTML page" if head.lower().startswith(("<!doctype", "<html")) else "invalid JSON"
        raise FeedError(f"{r.url} returned {kind} instead of JSON (starts: {head!r})") from None
