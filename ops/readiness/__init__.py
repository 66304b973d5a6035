"""Readiness per TPS and tahapan at any moment, computed from the event history (so past moments replay), rolled up
to desa, kecamatan, Polsek and kabupaten."""
from __future__ import annotations

import datetime as dt
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import as_utc, wib_at
from ops.config import Settings, load_pola
from ops.db import in_chunks
from ops.freshness import feed_states
from ops.personnel import on_site_states
from ops.readiness import model
from ops.readiness.issues import label as issue_label
from ops.readiness.model import PHASES, Readiness, Times, TpsFacts
from ops.tasks import PAM_TPS
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


GATHER_CHUNK = 5000  # TPS per round of queries when a subset is asked for (IN lists stay well below driver limits)


def gather_facts(session: Session, settings: Settings, now: dt.datetime,
                 codes: Iterable[str] | None = None) -> dict[str, TpsFacts]:
    """Every TPS's facts at `now` from the event history; with `codes`, only those TPS (the read model's incremental
    refresh asks for the TPS that new events touched)."""
    now = as_utc(now)
    if codes is not None:
        codes = sorted(set(codes))
        if len(codes) > GATHER_CHUNK:
            out: dict[str, TpsFacts] = {}
            for i in range(0, len(codes), GATHER_CHUNK):
                out.update(gather_facts(session, settings, now, codes[i:i + GATHER_CHUNK]))
            return out
        if not codes:
            return {}

    def only(col):
        return (col.in_(codes),) if codes is not None else ()
    facts = {t.code: TpsFacts(t.code, t.kerawanan, t.akses, t.kecamatan_code, t.desa_code, t.polsek_code,
                              cluster_code=t.cluster_code, logistik_planned=False,
                              open_air=any(w in (t.address or "").lower() for w in OPEN_AIR_WORDS))
             for t in session.execute(select(m.Tps.code, m.Tps.kerawanan, m.Tps.akses, m.Tps.kecamatan_code,
                                             m.Tps.desa_code, m.Tps.polsek_code, m.Tps.cluster_code,
                                             m.Tps.address).where(*only(m.Tps.code)))}
    # A TPS's progress is its latest step; a 'gangguan' report is trouble at the TPS (an incident), not a step back.
    for row in _latest(session, (m.TpsStatusEvent.tps_code, m.TpsStatusEvent.status, m.TpsStatusEvent.occurred_at),
                       m.TpsStatusEvent.occurred_at, m.TpsStatusEvent.tps_code, now,
                       m.TpsStatusEvent.status != "gangguan", *only(m.TpsStatusEvent.tps_code)):
        f = facts.get(row.tps_code)
        if f:
            f.status, f.status_at = row.status, row.occurred_at
    for code, at in session.execute(select(m.TpsStatusEvent.tps_code, func.max(m.TpsStatusEvent.occurred_at))
                                    .where(m.TpsStatusEvent.status == "gangguan", m.TpsStatusEvent.occurred_at <= now,
                                           *only(m.TpsStatusEvent.tps_code))
                                    .group_by(m.TpsStatusEvent.tps_code)):
        if code in facts:
            facts[code].gangguan_at = at
    _personnel(session, settings, facts, now, subset=codes is not None)
    tps_legs = select(m.LogisticsLeg.id).where(m.LogisticsLeg.stage.in_(("pps-tps", "tps-pps")),
                                               *only(m.LogisticsLeg.tps_code))
    legs = {lid: (stage, tps, arrive) for lid, stage, tps, arrive in session.execute(
        select(m.LogisticsLeg.id, m.LogisticsLeg.stage, m.LogisticsLeg.tps_code, m.LogisticsLeg.planned_arrive)
        .where(m.LogisticsLeg.stage.in_(("pps-tps", "tps-pps")), *only(m.LogisticsLeg.tps_code)))}
    for f in facts.values():
        f.return_planned = False
    for stage, tps, arrive in legs.values():
        if stage == "pps-tps" and tps in facts:
            facts[tps].logistik_due = as_utc(arrive)
            facts[tps].logistik_planned = True
        elif stage == "tps-pps" and tps in facts:
            facts[tps].return_planned = True
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
    desa = sorted({f.desa_code for f in facts.values()}) if codes is not None else None
    known = set(session.scalars(select(m.Stakeholder.desa_code).where(
        m.Stakeholder.desa_code.is_not(None), *((m.Stakeholder.desa_code.in_(desa),) if desa is not None else ()))))
    met = set(session.scalars(select(m.CoordinationActivity.desa_code).where(
        m.CoordinationActivity.occurred_at <= now, m.CoordinationActivity.desa_code.is_not(None),
        *((m.CoordinationActivity.desa_code.in_(desa),) if desa is not None else ()))))
    open_inc = _open_incidents(session, now, codes)
    for f in facts.values():
        f.desa_coordinated = f.desa_code in met
        f.desa_known = f.desa_code in known
        f.open_incidents = open_inc.get(f.code, [])
    apply_environment(facts, environment(session, settings, now))
    return facts


@dataclass(frozen=True)
class Environment:
    """What the weather, the warnings, the rivers and the recap say at a moment, per area (desa or kecamatan):
    computed once, then applied to every TPS — the read model re-applies it when the clock moves on."""
    warned: frozenset
    heavy: dict
    voting: dict
    high: dict
    recap: dict


def environment(session: Session, settings: Settings, now: dt.datetime) -> Environment:
    now = as_utc(now)
    warned = set()
    for kec_codes in session.scalars(select(m.WeatherWarning.kecamatan_codes).where(
            m.WeatherWarning.effective <= now + dt.timedelta(hours=1), m.WeatherWarning.expires >= now)):
        warned.update(kec_codes or [])
    source = forecast_source(feed_states(session, settings, now)).source
    times = operation_times(settings)
    today = now.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    high = dict(session.execute(select(m.RiverDischarge.point_code, m.RiverDischarge.discharge).where(
        m.RiverDischarge.day == today, m.RiverDischarge.discharge > settings.river_discharge_threshold)).all())
    recap = {r.region_code: r.persen for r in _latest(
        session, (m.RecapProgress.region_code, m.RecapProgress.persen, m.RecapProgress.ts), m.RecapProgress.ts,
        m.RecapProgress.region_code, now)}
    return Environment(frozenset(warned), heavy_rain_first(session, settings, source, now),
                       worst_in_window(session, source, max(now, times.opening), times.counting_end), high, recap)


def apply_environment(facts: dict[str, TpsFacts], env: Environment) -> None:
    for f in facts.values():
        f.warning_active = f.kecamatan_code in env.warned
        # BMKG forecasts per desa, Open-Meteo per kecamatan.
        f.heavy_rain_at, f.heavy_rain_mm = env.heavy.get(f.desa_code) or env.heavy.get(f.kecamatan_code) or (None, None)
        f.voting_rain_mm, f.voting_rain_at, f.voting_thunder = (
            env.voting.get(f.desa_code) or env.voting.get(f.kecamatan_code) or (None, None, False))
        f.discharge = env.high.get(f.kecamatan_code)
        f.recap_persen = env.recap.get(f.kecamatan_code)


def _open_incidents(session, now, codes: list[str] | None = None) -> dict[str, list[str]]:
    only = (m.Incident.tps_code.in_(codes),) if codes is not None else ()
    incidents = list(session.execute(select(m.Incident.id, m.Incident.tps_code, m.Incident.severity).where(
        m.Incident.occurred_at <= now, m.Incident.tps_code.is_not(None), *only)
        .order_by(m.Incident.occurred_at, m.Incident.id)))  # one order, whichever TPS are asked for
    ids = [i.id for i in incidents]
    latest = {r.incident_id: r.state for r in _latest(
        session, (m.IncidentUpdate.incident_id, m.IncidentUpdate.state, m.IncidentUpdate.occurred_at),
        m.IncidentUpdate.occurred_at, m.IncidentUpdate.incident_id, now,
        *((m.IncidentUpdate.incident_id.in_(ids),) if codes is not None else ()))}
    out: dict[str, list[str]] = defaultdict(list)
    for inc in incidents:
        if latest.get(inc.id, "terbuka") != "selesai":
            out[inc.tps_code].append(inc.severity)
    return out


def refresh_personnel(session: Session, settings: Settings, facts: dict[str, TpsFacts], now: dt.datetime) -> None:
    """Bring the personnel facts (required, assigned, on site, silent) of these TPS to `now`, leaving the rest of their
    facts as they are: a guard's fixes change nothing else, so the read model refolds only these when devices move."""
    total = session.scalar(select(func.count()).select_from(m.Tps)) or 1
    _personnel(session, settings, facts, as_utc(now), subset=len(facts) < total // 4)


def _personnel(session, settings: Settings, facts: dict[str, TpsFacts], now: dt.datetime, subset: bool = False) -> None:
    """Required and assigned per guard cluster, and who is on site: fixes within the radius held for the dwell time.
    With `subset`, only the clusters of the TPS in `facts` are read (all their TPS: the guards' posts)."""
    pola = load_pola(settings)
    # A subset's clusters a chunk at a time: a quarter of the nation's TPS has some 100,000 of them.
    parts = in_chunks({f.cluster_code or f.code for f in facts.values()}) if subset else [None]
    tps_by_cluster: dict[str, list] = defaultdict(list)
    assigned: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for part in parts:
        where = (or_(m.Tps.cluster_code.in_(part), m.Tps.code.in_(part)),) if part is not None else ()
        posted = (m.Assignment.cluster_code.in_(part),) if part is not None else ()
        for code, cl, lat, lon, kelas in session.execute(select(m.Tps.code, m.Tps.cluster_code, m.Tps.lat, m.Tps.lon,
                                                                m.Tps.kerawanan).where(*where)):
            tps_by_cluster[cl or code].append((code, lat, lon, kelas))
        for cl, nrp, dev in session.execute(select(m.Assignment.cluster_code, m.Assignment.nrp, m.Personnel.device_id)
                                            .join(m.Personnel, m.Personnel.nrp == m.Assignment.nrp)
                                            .where(m.Assignment.task == PAM_TPS, *posted).distinct()):
            assigned[cl].append((nrp, dev))
    places_of = {cl: [(lat, lon) for _, lat, lon, _ in members] for cl, members in tps_by_cluster.items()}
    at_post = on_site_states(session, settings, now, {dev: places_of.get(cl, []) for cl, people in assigned.items()
                                                      for _, dev in people if dev})
    for cl, members in tps_by_cluster.items():
        required = pola[members[0][3]][0]
        people = assigned.get(cl, [])
        states = [at_post[dev] if dev else "tanpa_perangkat" for _, dev in people]
        on_site, silent_n = states.count("di_lokasi"), states.count("senyap")
        for code, _, _, _ in members:
            f = facts.get(code)
            if f is None:
                continue
            f.personnel_required, f.personnel_assigned = required, len(people)
            # A TPS outside any guard cluster with nobody assigned has no deployment plan yet.
            f.personnel_planned = bool(people) or f.cluster_code is not None
            f.personnel_on_site, f.silent_devices = on_site, silent_n


def per_tps(session: Session, settings: Settings, now: dt.datetime) -> pd.DataFrame:
    """One row per TPS: latest status, personnel on site, and per tahapan the score, reasons and components —
    recomputed from the whole event history (replay, and the reference the read model is checked against)."""
    now = as_utc(now)
    return table_of(gather_facts(session, settings, now), settings, now)


def _reader(phase: str):
    get = operator.attrgetter(*model.READS[phase])
    at = [i for i, name in enumerate(model.READS[phase]) if name == "open_incidents"]

    def key(f: TpsFacts) -> tuple:
        values = get(f)
        return tuple(tuple(v) if i in at else v for i, v in enumerate(values)) if at else values
    return key


_CASE = {p: _reader(p) for p in PHASES}


def score_facts(facts: dict[str, TpsFacts], settings: Settings, now: dt.datetime) -> dict[str, dict[str, Readiness]]:
    """Per tahapan and TPS, the readiness at `now` from the facts (pure: the read model rescores stored facts).

    TPS alike in what a tahapan reads (model.READS) share one Readiness, judged once: at a moment a province's 25,985
    TPS fall into a few thousand cases per tahapan (its `code` is the first such TPS's)."""
    t = operation_times(settings)
    w = settings.readiness_weights
    judges = {"sebelum": lambda f: model.sebelum(f, now, t),
              "pemungutan": lambda f: model.pemungutan(f, now, t, settings.heavy_rain_mm),
              "sesudah": lambda f: model.sesudah(f, now, t)}
    out: dict[str, dict[str, Readiness]] = {}
    for phase in PHASES:
        case, judged, memo = _CASE[phase], judges[phase], {}
        out[phase] = mine = {}
        for code, f in facts.items():
            key = case(f)
            hit = memo.get(key)
            if hit is None:
                hit = memo[key] = model.score(code, phase, judged(f), w[phase])
            mine[code] = hit
    return out


def judge(facts: dict[str, TpsFacts], settings: Settings,
          now: dt.datetime) -> dict[str, tuple[dict[str, float | None], dict]]:
    """Per TPS: its score per tahapan and the detail behind them (per tahapan: masalah, komponen). A tahapan's detail is one read-only
    object shared by the TPS judged alike."""
    scored = score_facts(facts, settings, now)
    parts: dict[int, dict] = {}  # by the shared Readiness (alive in `scored`)
    out = {}
    for code in facts:
        scores, detail = {}, {}
        for phase in PHASES:
            r = scored[phase][code]
            scores[phase] = r.score
            part = parts.get(id(r))
            if part is None:
                part = parts[id(r)] = _detail(r)
            detail[phase] = part
        out[code] = (scores, detail)
    return out


COLUMNS = ["code", "cluster", "kecamatan_code", "desa_code", "polsek_code", "status", "status_at",
           "personel_wajib", "personel_ditugaskan", "personel_di_lokasi", "perangkat_senyap", "logistik", "kembali",
           "kejadian_terbuka", "gangguan_at", "hujan_mm", "hujan_at", "petir", "terbuka"] + [
    f"{k}_{p}" for p in PHASES for k in ("skor", "masalah", "komponen")]


def _detail(r: Readiness) -> dict:
    return {"masalah": [i.as_dict() for i in r.problems],
            "komponen": [{"komponen": c.name, "skor": c.score, "masalah": [i.as_dict() for i in c.issues]}
                         for c in r.components]}


def row_of(f: TpsFacts, scores: dict[str, float | None], detail: dict) -> dict:
    row = {"code": f.code, "cluster": f.cluster_code or f.code, "kecamatan_code": f.kecamatan_code,
           "desa_code": f.desa_code, "polsek_code": f.polsek_code, "status": f.status, "status_at": f.status_at,
           "personel_wajib": f.personnel_required, "personel_ditugaskan": f.personnel_assigned,
           "personel_di_lokasi": f.personnel_on_site, "perangkat_senyap": f.silent_devices,
           "logistik": f.logistik_state, "kembali": f.return_state, "kejadian_terbuka": len(f.open_incidents),
           "gangguan_at": f.gangguan_at, "hujan_mm": f.voting_rain_mm, "hujan_at": f.voting_rain_at,
           "petir": f.voting_thunder, "terbuka": f.open_air}
    for phase in PHASES:
        row[f"skor_{phase}"] = scores[phase]
        row[f"masalah_{phase}"] = detail[phase]["masalah"]
        row[f"komponen_{phase}"] = detail[phase]["komponen"]
    return row


def table_of(facts: dict[str, TpsFacts], settings: Settings, now: dt.datetime, order: bool = False) -> pd.DataFrame:
    """The per-TPS table (COLUMNS) of these facts judged at `now`; `order` sorts it by TPS code."""
    judged = judge(facts, settings, now)
    codes = sorted(facts) if order else list(facts)
    return pd.DataFrame([row_of(facts[c], *judged[c]) for c in codes], columns=COLUMNS)


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
