"""Import of the Polsek: code, name, headquarters and the kecamatan each covers.

Columns: kode_polsek, nama, lat, lon (the headquarters), kecamatan (kecamatan codes separated by ';'). The file is
the truth for the kecamatan it names: a kecamatan moves to the Polsek that names it. TPS of a covered kecamatan that
had no Polsek get it, and with it a travel distance and time from its headquarters when they had none.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.area import operation_area
from ops.audit import record, snapshot
from ops.config import Settings
from ops.importers import (Column, ImportRejected, ImportReport, Problem, distinct, matching, number, read_rows,
                           record_file, text)
from ops.importers.checks import area_problem, code_of, codes, point_problem
from ops.importers.tps import travel
from ops.region import region_from_db

FIELDS = ("name", "hq_lat", "hq_lon")
COLUMNS = [
    Column("kode_polsek", matching(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}", "kode Polsek: huruf, angka, titik, garis "
                                   "bawah atau tanda hubung, paling banyak 20 (mis. PS-KAYUAGUNG)"), help="kode singkat Polsek, dipakai di daftar TPS dan personel (mis. "
                                             "PS-KAYUAGUNG)"),
    Column("nama", text(120), help="nama Polsek, mis. Polsek Kayu Agung"),
    Column("lat", number(float, -180, 180), help="lintang markas Polsek (desimal)"),  # a swap is named below
    Column("lon", number(float, -180, 180), help="bujur markas Polsek (desimal)"),
    Column("kecamatan", codes(code_of("kecamatan")), help="kode kecamatan yang dibawahi, dipisah ; (mis. "
                                                          "16.10.04; 16.10.08)"),
]


def import_polsek(session: Session, settings: Settings, data: bytes, filename: str, actor: str,
                  progress: Callable[[float], None] = lambda f: None) -> ImportReport:
    rows, problems = read_rows(settings, data, filename, COLUMNS, lambda f: progress(f * 0.5))
    region = region_from_db(session)
    scope = operation_area(session, settings).code
    covered: dict[str, tuple[int, str]] = {}  # kecamatan -> (row, polsek) in this file
    clean = []
    for row_no, r in distinct(rows, "kode_polsek", problems):
        code = r["kode_polsek"]
        bad = [reason for k in r["kecamatan"] if (reason := area_problem(region, k, "kecamatan", scope))]
        for k in r["kecamatan"]:
            if k in covered:
                bad.append(f"{k} sudah dibawahi {covered[k][1]} (baris {covered[k][0]}): satu kecamatan satu Polsek")
            covered.setdefault(k, (row_no, code))
        if bad:
            problems.extend(Problem(row_no, "kecamatan", reason) for reason in bad)
            continue
        # The headquarters stands in one of the kecamatan it covers.
        if reason := point_problem(region, r["kecamatan"], r["lat"], r["lon"], settings.import_desa_tolerance_m,
                                   "kecamatan yang dibawahi"):
            problems.append(Problem(row_no, "lat/lon", reason))
            continue
        clean.append({"code": code, "name": r["nama"], "hq_lat": r["lat"], "hq_lon": r["lon"],
                      "kecamatan": r["kecamatan"]})
    if problems:
        raise ImportRejected(problems)
    report = ImportReport("Polsek", len(clean))
    existing = {p.code: p for p in session.scalars(select(m.Polsek))}
    before_cover: dict[str, list[str]] = {}
    for k, p in session.execute(select(m.PolsekKecamatan.kecamatan_code, m.PolsekKecamatan.polsek_code)):
        before_cover.setdefault(p, []).append(k)
    for rec in clean:
        cover = sorted(rec.pop("kecamatan"))
        p = existing.get(rec["code"])
        if p is None:
            p = m.Polsek(**rec)
            session.add(p)
            record(session, actor, "impor_tambah", "polsek", rec["code"], None, {**rec, "kecamatan": cover})
            report.created += 1
        else:
            before = {**snapshot(p, FIELDS), "kecamatan": sorted(before_cover.get(p.code, []))}
            for k, v in rec.items():
                setattr(p, k, v)
            after = {**snapshot(p, FIELDS), "kecamatan": cover}
            if after != before:
                record(session, actor, "impor_ubah", "polsek", rec["code"], before, after)
                report.updated += 1
            else:
                report.unchanged += 1
        rec["kecamatan"] = cover
    session.flush()
    # The file is the truth for the kecamatan it names and the Polsek it lists.
    named = [k for rec in clean for k in rec["kecamatan"]]
    session.execute(delete(m.PolsekKecamatan).where(
        m.PolsekKecamatan.kecamatan_code.in_(named) | m.PolsekKecamatan.polsek_code.in_([r["code"] for r in clean])))
    session.add_all(m.PolsekKecamatan(kecamatan_code=k, polsek_code=rec["code"]) for rec in clean
                    for k in rec["kecamatan"])
    session.flush()
    attach_tps(session, settings, actor)
    record_file(session, actor, "berkas_polsek", filename, report)
    progress(1.0)
    return report


def attach_tps(session: Session, settings: Settings, actor: str) -> int:
    """TPS without a Polsek get the one covering their kecamatan, and a distance and time from its headquarters when
    they have none; returns how many TPS changed."""
    covers = dict(session.execute(select(m.PolsekKecamatan.kecamatan_code, m.PolsekKecamatan.polsek_code)).all())
    hq = {p.code: (p.hq_lat, p.hq_lon) for p in session.scalars(select(m.Polsek))}
    changed = 0
    for t in session.scalars(select(m.Tps).where(m.Tps.polsek_code.is_(None) | m.Tps.distance_km.is_(None))):
        ps = t.polsek_code or covers.get(t.kecamatan_code)
        if ps is None:
            continue
        before = {"polsek_code": t.polsek_code, "distance_km": t.distance_km, "travel_min": t.travel_min}
        t.polsek_code = ps
        t.distance_km, t.travel_min = travel(settings, hq.get(ps), t.lat, t.lon, t.akses, t.distance_km, t.travel_min)
        after = {"polsek_code": t.polsek_code, "distance_km": t.distance_km, "travel_min": t.travel_min}
        if after != before:
            record(session, actor, "impor_turunan", "tps", t.code, before, after)
            changed += 1
    return changed


def frame(session: Session, settings: Settings | None = None) -> pd.DataFrame:
    """The Polsek in the import format."""
    cover: dict[str, list[str]] = {}
    for k, p in session.execute(select(m.PolsekKecamatan.kecamatan_code, m.PolsekKecamatan.polsek_code)):
        cover.setdefault(p, []).append(k)
    rows = [{"kode_polsek": p.code, "nama": p.name, "lat": p.hq_lat, "lon": p.hq_lon,
             "kecamatan": "; ".join(sorted(cover.get(p.code, [])))}
            for p in session.scalars(select(m.Polsek).order_by(m.Polsek.code))]
    return pd.DataFrame(rows, columns=[c.name for c in COLUMNS])
