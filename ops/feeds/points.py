"""Open-Meteo's many-points request: one GET with comma-separated coordinates answers a list, one body per point."""
from __future__ import annotations

from typing import Callable

from ops.feeds import http as fhttp
from ops.feeds.base import FeedContext, FeedError, Parsed


def fetch_points(ctx: FeedContext, url: str, points: dict[str, tuple[float, float]], params: dict) -> dict:
    codes = sorted(points)
    if not codes:
        return {"codes": [], "body": []}
    query = {"latitude": ",".join(str(points[c][0]) for c in codes),
             "longitude": ",".join(str(points[c][1]) for c in codes), **params}
    return {"codes": codes, "body": fhttp.json_body(fhttp.get(ctx, url, params=query))}


def parse_points(payload: dict, key: str, parse_one: Callable[[dict], list[dict]]) -> Parsed:
    """Each point's rows tagged with its code under `key`; a point whose body is off is named, the others kept."""
    body = payload["body"]
    bodies = body if isinstance(body, list) else [body]
    if len(bodies) != len(payload["codes"]):
        raise FeedError(f"diminta {len(payload['codes'])} titik, dijawab {len(bodies)}")
    records, rejects = [], []
    for code, b in zip(payload["codes"], bodies):
        try:
            records.extend({key: code, **row} for row in parse_one(b))
        except FeedError as e:
            rejects.append(f"{code}: {e}")
    return Parsed(records, rejects)  # every point off is a changed format: the runner fails the run
