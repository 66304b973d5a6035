"""Import of the stakeholders: PPK, Panwascam and camat per kecamatan; kepala desa or lurah, PPS, KPPS, tokoh agama
and tokoh masyarakat per desa (roles from ops.coordination.ROLES).

Columns: peran, nama, kode_wilayah (kecamatan or desa code, by the role); optional: telepon. The file is the truth
for every (place, role) it names: the people listed there replace those recorded before; other places keep theirs.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.area import operation_area
from ops.audit import record
from ops.config import Settings
from ops.coordination import ROLES
from ops.importers import (Column, ImportRejected, ImportReport, Problem, choice, matching, read_rows, record_file,
                           text)
from ops.importers.checks import LEVEL_WORD, any_code, area_problem, level_of
from ops.region import region_from_db

# A role as a sheet may write it: its code, its label ("Kepala desa", "KPU/PPK") or a short name ("kades", "ppk").
ROLE_NAMES = {name: code for code, r in ROLES.items() for name in (code, r.label.lower().replace(" ", "_"), *r.aliases)}


COLUMNS = [
    Column("peran", choice(ROLE_NAMES), help="; ".join(f"{k} ({r.label}, per {r.level})" for k, r in ROLES.items())),
    Column("nama", text(120), help="nama orangnya, dengan gelar bila biasa dipakai"),
    Column("kode_wilayah", any_code, help="kode kecamatan untuk peran per kecamatan, kode desa/kelurahan untuk peran "
                                          "per desa"),
    Column("telepon", matching(r"\+?[0-9][0-9 ()-]{5,24}", "nomor telepon: angka, boleh diawali + dan berisi spasi "
                                                         "atau tanda hubung (mis. 0812-7345-1122)"),
           required=False, help="nomor telepon atau WhatsApp"),
]


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def import_stakeholders(session: Session, settings: Settings, data: bytes, filename: str, actor: str,
                        progress: Callable[[float], None] = lambda f: None) -> ImportReport:
    rows, problems = read_rows(settings, data, filename, COLUMNS, lambda f: progress(f * 0.5))
    region = region_from_db(session)
    scope = operation_area(session, settings).code
    seen: dict[tuple, int] = {}
    wanted: dict[tuple[str, str], dict[str, dict]] = {}  # (area, role) -> person key -> record
    for row_no, r in rows:
        if r["__bad__"]:
            continue
        role, area = r["peran"], r["kode_wilayah"]
        level = ROLES[role].level
        if level_of(area) != level or area_problem(region, area, level, scope):
            problems.append(Problem(row_no, "kode_wilayah", f"{area} bukan {LEVEL_WORD[level]} di wilayah operasi "
                                                            f"({scope or 'nasional'}); {ROLES[role].label} dicatat "
                                                            f"per {LEVEL_WORD[level]}"))
            continue
        kelurahan = region.areas[area].level == "kelurahan"
        if (role, kelurahan) in (("kepala_desa", True), ("lurah", False)):
            right = "kelurahan: pakai peran lurah" if kelurahan else "desa: pakai peran kepala_desa"
            problems.append(Problem(row_no, "peran", f"{region.areas[area].name} adalah {right}"))
            continue
        key = (area, role, _key(r["nama"]))
        if key in seen:
            problems.append(Problem(row_no, "nama", f"{r['nama']} sudah tercatat sebagai {ROLES[role].label} di sini "
                                                    f"(baris {seen[key]})"))
            continue
        seen[key] = row_no
        kec = area if level == "kecamatan" else region.areas[area].parent_code
        wanted.setdefault((area, role), {})[key[2]] = {
            "kecamatan_code": kec, "desa_code": None if level == "kecamatan" else area, "role": role,
            "name": r["nama"], "phone": r.get("telepon")}
    if problems:
        raise ImportRejected(problems)
    report = ImportReport("Pemangku kepentingan", len(seen))
    for (area, role), people in wanted.items():
        where = (m.Stakeholder.kecamatan_code == area) & m.Stakeholder.desa_code.is_(None) \
            if ROLES[role].level == "kecamatan" else m.Stakeholder.desa_code == area
        recorded = {_key(s.name): s for s in session.scalars(select(m.Stakeholder).where(where,
                                                                                            m.Stakeholder.role == role))}
        for name, rec in people.items():
            s = recorded.pop(name, None)
            if s is None:
                session.add(m.Stakeholder(**rec))
                record(session, actor, "impor_tambah", "pemangku", f"{area} {role}", None, rec)
                report.created += 1
            elif (s.name, s.phone) != (rec["name"], rec["phone"]):
                record(session, actor, "impor_ubah", "pemangku", f"{area} {role}",
                       {"name": s.name, "phone": s.phone}, {"name": rec["name"], "phone": rec["phone"]})
                s.name, s.phone = rec["name"], rec["phone"]
                report.updated += 1
            else:
                report.unchanged += 1
        for s in recorded.values():  # replaced by the people the file names for this place and role
            record(session, actor, "impor_hapus", "pemangku", f"{area} {role}", {"name": s.name, "phone": s.phone})
            session.delete(s)
            report.removed += 1
    record_file(session, actor, "berkas_pemangku", filename, report)
    progress(1.0)
    return report


def frame(session: Session, settings: Settings | None = None) -> pd.DataFrame:
    """The stakeholders in the import format."""
    rows = [{"peran": s.role, "nama": s.name, "kode_wilayah": s.desa_code or s.kecamatan_code,
             "telepon": s.phone or ""}
            for s in session.scalars(select(m.Stakeholder).order_by(m.Stakeholder.kecamatan_code,
                                                                    m.Stakeholder.desa_code, m.Stakeholder.role,
                                                                    m.Stakeholder.id))]
    return pd.DataFrame(rows, columns=[c.name for c in COLUMNS])
