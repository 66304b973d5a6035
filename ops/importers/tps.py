"""Import of the KPU/Polres TPS list.

Columns (CSV with a header row or the first sheet of an XLSX): kode_tps, kode_desa, nomor, alamat, lat, lon, dpt,
kerawanan, akses, jarak_km; optional: waktu_tempuh_menit, kode_polsek, indikator (separated by ';'), verifikasi
(belum, terverifikasi, perlu_cek).
"""
from __future__ import annotations

from typing import Callable

from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.area import operation_area
from ops.audit import record, snapshot
from ops.clock import utcnow
from ops.config import Settings
from ops.importers import (Column, ImportRejected, ImportReport, Problem, choice, number, read_rows, record_file,
                           text)
from ops.places import Names
from ops.region import kabupaten_of, region_from_db

KERAWANAN = {"kurang_rawan": "kurang_rawan", "rawan": "rawan", "sangat_rawan": "sangat_rawan"}
AKSES = {"darat": "darat", "sungai": "sungai", "jalur_sungai": "sungai"}
VERIFIKASI = {"belum": "belum", "terverifikasi": "terverifikasi", "perlu_cek": "perlu_cek", "perlu_cek_ulang": "perlu_cek"}
FIELDS = ("desa_code", "kecamatan_code", "number", "address", "lat", "lon", "dpt", "kerawanan", "indikator", "akses",
          "polsek_code", "distance_km", "travel_min", "verification")


def _code(parts: int):
    def parse(raw: str):
        bits = raw.split(".")
        if len(bits) != parts or not all(b.isdigit() for b in bits):
            raise ValueError("bentuk kode tidak sah (contoh " + ("16.10.04.2001.003" if parts == 5 else "16.10.04.2001")
                             + ")")
        return raw
    return parse


COLUMNS = [
    Column("kode_tps", _code(5), help="kode desa + nomor TPS 3 digit, mis. 16.10.04.2001.003"),
    Column("kode_desa", _code(4), help="kode Kemendagri desa/kelurahan"),
    Column("nomor", number(int, 1, 999)),
    Column("alamat", text(200)),
    Column("lat", number(float, -180, 180)),  # a lat/lon swap is named by the desa check below
    Column("lon", number(float, -180, 180)),
    Column("dpt", number(int, 1, 1000, " pemilih")),
    Column("kerawanan", choice(KERAWANAN)),
    Column("akses", choice(AKSES)),
    Column("jarak_km", number(float, 0, 300, " km"), help="jarak tempuh dari Polsek"),
    Column("waktu_tempuh_menit", number(float, 0, 1440, " menit"), required=False),
    Column("kode_polsek", text(20), required=False),
    Column("indikator", lambda raw: [x.strip() for x in text(1000)(raw).split(";") if x.strip()], required=False),
    Column("verifikasi", choice(VERIFIKASI), required=False),
]


def import_tps(session: Session, settings: Settings, data: bytes, filename: str, actor: str,
               progress: Callable[[float], None] = lambda f: None) -> ImportReport:
    """Validate every row, then upsert all in the caller's transaction; raises ImportRejected naming every bad row."""
    rows, problems = read_rows(settings, data, filename, COLUMNS, lambda f: progress(f * 0.5))
    region = region_from_db(session)
    area = operation_area(session, settings)
    names = Names({c: (a.name, a.level) for c, a in region.areas.items()}, {})
    polsek = {p for p in session.scalars(select(m.Polsek.code))}
    covers = dict(session.execute(select(m.PolsekKecamatan.kecamatan_code, m.PolsekKecamatan.polsek_code)).all())
    seen: dict[str, int] = {}
    tolerance_deg = settings.import_desa_tolerance_m / 111_000
    clean = []
    for i, (row_no, r) in enumerate(rows):
        if len(rows) > 1 and i % 500 == 0:
            progress(0.5 + 0.4 * i / len(rows))
        if r.get("kode_tps") is None or r.get("kode_desa") is None:
            continue
        code, desa = r["kode_tps"], r["kode_desa"]
        if code in seen:
            problems.append(Problem(row_no, "kode_tps", f"{code} ganda (juga di baris {seen[code]})"))
            continue
        seen[code] = row_no
        if r["__bad__"]:
            continue
        place = region.areas.get(desa)
        if place is None or place.level not in ("desa", "kelurahan") or not area.covers(desa):
            problems.append(Problem(row_no, "kode_desa", f"{desa} bukan desa/kelurahan di wilayah operasi "
                                                         f"({area.code or 'nasional'})"))
            continue
        if r.get("nomor") is not None and code != f"{desa}.{r['nomor']:03d}":
            problems.append(Problem(row_no, "kode_tps", f"{code} tidak sama dengan kode_desa + nomor ({desa}."
                                                        f"{r['nomor']:03d})"))
            continue
        if r.get("lat") is None or r.get("lon") is None:
            continue
        # The desa's boundary; where the region files have none (national files stop at the kabupaten), the
        # nearest enclosing area that has one.
        bound = next((c for c in (desa, place.parent_code, kabupaten_of(desa)) if c in region.geometries), None)
        geom = region.geometries.get(bound) if bound else None
        if geom is not None and geom.distance(Point(r["lon"], r["lat"])) > tolerance_deg:
            if geom.distance(Point(r["lat"], r["lon"])) <= tolerance_deg:
                problems.append(Problem(row_no, "lat/lon", "lat dan lon tertukar"))
            else:
                where = f"desa {place.name}" if bound == desa else names.area(bound)
                problems.append(Problem(row_no, "lat/lon", f"({r['lat']}, {r['lon']}) di luar {where} "
                                                           f"(toleransi {settings.import_desa_tolerance_m:g} m)"))
            continue
        ps = r.get("kode_polsek") or covers.get(place.parent_code)
        if ps is not None and ps not in polsek:
            problems.append(Problem(row_no, "kode_polsek", f"Polsek {ps} tidak dikenal"))
            continue
        speed = settings.river_speed_kmh if r["akses"] == "sungai" else settings.road_speed_kmh
        clean.append({"code": code, "desa_code": desa, "kecamatan_code": place.parent_code, "number": r["nomor"],
                      "address": r["alamat"], "lat": r["lat"], "lon": r["lon"], "dpt": r["dpt"],
                      "kerawanan": r["kerawanan"], "indikator": r.get("indikator") or [], "akses": r["akses"],
                      "polsek_code": ps, "distance_km": r["jarak_km"],
                      "travel_min": r.get("waktu_tempuh_menit") if r.get("waktu_tempuh_menit") is not None
                      else round(r["jarak_km"] / speed * 60, 1),
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
