"""The voting day of a synthetic Polda or national operation, up to the moment the demo opens: every TPS's status
reports, the guards' tracker fixes, the ballot-box hand-overs, a few incidents per kabupaten and the Kapolsek's
follow-up of KPPS gangguan reports.

The story is the Ogan Ilir demo's own (ops/demo/scenario.py: the same pure functions of seed, code and time), so
the demo source carries it on from that moment exactly as it would have written it; only the writing differs: in
bulk, not through the feed parsers row by row.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import WIB, wib_at
from ops.demo import scenario as sc
from ops.demo.places import DemoTps
from ops.incidents import open_from_reports

STATUS_COLUMNS = ("tps_code", "status", "occurred_at", "recorded_at", "source", "reporter", "note")
POSITION_COLUMNS = ("device_id", "nrp", "fix_time", "recorded_at", "lat", "lon", "accuracy_m", "speed_kmh", "battery",
                    "source")
LEG_EVENT_COLUMNS = ("leg_id", "state", "occurred_at", "recorded_at", "source", "actor")
HISTORY = dt.timedelta(minutes=60)  # what a Traccar poller holds: every tracker's last hour
STATUS_SOURCE = "laporan-tps"  # as the TPS status sheet stores them
LEG_ACTOR = "Operator Posko (laporan pengawal)"
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)  # before any operation: "from the start"


def status_rows(seed: int, tps: list[DemoTps], settings, moment: dt.datetime) -> tuple[list[tuple], list[dict]]:
    """Every report made by `moment`, and the gangguan among them (they open incidents)."""
    rows, gangguan = [], []
    for t in tps:
        info = sc.TpsInfo(t.code, t.lat, t.lon, t.kerawanan, t.akses, t.dpt, t.kecamatan_code)
        for status, at, note in sc.tps_milestones(seed, info, settings.voting_day, settings.tps_open, settings.tps_close):
            if at > moment:
                break  # milestones come in time order
            at = at.replace(microsecond=0)  # the sheet carries whole seconds
            reporter = f"KPPS TPS {t.code[-3:]}"
            rows.append((t.code, status, at, at, STATUS_SOURCE, reporter, note))
            if status == "gangguan":
                gangguan.append({"tps_code": t.code, "status": status, "occurred_at": at, "reporter": reporter,
                                 "note": note})
    return rows, gangguan


def tracked(nrp: str, sample: int) -> bool:
    """The trackers whose whole morning is written when only a sample is (one in `sample`, by the NRP's last two
    digits: with 25, the NRPs ending in 00, 25, 50 or 75)."""
    return int(nrp[-2:]) % sample == 0


def position_rows(seed: int, officers: list[sc.Officer], settings, moment: dt.datetime, sample: int):
    """Fixes on the 5-minute grid: from 04:00 for the sampled trackers, the last hour for every tracker."""
    day_start = wib_at(settings.voting_day, dt.time(4, 0))
    morning = sc.position_times(min(moment - HISTORY, day_start), moment)
    last_hour = sc.position_times(moment - HISTORY, moment)
    for o in officers:
        plan = sc.officer_plan(seed, o, settings.voting_day)
        for t in morning if tracked(o.nrp, sample) else last_hour:
            p = sc.position_at(seed, o, plan, t)
            if p is not None:
                yield (o.device_id, o.nrp, t, t, p[0], p[1], 8.0, 0.0, 80.0, "traccar")


def leg_event_rows(seed: int, legs: list[tuple], moment: dt.datetime):
    """Departures, arrivals and hand-overs reported by `moment`. `legs`: (id, stage, depart, arrive, mode)."""
    for leg_id, stage, depart, arrive, mode in legs:
        if stage == "tps-pps":
            continue  # boxes leave the TPS when the KPPS reports them sent, after counting: the simulator's part
        for state, at in sc.leg_times(seed, leg_id, depart, arrive, mode):
            if at <= moment:
                yield (leg_id, state, at, at, "operator", LEG_ACTOR)


def kabupaten_incidents(session: Session, seed: int, kabupaten_code: str, tps: list[DemoTps], settings,
                        moment: dt.datetime) -> int:
    """Three of the scenario's incidents in every kabupaten, each at its own hour, at a TPS of its class: one of the
    days before voting and two of voting day."""
    rng = sc.rng_for(seed, "kejadian", kabupaten_code)
    before = [i for i, x in enumerate(sc.INCIDENTS) if x[0] < 0]
    on_the_day = [i for i, x in enumerate(sc.INCIDENTS) if x[0] == 0]
    made = []
    for i in [rng.choice(before)] + sorted(rng.sample(on_the_day, 2)):
        day, t, category, severity, kelas, title, updates = sc.INCIDENTS[i]
        at = wib_at(settings.voting_day + dt.timedelta(days=day), t) + dt.timedelta(minutes=rng.uniform(-60, 60))
        pool = [x for x in tps if x.kerawanan == kelas] or tps
        if "perahu" in title.lower():
            pool = [x for x in pool if x.akses == "sungai"] or pool
        where = rng.choice(pool)
        if at > moment:
            continue
        inc = m.Incident(ref=f"KJD-{at.astimezone(WIB):%Y%m%d}-{kabupaten_code.replace('.', '')}-{i + 1}",
                         occurred_at=at, recorded_at=at, category=category, severity=severity,
                         kecamatan_code=where.kecamatan_code, desa_code=where.desa_code, tps_code=where.code,
                         title=title, source="operator", reporter="Piket Posko (radio)")
        made.append((inc, updates))
    session.add_all(inc for inc, _ in made)
    session.flush()
    notes = {"terbuka": "laporan diterima", "ditangani": "personel tiba di lokasi", "selesai": "situasi kondusif"}
    for inc, updates in made:
        for minutes, state in ((0, "terbuka"),) + tuple(updates):
            u_at = inc.occurred_at + dt.timedelta(minutes=minutes)
            if u_at <= moment:
                session.add(m.IncidentUpdate(incident_id=inc.id, state=state, occurred_at=u_at, recorded_at=u_at,
                                             actor="Kapolsek setempat", note=notes[state]))
    return len(made)


def gangguan_incidents(session: Session, seed: int, reports: list[dict], tps: dict[str, DemoTps],
                       settings, moment: dt.datetime) -> int:
    """KPPS gangguan reports open (or join) incidents as the status feed does, and the Kapolsek follows them up as
    the demo has him do (its own function, over the TPS that reported one, for the time before `moment`)."""
    from ops.demo.entries import report_follow_ups

    made = open_from_reports(session, reports, STATUS_SOURCE)
    session.flush()
    reported = [tps[code] for code in sorted({r["tps_code"] for r in reports})]
    report_follow_ups(session, seed, [sc.TpsInfo(t.code, t.lat, t.lon, t.kerawanan, t.akses, t.dpt, t.kecamatan_code)
                                       for t in reported], EPOCH, moment, settings)
    return made
