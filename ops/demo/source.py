"""The demo and drill source: for a feed and a span of the operation clock, the payload that feed would have fetched
in that span, in the real formats (Traccar JSON, the TPS status CSV, BMKG forecast JSON and nowcast RSS/CAP, Open-Meteo
and Open-Meteo Flood JSON, Sirekap hhcw JSON). The runner (ops.feeds.runner.run_feed with `source=DemoSource()`) then
parses, stores and records each run as the real feed's: the demo differs from a real operation only in where a payload
comes from. A feed's span starts at its last good run, so a failed run's span is fetched again by the next one."""
from __future__ import annotations

import csv
import datetime as dt
import io
from xml.sax.saxutils import escape

from sqlalchemy import func, select

from ops import models as m
from ops.clock import WIB, as_utc, wib_at
from ops.db import get_engine, session_scope
from ops.demo import scenario as sc
from ops.demo import weather as wx
from ops.feeds import bmkg_forecast, bmkg_nowcast, tps_status
from ops.feeds.base import NOT_MODIFIED, FeedContext
from ops.tasks import PAM_TPS

HISTORY = dt.timedelta(minutes=60)  # positions kept per run: what a poller would have seen in the last hour
BEFORE_PHASE = dt.timedelta(days=40)  # a new demo's history starts this long before the TPS phase
FLOOR_KEY = "simulator_until"  # OperationMeta: the moment up to which the demo's history was written in bulk


class DemoSource:
    """What `run_feed(..., source=DemoSource())` fetches instead of a feed's URL: the payload of the span from the
    feed's last good run (or from `spans[feed]`, when the caller fixed it) to the run's moment."""

    def __init__(self, spans: dict[str, dt.datetime] | None = None):
        self.spans = spans or {}

    def __call__(self, feed: str, ctx: FeedContext):
        make = payload_maker(feed)
        with session_scope(get_engine(ctx.settings.database_url)) as session:
            since = self.spans.get(feed) or span_start(session, ctx.settings, feed)
            return make(session, ctx, since, as_utc(ctx.now))


def payload_maker(feed: str):
    """The function making a feed's payload: payload_<feed name with underscores>, one per feed of the registry."""
    return globals()[f"payload_{feed.replace('-', '_')}"]


def history_floor(session, settings) -> dt.datetime:
    """Where the demo's own history ends: the bulk-written moment of a scaled demo, else 40 days before the phase."""
    row = session.get(m.OperationMeta, FLOOR_KEY)
    if row is not None:
        return dt.datetime.fromisoformat(row.value)
    return wib_at(settings.phase_start, dt.time(0, 0)) - BEFORE_PHASE


def span_start(session, settings, feed: str) -> dt.datetime:
    """The start of the span a feed's next demo payload covers: its last good run, not before the demo's history."""
    floor = history_floor(session, settings)
    last = session.scalar(select(func.max(m.FeedRun.started_at)).where(m.FeedRun.feed == feed, m.FeedRun.ok.is_(True)))
    return max(floor, as_utc(last)) if last is not None else floor


def tps_info(session) -> list[sc.TpsInfo]:
    return [sc.TpsInfo(t.code, t.lat, t.lon, t.kerawanan, t.akses, t.dpt, t.kecamatan_code)
            for t in session.scalars(select(m.Tps))]


def payload_tps_status(session, ctx, since, now) -> str:
    """The published TPS status sheet (CSV): every KPPS report made in the span."""
    s = ctx.settings
    seed = s.demo_seed
    tps = tps_info(session)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(tps_status.COLUMNS)
    for t in tps:
        for status, at, note in sc.tps_milestones(seed, t, s.voting_day, s.tps_open, s.tps_close):
            if since < at <= now:
                w.writerow([t.code, status, at.astimezone(WIB).strftime("%Y-%m-%dT%H:%M:%S"),
                            f"KPPS TPS {t.code[-3:]}", note or ""])
    return out.getvalue()


def officers(session, settings=None) -> list[sc.Officer]:
    rows = session.execute(
        select(m.Personnel.nrp, m.Personnel.device_id, m.Personnel.polsek_code, m.Assignment.cluster_code)
        .join(m.Assignment, m.Assignment.nrp == m.Personnel.nrp)
        .where(m.Assignment.task == PAM_TPS, m.Personnel.device_id.is_not(None)).distinct()).all()
    posts: dict[str, list] = {}
    for code, lat, lon, cl in session.execute(select(m.Tps.code, m.Tps.lat, m.Tps.lon, m.Tps.cluster_code)
                                              .order_by(m.Tps.code)):
        posts.setdefault(cl, []).append((lat, lon))
    hq = {p.code: (p.hq_lat, p.hq_lon) for p in session.scalars(select(m.Polsek))}
    default_hq = next(iter(hq.values()), (0.0, 0.0))
    out = []
    for nrp, dev, polsek, cl in rows:
        if cl in posts:
            home = hq.get(polsek) or (posts[cl][0] if polsek is None else default_hq)
            out.append(sc.Officer(nrp, dev, home, tuple(posts[cl])))
    if settings is not None:  # the other posts of voting day (warehouse, PPK, Posko, patrols, reserves)
        from ops.duty import postings
        moment = wib_at(settings.voting_day, dt.time(10, 0))
        out += [sc.Officer(nrp, dev, base, spots) for nrp, dev, base, spots in postings(session, settings, moment)]
    return out


def payload_traccar(session, ctx, since, now) -> dict:
    """Traccar's /api/devices and /api/positions: every tracker's fixes in the span, at most the poller's last hour."""
    seed = ctx.settings.demo_seed
    # A poller sees the last hour; catching up also writes voting day from 04:00 so that its morning replays.
    day_start = wib_at(ctx.settings.voting_day, dt.time(4, 0))
    times = sc.position_times(max(since, min(now - HISTORY, day_start)), now)
    if not times:
        return {"devices": [], "positions": []}
    devices, positions = [], []
    for i, o in enumerate(officers(session, ctx.settings), start=1):
        devices.append({"id": i, "name": o.nrp, "uniqueId": o.device_id, "status": "online", "category": "person"})
        plan = sc.officer_plan(seed, o, ctx.settings.voting_day)
        for t in times:
            p = sc.position_at(seed, o, plan, t)
            if p is None:
                continue
            stamp = t.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
            positions.append({"id": len(positions) + 1, "deviceId": i, "protocol": "osmand", "serverTime": stamp,
                              "deviceTime": stamp, "fixTime": stamp, "valid": True, "latitude": p[0],
                              "longitude": p[1], "speed": 0.0, "accuracy": 8.0, "attributes": {"batteryLevel": 80}})
    return {"devices": devices, "positions": positions}


def weather_points(session, ref) -> dict[str, list[tuple[str, float, float]]]:
    """Where BMKG forecasts, per kecamatan: every desa with a TPS (its centre). Its warnings follow the same points."""
    points: dict[str, list[tuple[str, float, float]]] = {}
    for code, kec, lat, lon in session.execute(select(m.Region.code, m.Region.parent_code, m.Region.lat, m.Region.lon)
                                               .where(m.Region.code.in_(ref.desa_with_tps))
                                               .order_by(m.Region.code)):
        points.setdefault(kec, []).append((code, lat, lon))
    return points


def history_start(settings) -> dt.datetime:
    """Weather is simulated from the first day of the operation's TPS phase."""
    return wib_at(settings.phase_start, dt.time(0, 0))


def payload_bmkg_nowcast(session, ctx, since, now) -> dict:
    """BMKG nowcasts, as RSS and CAP 1.2, wherever and whenever the simulated forecast calls for one
    (weather.WARNING_MM), each sent shortly before its slot."""
    s = ctx.settings
    seed = s.demo_seed
    start = max(since, history_start(s))
    if now <= start:
        return _no_warnings()
    points = weather_points(session, ctx.reference)
    casts = [n for n in wx.nowcasts(seed, points, start, now + wx.SLOT, s.voting_day) if since < n.sent <= now]
    if not casts:
        return _no_warnings()
    polygons = wx.warning_polygons(ctx.reference.kecamatan_boundaries or {})
    names = dict(session.execute(select(m.Region.code, m.Region.name).where(m.Region.level == "kecamatan")).all())
    items, alerts = [], {}
    for n in casts:
        local = n.slot.astimezone(WIB)
        i = 1 if n.severity == "Severe" else 2
        code, ident = f"CSS{local:%Y%m%d%H%M}{i}", f"2.49.0.1.360.0.{local:%Y.%m.%d.%H%M}.16.{i}"
        places = ", ".join(names.get(k, k).upper() for k in sorted(n.kecamatan))
        items.append(f"<item><title>Hujan Lebat disertai Petir di Sumatera Selatan</title>"
                     f"<link>https://www.bmkg.go.id/alerts/nowcast/id/{code}_alert.xml</link><guid>{ident}</guid>"
                     f"<pubDate>{n.sent.astimezone(WIB):%a, %d %b %Y %H:%M:%S +0700}</pubDate></item>")
        areas = "".join(
            f"<area><areaDesc>Kec. {escape(names.get(k, k))}</areaDesc>"
            + "".join(f"<polygon>{' '.join(f'{lat},{lon}' for lat, lon in ring)}</polygon>"
                      for ring in polygons.get(k, []))
            + "</area>" for k in sorted(n.kecamatan))
        alerts[f"{code}_alert.xml"] = (
            f'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{ident}</identifier>'
            f"<sender>cuaca.ekstrem@bmkg.go.id</sender><sent>{n.sent.astimezone(WIB).isoformat()}</sent>"
            f"<status>Actual</status><msgType>Alert</msgType><scope>Public</scope><info><language>id</language>"
            f"<category>Met</category><event>Hujan Lebat dan Petir</event><urgency>Immediate</urgency>"
            f"<severity>{n.severity}</severity><certainty>Likely</certainty>"
            f"<effective>{local.isoformat()}</effective><expires>{n.expires.astimezone(WIB).isoformat()}</expires>"
            f"<headline>Hujan Lebat disertai Petir di Sumatera Selatan</headline>"
            f"<description>Pada pukul {local:%H:%M} WIB berpotensi terjadi hujan dengan intensitas lebat disertai "
            f"petir di {escape(places)}, hingga {max(n.kecamatan.values()):.0f} mm dalam 3 jam.</description>"
            f"{areas}</info></alert>")
    rss = _rss("".join(items))
    bmkg_nowcast.parse_rss(rss)  # the list must read as the real one does
    return {"rss": rss, "alerts": alerts}


def _no_warnings() -> dict:
    return {"rss": _rss(""), "alerts": {}}


def _rss(items: str) -> str:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>BMKG</title>{items}</channel></rss>'


def payload_bmkg_forecast(session, ctx, since, now) -> bmkg_forecast.Answers:
    """BMKG's 3-day forecast for every desa with a TPS, issued at `now`: one answer per desa."""
    s = ctx.settings
    seed = s.demo_seed
    start = wx.slot_start(now).astimezone(WIB)
    out = bmkg_forecast.Answers([])
    for kec, points in sorted(weather_points(session, ctx.reference).items()):
        for code, lat, lon in points:
            days: dict[dt.date, list] = {}
            for k in range(24):
                slot = start + dt.timedelta(hours=3 * k)
                mm = wx.rain_mm(seed, code, lat, lon, slot, s.voting_day)
                wcode, desc, desc_en = wx.weather_for_rain(mm)
                days.setdefault(slot.date(), []).append({
                    "datetime": slot.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "utc_datetime": slot.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
                    "local_datetime": slot.strftime("%Y-%m-%d %H:%M:%S"), "t": 27 if 9 <= slot.hour <= 17 else 24,
                    "hu": 85, "tp": mm, "tcc": 90 if mm else 60, "weather": wcode, "weather_desc": desc,
                    "weather_desc_en": desc_en, "ws": 8.0 + mm * 0.8, "wd": "W", "vs": 10000 - min(mm, 20) * 400,
                    "vs_text": None, "analysis_date": start.strftime("%Y-%m-%dT%H:%M:%S")})
            body = {"lokasi": {"adm4": code}, "data": [{"lokasi": {"adm4": code, "type": "adm4"},
                                                         "cuaca": list(days.values())}]}
            out.bodies.append((code, body))
    return out


def payload_openmeteo(session, ctx, since, now) -> dict:
    """The fallback forecast at each kecamatan centre, hourly for 3 days, as Open-Meteo's many-points answer."""
    seed = ctx.settings.demo_seed
    start = now.astimezone(WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    hours = [start + dt.timedelta(hours=h) for h in range(72)]
    codes = sorted(ctx.reference.kecamatan)
    bodies = []
    for code in codes:
        lat, lon = ctx.reference.kecamatan[code]
        # The simulated rain is per 3-hour slot, as BMKG's; Open-Meteo reports each hour.
        rain = [round(wx.rain_mm(seed, code, lat, lon, wx.slot_start(h), ctx.settings.voting_day) / 3, 1)
                for h in hours]
        bodies.append({"latitude": lat, "longitude": lon, "utc_offset_seconds": 25200, "timezone": "Asia/Jakarta",
                       "hourly": {"time": [h.strftime("%Y-%m-%dT%H:%M") for h in hours], "precipitation": rain,
                                  "precipitation_probability": [min(100, int(r * 20)) for r in rain],
                                  "wind_speed_10m": [round(6 + r * 2, 1) for r in rain],
                                  "weather_code": [wx.openmeteo_code(r) for r in rain],
                                  "temperature_2m": [27.0 if 9 <= h.hour <= 17 else 24.0 for h in hours]}})
    return {"codes": codes, "body": bodies}


def payload_river(session, ctx, since, now) -> dict:
    """GloFAS discharge at each river point, a week back and two weeks ahead, following the simulated rain."""
    s = ctx.settings
    seed = s.demo_seed
    today = now.astimezone(WIB).date()
    days = [today + dt.timedelta(days=d) for d in range(-7, 14)]
    catchment = sorted(ctx.reference.kecamatan.values())
    bodies = []
    for code, (lat, lon) in sorted(ctx.reference.river_points.items()):
        q = [wx.discharge(seed, code, lat, lon, d, s.voting_day, catchment) for d in days]
        bodies.append({"latitude": lat, "longitude": lon, "daily_units": {"river_discharge": "m³/s"},
                       "daily": {"time": [d.isoformat() for d in days], "river_discharge": q,
                                 "river_discharge_max": [round(v * 1.15, 1) for v in q]}})
    return {"codes": sorted(ctx.reference.river_points), "body": bodies}


def payload_sirekap(session, ctx, since, now):
    """KPU's hhcw JSON: counting progress per kecamatan, from the close of the TPS on voting day (nothing new before)."""
    s = ctx.settings
    seed = s.demo_seed
    if now < wib_at(s.voting_day, s.tps_close):
        return NOT_MODIFIED
    tps = tps_info(session)
    by_kec: dict[str, list[int]] = {}
    for t in tps:
        done = dict((st, at) for st, at, _ in sc.tps_milestones(seed, t, s.voting_day, s.tps_open, s.tps_close))
        uploaded = done["selesai"] + dt.timedelta(minutes=sc.rng_for(seed, "upload", t.code).uniform(20, 120))
        counts = by_kec.setdefault(t.kecamatan_code, [0, 0])
        counts[0] += 1
        counts[1] += uploaded <= now
    table = {k.replace(".", ""): {"psu": "Reguler", "progres": {"total": n, "progres": d,
                                                                 "persen": round(100 * d / n, 2)},
                                  "status_progress": d < n}
             for k, (n, d) in sorted(by_kec.items())}
    total, done = sum(v[0] for v in by_kec.values()), sum(v[1] for v in by_kec.values())
    stamp = now.astimezone(WIB).replace(second=0, microsecond=0)
    body = {"mode": "hhcw", "tungsura": {"chart": {"progres": {"total": total, "progres": done,
                                                               "persen": round(100 * done / total, 2)}},
                                         "table": table}, "ts": stamp.strftime("%Y-%m-%d %H:%M:%S")}
    return body


