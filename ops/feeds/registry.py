"""The list of feeds by their CLI names."""
from __future__ import annotations

from ops.feeds.base import Feed


def all_feeds() -> dict[str, Feed]:
    from ops.feeds import bmkg_forecast, bmkg_nowcast, openmeteo, river, simulator, sirekap, tps_status, traccar

    feeds = [bmkg_forecast.BmkgForecast(), bmkg_nowcast.BmkgNowcast(), openmeteo.OpenMeteo(), river.River(),
             traccar.Traccar(), tps_status.TpsStatus(), sirekap.Sirekap(), simulator.Simulator()]
    return {f.name: f for f in feeds}


def get_feed(name: str) -> Feed:
    feeds = all_feeds()
    if name not in feeds:
        raise KeyError(f"unknown feed {name!r}; known: {', '.join(feeds)}")
    return feeds[name]
