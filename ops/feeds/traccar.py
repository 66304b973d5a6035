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
        uid = unique_of.get(p.get("deviceId"))
        lat, lon = _number(p.get("latitude")), _number(p.get("longitude"))
        fix_text, at = p.get("fixTime"), None
        if isinstance(fix_text, str):
            if fix_text not in times:
                times[fix_text] = parse_time(fix_text)
            at = times[fix_text]
        if at is None:
            at = parse_time(p.get("deviceTime")) or parse_time(p.get("serverTime"))
        if uid is None:
            rejects.append(f"posisi {p.get('id')}: perangkat {p.get('deviceId')} tidak ada di /api/devices")
            continue
        if uid not in known:
            rejects.append(f"posisi {p.get('id')}: perangkat {uid} bukan milik personel mana pun di daftar")
            continue
        if lat is None or lon is None or at is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            rejects.append(f"posisi {p.get('id')}: latitude/longitude/waktu kosong atau salah")
            continue
        if p.get("valid") is False:
            rejects.append(f"posisi {p.get('id')}: pelacak menandai posisi ini tidak sah")
            continue
        if (uid, at) in seen:
            continue  # the same fix twice in one response
        seen.add((uid, at))
        attrs = p.get("attributes")
        speed = _number(p.get("speed"))
        records.append({"device_id": uid, "nrp": known[uid], "fix_time": at, "lat": lat, "lon": lon,
                        "accuracy_m": _number(p.get("accuracy")),
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
