"""The demo's operator entries: what the Posko types in from radio and phone — the escorts' ballot-box hand-overs,
the incidents of the scenario and the Kapolsek's follow-up of KPPS gangguan reports. The feeds' data comes through the
runner from ops.demo.source; these are no feed's, so the demo writes them here, as operator rows (source "operator"),
for a span of the operation clock that follows the TPS status reports they depend on."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ops import models as m
from ops.clock import WIB, as_utc, utcnow, wib_at
from ops.demo import scenario as sc
from ops.demo.source import history_floor, tps_info
from ops.incidents import report_ref

BOOKMARK = "simulator_entries_until"  # OperationMeta: the entries are written up to here


def write_entries(session, settings, now: dt.datetime) -> int:
    """The entries of the span since the last call, up to `now` but not past the last good run of the TPS status
    sheet: a box leaves its TPS when the KPPS reports it sent, and a gangguan report opens the incident followed up."""
    row = session.get(m.OperationMeta, BOOKMARK)
    since = dt.datetime.fromisoformat(row.value) if row else history_floor(session, settings)
    sheet = session.scalar(select(func.max(m.FeedRun.started_at)).where(m.FeedRun.feed == "tps-status",
                                                                         m.FeedRun.ok.is_(True)))
    until = min(as_utc(now), as_utc(sheet)) if sheet is not None else since
    if until <= since:
        return 0
    seed = settings.demo_seed
    n = handovers(session, seed, since, until)
    n += incidents(session, seed, since, until, settings.voting_day)
    n += report_follow_ups(session, seed, tps_info(session), since, until, settings)
    session.merge(m.OperationMeta(key=BOOKMARK, value=until.isoformat()))
    return n


def handovers(session, seed, since, now) -> int:
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


def incidents(session, seed, since, now, voting_day) -> int:
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


def report_follow_ups(session, seed, tps, since, now, s) -> int:
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
