"""Coordination coverage: which stakeholders were met, where, when and by whom, up to a moment."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import as_utc


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


def activities(session: Session, now: dt.datetime) -> pd.DataFrame:
    rows = session.execute(select(m.CoordinationActivity.occurred_at, m.CoordinationActivity.kecamatan_code,
                                  m.CoordinationActivity.desa_code, m.CoordinationActivity.roles_met,
                                  m.CoordinationActivity.topic, m.CoordinationActivity.led_by,
                                  m.CoordinationActivity.notes, m.CoordinationActivity.source)
                           .where(m.CoordinationActivity.occurred_at <= as_utc(now))
                           .order_by(m.CoordinationActivity.occurred_at.desc())).mappings().all()
    acts = pd.DataFrame(rows, columns=["occurred_at", "kecamatan_code", "desa_code", "roles_met", "topic", "led_by",
                                       "notes", "source"])
    # Who was met, by name: the stakeholder holding each role at the meeting's place (None when none is on record).
    names = {(s.kecamatan_code, s.desa_code, s.role): s.name for s in session.scalars(select(m.Stakeholder))}
    acts["met"] = [[{"role": r, "name": names.get((k, d if isinstance(d, str) else None, r))} for r in roles]
                   for k, d, roles in zip(acts["kecamatan_code"], acts["desa_code"], acts["roles_met"])]
    return acts


def _met(roles: set[str], role: str) -> bool:
    return role in roles or (role == "kepala_desa" and "lurah" in roles)


def desa_coverage(session: Session, now: dt.datetime) -> pd.DataFrame:
    """Per desa with TPS: the roles met there, the last meeting and who led it."""
    acts = activities(session, now)
    desa = session.execute(select(m.Region.code, m.Region.name, m.Region.parent_code).where(
        m.Region.code.in_(select(m.Tps.desa_code).distinct())).order_by(m.Region.code)).all()
    rows = []
    for code, name, kec in desa:
        mine = acts[acts["desa_code"] == code]
        roles = set().union(*mine["roles_met"]) if len(mine) else set()
        rows.append({"desa_code": code, "desa": name, "kecamatan_code": kec, "meetings": len(mine),
                     "last_at": mine["occurred_at"].max() if len(mine) else None,
                     "led_by": mine.iloc[0]["led_by"] if len(mine) else None,
                     **{r: _met(roles, r) for r in DESA_ROLES},
                     "complete": all(_met(roles, r) for r in DESA_ROLES)})
    return pd.DataFrame(rows)


def kecamatan_coverage(session: Session, now: dt.datetime) -> pd.DataFrame:
    """Per kecamatan: kecamatan-level roles met, and the share of its desa with every desa role met."""
    acts = activities(session, now)
    desa = desa_coverage(session, now)
    kec = session.execute(select(m.Region.code, m.Region.name).where(m.Region.level == "kecamatan")
                          .order_by(m.Region.code)).all()
    rows = []
    for code, name in kec:
        mine = acts[acts["kecamatan_code"] == code]
        roles = set().union(*mine["roles_met"]) if len(mine) else set()
        d = desa[desa["kecamatan_code"] == code]
        rows.append({"kode": code, "kecamatan": name, **{r: r in roles for r in KECAMATAN_ROLES},
                     "desa": len(d), "desa_lengkap": int(d["complete"].sum()) if len(d) else 0,
                     "desa_dikunjungi": int((d["meetings"] > 0).sum()) if len(d) else 0,
                     "pertemuan": len(mine), "terakhir": mine["occurred_at"].max() if len(mine) else None})
    return pd.DataFrame(rows)
