"""Open-Meteo Flood API (GloFAS) daily river discharge at a point on each kecamatan's river route."""
from __future__ import annotations

import datetime as dt

from ops import models as m
from ops.clock import utcnow
from ops.feeds.base import Feed, FeedContext, FeedError, Parsed, num
from ops.feeds.points import fetch_points, parse_points


class River(Feed):
    name = "river"

    def fetch(self, ctx: FeedContext) -> dict:
        return fetch_points(ctx, ctx.settings.openmeteo_flood_url, ctx.reference.river_points,
                            {"daily": "river_discharge,river_discharge_max", "past_days": 7, "forecast_days": 14})

    def parse(self, payload: dict, ctx: FeedContext) -> Parsed:
        return parse_points(payload, "point_code", parse_daily)

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
        raise FeedError("jawaban tanpa daily.time / daily.river_discharge (format berubah?)")
    n = len(d["time"])
    q = d["river_discharge"]
    qmax = d.get("river_discharge_max") if isinstance(d.get("river_discharge_max"), list) else [None] * n
    if len(q) != n:
        raise FeedError(f"daily.river_discharge berisi {len(q)} nilai untuk {n} hari")
    rows = []
    for t, v, vmax in zip(d["time"], q, qmax + [None] * (n - len(qmax))):
        try:
            day = dt.date.fromisoformat(str(t))
        except ValueError:
            continue
        rows.append({"day": day, "discharge": num(v), "discharge_max": num(vmax)})
    return rows
