"""Import of the KPU/Polres TPS list.

Columns (CSV with a header row or the first sheet of an XLSX): kode_tps, kode_desa, nomor, alamat, lat, lon, dpt,
kerawanan, akses; optional: jarak_km and waktu_tempuh_menit (else from the Polsek headquarters), kode_polsek,
indikator (separated by ';'), verifikasi (belum, terverifikasi, perlu_cek).
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.area import operation_area
from ops.audit import record, snapshot
from ops.clock import utcnow
from ops.config import Settings
from ops.geo import route_km, travel_minutes
from ops.importers import (Column, ImportRejected, ImportReport, Problem, choice, distinct, number, read_rows,
                           record_file, text)
from ops.importers.checks import area_problem, code_of, point_problem
from ops.region import region_from_db

KERAWANAN = {"kurang_rawan": "kurang_rawan", "rawan": "rawan", "sangat_rawan": "sangat_rawan"}
AKSES = {"darat": "darat", "sungai": "sungai", "jalur_sungai": "sungai"}
VERIFIKASI = {"belum": "belum", "terverifikasi": "terverifikasi", "perlu_cek": "perlu_cek", "perlu_cek_ulang": "perlu_cek"}
FIELDS = ("desa_code", "kecamatan_code", "number", "address", "lat", "lon", "dpt", "kerawanan", "indikator", "akses",
          "polsek_code", "distance_km", "travel_min", "verification")


def travel(settings: Settings, hq: tuple[float, float] | None, lat: float, lon: float, akses: str,
           km: float | None, minutes: float | None) -> tuple[float | None, float | None]:
    """Distance and travel time from the Polsek: as the file gives them, else from its headquarters by road or river
    (unknown while no Polsek covers the TPS)."""
    if km is None and hq is not None:
        km = round(route_km(hq[0], hq[1], lat, lon, akses), 1)
    if minutes is None and km is not None:
        minutes = round(travel_minutes(km, akses, settings.road_speed_kmh, settings.river_speed_kmh), 1)
    return km, minutes


COLUMNS = [
    Column("kode_tps", code_of("tps"), help="kode desa + nomor TPS 3 digit, mis. 16.10.04.2001.003"),
    Column("kode_desa", code_of("desa"), help="kode Kemendagri desa/kelurahan tempat TPS"),
    Column("nomor", number(int, 1, 999), help="nomor TPS di desa itu (1-999)"),
    Column("alamat", text(200), help="tempat TPS, mis. Halaman Balai Desa"),
    Column("lat", number(float, -180, 180), help="lintang titik TPS (desimal, mis. -3.2451)"),  # a swap is named below
    Column("lon", number(float, -180, 180), help="bujur titik TPS (desimal, mis. 104.6512)"),
    Column("dpt", number(int, 1, 1000, " pemilih"), help="jumlah pemilih dalam DPT TPS ini"),
    Column("kerawanan", choice(KERAWANAN), help="kurang_rawan, rawan atau sangat_rawan"),
    Column("akses", choice(AKSES), help="darat, atau sungai bila logistik hanya bisa lewat sungai"),
    Column("jarak_km", number(float, 0, 300, " km"), required=False,
           help="jarak tempuh dari Polsek; kosong: dihitung dari titik markas Polsek"),
    Column("waktu_tempuh_menit", number(float, 0, 1440, " menit"), required=False,
           help="kosong: dari jarak dengan kecepatan darat atau sungai"),
    Column("kode_polsek", text(20), required=False, help="kosong: Polsek yang membawahi kecamatannya"),
    Column("indikator", lambda raw: [x.strip() for x in text(1000)(raw).split(";") if x.strip()], required=False,
           help="indikator kerawanan, dipisah ;"),
    Column("verifikasi", choice(VERIFIKASI), required=False, help="belum, terverifikasi atau perlu_cek"),
]


def import_tps(session: Session, settings: Settings, data: bytes, filename: str, actor: str,
               progress: Callable[[float], None] = lambda f: None) -> ImportReport:
    """Validate every row, then upsert all in the caller's transaction; raises ImportRejected naming every bad row."""
    rows, problems = read_rows(settings, data, filename, COLUMNS, lambda f: progress(f * 0.5))
    region = region_from_db(session)
    scope = operation_area(session, settings).code
    hq = {p.code: (p.hq_lat, p.hq_lon) for p in session.scalars(select(m.Polsek))}
    covers = dict(session.execute(select(m.PolsekKecamatan.kecamatan_code, m.PolsekKecamatan.polsek_code)).all())
    clean = []
    for i, (row_no, r) in enumerate(distinct(rows, "kode_tps", problems)):
        if len(rows) > 1 and i % 500 == 0:
            progress(0.5 + 0.4 * i / len(rows))
        code, desa = r["kode_tps"], r["kode_desa"]
        if reason := area_problem(region, desa, "desa", scope):
            problems.append(Problem(row_no, "kode_desa", reason))
            continue
        area = region.areas[desa]
        if r.get("nomor") is not None and code != f"{desa}.{r['nomor']:03d}":
            problems.append(Problem(row_no, "kode_tps", f"{code} tidak sama dengan kode_desa + nomor ({desa}."
                                                        f"{r['nomor']:03d})"))
            continue
        if r.get("lat") is None or r.get("lon") is None:
            continue
        if reason := point_problem(region, [desa], r["lat"], r["lon"], settings.import_desa_tolerance_m,
                                   f"desa {area.name}"):
            problems.append(Problem(row_no, "lat/lon", reason))
            continue
        ps = r.get("kode_polsek") or covers.get(area.parent_code)
        if ps is not None and ps not in hq:
            problems.append(Problem(row_no, "kode_polsek", f"Polsek {ps} tidak dikenal"))
            continue
        km, minutes = travel(settings, hq.get(ps), r["lat"], r["lon"], r["akses"], r.get("jarak_km"),
                             r.get("waktu_tempuh_menit"))
        clean.append({"code": code, "desa_code": desa, "kecamatan_code": area.parent_code, "number": r["nomor"],
                      "address": r["alamat"], "lat": r["lat"], "lon": r["lon"], "dpt": r["dpt"],
                      "kerawanan": r["kerawanan"], "indikator": r.get("indikator") or [], "akses": r["akses"],
                      "polsek_code": ps, "distance_km": km, "travel_min": minutes,
                      "verification": r.get("verifikasi")})
    if problems:
        raise ImportRejected(problems)
    report = ImportReport("TPS", len(clean))
    existing = {t.code: t for t in session.scalars(select(m.Tps).where(m.Tps.code.in_([c["code"] for c in clean])))}
    now = utcnow()
    for i, rec in enumerate(clean):
        verification = rec.pop("verification")
        tps = existing.get(rec["code"])
        if tps is None:
            tps = m.Tps(**rec, linmas=2, verification=verification or "belum")
            if verification and verification != "belum":
                tps.verified_by, tps.verified_at = actor, now
                report.verified += 1
            session.add(tps)
            record(session, actor, "impor_tambah", "tps", rec["code"], None, snapshot(tps, FIELDS))
            report.created += 1
            continue
        before = snapshot(tps, FIELDS)
        for k, v in rec.items():
            setattr(tps, k, v)
        if verification and verification != tps.verification:
            tps.verification, tps.verified_by, tps.verified_at = verification, actor, now
            report.verified += 1
        after = snapshot(tps, FIELDS)
        if after != before:
            record(session, actor, "impor_ubah", "tps", rec["code"], before, after)
            report.updated += 1
        else:
            report.unchanged += 1
        if i % 500 == 0:
            progress(0.9 + 0.1 * i / len(clean))
    record_file(session, actor, "berkas_tps", filename, report)
    progress(1.0)
    return report


def frame(session: Session, settings: Settings | None = None) -> pd.DataFrame:
    """The TPS list in the import format."""
    rows = [{"kode_tps": t.code, "kode_desa": t.desa_code, "nomor": t.number, "alamat": t.address, "lat": t.lat,
             "lon": t.lon, "dpt": t.dpt, "kerawanan": t.kerawanan, "akses": t.akses, "jarak_km": t.distance_km,
             "waktu_tempuh_menit": t.travel_min, "kode_polsek": t.polsek_code or "",
             "indikator": "; ".join(t.indikator or []), "verifikasi": t.verification}
            for t in session.scalars(select(m.Tps).order_by(m.Tps.code))]
    return pd.DataFrame(rows, columns=[c.name for c in COLUMNS])
