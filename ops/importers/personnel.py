"""Import of the personnel roster.

Columns: nrp, nama, pangkat, satuan, peran; optional: kode_polsek, bko (ya/tidak), id_perangkat (the Traccar device
uniqueId of the officer's tracker), kode_polres (at a Polda: the kabupaten/kota code of the officer's Polres, which a
Polres unit's officer needs; a Polsek's officer has its Polsek's).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Callable

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.audit import record, snapshot
from ops.config import Settings
from ops.area import operation_area
from ops.importers import (Column, ImportRejected, ImportReport, Problem, boolean, distinct, read_rows, record_file,
                           text)
from ops.importers.checks import code_of
from ops.ranks import RANKS, misfit
from ops.region import kabupaten_of, within

FIELDS = ("name", "rank", "unit", "polsek_code", "role", "bko", "device_id", "polres_code")


def parse_nrp(raw: str):
    if not re.fullmatch(r"[0-9]{8}", raw):
        raise ValueError("NRP harus 8 angka (dari Excel? format kolom nrp sebagai Teks agar nol di depan tetap)")
    if not 1 <= int(raw[2:4]) <= 12:
        raise ValueError(f"empat angka pertama NRP adalah tahun dan bulan lahir (YYMM); bulan {raw[2:4]} tidak ada")
    return raw


def rank_warning(rank: str, nrp: str, on: dt.date) -> str | None:
    """Why a rank does not sit with the age the NRP gives on voting day, for the person checking the roster."""
    f = misfit(rank, nrp, on)
    if f is None:
        return None
    born = f"lahir {f.birth.month:02d}/{f.birth.year}, umur {f.age} pada hari pemungutan"
    if f.kind == "usia_dinas":
        return f"NRP {nrp}: {born}, di luar usia dinas Polri {f.low}–{f.high} tahun; periksa NRP"
    return f"pangkat {rank} tidak cocok dengan NRP ({born}); {rank} biasanya umur {f.low}–{f.high}; periksa pangkat " \
           "atau NRP"


def _rank(raw: str):
    up = raw.strip().upper()
    if up not in RANKS:
        raise ValueError(f"pangkat tidak dikenal; contoh: {', '.join(RANKS[3:8])}")
    return up


COLUMNS = [
    Column("nrp", parse_nrp, help="NRP 8 angka (format kolom sebagai Teks agar nol di depan tetap)"),
    Column("nama", text(120), help="nama lengkap"),
    Column("pangkat", _rank, help="pangkat, mis. BRIPKA, AIPDA, IPTU"),
    Column("satuan", text(80), help="satuan asal, mis. Polsek Indralaya, Sat Samapta"),
    Column("peran", text(40), help="mis. PAM TPS, Kapolsek, Patroli; PAM TPS diisi ke klaster pengamanan"),
    Column("kode_polsek", text(20), required=False, help="Polsek tempat bertugas (kode dari daftar Polsek)"),
    Column("bko", boolean, required=False, help="ya bila BKO dari Polda/Brimob, selain itu tidak"),
    Column("id_perangkat", text(40), required=False, help="uniqueId pelacak Traccar yang dibawa personel ini"),
    Column("kode_polres", code_of("kabupaten"), required=False,
           help="di Polda: kode kabupaten/kota Polres personel ini (mis. 16.10); wajib bagi satuan Polres tanpa Polsek"),
]


def import_personnel(session: Session, settings: Settings, data: bytes, filename: str, actor: str,
                     progress: Callable[[float], None] = lambda f: None) -> ImportReport:
    rows, problems = read_rows(settings, data, filename, COLUMNS, lambda f: progress(f * 0.6))
    polsek = set(session.scalars(select(m.Polsek.code)))
    scope = operation_area(session, settings).code
    kabupaten = set(session.scalars(select(m.Region.code).where(m.Region.level == "kabupaten")))
    polres_of_polsek = {ps: kabupaten_of(k) for k, ps in session.execute(
        select(m.PolsekKecamatan.kecamatan_code, m.PolsekKecamatan.polsek_code))}
    devices = dict(session.execute(select(m.Personnel.device_id, m.Personnel.nrp)
                                   .where(m.Personnel.device_id.is_not(None))).all())
    seen_dev: dict[str, int] = {}
    in_file = {r.get("nrp") for _, r in rows}  # a tracker may move to another officer named in the same file
    clean = []
    warnings: list[Problem] = []
    for row_no, r in distinct(rows, "nrp", problems):
        nrp = r["nrp"]
        ps = r.get("kode_polsek")
        if ps and ps not in polsek:
            problems.append(Problem(row_no, "kode_polsek", f"Polsek {ps} tidak dikenal; yang ada: "
                                                           f"{', '.join(sorted(polsek))}"))
        polres = r.get("kode_polres")
        if polres and (polres not in kabupaten or not within(polres, scope)):
            problems.append(Problem(row_no, "kode_polres", f"{polres} bukan kabupaten/kota di wilayah operasi "
                                                           f"({scope or 'nasional'})"))
        elif polres and ps in polres_of_polsek and polres_of_polsek[ps] != polres:
            problems.append(Problem(row_no, "kode_polres", f"{ps} adalah Polsek di {polres_of_polsek[ps]}, bukan "
                                                           f"di {polres}"))
        dev = r.get("id_perangkat")
        if dev:
            if dev in seen_dev:
                problems.append(Problem(row_no, "id_perangkat", f"{dev} juga dipakai di baris {seen_dev[dev]}"))
            elif devices.get(dev, nrp) != nrp and devices[dev] not in in_file:
                problems.append(Problem(row_no, "id_perangkat", f"{dev} sudah milik NRP {devices[dev]}"))
            seen_dev[dev] = row_no
        why = rank_warning(r["pangkat"], nrp, settings.voting_day)
        if why:
            warnings.append(Problem(row_no, "pangkat", why))
        clean.append({"nrp": nrp, "name": r["nama"], "rank": r["pangkat"], "unit": r["satuan"], "polsek_code": ps,
                      "role": r["peran"], "bko": bool(r.get("bko")), "device_id": dev,
                      "polres_code": polres})
    if problems:
        raise ImportRejected(problems)
    report = ImportReport("Personel", len(clean), warnings=warnings)
    existing = {p.nrp: p for p in session.scalars(select(m.Personnel).where(
        m.Personnel.nrp.in_([c["nrp"] for c in clean])))}
    befores = {nrp: snapshot(p, FIELDS) for nrp, p in existing.items()}
    # Devices change hands inside one import: free them first so the unique constraint never sees a half state.
    moving = {c["device_id"] for c in clean if c["device_id"]}
    for p in session.scalars(select(m.Personnel).where(m.Personnel.device_id.in_(moving))):
        if p.nrp in existing:
            p.device_id = None
    session.flush()
    for rec in clean:
        p = existing.get(rec["nrp"])
        if p is None:
            p = m.Personnel(**rec)
            session.add(p)
            record(session, actor, "impor_tambah", "personel", rec["nrp"], None, snapshot(p, FIELDS))
            report.created += 1
            continue
        before = befores[rec["nrp"]]
        for k, v in rec.items():
            setattr(p, k, v)
        after = snapshot(p, FIELDS)
        if after != before:
            record(session, actor, "impor_ubah", "personel", rec["nrp"], before, after)
            report.updated += 1
        else:
            report.unchanged += 1
    record_file(session, actor, "berkas_personel", filename, report)
    progress(1.0)
    return report


def frame(session: Session, settings: Settings | None = None) -> pd.DataFrame:
    """The roster in the import format."""
    rows = [{"nrp": p.nrp, "nama": p.name, "pangkat": p.rank, "satuan": p.unit, "peran": p.role,
             "kode_polsek": p.polsek_code or "", "bko": "ya" if p.bko else "tidak", "id_perangkat": p.device_id or "",
             "kode_polres": p.polres_code or ""}
            for p in session.scalars(select(m.Personnel).order_by(m.Personnel.nrp))]
    return pd.DataFrame(rows, columns=[c.name for c in COLUMNS])
