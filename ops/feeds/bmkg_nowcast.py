"""BMKG nowcast warnings: the national RSS list and the CAP 1.2 alerts it points to; only alerts touching the kabupaten."""
from __future__ import annotations

from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from urllib.parse import urlparse

from defusedxml import ElementTree as ET
from shapely.geometry import Polygon, shape

from ops import models as m
from ops.clock import utcnow
from ops.feeds import http as fhttp
from ops.feeds.base import Feed, FeedContext, FeedError, Parsed, parse_time

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
BUFFER_DEG = 0.05  # about 5 km around the kabupaten: a storm just across the border still matters


class BmkgNowcast(Feed):
    name = "bmkg-nowcast"

    def fetch(self, ctx: FeedContext) -> dict:
        s = ctx.settings
        base = s.bmkg_nowcast_url.rstrip("/")
        rss = fhttp.get(ctx, f"{base}/rss.xml").text
        alerts = {}
        for item in parse_rss(rss):
            # Resolve the alert file against our base, not the link's host, so a mirror can stand in.
            fname = PurePosixPath(urlparse(item["link"]).path).name
            if not fname.endswith(".xml"):
                continue
            try:
                alerts[fname] = fhttp.get(ctx, f"{base}/{fname}").text
            except FeedError as e:
                alerts[fname] = e
        return {"rss": rss, "alerts": alerts}

    def parse(self, payload: dict, ctx: FeedContext) -> Parsed:
        area = _area(ctx.reference)
        kec = {c: shape(g) for c, g in (ctx.reference.kecamatan_boundaries or {}).items()}
        records, rejects, failed, elsewhere = [], [], [], 0
        for fname, text in payload["alerts"].items():
            if isinstance(text, Exception):
                failed.append(f"{fname}: {text}")
                continue
            try:
                alert = parse_cap(text)
            except FeedError as e:
                rejects.append(f"{fname}: {e}")
                continue
            polys = [Polygon(p) for p in alert["polygons"] if len(p) >= 3]
            if area is None or not any(p.intersects(area) for p in polys):
                elsewhere += 1  # the national feed carries many alerts elsewhere
                continue
            alert["kecamatan_codes"] = sorted(c for c, g in kec.items() if any(p.intersects(g) for p in polys))
            records.append(alert)
        return Parsed(records, rejects, failed, ignored=elsewhere)

    def store(self, session, parsed: Parsed, ctx: FeedContext) -> int:
        fetched = utcnow()
        for r in parsed.records:
            session.merge(m.WeatherWarning(fetched_at=fetched, **r))
        return len(parsed.records)


def _area(ref):
    if not ref or not ref.kabupaten_boundary:
        return None
    return shape(ref.kabupaten_boundary).buffer(BUFFER_DEG)


def parse_rss(text: str) -> list[dict]:
    try:
        root = ET.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    except ET.ParseError as e:
        raise FeedError(f"RSS bukan XML yang valid ({e})") from None
    items = []
    for it in root.iter("item"):
        link = (it.findtext("link") or "").strip()
        pub = it.findtext("pubDate")
        try:
            published = parsedate_to_datetime(pub) if pub else None
        except (TypeError, ValueError):
            published = None
        items.append({"title": it.findtext("title"), "link": link, "guid": it.findtext("guid"),
                      "published": published})
    if root.find(".//channel") is None:
        raise FeedError("RSS tanpa <channel> (format berubah?)")
    return items


def parse_cap(text: str) -> dict:
    try:
        root = ET.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    except ET.ParseError as e:
        raise FeedError(f"peringatan CAP bukan XML yang valid ({e})") from None
    if root.tag != f"{CAP}alert":
        raise FeedError(f"bukan peringatan CAP 1.2 (akar {root.tag})")
    info = root.find(f"{CAP}info")
    ident = root.findtext(f"{CAP}identifier")
    if info is None or not ident:
        raise FeedError("peringatan CAP tanpa identifier atau info")

    def t(tag):
        v = info.findtext(f"{CAP}{tag}")
        return v.strip() if v else None
    polygons, areas = [], []
    for area in info.findall(f"{CAP}area"):
        areas.append(area.findtext(f"{CAP}areaDesc") or "")
        for poly in area.findall(f"{CAP}polygon"):
            pts = []
            for pair in (poly.text or "").split():
                try:
                    lat, lon = (float(x) for x in pair.split(","))
                except ValueError:
                    continue
                pts.append([lon, lat])  # CAP writes lat,lon; we keep GeoJSON order
            if len(pts) >= 3:
                polygons.append(pts)
    return {"identifier": ident.strip(), "sent": parse_time(root.findtext(f"{CAP}sent")), "event": t("event") or "",
            "severity": t("severity"), "urgency": t("urgency"), "certainty": t("certainty"),
            "effective": parse_time(t("effective")), "expires": parse_time(t("expires")), "headline": t("headline"),
            "description": t("description"), "area_desc": "; ".join(a for a in areas if a), "polygons": polygons}
