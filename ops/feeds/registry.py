"""The feeds, declared once: every other list of feed names (settings defaults, the CLI, freshness, the pages) is
derived from FEEDS.

This module imports nothing of the project at import time, so `ops.config` can derive its defaults from it; a feed's
class is imported only when the feed is asked for (`feed_class`, `get_feed`)."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ops.feeds.base import Feed


@dataclass(frozen=True)
class FeedSpec:
    name: str  # the CLI's and the settings' name (`fetch NAME`, feeds_enabled, feed_intervals)
    cls: str  # "module:Class" of its Feed
    interval_minutes: float  # the default of feed_intervals[name]
    enabled: bool  # in the default of feeds_enabled
    settings: tuple[str, ...]  # the settings that configure it (URLs, tokens, limits)
    label: str  # how the Posko names it (Sumber data, badges, the briefing)
    required: str | None = None  # a setting that must be non-empty for the feed to run (no public default)


FEEDS: tuple[FeedSpec, ...] = (
    FeedSpec("bmkg-forecast", "ops.feeds.bmkg_forecast:BmkgForecast", 180, True,
             ("bmkg_forecast_url", "bmkg_requests_per_minute", "bmkg_run_deadline_s", "bmkg_stop_after_failures",
              "bmkg_forecast_desa"), "Prakiraan BMKG"),
    FeedSpec("bmkg-nowcast", "ops.feeds.bmkg_nowcast:BmkgNowcast", 5, True, ("bmkg_nowcast_url",),
             "Peringatan dini BMKG"),
    FeedSpec("openmeteo", "ops.feeds.openmeteo:OpenMeteo", 60, True, ("openmeteo_url",), "Open-Meteo"),
    FeedSpec("river", "ops.feeds.river:River", 360, True, ("openmeteo_flood_url", "river_discharge_threshold"),
             "Debit sungai"),
    FeedSpec("traccar", "ops.feeds.traccar:Traccar", 1, True, ("traccar_url", "traccar_token"), "Posisi personel",
             required="traccar_url"),
    FeedSpec("tps-status", "ops.feeds.tps_status:TpsStatus", 2, True, ("tps_status_url",), "Laporan TPS",
             required="tps_status_url"),
    FeedSpec("sirekap", "ops.feeds.sirekap:Sirekap", 10, True, ("sirekap_url",), "Sirekap KPU"),
)
BY_NAME: dict[str, FeedSpec] = {f.name: f for f in FEEDS}
FEED_NAMES: tuple[str, ...] = tuple(BY_NAME)
FEED_LABEL: dict[str, str] = {f.name: f.label for f in FEEDS}


def spec(name: str) -> FeedSpec:
    if name not in BY_NAME:
        raise KeyError(f"unknown feed {name!r}; known: {', '.join(FEED_NAMES)}")
    return BY_NAME[name]


def feed_class(name: str) -> type[Feed]:
    module, _, cls = spec(name).cls.partition(":")
    return getattr(importlib.import_module(module), cls)


def get_feed(name: str) -> Feed:
    return feed_class(name)()


def all_feeds() -> dict[str, Feed]:
    return {f.name: get_feed(f.name) for f in FEEDS}
