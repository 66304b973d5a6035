"""Open-Meteo Flood API (GloFAS) daily river discharge at a point on each kecamatan's river route."""
from __future__ import annotations

import datetime as dt

from ops import models as m
from ops.clock import utcnow
from ops.feeds import http as fhttp
from ops.feeds.base import Feed, FeedContext, FeedError, Parsed, num


class River(Feed):
    name = "river"
    title = "Debit sungai (GloFAS)"

    def fetch(self, ctx: FeedContext) -> dict:
        s, pts = ctx.settings, ctx.reference.river_points
        codes = sorted(pts)
        if not codes:
            return {"codes": [], "body": []}
        params = {"latitude": ",".join(str(pts[c][0]) for c in codes),
                  "longitude": ",".join(str(pts[c][1]) for c in codes),
                  "daily": "river_discharge,river_discharge_max", "past_days": 7, "forecast_days": 14}
        r = fhttp.get(ctx.http, s.openmeteo_flood_url, params=params, timeout=s.http_timeout_s, retries=s.http_retries)
        return {"codes": codes, "body": fhttp.json_body(r)}

    def parse(self, payload: dict, ctx: FeedContext) -> Parsed:
        bodies = payload["body"] if isinstance(payload["body"], list) else [payload["body"]]
        if len(bodies) != len(payload["codes"]):
            raise FeedError(f"asked for {len(payload['codes'])} points, got {len(bodies)}")
        records, rejects = [], []
        for code, b in zip(payload["codes"], bodies):
            try:
                records.extend({"point_code": code, **row} for row in parse_daily(b))
            except FeedError as e:
                rejects.append(f"{code}: {e}")
        return Parsed(records, rejects)

    def store(self, session, parsed: Parsed, ctx: FeedContext) -> int:
        fetched = utcnow()
        existing = {(r.point_code, r.day): r for r in session.query(m.RiverDischarge).filter(
            m.RiverDischarge.point_code.in_({r["point_code"] for r in parsed.records}))}
        for r in parsed.records:
            row = existing.get((r["point_code"], r["day"]))
            if row is None:
                session.add(m.RiverDischarge(fetched_at=fetched, **r))
            else:
                row.discharge, row.discharge_max, row.fetched_at = r["discharge"], r["discharge_max"], fetched
        return len(parsed.records)


def parse_daily(body: dict) -> list[dict]:
    d = body.get("daily") if isinstance(body, dict) else None
    if not d or "time" not in d or "river_discharge" not in d:
        raise FeedError("response has no daily.time / daily.river_discharge (format changed?)")
    n = len(d["time"])
    q = d["river_discharge"]
    qmax = d.get("river_discharge_max") if isinstance(d.get("river_discharge_max"), list) else [None] * n
    if len(q) != n:
        raise FeedError(f"daily.river_discharge has {len(q)} values for {n} days")
    rows = []
    for t, v, vmax in zip(d["time"], q, qmax + [None] * (n - len(qmax))):
        try:
            day = dt.date.fromisoformat(str(t))
        except ValueError:
            continue
        rows.append({"day": day, "discharge": num(v), "discharge_max": num(vmax)})
    return rows
