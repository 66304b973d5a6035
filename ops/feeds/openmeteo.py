"""Open-Meteo hourly forecast at each kecamatan centre: the fallback when BMKG is down."""
from __future__ import annotations

import datetime as dt

from ops.clock import WIB
from ops.feeds.base import Feed, FeedContext, FeedError, Parsed, num, parse_time
from ops.feeds.bmkg_forecast import replace_forecasts
from ops.feeds.points import fetch_points, parse_points

HOURLY = "precipitation,precipitation_probability,wind_speed_10m,wind_gusts_10m,weather_code,temperature_2m"


class OpenMeteo(Feed):
    name = "openmeteo"

    def fetch(self, ctx: FeedContext) -> dict:
        return fetch_points(ctx, ctx.settings.openmeteo_url, ctx.reference.kecamatan,
                            {"hourly": HOURLY, "timezone": "Asia/Jakarta", "forecast_days": 3})

    def parse(self, payload: dict, ctx: FeedContext) -> Parsed:
        return parse_points(payload, "area_code", parse_hourly)

    def store(self, session, parsed: Parsed, ctx: FeedContext) -> int:
        return replace_forecasts(session, "openmeteo", parsed.records)


def parse_hourly(body: dict) -> list[dict]:
    if not isinstance(body, dict) or "hourly" not in body or "time" not in (body.get("hourly") or {}):
        raise FeedError("jawaban tanpa hourly.time (format berubah?)")
    h = body["hourly"]
    offset = body.get("utc_offset_seconds")
    tz = dt.timezone(dt.timedelta(seconds=offset)) if isinstance(offset, (int, float)) else WIB

    def col(name):
        v = h.get(name)
        return v if isinstance(v, list) and len(v) == len(h["time"]) else [None] * len(h["time"])
    rows = []
    for t, rain, prob, wind, code, temp in zip(h["time"], col("precipitation"),
                                               col("precipitation_probability"), col("wind_speed_10m"),
                                               col("weather_code"), col("temperature_2m")):
        at = parse_time(t, naive_tz=tz)
        if at is None:
            continue
        c = num(code)
        rows.append({"slot": at, "rain_mm": num(rain), "rain_prob": num(prob), "wind_kmh": num(wind),
                     "weather_code": int(c) if c is not None else None, "temp_c": num(temp), "weather_desc": None})
    return rows
