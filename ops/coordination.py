"""Coordination coverage: which stakeholders were met, where, when and by whom, up to a moment."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import as_utc
from ops.region import in_area


@dataclass(frozen=True)
class Role:
    label: str
    level: str  # kecamatan or desa: the area a person of this role answers for
    met: bool  # coordination is judged on meeting this role (in every kecamatan, or in every desa)
    aliases: tuple[str, ...] = ()  # other ways a spreadsheet names the role


# The one list of stakeholder roles: coordination, the stakeholder import, the setup checklist and the forms read it.
ROLES: dict[str, Role] = {
    "kpu_ppk": Role("KPU/PPK", "kecamatan", True, ("ppk", "kpu")),
    "bawaslu_panwascam": Role("Bawaslu/Panwascam", "kecamatan", True, ("panwascam", "bawaslu", "panwaslu_kecamatan")),
    "camat": Role("Camat", "kecamatan", True),
    "kepala_desa": Role("Kepala desa", "desa", True, ("kades",)),
    "lurah": Role("Lurah", "desa", False),  # a kelurahan's head: stands for kepala desa there
    "pps": Role("PPS", "desa", True),
    "kpps": Role("KPPS", "desa", False, ("ketua_kpps",)),
    "tokoh_agama": Role("Tokoh agama", "desa", True, ("toga",)),
    "tokoh_masyarakat": Role("Tokoh masyarakat", "desa", True, ("tomas",)),
}
ROLE_LABEL = {k: r.label for k, r in ROLES.items()}
KECAMATAN_ROLES = tuple(k for k, r in ROLES.items() if r.level == "kecamatan" and r.met)  # met once per kecamatan
# Met in every desa (lurah stands for kepala desa).
DESA_ROLES = tuple(k for k, r in ROLES.items() if r.level == "desa" and r.met)


def activities(session: Session, now: dt.datetime, area: str | None = None) -> pd.DataFrame:
    """Meetings up to `now`, newest first; `area` (a region code): only those held in it."""
    rows = session.execute(select(m.CoordinationActivity.occurred_at, m.CoordinationActivity.kecamatan_code,
                                  m.CoordinationActivity.desa_code, m.CoordinationActivity.roles_met,
                                  m.CoordinationActivity.topic, m.CoordinationActivity.led_by,
                                  m.CoordinationActivity.notes, m.CoordinationActivity.source)
                           .where(m.CoordinationActivity.occurred_at <= as_utc(now),
                                  in_area(m.CoordinationActivity.kecamatan_code, area))
                           .order_by(m.CoordinationActivity.occurred_at.desc())).mappings().all()
    acts = pd.DataFrame(rows, columns=["occurred_at", "kecamatan_code", "desa_code", "roles_met", "topic", "led_by",
                                       "notes", "source"])
    # Who was met, by name: the stakeholder holding each role at the meeting's place (None when none is on record).
    names = {(k, d, r): n for k, d, r, n in session.execute(
        select(m.Stakeholder.kecamatan_code, m.Stakeholder.desa_code, m.Stakeholder.role, m.Stakeholder.name)
        .where(in_area(m.Stakeholder.kecamatan_code, area)))}
    acts["met"] = [[{"role": r, "name": names.get((k, d if isinstance(d, str) else None, r))} for r in roles]
                   for k, d, roles in zip(acts["kecamatan_code"], acts["desa_code"], acts["roles_met"])]
    return acts


def _met(roles: set[str], role: str) -> bool:
    return role in roles or (role == "kepala_desa" and "lurah" in roles)


def desa_coverage(session: Session, now: dt.datetime, area: str | None = None) -> pd.DataFrame:
    """Per desa with TPS (of `area` when given): the roles met there, the last meeting and who led it."""
    return _desa_coverage(session, activities(session, now, area), area)


def _desa_coverage(session: Session, acts: pd.DataFrame, area: str | None) -> pd.DataFrame:
    desa = session.execute(select(m.Region.code, m.Region.name, m.Region.parent_code).where(
        m.Region.code.in_(select(m.Tps.desa_code).where(in_area(m.Tps.kecamatan_code, area)).distinct()))
        .order_by(m.Region.code)).all()
    by_desa = dict(tuple(acts.groupby("desa_code"))) if len(acts) else {}  # newest first within each
    rows = []
    for code, name, kec in desa:
        mine = by_desa.get(code)
        n = 0 if mine is None else len(mine)
        roles = set().union(*mine["roles_met"]) if n else set()
        rows.append({"desa_code": code, "desa": name, "kecamatan_code": kec, "meetings": n,
                     "last_at": mine["occurred_at"].max() if n else None,
                     "led_by": mine.iloc[0]["led_by"] if n else None,
                     **{r: _met(roles, r) for r in DESA_ROLES},
                     "complete": all(_met(roles, r) for r in DESA_ROLES)})
    return pd.DataFrame(rows)


def kecamatan_coverage(session: Session, now: dt.datetime, area: str | None = None) -> pd.DataFrame:
    """Per kecamatan (of `area` when given): kecamatan-level roles met, and the share of its desa with every desa
    role met."""
    acts = activities(session, now, area)
    desa = _desa_coverage(session, acts, area)
    kec = session.execute(select(m.Region.code, m.Region.name).where(m.Region.level == "kecamatan",
                                                                     in_area(m.Region.code, area))
                          .order_by(m.Region.code)).all()
    by_kec = dict(tuple(acts.groupby("kecamatan_code"))) if len(acts) else {}
    desa_of = dict(tuple(desa.groupby("kecamatan_code"))) if len(desa) else {}
    rows = []
    for code, name in kec:
        mine, d = by_kec.get(code), desa_of.get(code)
        n, nd = (0 if mine is None else len(mine)), (0 if d is None else len(d))
        roles = set().union(*mine["roles_met"]) if n else set()
        rows.append({"kode": code, "kecamatan": name, **{r: r in roles for r in KECAMATAN_ROLES},
                     "desa": nd, "desa_lengkap": int(d["complete"].sum()) if nd else 0,
                     "desa_dikunjungi": int((d["meetings"] > 0).sum()) if nd else 0,
                     "pertemuan": n, "terakhir": mine["occurred_at"].max() if n else None})
    return pd.DataFrame(rows)
