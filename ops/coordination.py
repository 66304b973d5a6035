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


def coverage(session: Session, now: dt.datetime, area: str | None = None
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Koordinasi's three tables from one read of the meetings: per kecamatan (kecamatan_coverage), per desa
    (desa_coverage), and the meetings (activities)."""
    acts = activities(session, now, area)
    desa = _desa_coverage(session, acts, area)
    return _kecamatan_coverage(session, acts, desa, area), desa, acts


def desa_coverage(session: Session, now: dt.datetime, area: str | None = None) -> pd.DataFrame:
    """Per desa with TPS (of `area` when given): the roles met there, the last meeting and who led it."""
    return _desa_coverage(session, activities(session, now, area), area)


def _gathered(acts: pd.DataFrame, by: str) -> dict[str, list]:
    """Per place (the `by` column): [meetings, the newest one's time, who led it, every role met]. The meetings come
    newest first; a plain pass over them, since pandas' groups cost a hundred times more at a desa each."""
    out: dict[str, list] = {}
    for code, at, led, roles in zip(acts[by], acts["occurred_at"], acts["led_by"], acts["roles_met"]):
        if not isinstance(code, str):
            continue  # a kecamatan-level meeting, by desa
        seen = out.get(code)
        if seen is None:
            out[code] = [1, at, led, set(roles)]
        else:
            seen[0] += 1
            seen[3].update(roles)
    return out


def _desa_coverage(session: Session, acts: pd.DataFrame, area: str | None) -> pd.DataFrame:
    desa = session.execute(select(m.Region.code, m.Region.name, m.Region.parent_code).where(
        m.Region.code.in_(select(m.Tps.desa_code).where(in_area(m.Tps.kecamatan_code, area)).distinct()))
        .order_by(m.Region.code)).all()
    by_desa = _gathered(acts, "desa_code")
    rows = []
    for code, name, kec in desa:
        n, last_at, led_by, roles = by_desa.get(code, (0, None, None, set()))
        rows.append({"desa_code": code, "desa": name, "kecamatan_code": kec, "meetings": n,
                     "last_at": last_at, "led_by": led_by,
                     **{r: _met(roles, r) for r in DESA_ROLES},
                     "complete": all(_met(roles, r) for r in DESA_ROLES)})
    return pd.DataFrame(rows, columns=["desa_code", "desa", "kecamatan_code", "meetings", "last_at", "led_by",
                                       *DESA_ROLES, "complete"])


def kecamatan_coverage(session: Session, now: dt.datetime, area: str | None = None) -> pd.DataFrame:
    """Per kecamatan (of `area` when given): kecamatan-level roles met, and the share of its desa with every desa
    role met."""
    return coverage(session, now, area)[0]


def _kecamatan_coverage(session: Session, acts: pd.DataFrame, desa: pd.DataFrame, area: str | None
                        ) -> pd.DataFrame:
    kec = session.execute(select(m.Region.code, m.Region.name).where(m.Region.level == "kecamatan",
                                                                     in_area(m.Region.code, area))
                          .order_by(m.Region.code)).all()
    by_kec = _gathered(acts, "kecamatan_code")
    counts: dict[str, list[int]] = {}  # per kecamatan: desa, complete, visited
    for code, complete, meetings in zip(desa["kecamatan_code"], desa["complete"], desa["meetings"]):
        c = counts.setdefault(code, [0, 0, 0])
        c[0] += 1
        c[1] += bool(complete)
        c[2] += meetings > 0
    rows = []
    for code, name in kec:
        n, last_at, _, roles = by_kec.get(code, (0, None, None, set()))
        nd, complete, visited = counts.get(code, (0, 0, 0))
        rows.append({"kode": code, "kecamatan": name, **{r: r in roles for r in KECAMATAN_ROLES},
                     "desa": nd, "desa_lengkap": complete, "desa_dikunjungi": visited,
                     "pertemuan": n, "terakhir": last_at})
    return pd.DataFrame(rows, columns=["kode", "kecamatan", *KECAMATAN_ROLES, "desa", "desa_lengkap",
                                       "desa_dikunjungi", "pertemuan", "terakhir"])
