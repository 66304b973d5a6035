"""Open-Meteo hourly forecast at each kecamatan centre: the fallback when BMKG is down."""
from __future__ import annotations

from ops.clock import WIB
from ops.feeds import http as fhttp
from ops.feeds.bmkg_forecast import replace_forecasts
from ops.feeds.base import Feed, FeedContext, FeedError, Parsed, num, parse_time

HOURLY = "precipitation,precipitation_probability,wind_speed_10m,wind_gusts_10m,weather_code,temperature_2m"


class OpenMeteo(Feed):
    name = "openmeteo"
    title = "Open-Meteo (cadangan)"

    def fetch(self, ctx: FeedContext) -> dict:
        s, kec = ctx.settings, ctx.reference.kecamatan
        codes = sorted(kec)
        params = {"latitude": ",".join(str(kec[c][0]) for c in codes),
                  "longitude": ",".join(str(kec[c][1]) for c in codes), "hourly": HOURLY,
                  "timezone": "Asia/Jakarta", "forecast_days": 3}
        r = fhttp.get(ctx.http, s.openmeteo_url, params=params, timeout=s.http_timeout_s, retries=s.http_retries)
        return {"codes": codes, "body": fhttp.json_body(r)}

    def parse(self, payload: dict, ctx: FeedContext) -> Parsed:
        body = payload["body"]
        bodies = body if isinstance(body, list) else [body]
        if len(bodies) != len(payload["codes"]):
            raise FeedError(f"asked for {len(payload['codes'])} points, got {len(bodies)}")
        records, rejects = [], []
        for code, b in zip(payload["codes"], bodies):
            try:
                records.extend({"area_code": code, **row} for row in parse_hourly(b))
            except FeedError as e:
                rejects.append(f"{code}: {e}")
        return Parsed(records, rejects)

    def store(self, session, parsed: Parsed, ctx: FeedContext) -> int:
        return replace_forecasts(session, "openmeteo", parsed.records)


def parse_hourly(body: dict) -> list[dict]:
    if not isinstance(body, dict) or "hourly" not in body or "time" not in (body.get("hourly") or {}):
        raise FeedError("response has no hourly.time (format changed?)")
    h = body["hourly"]
    offset = body.get("utc_offset_seconds")
    import datetime as dt
    tz = dt.timezone(dt.timedelta(seconds=offset)) if isinstance(offset, (int, float)) else WIB

    def col(name):
        v = h.get(name)
        return v if isinstance(v, list) and len(v) == len(h["time"]) else [None] * len(h["time"])
    rows = []
    for i, (t, rain, prob, wind, code, temp) in enumerate(zip(h["time"], col("precipitation"),
                                                              col("precipitation_probability"),
                                                              col("wind_speed_10m"), col("weather_code"),
                                                              col("temperature_2m"))):
        at = parse_time(t, naive_tz=tz)
        if at is None:
            continue
        c = num(code)
        rows.append({"slot": at, "rain_mm": num(rain), "rain_prob": num(prob), "wind_kmh": num(wind),
                     "weather_code": int(c) if c is not None else None, "temp_c": num(temp), "weather_desc": None})
    return rows
