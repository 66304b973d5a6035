"""Import of the logistics plan: every leg of the ballot boxes, out (gudang KPU → PPK → PPS → TPS) and back
(TPS → PPS → PPK).

Columns: tahap, dari, ke (codes: a kecamatan stands for its PPK, a desa for its PPS, a TPS for itself; the KPU
warehouse by the code of the area it stands in), berangkat, tiba (planned, WIB), akses (darat, sungai), kotak
(ballot boxes carried); optional: pengawal (NRPs of the escort, separated by ';'), nama_dari, nama_ke (names shown
instead of the ones made from the codes). One leg per stage and place; a leg already planned is updated in place, so
its reported hand-overs stay with it.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ops import calendar
from ops import models as m
from ops.area import operation_area
from ops.audit import record, snapshot
from ops.clock import as_utc, from_wib
from ops.config import Settings
from ops.geo import route_km
from ops.importers import Column, ImportRejected, ImportReport, Problem, choice, number, read_rows, record_file, text
from ops.importers import personnel
from ops.importers.checks import any_code, area_problem, codes, level_of, moment, wib_text
from ops.importers.tps import AKSES
from ops.logistics import STAGE_DIRECTION, STAGE_LABEL
from ops.region import region_from_db

# Where each stage runs from and to, by level; the warehouse ("gudang") may stand in any area of the kabupaten.
ENDS = {"gudang-ppk": ("gudang", "kecamatan"), "ppk-pps": ("kecamatan", "desa"), "pps-tps": ("desa", "tps"),
        "tps-pps": ("tps", "desa"), "pps-ppk": ("desa", "kecamatan")}
END_WORD = {"gudang": "kode wilayah tempat gudang KPU", "kecamatan": "kode kecamatan (PPK)",
            "desa": "kode desa/kelurahan (PPS)", "tps": "kode TPS"}
STAGE_NAMES = {name: stage for stage, label in STAGE_LABEL.items()
               for name in (stage.replace("-", "_"), label.lower().replace(" ", "_"))}
ESCORT_TASK = "Pengawalan logistik"
FIELDS = ("direction", "from_name", "to_name", "from_lat", "from_lon", "to_lat", "to_lon", "mode", "distance_km",
          "planned_depart", "planned_arrive", "boxes")


def escort_ref(leg_id: int) -> str:
    # An escort is an Assignment of the officer to the leg. The schema has no column for the leg, so the reference
    # rides in cluster_code (which only PAM TPS assignments use as a guard cluster).
    return f"leg:{leg_id}"


def _when(raw: str) -> dt.datetime:
    value = moment(raw)
    if not isinstance(value, dt.datetime):
        raise ValueError("tulis tanggal dan jam, WIB (mis. 2024-11-26 14:00)")
    return value


COLUMNS = [
    Column("tahap", choice(STAGE_NAMES), help="; ".join(f"{k} ({v})" for k, v in STAGE_LABEL.items())),
    Column("dari", any_code, help="asal: " + "; ".join(f"{k}: {END_WORD[a]}" for k, (a, _) in ENDS.items())),
    Column("ke", any_code, help="tujuan: " + "; ".join(f"{k}: {END_WORD[b]}" for k, (_, b) in ENDS.items())),
    Column("berangkat", _when, help="rencana berangkat, WIB (mis. 2024-11-26 14:00)"),
    Column("tiba", _when, help="rencana tiba, WIB"),
    Column("akses", choice(AKSES), help="darat, atau sungai bila lewat perahu"),
    Column("kotak", number(int, 1, 100_000), help="jumlah kotak suara yang dibawa"),
    Column("pengawal", codes(personnel.parse_nrp), required=False, help="NRP personel pengawal (dari daftar personel), dipisah ;"),
    Column("nama_dari", text(160), required=False, help="nama tempat asal bila bukan nama baku (mis. Gudang "
                                                        "Logistik KPU, Kayu Agung)"),
    Column("nama_ke", text(160), required=False, help="nama tempat tujuan bila bukan nama baku"),
]


def _end_problem(region, tps: dict, code: str, level: str, scope: str) -> str | None:
    if level == "tps":
        return None if code in tps else f"{code} bukan TPS dalam daftar TPS (impor daftar TPS lebih dulu)"
    if level == "gudang":
        where = level_of(code)
        if where == "tps" or area_problem(region, code, where, scope):
            return f"{code} bukan kode wilayah di {scope or 'nasional'}; tahap ini memerlukan {END_WORD[level]}"
        return None
    reason = area_problem(region, code, level, scope)
    return f"{reason}; tahap ini memerlukan {END_WORD[level]}" if reason else None


def _place(region, tps: dict, code: str, level: str) -> tuple[str, float, float]:
    """(name, lat, lon) of a leg's end made from its code."""
    if level == "tps":
        t = tps[code]
        return f"TPS {t.number:03d} {region.areas[t.desa_code].name}", t.lat, t.lon
    a = region.areas[code]
    word = {"kecamatan": "PPK", "desa": "PPS", "gudang": "Gudang KPU"}[level]
    return f"{word} {a.name}", a.lat, a.lon


def import_legs(session: Session, settings: Settings, data: bytes, filename: str, actor: str,
                progress: Callable[[float], None] = lambda f: None) -> ImportReport:
    rows, problems = read_rows(settings, data, filename, COLUMNS, lambda f: progress(f * 0.5))
    region = region_from_db(session)
    tps = {t.code: t for t in session.scalars(select(m.Tps))}
    roster = set(session.scalars(select(m.Personnel.nrp)))
    s = calendar.effective_settings(settings, session)
    scope = operation_area(session, settings).code
    first = from_wib(dt.datetime.combine(s.phase_start, dt.time(0, 0))) - dt.timedelta(days=14)
    last = from_wib(dt.datetime.combine(s.phase_end, dt.time(23, 59))) + dt.timedelta(days=14)
    seen: dict[tuple, int] = {}
    clean = []
    for row_no, r in rows:
        if r["__bad__"]:
            continue
        stage = r["tahap"]
        a_level, b_level = ENDS[stage]
        bad = [Problem(row_no, col, reason) for col, code, level in (("dari", r["dari"], a_level),
                                                                     ("ke", r["ke"], b_level))
               if (reason := _end_problem(region, tps, code, level, scope))]
        depart, arrive = from_wib(r["berangkat"]), from_wib(r["tiba"])
        if arrive <= depart:
            bad.append(Problem(row_no, "tiba", f"tidak sesudah berangkat ({wib_text(r['berangkat'])})"))
        elif depart < first or arrive > last:
            bad.append(Problem(row_no, "berangkat", f"jauh di luar masa operasi ({s.phase_start:%Y-%m-%d} s.d. "
                                                    f"{s.phase_end:%Y-%m-%d}, ±14 hari)"))
        unknown = [n for n in r.get("pengawal") or [] if n not in roster]
        if unknown:
            bad.append(Problem(row_no, "pengawal", f"NRP {', '.join(unknown)} tidak ada di daftar personel"))
        if bad:
            problems += bad
            continue
        ends = {a_level: r["dari"], b_level: r["ke"]}
        kec, desa, tps_code = _where(region, tps, ends)
        mismatch = _mismatch(region, tps, ends)
        if mismatch:
            problems.append(Problem(row_no, "dari/ke", mismatch))
            continue
        key = (stage, kec, desa, tps_code)
        if key in seen:
            problems.append(Problem(row_no, "dari/ke", f"tahap {stage} ke/dari tempat ini sudah ada di baris "
                                                       f"{seen[key]}: satu perjalanan per tahap dan tempat"))
            continue
        seen[key] = row_no
        a_name, a_lat, a_lon = _place(region, tps, r["dari"], a_level)
        b_name, b_lat, b_lon = _place(region, tps, r["ke"], b_level)
        clean.append((key, r.get("pengawal") or [], {
            "direction": STAGE_DIRECTION[stage], "stage": stage, "kecamatan_code": kec, "desa_code": desa,
            "tps_code": tps_code, "from_name": r.get("nama_dari") or a_name, "to_name": r.get("nama_ke") or b_name,
            "from_lat": a_lat, "from_lon": a_lon, "to_lat": b_lat, "to_lon": b_lon, "mode": r["akses"],
            "distance_km": round(route_km(a_lat, a_lon, b_lat, b_lon, r["akses"]), 1),
            "planned_depart": depart, "planned_arrive": arrive, "boxes": r["kotak"]}))
    if problems:
        raise ImportRejected(problems)
    return _save(session, actor, filename, clean)


def _where(region, tps: dict, ends: dict) -> tuple[str, str | None, str | None]:
    """(kecamatan, desa, TPS) of a leg from the codes of its ends."""
    if "tps" in ends:
        t = tps[ends["tps"]]
        return t.kecamatan_code, t.desa_code, t.code
    if "desa" in ends:
        return region.areas[ends["desa"]].parent_code, ends["desa"], None
    return ends["kecamatan"], None, None


def _mismatch(region, tps: dict, ends: dict) -> str | None:
    """Why the two ends do not belong together (a PPS of another kecamatan, a TPS of another desa), or None."""
    if "tps" in ends and "desa" in ends and tps[ends["tps"]].desa_code != ends["desa"]:
        return f"TPS {ends['tps']} tidak di desa {ends['desa']}"
    if "desa" in ends and "kecamatan" in ends and region.areas[ends["desa"]].parent_code != ends["kecamatan"]:
        return f"desa {ends['desa']} tidak di kecamatan {ends['kecamatan']}"
    return None


def _save(session: Session, actor: str, filename: str, clean: list) -> ImportReport:
    report = ImportReport("Rencana logistik", len(clean))
    existing = {(leg.stage, leg.kecamatan_code, leg.desa_code, leg.tps_code): leg
                for leg in session.scalars(select(m.LogisticsLeg))}
    escorts: dict[int, list[str]] = {}
    for ref, nrp in session.execute(select(m.Assignment.cluster_code, m.Assignment.nrp)
                                    .where(m.Assignment.task == ESCORT_TASK, m.Assignment.cluster_code.like("leg:%"))):
        escorts.setdefault(int(ref.removeprefix("leg:")), []).append(nrp)
    for key, guards, rec in clean:
        leg = existing.get(key)
        if leg is None:
            leg = m.LogisticsLeg(**rec)
            session.add(leg)
            session.flush()
            record(session, actor, "impor_tambah", "logistik", str(leg.id), None, {**rec, "pengawal": guards})
            report.created += 1
        else:
            before = {**snapshot(leg, FIELDS), "pengawal": sorted(escorts.get(leg.id, []))}
            for k, v in rec.items():
                setattr(leg, k, v)
            after = {**snapshot(leg, FIELDS), "pengawal": sorted(guards)}
            if _same(before, after):
                report.unchanged += 1
                continue
            record(session, actor, "impor_ubah", "logistik", str(leg.id), before, after)
            report.updated += 1
        session.execute(delete(m.Assignment).where(m.Assignment.cluster_code == escort_ref(leg.id)))
        session.add_all(m.Assignment(nrp=n, tps_code=leg.tps_code, cluster_code=escort_ref(leg.id),
                                     tahapan="sebelum" if leg.direction == "berangkat" else "sesudah",
                                     shift="penuh", task=ESCORT_TASK) for n in guards)
    record_file(session, actor, "berkas_logistik", filename, report)
    return report


def _same(before: dict, after: dict) -> bool:
    # SQLite hands stored times back without their zone: compare moments, not their spelling.
    def norm(v):
        return as_utc(v) if isinstance(v, dt.datetime) else v
    return {k: norm(v) for k, v in before.items()} == {k: norm(v) for k, v in after.items()}


def frame(session: Session, settings: Settings | None = None) -> pd.DataFrame:
    """The logistics plan in the import format (the warehouse by the code of the area whose centre it stands at)."""
    region = region_from_db(session)
    centres = {(round(a.lat, 6), round(a.lon, 6)): code for code, a in region.areas.items()}
    escorts: dict[str, list[str]] = {}
    for ref, nrp in session.execute(select(m.Assignment.cluster_code, m.Assignment.nrp)
                                    .where(m.Assignment.task == ESCORT_TASK, m.Assignment.cluster_code.like("leg:%"))):
        escorts.setdefault(ref, []).append(nrp)
    rows = []
    for leg in session.scalars(select(m.LogisticsLeg).order_by(m.LogisticsLeg.id)):
        a_level, b_level = ENDS[leg.stage]
        code = {"kecamatan": leg.kecamatan_code, "desa": leg.desa_code, "tps": leg.tps_code,
                "gudang": centres.get((round(leg.from_lat, 6), round(leg.from_lon, 6)), "")}
        rows.append({"tahap": leg.stage, "dari": code[a_level], "ke": code[b_level],
                     "berangkat": wib_text(calendar.wall_clock(leg.planned_depart)),
                     "tiba": wib_text(calendar.wall_clock(leg.planned_arrive)), "akses": leg.mode,
                     "kotak": leg.boxes, "pengawal": "; ".join(sorted(escorts.get(escort_ref(leg.id), []))),
                     "nama_dari": leg.from_name, "nama_ke": leg.to_name})
    return pd.DataFrame(rows, columns=[c.name for c in COLUMNS])
