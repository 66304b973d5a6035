"""Traccar positions: /api/devices + /api/positions with a bearer token; device uniqueId -> officer (device_id)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ops import position_ingest
from ops.bulk import bulk
from ops.config import Settings
from ops.feeds import http as fhttp
from ops.feeds.base import Feed, FeedContext, FeedError, Parsed, num, parse_time

KNOTS_TO_KMH = 1.852


class Traccar(Feed):
    name = "traccar"

    def fetch(self, ctx: FeedContext) -> dict:
        s = ctx.settings
        if not s.traccar_url:
            raise FeedError("traccar_url kosong: isi OPS_TRACCAR_URL dengan alamat server Traccar")
        headers = {"Authorization": f"Bearer {s.traccar_token}", "Accept": "application/json"}
        base = s.traccar_url.rstrip("/")
        devices = fhttp.json_body(fhttp.get(ctx, f"{base}/api/devices", headers=headers))
        positions = fhttp.json_body(fhttp.get(ctx, f"{base}/api/positions", headers=headers))
        return {"devices": devices, "positions": positions}

    def parse(self, payload: dict, ctx: FeedContext) -> Parsed:
        return parse_positions(payload["devices"], payload["positions"], ctx.reference.devices if ctx.reference else {})

    def store(self, session, parsed: Parsed, ctx: FeedContext) -> int:
        return store_positions(session, parsed.records, source="traccar", settings=ctx.settings)


def parse_positions(devices, positions, known: dict[str, str]) -> Parsed:
    with bulk():
        return _parse(devices, positions, known)


def _parse(devices, positions, known: dict[str, str]) -> Parsed:
    if not isinstance(devices, list) or not isinstance(positions, list):
        raise FeedError("/api/devices dan /api/positions Traccar harus berupa array JSON")
    unique_of = {}
    for d in devices:
        if isinstance(d, dict) and d.get("id") is not None and d.get("uniqueId"):
            unique_of[d["id"]] = str(d["uniqueId"])
    records, rejects, seen = [], [], set()
    # A poll brings a fix per tracker: thousands of rows, few distinct times. Each time text is read once.
    times: dict[str, dt.datetime | None] = {}
    for i, p in enumerate(positions):
        if not isinstance(p, dict):
            rejects.append(f"posisi {i}: bukan objek")
            continue
        get = p.get
        uid = unique_of.get(get("deviceId"))
        lat, lon = get("latitude"), get("longitude")  # JSON's own numbers as they are, thousands of times a poll
        if type(lat) is not float:
            lat = _number(lat)
        if type(lon) is not float:
            lon = _number(lon)
        fix_text, at = get("fixTime"), None
        if isinstance(fix_text, str):
            at = times.get(fix_text, False)
            if at is False:
                at = times[fix_text] = parse_time(fix_text)
        if at is None:
            at = parse_time(get("deviceTime")) or parse_time(get("serverTime"))
        if uid is None:
            rejects.append(f"posisi {get('id')}: perangkat {get('deviceId')} tidak ada di /api/devices")
            continue
        nrp = known.get(uid)
        if nrp is None and uid not in known:
            rejects.append(f"posisi {get('id')}: perangkat {uid} bukan milik personel mana pun di daftar")
            continue
        if lat is None or lon is None or at is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            rejects.append(f"posisi {get('id')}: latitude/longitude/waktu kosong atau salah")
            continue
        if get("valid") is False:
            rejects.append(f"posisi {get('id')}: pelacak menandai posisi ini tidak sah")
            continue
        key = (uid, at)
        if key in seen:
            continue  # the same fix twice in one response
        seen.add(key)
        attrs, speed, accuracy = get("attributes"), _number(get("speed")), get("accuracy")
        records.append({"device_id": uid, "nrp": nrp, "fix_time": at, "lat": lat, "lon": lon,
                        "accuracy_m": accuracy if type(accuracy) is float else _number(accuracy),
                        "speed_kmh": None if speed is None else speed * KNOTS_TO_KMH,
                        "battery": _number(attrs.get("batteryLevel")) if isinstance(attrs, dict) else None})
    return Parsed(records, rejects)


def _number(value: Any) -> float | None:
    """num(), with JSON's own numbers taken as they are (the common case, thousands of times a poll)."""
    kind = type(value)
    return value if kind is float else float(value) if kind is int else num(value)


def store_positions(session, records: list[dict], source: str, settings: Settings | None = None) -> int:
    """Append new fixes only, in one batch (ops.position_ingest): a tracker that resends its last fix (same time) adds
    nothing. Returns how many were new."""
    return position_ingest.store_positions(session, records, source, settings)
