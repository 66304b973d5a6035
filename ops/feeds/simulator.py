"""The demo and drill source: on the operation clock it writes payloads in the real formats (Traccar JSON, the TPS
status CSV, BMKG forecast JSON and nowcast RSS/CAP, Open-Meteo Flood JSON, Sirekap hhcw JSON) and sends them through
the same parse and store code as the real feeds. Logistics hand-overs and incidents arrive as operator entries."""
from __future__ import annotations

import csv
import datetime as dt
import io
from xml.sax.saxutils import escape

from sqlalchemy import select

from ops import models as m
from ops.clock import WIB, as_utc, utcnow, wib_at
from ops.db import get_engine, session_scope
from ops.demo import scenario as sc
from ops.demo import weather as wx
from ops.feeds import bmkg_forecast, bmkg_nowcast, openmeteo, river, sirekap, tps_status, traccar
from ops.feeds.base import Feed, FeedContext, Parsed
from ops.incidents import report_ref
from ops.tasks import PAM_TPS

HISTORY = dt.timedelta(minutes=60)  # positions kept per run: what a poller would have seen in the last hour
SUB_FEEDS = ("traccar", "tps-status", "bmkg-forecast", "bmkg-nowcast", "openmeteo", "river", "sirekap")


class Simulator(Feed):
    name = "simulator"  # runs when the scheduler is in demo mode (ops.scheduler.demo_mode), never from feeds_enabled

    def fetch(self, ctx: FeedContext) -> dict:
        return {}  # nothing to fetch: store() makes the payloads from the operation clock and parses them

    def parse(self, payload, ctx: FeedContext) -> Parsed:
        return Parsed([{"now": ctx.now}])

    def store(self, session, parsed: Parsed, ctx: FeedContext) -> int:
        return simulate(session, ctx)


def _meta(session, key: str) -> str | None:
    row = session.get(m.OperationMeta, key)
    return row.value if row else None


def _set_meta(session, key: str, value: str) -> None:
    session.merge(m.OperationMeta(key=key, value=value))


def simulate(session, ctx: FeedContext) -> int:
    s = ctx.settings
    seed = s.demo_seed
    now = as_utc(ctx.now)
    since_txt = _meta(session, "simulator_until")
    since = dt.datetime.fromisoformat(since_txt) if since_txt else wib_at(s.phase_start, dt.time(0, 0)) - dt.timedelta(days=40)
    if now <= since:
        return 0
    rows: dict[str, int] = {}
    tps = [sc.TpsInfo(t.code, t.lat, t.lon, t.kerawanan, t.akses, t.dpt, t.kecamatan_code)
           for t in session.scalars(select(m.Tps))]
    rows["tps-status"] = _status_reports(session, ctx, seed, tps, since, now)
    rows["traccar"] = _positions(session, ctx, seed, since, now)
    rows["logistik"] = _logistics(session, seed, since, now)
    rows["kejadian"] = _incidents(session, seed, since, now, s.voting_day) + _report_follow_ups(
        session, seed, tps, since, now, s)
    rows["bmkg-nowcast"] = _warnings(session, ctx, seed, since, now)
    last_fc = _meta(session, "simulator_forecast_at")
    if last_fc is None or now - dt.datetime.fromisoformat(last_fc) >= dt.timedelta(hours=6):
        rows["bmkg-forecast"] = _forecast(session, ctx, seed, now)
        rows["openmeteo"] = _openmeteo(session, ctx, seed, now)
        rows["river"] = _river(session, ctx, seed, now)
        _set_meta(session, "simulator_forecast_at", now.isoformat())
    rows["sirekap"] = _recap(session, ctx, seed, tps, now)
    _set_meta(session, "simulator_until", now.isoformat())
    _record_runs(session, s, rows, since, now)
    return sum(rows.values())


def _record_runs(session, settings, rows: dict[str, int], since: dt.datetime, now: dt.datetime) -> None:
    """Each simulated feed's runs, on the operation clock. When the simulator catches up over a span (init --demo),
    it also records the runs a live source would have made in that span since the operation began, so that a replayed
    moment shows its feeds as they then were."""
    begin = max(since, wib_at(settings.phase_start, dt.time(0, 0)))
    history = []
    for feed in SUB_FEEDS:
        step = dt.timedelta(minutes=settings.feed_intervals.get(feed, 60))
        t = begin + step
        while t < now - step:
            history.append(m.FeedRun(feed=feed, started_at=t, finished_at=t, ok=True, rows=0, error=None))
            t += step
        if feed in rows:
            history.append(m.FeedRun(feed=feed, started_at=now, finished_at=now, ok=True, rows=rows[feed], error=None))
    session.add_all(history)


def _status_reports(session, ctx, seed, tps, since, now) -> int:
    s = ctx.settings
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(tps_status.COLUMNS)
    for t in tps:
        for status, at, note in sc.tps_milestones(seed, t, s.voting_day, s.tps_open, s.tps_close):
            if since < at <= now:
                w.writerow([t.code, status, at.astimezone(WIB).strftime("%Y-%m-%dT%H:%M:%S"),
                            f"KPPS TPS {t.code[-3:]}", note or ""])
    parsed = tps_status.parse_reports(out.getvalue(), {t.code for t in tps})
    return tps_status.store_reports(session, parsed.records, source="laporan-tps")


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


def _positions(session, ctx, seed, since, now) -> int:
    # A poller sees the last hour; catching up also writes voting day from 04:00 so that its morning replays.
    day_start = wib_at(ctx.settings.voting_day, dt.time(4, 0))
    times = sc.position_times(max(since, min(now - HISTORY, day_start)), now)
    if not times:
        return 0
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
    parsed = traccar.parse_positions(devices, positions, ctx.reference.devices)
    return traccar.store_positions(session, parsed.records, source="traccar", settings=ctx.settings)


def _logistics(session, seed, since, now) -> int:
    n = 0
    sent_at = {}
    for code, at in session.execute(select(m.TpsStatusEvent.tps_code, m.TpsStatusEvent.occurred_at)
                                    .where(m.TpsStatusEvent.status == "kotak_dikirim")):
        sent_at[code] = as_utc(at)
    for leg in session.scalars(select(m.LogisticsLeg)):
        depart, arrive = as_utc(leg.planned_depart), as_utc(leg.planned_arrive)
        if leg.stage == "tps-pps":  # boxes leave the TPS when the KPPS reports them sent
            if leg.tps_code not in sent_at:
                continue
            arrive, depart = sent_at[leg.tps_code] + (arrive - depart), sent_at[leg.tps_code]
        for state, at in sc.leg_times(seed, leg.id, depart, arrive, leg.mode):
            if since < at <= now:
                session.add(m.LogisticsEvent(leg_id=leg.id, state=state, occurred_at=at, recorded_at=utcnow(),
                                             source="operator", actor="Operator Posko (laporan pengawal)"))
                n += 1
    return n


def _incidents(session, seed, since, now, voting_day) -> int:
    n = 0
    for i, (day, t, category, severity, kelas, title, updates) in enumerate(sc.INCIDENTS, start=1):
        at = wib_at(voting_day + dt.timedelta(days=day), t)
        ref = f"KJD-{at.astimezone(WIB):%Y%m%d}-{i:02d}"
        if since < at <= now:
            r = sc.rng_for(seed, "incident", i)
            pool = [t for t in session.scalars(select(m.Tps).where(m.Tps.kerawanan == kelas).order_by(m.Tps.code))]
            if "sungai" in title.lower() or "perahu" in title.lower():
                pool = [t for t in pool if t.akses == "sungai"] or pool
            tps = r.choice(pool)
            session.add(m.Incident(ref=ref, occurred_at=at, recorded_at=at, category=category, severity=severity,
                                   kecamatan_code=tps.kecamatan_code, desa_code=tps.desa_code, tps_code=tps.code,
                                   title=title, source="operator", reporter="Piket Posko (radio)"))
            session.flush()
            n += 1
        inc = session.scalar(select(m.Incident).where(m.Incident.ref == ref))
        if inc is None:
            continue
        for minutes, state in ((0, "terbuka"),) + tuple(updates):
            u_at = at + dt.timedelta(minutes=minutes)
            if since < u_at <= now:
                session.add(m.IncidentUpdate(incident_id=inc.id, state=state, occurred_at=u_at, recorded_at=u_at,
                                             actor="Kapolsek setempat",
                                             note={"terbuka": "laporan diterima", "ditangani": "personel tiba di lokasi",
                                                   "selesai": "situasi kondusif"}[state]))
                n += 1
    return n


def _report_follow_ups(session, seed, tps, since, now, s) -> int:
    """The Kapolsek's follow-up of incidents opened by KPPS gangguan reports: most are taken within half an hour and
    closed within a few hours; some wait, as on a real day."""
    n = 0
    for t in tps:
        for status, at, _ in sc.tps_milestones(seed, t, s.voting_day, s.tps_open, s.tps_close):
            if status != "gangguan" or at > now:
                continue
            at = at.replace(microsecond=0)  # as the status sheet carried it
            r = sc.rng_for(seed, "gangguan-tindak", t.code)
            if r.random() < 0.3:
                continue  # nobody follows this one up: Perhatian escalates it
            steps = ((r.uniform(8, 30), "ditangani", "Bhabinkamtibmas dan personel PAM TPS di lokasi"),
                     (r.uniform(60, 180), "selesai", "situasi kondusif, pemungutan berlanjut"))
            inc = None
            for minutes, state, note in steps:
                u_at = at + dt.timedelta(minutes=minutes)
                if not (since < u_at <= now):
                    continue
                inc = inc or session.scalar(select(m.Incident).where(m.Incident.ref == report_ref(t.code, at)))
                if inc is None:
                    break
                session.add(m.IncidentUpdate(incident_id=inc.id, state=state, occurred_at=u_at, recorded_at=u_at,
                                             actor="Kapolsek setempat", note=note))
                n += 1
    return n


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


def _warnings(session, ctx, seed, since, now) -> int:
    """BMKG nowcasts, as RSS and CAP 1.2, wherever and whenever the simulated forecast calls for one
    (weather.WARNING_MM), each sent shortly before its slot."""
    s = ctx.settings
    start = max(since, history_start(s))
    if now <= start:
        return 0
    points = weather_points(session, ctx.reference)
    casts = [n for n in wx.nowcasts(seed, points, start, now + wx.SLOT, s.voting_day) if since < n.sent <= now]
    if not casts:
        return 0
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
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>BMKG</title>{"".join(items)}</channel></rss>'
    bmkg_nowcast.parse_rss(rss)  # the list must read as the real one does
    feed = bmkg_nowcast.BmkgNowcast()
    parsed = feed.parse({"rss": rss, "alerts": alerts}, ctx)
    return feed.store(session, parsed, ctx)


def _forecast(session, ctx, seed, now) -> int:
    """BMKG's 3-day forecast for every desa with a TPS, issued at `now`."""
    s = ctx.settings
    start = wx.slot_start(now).astimezone(WIB)
    rows = []
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
            rows.extend(bmkg_forecast.parse_one(body, code))
    return bmkg_forecast.BmkgForecast().store(session, Parsed(rows), ctx)


def _openmeteo(session, ctx, seed, now) -> int:
    """The fallback forecast at each kecamatan centre, hourly for 3 days, as Open-Meteo's many-points answer."""
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
    feed = openmeteo.OpenMeteo()
    return feed.store(session, feed.parse({"codes": codes, "body": bodies}, ctx), ctx)


def _river(session, ctx, seed, now) -> int:
    """GloFAS discharge at each river point, a week back and two weeks ahead, following the simulated rain."""
    s = ctx.settings
    today = now.astimezone(WIB).date()
    days = [today + dt.timedelta(days=d) for d in range(-7, 14)]
    catchment = sorted(ctx.reference.kecamatan.values())
    bodies = []
    for code, (lat, lon) in sorted(ctx.reference.river_points.items()):
        q = [wx.discharge(seed, code, lat, lon, d, s.voting_day, catchment) for d in days]
        bodies.append({"latitude": lat, "longitude": lon, "daily_units": {"river_discharge": "m³/s"},
                       "daily": {"time": [d.isoformat() for d in days], "river_discharge": q,
                                 "river_discharge_max": [round(v * 1.15, 1) for v in q]}})
    feed = river.River()
    parsed = feed.parse({"codes": sorted(ctx.reference.river_points), "body": bodies}, ctx)
    return feed.store(session, parsed, ctx)


def _recap(session, ctx, seed, tps, now) -> int:
    s = ctx.settings
    if now < wib_at(s.voting_day, s.tps_close):
        return 0
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
    parsed = sirekap.parse_hhcw(body, s.kabupaten_code)
    return sirekap.Sirekap().store(session, parsed, ctx)


def catch_up(settings, until: dt.datetime | None = None) -> dict:
    """Write the demo's history up to `until` (default: the clock's moment), as the simulator running all along would
    have (called by `init --demo`, which stops at the morning of each past day to make its briefing)."""
    if until is None:
        from ops.feeds.runner import run_feed

        return {"simulated_records": run_feed("simulator", settings).rows}
    from ops.feeds.runner import load_reference

    until = as_utc(until)
    with session_scope(get_engine(settings.database_url)) as session:
        rows = simulate(session, FeedContext(settings, None, until, load_reference(session, settings)))
        session.add(m.FeedRun(feed="simulator", started_at=until, finished_at=until, ok=True, rows=rows))
    return {"simulated_records": rows}
