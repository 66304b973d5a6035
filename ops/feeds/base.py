"""One interface for every feed: fetch() does HTTP, parse() is pure, store() writes a run's records in one transaction."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ops.config import Settings


class FeedError(Exception):
    """A feed could not be read or understood; the message is what the feed-health page shows."""


@dataclass
class Parsed:
    records: list[dict]
    rejects: list[str] = field(default_factory=list)  # 'row 4: unknown TPS code 16.10.99.2001.001'


@dataclass
class FeedContext:
    settings: Settings
    http: Any  # requests.Session
    now: dt.datetime  # the operation moment
    reference: Any = None  # what parse/store need to know of the operation (TPS codes, devices, region)


class Feed:
    name: ClassVar[str]
    url_setting: ClassVar[str | None] = None  # a setting that must be non-empty for the feed to run

    def enabled(self, settings: Settings) -> bool:
        has_url = self.url_setting is None or bool(getattr(settings, self.url_setting))
        return self.name in settings.feeds_enabled and has_url

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
