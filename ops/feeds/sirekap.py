"""KPU Sirekap public JSON (hhcw, bupati race): counting progress per kecamatan after voting."""
from __future__ import annotations

from sqlalchemy import select

from ops import models as m
from ops.clock import WIB, utcnow
from ops.feeds import http as fhttp
from ops.feeds.base import Feed, FeedContext, FeedError, Parsed, num, parse_time


class Sirekap(Feed):
    name = "sirekap"

    def fetch(self, ctx: FeedContext) -> dict:
        s = ctx.settings
        prov, kab = s.kabupaten_code.split(".")[:2]
        url = f"{s.sirekap_url.rstrip('/')}/pilkada/hhcw/pkwkk/{prov}/{prov}{kab}.json"
        return fhttp.json_body(fhttp.get(ctx, url))

    def parse(self, payload: dict, ctx: FeedContext) -> Parsed:
        return parse_hhcw(payload, ctx.settings.kabupaten_code)

    def store(self, session, parsed: Parsed, ctx: FeedContext) -> int:
        fetched, n = utcnow(), 0
        for r in parsed.records:
            exists = session.scalar(select(m.RecapProgress.id).where(m.RecapProgress.region_code == r["region_code"],
                                                                     m.RecapProgress.ts == r["ts"]))
            if exists is None:
                session.add(m.RecapProgress(fetched_at=fetched, **r))
                n += 1
        return n


def dotted(code: str) -> str:
    """'161004' -> '16.10.04'; desa '1610042001' -> '16.10.04.2001'."""
    parts = [code[:2], code[2:4], code[4:6], code[6:10]]
    return ".".join(p for p in parts if p)


def parse_hhcw(body: dict, kabupaten_code: str) -> Parsed:
    if not isinstance(body, dict) or not isinstance(body.get("tungsura"), dict):
        raise FeedError("jawaban tanpa objek tungsura (format berubah?)")
    ts = parse_time(body.get("ts"), naive_tz=WIB)
    if ts is None:
        raise FeedError(f"jawaban tanpa ts yang bisa dipakai ({body.get('ts')!r})")
    records, rejects = [], []

    def progress(code, obj):
        pr = obj.get("progres") if isinstance(obj, dict) else None
        total, done = (num(pr.get("total")), num(pr.get("progres"))) if isinstance(pr, dict) else (None, None)
        if total is None or done is None or total <= 0:
            rejects.append(f"{code}: progres total/progres kosong")
            return
        persen = num(pr.get("persen"))
        records.append({"region_code": code, "ts": ts, "tps_total": int(total), "tps_in": int(done),
                        "persen": persen if persen is not None else round(100 * done / total, 2)})
    progress(kabupaten_code, body["tungsura"].get("chart") or body)
    for child, obj in (body["tungsura"].get("table") or {}).items():
        progress(dotted(str(child)), obj)
    return Parsed(records, rejects)
