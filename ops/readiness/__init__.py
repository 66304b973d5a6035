"""Readiness per TPS and tahapan at any moment, computed from the event history (so past moments replay), rolled up
to desa, kecamatan, Polsek and kabupaten."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import as_utc, wib_at
from ops.config import Settings, load_pola
from ops.freshness import feed_states
from ops.personnel import judge_on_site, recent_fixes
from ops.readiness import model
from ops.readiness.issues import label as issue_label
from ops.readiness.model import PHASES, Readiness, Times, TpsFacts
from ops.weather import forecast_source, heavy_rain_first, worst_in_window

# A TPS in a yard, a field or under a tent: rain stops voting there first (read from its address).
OPEN_AIR_WORDS = ("halaman", "lapangan", "tenda", "terbuka")


def operation_times(settings: Settings) -> Times:
    h = settings.voting_day
    return Times(day_start=wib_at(h, dt.time(0, 0)), opening=wib_at(h, settings.tps_open),
                 closing=wib_at(h, settings.tps_close), counting_end=wib_at(h, settings.counting_end),
                 discharge_threshold=settings.river_discharge_threshold)


def _latest(session, stmt_cols, time_col, key_col, now, *where):
    """Latest row per key at or before `now` (window function: the same SQL on SQLite and PostgreSQL)."""
    rn = func.row_number().over(partition_by=key_col, order_by=(time_col.desc(),)).label("rn")
    sub = select(*stmt_cols, rn).where(time_col <= now, *where).subquery()
    return session.execute(select(sub).where(sub.c.rn == 1)).all()


def gather_facts(session: Session, settings: Settings, now: dt.datetime) -> dict[str, TpsFacts]:
    now = as_utc(now)
    facts = {t.code: TpsFacts(t.code, t.kerawanan, t.akses, t.kecamatan_code, t.desa_code, t.polsek_code,
                              cluster_code=t.cluster_code, logistik_planned=False,
                              open_air=any(w in (t.address or "").lower() for w in OPEN_AIR_WORDS))
             for t in session.execute(select(m.Tps.code, m.Tps.kerawanan, m.Tps.akses, m.Tps.kecamatan_code,
                                             m.Tps.desa_code, m.Tps.polsek_code, m.Tps.cluster_code,
                                             m.Tps.address))}
    # A TPS's progress is its latest step; a 'gangguan' report is trouble at the TPS (an incident), not a step back.
    for row in _latest(session, (m.TpsStatusEvent.tps_code, m.TpsStatusEvent.status, m.TpsStatusEvent.occurred_at),
                       m.TpsStatusEvent.occurred_at, m.TpsStatusEvent.tps_code, now,
                       m.TpsStatusEvent.status != "gangguan"):
        f = facts.get(row.tps_code)
        if f:
            f.status, f.status_at = row.status, row.occurred_at
    for code, at in session.execute(select(m.TpsStatusEvent.tps_code, func.max(m.TpsStatusEvent.occurred_at))
                                    .where(m.TpsStatusEvent.status == "gangguan", m.TpsStatusEvent.occurred_at <= now)
                                    .group_by(m.TpsStatusEvent.tps_code)):
        if code in facts:
            facts[code].gangguan_at = at
    _personnel(session, settings, facts, now)
    tps_legs = select(m.LogisticsLeg.id).where(m.LogisticsLeg.stage.in_(("pps-tps", "tps-pps")))
    legs = {lid: (stage, tps, arrive) for lid, stage, tps, arrive in session.execute(
        select(m.LogisticsLeg.id, m.LogisticsLeg.stage, m.LogisticsLeg.tps_code, m.LogisticsLeg.planned_arrive)
        .where(m.LogisticsLeg.stage.in_(("pps-tps", "tps-pps"))))}
    for stage, tps, arrive in legs.values():
        if stage == "pps-tps" and tps in facts:
            facts[tps].logistik_due = as_utc(arrive)
            facts[tps].logistik_planned = True
    for row in _latest(session, (m.LogisticsEvent.leg_id, m.LogisticsEvent.state, m.LogisticsEvent.occurred_at),
                       m.LogisticsEvent.occurred_at, m.LogisticsEvent.leg_id, now,
                       # a subquery, not the ids: a nation has 1.6 million, past any driver's parameter limit
                       m.LogisticsEvent.leg_id.in_(tps_legs)):
        stage, tps, _ = legs[row.leg_id]
        if tps in facts:
            if stage == "pps-tps":
                facts[tps].logistik_state = row.state
            else:
                facts[tps].return_state = row.state
    met = set(session.scalars(select(m.CoordinationActivity.desa_code).where(
        m.CoordinationActivity.occurred_at <= now, m.CoordinationActivity.desa_code.is_not(None))))
    open_inc = _open_incidents(session, now)
    warned = set()
    for codes in session.scalars(select(m.WeatherWarning.kecamatan_codes).where(
            m.WeatherWarning.effective <= now + dt.timedelta(hours=1), m.WeatherWarning.expires >= now)):
        warned.update(codes or [])
    source = forecast_source(feed_states(session, settings, now)).source
    heavy = heavy_rain_first(session, settings, source, now)
    times = operation_times(settings)
    voting = worst_in_window(session, source, max(now, times.opening), times.counting_end)
    today = now.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    high = dict(session.execute(select(m.RiverDischarge.point_code, m.RiverDischarge.discharge).where(
        m.RiverDischarge.day == today, m.RiverDischarge.discharge > settings.river_discharge_threshold)).all())
    recap = {r.region_code: r.persen for r in _latest(
        session, (m.RecapProgress.region_code, m.RecapProgress.persen, m.RecapProgress.ts), m.RecapProgress.ts,
        m.RecapProgress.region_code, now)}
    for f in facts.values():
        f.desa_coordinated = f.desa_code in met
        f.open_incidents = open_inc.get(f.code, [])
        f.warning_active = f.kecamatan_code in warned
        # BMKG forecasts per desa, Open-Meteo per kecamatan.
        f.heavy_rain_at, f.heavy_rain_mm = heavy.get(f.desa_code) or heavy.get(f.kecamatan_code) or (None, None)
        f.voting_rain_mm, f.voting_rain_at, f.voting_thunder = (
            voting.get(f.desa_code) or voting.get(f.kecamatan_code) or (None, None, False))
        f.discharge = high.get(f.kecamatan_code)
        f.recap_persen = recap.get(f.kecamatan_code)
    return facts


def _open_incidents(session, now) -> dict[str, list[str]]:
    latest = {r.incident_id: r.state for r in _latest(
        session, (m.IncidentUpdate.incident_id, m.IncidentUpdate.state, m.IncidentUpdate.occurred_at),
        m.IncidentUpdate.occurred_at, m.IncidentUpdate.incident_id, now)}
    out: dict[str, list[str]] = defaultdict(list)
    for inc in session.scalars(select(m.Incident).where(m.Incident.occurred_at <= now, m.Incident.tps_code.is_not(None))):
        if latest.get(inc.id, "terbuka") != "selesai":
            out[inc.tps_code].append(inc.severity)
    return out


def _personnel(session, settings: Settings, facts: dict[str, TpsFacts], now: dt.datetime) -> None:
    """Required and assigned per guard cluster, and who is on site: fixes within the radius held for the dwell time."""
    pola = load_pola(settings)
    tps_by_cluster: dict[str, list] = defaultdict(list)
    for code, cl, lat, lon in session.execute(select(m.Tps.code, m.Tps.cluster_code, m.Tps.lat, m.Tps.lon)):
        tps_by_cluster[cl or code].append((code, lat, lon))
    assigned: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for cl, nrp, dev in session.execute(select(m.Assignment.cluster_code, m.Assignment.nrp, m.Personnel.device_id)
                                        .join(m.Personnel, m.Personnel.nrp == m.Assignment.nrp)
                                        .where(m.Assignment.task == "PAM TPS")):
        assigned[cl].append((nrp, dev))
    fixes = recent_fixes(session, settings, now)
    for cl, members in tps_by_cluster.items():
        kelas = facts[members[0][0]].kerawanan
        required = pola[kelas][0]
        people = assigned.get(cl, [])
        places = [(lat, lon) for _, lat, lon in members]
        states = [judge_on_site(fixes.get(dev, []), places, now, settings) if dev else "tanpa_perangkat"
                  for _, dev in people]
        on_site, silent_n = states.count("di_lokasi"), states.count("senyap")
        for code, _, _ in members:
            f = facts[code]
            f.personnel_required, f.personnel_assigned = required, len(people)
            f.personnel_on_site, f.silent_devices = on_site, silent_n


def _score(facts: dict[str, TpsFacts], settings: Settings, now: dt.datetime) -> dict[str, dict[str, Readiness]]:
    t = operation_times(settings)
    w = settings.readiness_weights
    out: dict[str, dict[str, Readiness]] = {p: {} for p in PHASES}
    for code, f in facts.items():
        out["sebelum"][code] = model.score(code, "sebelum", model.sebelum(f, now, t), w["sebelum"])
        out["pemungutan"][code] = model.score(code, "pemungutan", model.pemungutan(f, now, t, settings.heavy_rain_mm),
                                              w["pemungutan"])
        out["sesudah"][code] = model.score(code, "sesudah", model.sesudah(f, now, t), w["sesudah"])
    return out


def per_tps(session: Session, settings: Settings, now: dt.datetime) -> pd.DataFrame:
    """One row per TPS: latest status, personnel on site, and per tahapan the score, reasons and components."""
    now = as_utc(now)
    facts = gather_facts(session, settings, now)
    scored = _score(facts, settings, now)
    rows = []
    for code, f in facts.items():
        row = {"code": code, "cluster": f.cluster_code or code, "kecamatan_code": f.kecamatan_code,
               "desa_code": f.desa_code, "polsek_code": f.polsek_code, "status": f.status, "status_at": f.status_at, "personel_wajib": f.personnel_required,
               "personel_ditugaskan": f.personnel_assigned, "personel_di_lokasi": f.personnel_on_site,
               "perangkat_senyap": f.silent_devices, "logistik": f.logistik_state, "kembali": f.return_state,
               "kejadian_terbuka": len(f.open_incidents), "gangguan_at": f.gangguan_at, "hujan_mm": f.voting_rain_mm, "hujan_at": f.voting_rain_at,
               "petir": f.voting_thunder, "terbuka": f.open_air}
        for phase in PHASES:
            r = scored[phase][code]
            row[f"skor_{phase}"] = r.score
            row[f"masalah_{phase}"] = [i.as_dict() for i in r.problems]
            row[f"komponen_{phase}"] = [{"komponen": c.name, "skor": c.score, "masalah": [i.as_dict() for i in c.issues]}
                                        for c in r.components]
        rows.append(row)
    columns = ["code", "cluster", "kecamatan_code", "desa_code", "polsek_code", "status", "status_at",
               "personel_wajib", "personel_ditugaskan", "personel_di_lokasi", "perangkat_senyap", "logistik", "kembali",
               "kejadian_terbuka", "gangguan_at", "hujan_mm", "hujan_at", "petir", "terbuka"] + [
        f"{k}_{p}" for p in PHASES for k in ("skor", "masalah", "komponen")]
    return pd.DataFrame(rows, columns=columns)


def with_points(points: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """queries.tps_points joined with per_tps(): where each TPS is and how ready it is (map, drill-down, decisions)."""
    return points.merge(table.drop(columns=["kecamatan_code", "desa_code", "polsek_code"]), on="code", how="left")


LEVEL_COLUMN = {"kecamatan": "kecamatan_code", "desa": "desa_code", "polsek": "polsek_code"}


def problem_kinds(issues: pd.Series) -> Counter:
    """How many TPS have each kind of problem (a TPS counts once per kind)."""
    return Counter(kind for items in issues for kind in {i["kind"] for i in items})


def rollup(table: pd.DataFrame, settings: Settings, phase: str, level: str) -> pd.DataFrame:
    """Per kecamatan, desa, polsek or kabupaten, from per_tps(): TPS, TPS ready (the one readiness measure: a TPS is
    ready when its score reaches the threshold), TPS due, the mean score (for ordering only) and the problems as
    (kind, TPS) pairs, commonest first."""
    keys = table[LEVEL_COLUMN[level]] if level in LEVEL_COLUMN else pd.Series(settings.kabupaten_code, table.index)
    rows = []
    for key, idx in sorted(table.groupby(keys.fillna("")).groups.items(), key=lambda kv: str(kv[0])):
        part = table.loc[idx]
        scores = part[f"skor_{phase}"].dropna()
        kinds = problem_kinds(part.loc[scores.index, f"masalah_{phase}"])
        rows.append({"kode": key or None, "tps": len(part), "dinilai": len(scores),
                     "skor": round(float(scores.mean()), 3) if len(scores) else None,
                     "siap": int((scores >= settings.readiness_ready_threshold).sum()),
                     "masalah": kinds.most_common()})
    return pd.DataFrame(rows, columns=["kode", "tps", "dinilai", "skor", "siap", "masalah"])


def problem_lines(pairs: list[tuple[str, int]], top: int = 3) -> list[str]:
    """'12 TPS: kotak suara terlambat' for the commonest problems."""
    return [f"{n} TPS: {issue_label(kind)}" for kind, n in pairs[:top]]


def overview(session: Session, settings: Settings, now: dt.datetime) -> dict[str, dict]:
    """Per tahapan: the kabupaten row (kode, tps, skor, siap, alasan; None when there are no TPS) and the kecamatan
    roll-up."""
    return overview_of(per_tps(session, settings, now), settings)


def overview_of(table: pd.DataFrame, settings: Settings) -> dict[str, dict]:
    out = {}
    for phase in PHASES:
        kab = rollup(table, settings, phase, "kabupaten")
        out[phase] = {"kabupaten": kab.iloc[0].to_dict() if len(kab) else None,
                      "kecamatan": rollup(table, settings, phase, "kecamatan")}
    return out


def readiness_summary(session: Session, settings: Settings, now: dt.datetime) -> dict:
    out = {}
    for phase, parts in overview(session, settings, now).items():
        kab = parts["kabupaten"]
        if kab is None:
            out[phase] = {"due": False, "ready": 0, "total": 0, "ready_share": None, "problems": {}}
            continue
        due = bool(kab["dinilai"])
        out[phase] = {"due": due, "ready": int(kab["siap"]), "total": int(kab["tps"]),
                      "ready_share": round(kab["siap"] / kab["tps"], 3) if due and kab["tps"] else None,
                      "problems": dict(kab["masalah"])}
    return out
