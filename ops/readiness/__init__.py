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
from ops.readiness.model import PHASES, Readiness, TpsFacts
from ops.weather import forecast_source, heavy_rain_first


def _latest(session, stmt_cols, time_col, key_col, now, *where):
    """Latest row per key at or before `now` (window function: the same SQL on SQLite and PostgreSQL)."""
    rn = func.row_number().over(partition_by=key_col, order_by=(time_col.desc(),)).label("rn")
    sub = select(*stmt_cols, rn).where(time_col <= now, *where).subquery()
    return session.execute(select(sub).where(sub.c.rn == 1)).all()


def gather_facts(session: Session, settings: Settings, now: dt.datetime) -> dict[str, TpsFacts]:
    now = as_utc(now)
    facts = {t.code: TpsFacts(t.code, t.kerawanan, t.akses, t.kecamatan_code, t.desa_code, t.polsek_code,
                              cluster_code=t.cluster_code)
             for t in session.execute(select(m.Tps.code, m.Tps.kerawanan, m.Tps.akses, m.Tps.kecamatan_code,
                                             m.Tps.desa_code, m.Tps.polsek_code, m.Tps.cluster_code))}
    for row in _latest(session, (m.TpsStatusEvent.tps_code, m.TpsStatusEvent.status, m.TpsStatusEvent.occurred_at),
                       m.TpsStatusEvent.occurred_at, m.TpsStatusEvent.tps_code, now):
        f = facts.get(row.tps_code)
        if f:
            f.status, f.status_at = row.status, row.occurred_at
    _personnel(session, settings, facts, now)
    legs = {lid: (stage, tps, arrive) for lid, stage, tps, arrive in session.execute(
        select(m.LogisticsLeg.id, m.LogisticsLeg.stage, m.LogisticsLeg.tps_code, m.LogisticsLeg.planned_arrive)
        .where(m.LogisticsLeg.stage.in_(("pps-tps", "tps-pps"))))}
    for stage, tps, arrive in legs.values():
        if stage == "pps-tps" and tps in facts:
            facts[tps].logistik_due = as_utc(arrive)
    for row in _latest(session, (m.LogisticsEvent.leg_id, m.LogisticsEvent.state, m.LogisticsEvent.occurred_at),
                       m.LogisticsEvent.occurred_at, m.LogisticsEvent.leg_id, now,
                       m.LogisticsEvent.leg_id.in_(list(legs))):
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
    source = forecast_source(feed_states(session, settings)).source
    heavy = heavy_rain_first(session, settings, source, now)
    today = now.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    high = set(session.scalars(select(m.RiverDischarge.point_code).where(
        m.RiverDischarge.day == today, m.RiverDischarge.discharge > settings.river_discharge_threshold)))
    recap = {r.region_code: r.persen for r in _latest(
        session, (m.RecapProgress.region_code, m.RecapProgress.persen, m.RecapProgress.ts), m.RecapProgress.ts,
        m.RecapProgress.region_code, now)}
    for f in facts.values():
        f.desa_coordinated = f.desa_code in met
        f.open_incidents = open_inc.get(f.code, [])
        f.warning_active = f.kecamatan_code in warned
        f.heavy_rain_at = heavy.get(f.desa_code) or heavy.get(f.kecamatan_code)  # BMKG per desa, Open-Meteo per kecamatan
        f.river_high = f.kecamatan_code in high
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
    opening = wib_at(settings.voting_day, settings.tps_open)
    closing = wib_at(settings.voting_day, settings.tps_close)
    w = settings.readiness_weights
    out: dict[str, dict[str, Readiness]] = {p: {} for p in PHASES}
    for code, f in facts.items():
        out["sebelum"][code] = model.score(code, "sebelum", model.sebelum(f, now, settings.heavy_rain_mm), w["sebelum"])
        out["pemungutan"][code] = model.score(code, "pemungutan", model.pemungutan(f, now, opening, closing),
                                              w["pemungutan"])
        out["sesudah"][code] = model.score(code, "sesudah", model.sesudah(f, now, closing), w["sesudah"])
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
               "perangkat_senyap": f.silent_devices, "logistik": f.logistik_state, "kejadian_terbuka": len(f.open_incidents)}
        for phase in PHASES:
            r = scored[phase][code]
            row[f"skor_{phase}"] = r.score
            row[f"alasan_{phase}"] = r.reasons
            row[f"komponen_{phase}"] = [{"komponen": c.name, "skor": c.score, "alasan": c.reason} for c in r.components]
        rows.append(row)
    columns = ["code", "cluster", "kecamatan_code", "desa_code", "polsek_code", "status", "status_at",
               "personel_wajib", "personel_ditugaskan", "personel_di_lokasi", "perangkat_senyap", "logistik",
               "kejadian_terbuka"] + [f"{k}_{p}" for p in PHASES for k in ("skor", "alasan", "komponen")]
    return pd.DataFrame(rows, columns=columns)


def with_points(points: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """queries.tps_points joined with per_tps(): where each TPS is and how ready it is (map, drill-down, decisions)."""
    return points.merge(table.drop(columns=["kecamatan_code", "desa_code", "polsek_code"]), on="code", how="left")


LEVEL_COLUMN = {"kecamatan": "kecamatan_code", "desa": "desa_code", "polsek": "polsek_code"}


def rollup(table: pd.DataFrame, settings: Settings, phase: str, level: str) -> pd.DataFrame:
    """Mean score, TPS ready and the commonest reasons per kecamatan, desa, polsek or kabupaten, from per_tps()."""
    keys = table[LEVEL_COLUMN[level]] if level in LEVEL_COLUMN else pd.Series(settings.kabupaten_code, table.index)
    rows = []
    for key, idx in sorted(table.groupby(keys.fillna("")).groups.items(), key=lambda kv: str(kv[0])):
        part = table.loc[idx]
        scores = part[f"skor_{phase}"].dropna()
        due = part.loc[scores.index, f"alasan_{phase}"]
        reasons = Counter(reason_kind(x) for rs in due for x in rs)
        rows.append({"kode": key or None, "tps": len(part),
                     "skor": round(float(scores.mean()), 3) if len(scores) else None,
                     "siap": int((scores >= settings.readiness_ready_threshold).sum()),
                     "alasan": [f"{n} TPS: {k}" for k, n in reasons.most_common(3)]})
    return pd.DataFrame(rows, columns=["kode", "tps", "skor", "siap", "alasan"])


def reason_kind(reason: str) -> str:
    """Group reasons that differ only in times or counts ('dijadwalkan tiba 26 Nov 16:05'); a river route keeps which
    risks it runs ('jalur sungai berisiko: hujan lebat, debit sungai di atas ambang')."""
    if reason.startswith("jalur sungai: "):
        risks = [r.split(" diprakirakan")[0].strip() for r in reason.split(": ", 1)[1].split("; ")]
        return "jalur sungai berisiko: " + ", ".join(risks)
    return reason.split(": ")[0] if ": " in reason else reason.split("(")[0].strip()


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
            out[phase] = {"score": None, "ready": 0, "total": 0, "top_reasons": []}
            continue
        out[phase] = {"score": None if pd.isna(kab["skor"]) else float(kab["skor"]), "ready": int(kab["siap"]),
                      "total": int(kab["tps"]), "top_reasons": list(kab["alasan"])}
    return out
