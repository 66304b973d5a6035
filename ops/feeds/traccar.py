"""Traccar positions: /api/devices + /api/positions with a bearer token; device uniqueId -> officer (device_id)."""
from __future__ import annotations

from sqlalchemy import select

from ops import models as m
from ops.clock import as_utc, utcnow
from ops.feeds import http as fhttp
from ops.feeds.base import Feed, FeedContext, FeedError, Parsed, num, parse_time

KNOTS_TO_KMH = 1.852


class Traccar(Feed):
    name = "traccar"
    url_setting = "traccar_url"

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
        return store_positions(session, parsed.records, source="traccar")


def parse_positions(devices, positions, known: dict[str, str]) -> Parsed:
    if not isinstance(devices, list) or not isinstance(positions, list):
        raise FeedError("/api/devices dan /api/positions Traccar harus berupa array JSON")
    unique_of = {}
    for d in devices:
        if isinstance(d, dict) and d.get("id") is not None and d.get("uniqueId"):
            unique_of[d["id"]] = str(d["uniqueId"])
    records, rejects, seen = [], [], set()
    for i, p in enumerate(positions):
        if not isinstance(p, dict):
            rejects.append(f"posisi {i}: bukan objek")
            continue
        uid = unique_of.get(p.get("deviceId"))
        lat, lon = num(p.get("latitude")), num(p.get("longitude"))
        at = parse_time(p.get("fixTime")) or parse_time(p.get("deviceTime")) or parse_time(p.get("serverTime"))
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
        attrs = p.get("attributes") if isinstance(p.get("attributes"), dict) else {}
        speed = num(p.get("speed"))
        records.append({"device_id": uid, "nrp": known[uid], "fix_time": at, "lat": lat, "lon": lon,
                        "accuracy_m": num(p.get("accuracy")), "speed_kmh": None if speed is None else speed * KNOTS_TO_KMH,
                        "battery": num(attrs.get("batteryLevel"))})
    return Parsed(records, rejects)


def store_positions(session, records: list[dict], source: str) -> int:
    """Append new fixes only: a tracker that resends its last fix (same time) adds nothing."""
    if not records:
        return 0
    keys = [(r["device_id"], r["fix_time"]) for r in records]
    existing = set()
    devices = sorted({k[0] for k in keys})
    times = [k[1] for k in keys]
    for dev, t in session.execute(select(m.PositionEvent.device_id, m.PositionEvent.fix_time).where(
            m.PositionEvent.device_id.in_(devices), m.PositionEvent.fix_time >= min(times),
            m.PositionEvent.fix_time <= max(times))):
        existing.add((dev, as_utc(t)))
    now = utcnow()
    new = [r for r in records if (r["device_id"], r["fix_time"]) not in existing]
    session.add_all(m.PositionEvent(recorded_at=now, source=source, **r) for r in new)
    return len(new)
