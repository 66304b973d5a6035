"""One interface for every feed: fetch() does HTTP, parse() is pure, store() writes a run's records in one transaction."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ops.config import Settings
from ops.feeds.registry import spec


class FeedError(Exception):
    """A feed could not be read or understood; the message is what the feed-health page shows."""


@dataclass(frozen=True)
class Cutoff:
    """A run that stopped before it had asked for everything: why, after how long, and how far it got."""
    reason: str  # deadline | source_down
    after_s: float
    done: int  # items (desa) that answered
    total: int
    unit: str  # what was asked for, in the words of the page: "desa"
    streak: int = 0  # source_down: the failures in a row that stopped the run

    def __str__(self) -> str:
        got = f"{self.done} dari {self.total} {self.unit} diambil"
        if self.reason == "deadline":
            return f"dihentikan setelah {self.after_s:.0f} s: {got}"
        return (f"dihentikan setelah {self.streak} {self.unit} berturut-turut gagal (sumber tampaknya mati): {got}")


@dataclass
class Parsed:
    records: list[dict]
    rejects: list[str] = field(default_factory=list)  # rows not stored and why: 'baris 4: kode_tps … tidak dikenal'
    # Requests that brought nothing while others answered ('16.10.05.2002: GET … gagal …'), and a run cut short: the
    # run is partial, or an error when nothing usable arrived at all.
    failed: list[str] = field(default_factory=list)
    cutoff: Cutoff | None = None
    ignored: int = 0  # items read well that are not for this operation (a warning far away): usable, not stored

    @property
    def problems(self) -> list[str]:
        """What the run missed, most telling first: the cut-off, the failed requests, the rejected rows."""
        return ([str(self.cutoff)] if self.cutoff else []) + self.failed + self.rejects

    @property
    def nothing_usable(self) -> bool:
        """Every request failed or every row was rejected: an error, not an empty success."""
        return not self.records and not self.ignored and bool(self.rejects or self.failed or self.cutoff)

    @property
    def failed_count(self) -> int:
        """Requests that brought nothing: those that failed, and those a cut-off run never made."""
        return self.cutoff.total - self.cutoff.done if self.cutoff else len(self.failed)


@dataclass
class FeedContext:
    settings: Settings
    http: Any  # requests.Session
    now: dt.datetime  # the operation moment
    reference: Any = None  # what parse/store need to know of the operation (TPS codes, devices, region)


# A source's answer that nothing changed since the last fetch (as HTTP 304 Not Modified): the run is ok and stores
# nothing. The demo source answers so where the real one would publish nothing new (Sirekap before the count).
NOT_MODIFIED = object()


class Feed:
    name: ClassVar[str]  # its entry in ops.feeds.registry.FEEDS

    def enabled(self, settings: Settings) -> bool:
        """In feeds_enabled, and its required setting (a URL with no public default) is filled in."""
        required = spec(self.name).required
        return self.name in settings.feeds_enabled and (required is None or bool(getattr(settings, required)))

    def fetch(self, ctx: FeedContext) -> Any:
        raise NotImplementedError

    def parse(self, payload: Any, ctx: FeedContext) -> Parsed:
        raise NotImplementedError

    def store(self, session, parsed: Parsed, ctx: FeedContext) -> int:
        raise NotImplementedError


def num(value: Any) -> float | None:
    """Numbers as feeds send them: 5.0E7, '12,5', '', None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return None


def parse_time(value: Any, naive_tz: dt.tzinfo = dt.timezone.utc) -> dt.datetime | None:
    """ISO 8601 with Z, +0000 or +00:00, or 'YYYY-MM-DD HH:MM:SS' (taken in naive_tz); None when absent or bad."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":  # +0700 -> +07:00
        text = text[:-2] + ":" + text[-2:]
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=naive_tz)
    return t.astimezone(dt.timezone.utc)
