"""The deployment planner over the database: guard clusters by travel time from the TPS list, guards from each
Polsek's roster plus the BKO reserve, and every other task (escorts for the logistics legs, warehouse, PPK, Posko,
patrols, reserves) shift by shift; the plan as tables to show and export (CSV, XLSX), or saved as the assignments."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ops import models as m
from ops import tasks
from ops.clock import as_utc
from ops.config import Settings, load_pola
from ops.area import several_polres
from ops.deployment import (Duty, GuardCluster, Officer, PolresPart, TpsPoint, assign_personnel, plan_clusters,
                            plan_duties, plan_polres_duties, polres_needs)
from ops.importers.spreadsheet import csv_bytes, xlsx_bytes
from ops.phase import phase_at
from ops.region import in_area, kabupaten_of, level_of_code


@dataclass
class Plan:
    clusters: list[GuardCluster]
    surplus: list[str]  # officers the PAM TPS plan left over (the reserve before the other tasks)
    road_kmh: float
    river_kmh: float
    windows: list[tasks.Window]
    needs: dict[str, list[tasks.Need]]
    duties: list[Duty]

    def table(self, people: dict[str, m.Personnel], tps_names: dict[str, str]) -> pd.DataFrame:
        rows = []
        for c in self.clusters:
            rows.append({"klaster": c.code, "polsek": c.polsek_code, "kerawanan": c.kerawanan, "tps": len(c.tps_codes),
                         "kode_tps": ", ".join(c.tps_codes),
                         "lokasi": "; ".join(sorted({tps_names.get(t, t) for t in c.tps_codes})),
                         "polri_wajib": c.polri_required, "polri_ditugaskan": len(c.assigned), "kurang": max(0, c.gap),
                         "linmas_wajib": c.linmas_required, "rentang_menit": c.span_minutes,
                         "personel": "; ".join(f"{people[n].rank} {people[n].name} ({n}){' BKO' if people[n].bko else ''}"
                                               for n in c.assigned)})
        return pd.DataFrame(rows)


def roster(session: Session, use_bko: bool = True) -> list[Officer]:
    return [Officer(p.nrp, p.polsek_code, p.bko, tasks.home_task(p.role), tasks.crews_boats(p.unit))
            for p in session.scalars(select(m.Personnel).order_by(m.Personnel.nrp)) if use_bko or not p.bko]


def guard_pools(officers: list[Officer]) -> tuple[dict[str, list[str]], list[str]]:
    """Who may guard a TPS: per Polsek the officers whose role is PAM TPS, then those with no set role; the BKO
    reserve fills what is left."""
    pools: dict[str, list[str]] = defaultdict(list)
    for first in (True, False):
        for o in officers:
            if o.polsek and not o.bko and (o.home == tasks.PAM_TPS if first else o.home is None):
                pools[o.polsek].append(o.nrp)
    return dict(pools), [o.nrp for o in officers if o.bko]


def leg_plans(session: Session, area: str | None = None) -> list[tasks.LegPlan]:
    """The logistics plan as the escort planner sees it (of the kecamatan in `area` only): the warehouse legs are the
    Polres's, the others the Polsek's that covers the kecamatan."""
    pk = m.PolsekKecamatan
    polsek_of = dict(session.execute(select(pk.kecamatan_code, pk.polsek_code).where(
        in_area(pk.kecamatan_code, area))).all())
    leg = m.LogisticsLeg  # the columns the plan needs as plain rows, not ORM objects (58,725 legs at a province)
    return [tasks.LegPlan(stage, mode, kec, None if stage == "gudang-ppk" else polsek_of.get(kec),
                          as_utc(depart), as_utc(arrive), boxes)
            for stage, mode, kec, depart, arrive, boxes in session.execute(
                select(leg.stage, leg.mode, leg.kecamatan_code, leg.planned_depart, leg.planned_arrive, leg.boxes)
                .where(in_area(leg.kecamatan_code, area)).order_by(leg.id))]


def stored_clusters(session: Session, settings: Settings, area: str | None = None) -> list[GuardCluster]:
    """The guard clusters the TPS list carries (a TPS without one guards alone), with the Polri the pola requires;
    those of the TPS in `area` only, when given."""
    pola = load_pola(settings)
    out: dict[str, GuardCluster] = {}
    for code, cl, polsek, kelas, lat, lon in session.execute(
            select(m.Tps.code, m.Tps.cluster_code, m.Tps.polsek_code, m.Tps.kerawanan, m.Tps.lat, m.Tps.lon)
            .where(in_area(m.Tps.kecamatan_code, area)).order_by(m.Tps.code)):
        c = out.setdefault(cl or code, GuardCluster(cl or code, polsek or "", kelas, [], pola[kelas][0], 0, lat, lon,
                                                    0.0))
        c.tps_codes.append(code)
    return list(out.values())


def polres_parts(session: Session, clusters: list[GuardCluster], officers: list[Officer], area: str | None = None
                 ) -> tuple[list[PolresPart], list[Officer]]:
    """The Polres of an operation of several (of `area` only, when given), each with its guard clusters, legs, Polsek
    and roster: the officers of its Polsek, its Polres units (personnel.polres_code) and the BKO guarding its TPS.
    Second: the officers of no Polres there (BKO guarding nowhere, a Polres unit the roster names no Polres for)."""
    pk = m.PolsekKecamatan
    polres_of_polsek: dict[str, str] = {}
    for kec, polsek in session.execute(select(pk.kecamatan_code, pk.polsek_code).where(
            in_area(pk.kecamatan_code, area))):
        polres_of_polsek.setdefault(polsek, kabupaten_of(kec))
    parts: dict[str, PolresPart] = {}

    def part(kab: str) -> PolresPart:
        return parts.setdefault(kab, PolresPart(kab, [], [], [], []))
    for c in clusters:
        part(kabupaten_of(c.tps_codes[0])).clusters.append(c)
    for leg in leg_plans(session, area):
        part(kabupaten_of(leg.kecamatan)).legs.append(leg)
    for polsek in sorted(polres_of_polsek):
        part(polres_of_polsek[polsek]).polsek.append(polsek)
    if not officers:
        return [parts[k] for k in sorted(parts)], []
    unit_of = dict(session.execute(select(m.Personnel.nrp, m.Personnel.polres_code).where(
        m.Personnel.polres_code.is_not(None))).all())
    guarding = {nrp: kabupaten_of(c.tps_codes[0]) for c in clusters for nrp in c.assigned}
    spare = []
    for o in officers:
        kab = guarding.get(o.nrp) if o.bko else polres_of_polsek.get(o.polsek) if o.polsek else unit_of.get(o.nrp)
        (parts[kab].roster if kab in parts else spare).append(o)
    return [parts[k] for k in sorted(parts)], spare


def operation_needs(session: Session, settings: Settings, clusters: list[GuardCluster] | None = None,
                    area: str | None = None) -> tuple[list[tasks.Window], dict[str, list[tasks.Need]]]:
    """Every shift's needs: of the whole operation, or of `area` (its TPS, its legs, the Polsek covering it); at an
    operation of several Polres, a Posko and a warehouse for each one in it. An area below a kabupaten (a kecamatan,
    a desa) holds no Posko or warehouse: it does not need theirs."""
    wins = tasks.windows(settings)
    clusters = stored_clusters(session, settings, area) if clusters is None else clusters
    if several_polres(session, settings):
        needs = polres_needs(settings, wins, polres_parts(session, clusters, [], area)[0])
    else:
        polsek = select(m.Polsek.code).order_by(m.Polsek.code)
        if area:
            polsek = polsek.where(m.Polsek.code.in_(select(m.PolsekKecamatan.polsek_code).where(
                in_area(m.PolsekKecamatan.kecamatan_code, area))))
        needs = tasks.needs_by_window(settings, wins, [(c.code, c.polsek_code, c.polri_required) for c in clusters],
                                      leg_plans(session, area), list(session.scalars(polsek)))
    if area and level_of_code(area) not in ("nasional", "provinsi", "kabupaten"):
        needs = {w: [n for n in wanted if n.task not in tasks.POLRES_TASKS] for w, wanted in needs.items()}
    return wins, needs


def _duties(session: Session, settings: Settings, clusters: list[GuardCluster], officers: list[Officer]
            ) -> tuple[list[str], list[tasks.Window], dict, list[Duty]]:
    pools, reserve = guard_pools(officers)
    surplus = assign_personnel(clusters, pools, reserve)
    wins = tasks.windows(settings)
    guarded = {w.code for w in wins if tasks.guarded(settings, w)}
    if several_polres(session, settings):
        parts, spare = polres_parts(session, clusters, officers)
        return surplus, wins, polres_needs(settings, wins, parts), plan_polres_duties(settings, wins, guarded, parts,
                                                                                      spare)
    _, needs = operation_needs(session, settings, clusters)
    return surplus, wins, needs, plan_duties(wins, needs, officers, {c.code: c.assigned for c in clusters}, guarded)


def run_planner(session: Session, settings: Settings, road_kmh: float | None = None, river_kmh: float | None = None,
                use_bko: bool = True) -> Plan:
    road = road_kmh or settings.road_speed_kmh
    river = river_kmh or settings.river_speed_kmh
    tps = [TpsPoint(t.code, t.polsek_code or "", t.kerawanan, t.lat, t.lon, t.akses)
           for t in session.scalars(select(m.Tps).order_by(m.Tps.code))]
    clusters = plan_clusters(tps, load_pola(settings), road, river)
    surplus, wins, needs, duties = _duties(session, settings, clusters, roster(session, use_bko))
    return Plan(clusters, surplus, road, river, wins, needs, duties)


def assign_stored_clusters(session: Session, settings: Settings) -> list[Duty]:
    """Plan every officer's shifts over the clusters the TPS list carries and save them as the assignments."""
    clusters = stored_clusters(session, settings)
    _, wins, _, duties = _duties(session, settings, clusters, roster(session))
    save_duties(session, settings, wins, duties, {c.code: c.tps_codes for c in clusters})
    return duties


def save_duties(session: Session, settings: Settings, wins: list[tasks.Window], duties: list[Duty],
                cluster_tps: dict[str, list[str]]) -> None:
    """Replace the assignments: one row per officer and shift. Assignment.cluster_code holds the post (the guard
    cluster of a PAM TPS, the kecamatan of a PPK, the Polsek of a patrol or reserve)."""
    session.execute(delete(m.Assignment))
    tahapan = {w.code: phase_at(w.start, settings).tahapan for w in wins}
    for d in duties:
        single = cluster_tps.get(d.post or "", [])
        session.add(m.Assignment(nrp=d.nrp, cluster_code=d.post, tahapan=tahapan[d.window], shift=d.window,
                                 task=d.task, tps_code=single[0] if d.task == tasks.PAM_TPS and len(single) == 1
                                 else None))
    session.flush()


def needs_table(wins: list[tasks.Window], needs: dict[str, list[tasks.Need]], duties: list[Duty],
                settings: Settings) -> pd.DataFrame:
    """Per shift and task: officers required, assigned and short (a task's surplus, e.g. reserves, is not short)."""
    got: dict[tuple[str, str], int] = defaultdict(int)
    for d in duties:
        got[(d.window, d.task)] += 1
    rows = []
    for w in wins:
        want: dict[str, int] = defaultdict(int)
        for n in needs.get(w.code, []):
            want[n.task] += n.count
        for t in tasks.TASKS:
            if want[t] or got[(w.code, t)]:
                rows.append({"shift": w.code, "hari": tasks.h_label(settings, w.day), "tugas": t,
                             "wajib": want[t], "ditugaskan": got[(w.code, t)],
                             "kurang": max(0, want[t] - got[(w.code, t)])})
    return pd.DataFrame(rows, columns=["shift", "hari", "tugas", "wajib", "ditugaskan", "kurang"])


def shift_table(wins: list[tasks.Window], duties: list[Duty], people: dict[str, m.Personnel]) -> pd.DataFrame:
    """One row per officer, one column per shift: the task, or off duty."""
    by = {(d.nrp, d.window): d.task for d in duties}
    rows = []
    for nrp, p in sorted(people.items()):
        rows.append({"nrp": nrp, "nama": p.name, "pangkat": p.rank, "satuan": p.unit,
                     **{w.code: tasks.DUTY_LABEL[by.get((nrp, w.code), tasks.OFF_DUTY)] for w in wins}})
    return pd.DataFrame(rows)


def plan_tables(session: Session, settings: Settings, road_kmh: float, river_kmh: float, use_bko: bool
                ) -> dict[str, pd.DataFrame]:
    """The plan, its balance per Polsek, the officers left after PAM TPS, every shift's needs and every officer's
    shifts, ready to show or export."""
    plan = run_planner(session, settings, road_kmh, river_kmh, use_bko)
    people = {p.nrp: p for p in session.scalars(select(m.Personnel)) if use_bko or not p.bko}
    names = {code: f"TPS {num:03d} {desa}" for code, num, desa in session.execute(
        select(m.Tps.code, m.Tps.number, m.Region.name).join(m.Region, m.Region.code == m.Tps.desa_code))}
    polsek = dict(session.execute(select(m.Polsek.code, m.Polsek.name)).all())
    table = plan.table(people, names)
    table.insert(1, "nama_polsek", table["polsek"].map(polsek))
    balance = table.groupby(["polsek", "nama_polsek"], as_index=False).agg(
        klaster=("klaster", "count"), tps=("tps", "sum"), polri_wajib=("polri_wajib", "sum"),
        polri_ditugaskan=("polri_ditugaskan", "sum"), kurang=("kurang", "sum"))
    bko_used = {n for c in plan.clusters for n in c.assigned if people[n].bko}
    balance["bko_dipakai"] = balance["polsek"].map(
        lambda code: sum(1 for c in plan.clusters if c.polsek_code == code for n in c.assigned if n in bko_used))
    left = pd.DataFrame([{"nrp": n, "nama": people[n].name, "pangkat": people[n].rank,
                          "polsek": polsek.get(people[n].polsek_code, "BKO" if people[n].bko else "Polres"),
                          "bko": people[n].bko} for n in plan.surplus], columns=["nrp", "nama", "pangkat", "polsek", "bko"])
    need = needs_table(plan.windows, plan.needs, plan.duties, settings)
    need["tugas"] = need["tugas"].map(tasks.DUTY_LABEL)
    return {"rencana": table, "per_polsek": balance, "cadangan": left, "kebutuhan": need,
            "jadwal": shift_table(plan.windows, plan.duties, people)}


def to_xlsx(tables: dict[str, pd.DataFrame]) -> bytes:
    """Every table on its own sheet; names and places are text that a spreadsheet never runs as a formula."""
    return xlsx_bytes(tables)


def to_csv(table: pd.DataFrame) -> bytes:
    return csv_bytes(table)


def save_plan(session: Session, settings: Settings, actor: str, road_kmh: float | None = None,
              river_kmh: float | None = None, use_bko: bool = True) -> Plan:
    """Make the plan the operation's: each TPS takes its guard cluster, and every officer's shifts become the
    assignments (replacing the ones before). Commanders and up; audited. This is how an operation set up from its
    own files gets its deployment."""
    from ops.audit import record
    from ops.auth import authorize

    if actor != "cli":
        authorize(session, actor, "plan")
    plan = run_planner(session, settings, road_kmh, river_kmh, use_bko)
    cluster_of = {t: c.code for c in plan.clusters for t in c.tps_codes}
    for tps in session.scalars(select(m.Tps)):
        tps.cluster_code = cluster_of.get(tps.code)
    save_duties(session, settings, plan.windows, plan.duties, {c.code: c.tps_codes for c in plan.clusters})
    record(session, actor, "simpan_rencana", "penugasan", None, None,
           {"klaster": len(plan.clusters), "tugas": len(plan.duties), "kecepatan_darat": plan.road_kmh,
            "kecepatan_sungai": plan.river_kmh, "bko": use_bko,
            "kurang": sum(max(0, c.gap) for c in plan.clusters)})
    return plan
