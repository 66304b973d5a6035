"""The deployment planner over the database: guard clusters by travel time from the TPS list, personnel from each
Polsek's roster plus the BKO reserve, and the plan as a table to export (CSV, XLSX)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.config import Settings, load_pola
from ops.deployment import GuardCluster, TpsPoint, assign_personnel, plan_clusters
from ops.importers.spreadsheet import csv_bytes, xlsx_bytes


@dataclass
class Plan:
    clusters: list[GuardCluster]
    surplus: list[str]
    road_kmh: float
    river_kmh: float

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


def run_planner(session: Session, settings: Settings, road_kmh: float | None = None, river_kmh: float | None = None,
                use_bko: bool = True) -> Plan:
    road = road_kmh or settings.road_speed_kmh
    river = river_kmh or settings.river_speed_kmh
    tps = [TpsPoint(t.code, t.polsek_code or "", t.kerawanan, t.lat, t.lon, t.akses)
           for t in session.scalars(select(m.Tps).order_by(m.Tps.code))]
    clusters = plan_clusters(tps, load_pola(settings), road, river)
    roster: dict[str, list[str]] = {}
    reserve: list[str] = []
    for p in session.scalars(select(m.Personnel).order_by(m.Personnel.nrp)):
        if p.bko:
            if use_bko:
                reserve.append(p.nrp)
        elif p.role == "PAM TPS" and p.polsek_code:
            roster.setdefault(p.polsek_code, []).append(p.nrp)
    surplus = assign_personnel(clusters, roster, reserve)
    return Plan(clusters, surplus, road, river)


def plan_tables(session: Session, settings: Settings, road_kmh: float, river_kmh: float, use_bko: bool
                ) -> dict[str, pd.DataFrame]:
    """The plan, its balance per Polsek and the officers left over, ready to show or export."""
    plan = run_planner(session, settings, road_kmh, river_kmh, use_bko)
    people = {p.nrp: p for p in session.scalars(select(m.Personnel))}
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
                          "polsek": polsek.get(people[n].polsek_code, "BKO"), "bko": people[n].bko}
                         for n in plan.surplus], columns=["nrp", "nama", "pangkat", "polsek", "bko"])
    return {"rencana": table, "per_polsek": balance, "cadangan": left}


def to_xlsx(tables: dict[str, pd.DataFrame]) -> bytes:
    """Every table on its own sheet; names and places are text that a spreadsheet never runs as a formula."""
    return xlsx_bytes(tables)


def to_csv(table: pd.DataFrame) -> bytes:
    return csv_bytes(table)
