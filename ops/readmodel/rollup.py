"""Roll-ups of the read model per area: counts add up, so a kecamatan is counted from its TPS and every level above
from the level below (kecamatan -> kabupaten -> provinsi -> the nation)."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.readiness.model import PHASES

# level -> (its code's length, the level above)
LEVELS = {"kecamatan": "kabupaten", "kabupaten": "provinsi", "provinsi": "nasional", "nasional": None}


def parent_of(code: str, level: str) -> str | None:
    return {"kecamatan": code[:5], "kabupaten": code[:2], "provinsi": "", "nasional": None}[level]


def recompute_rollups(session: Session, kecamatan: set[str] | None, now: dt.datetime, threshold: float) -> None:
    """Count the given kecamatan (None: all) from their TPS, then every area above them from its children."""
    q = select(m.TpsState.kecamatan_code, m.TpsState.skor_sebelum, m.TpsState.skor_pemungutan,
               m.TpsState.skor_sesudah, m.TpsState.detail)
    if kecamatan is not None:
        if not kecamatan:
            return
        q = q.where(m.TpsState.kecamatan_code.in_(sorted(kecamatan)))
    counts: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, 0, Counter()])
    for kec, a, b, c, detail in session.execute(q):
        for phase, score in zip(PHASES, (a, b, c)):
            acc = counts[(kec, phase)]
            acc[0] += 1
            if score is not None:
                acc[1] += 1
                acc[2] += score >= threshold
                acc[3].update({i["kind"] for i in detail[phase]["masalah"]})
    kecs = sorted({k for k, _ in counts}) if kecamatan is None else sorted(kecamatan)
    _replace(session, "kecamatan", kecs, counts, now)
    level, codes = "kecamatan", kecs
    while LEVELS[level] is not None:
        upper = LEVELS[level]
        parents = sorted({parent_of(c, level) for c in codes}) if kecamatan is not None else None
        q = select(m.AreaRollup).where(m.AreaRollup.level == level)
        if parents is not None:
            q = q.where(m.AreaRollup.parent_code.in_(parents))
        up: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, 0, Counter()])
        for r in session.scalars(q):
            acc = up[(r.parent_code, r.tahapan)]
            acc[0] += r.tps
            acc[1] += r.dinilai
            acc[2] += r.siap
            acc[3].update(r.masalah)
        codes = sorted({p for p, _ in up}) if parents is None else parents
        _replace(session, upper, codes, up, now)
        level = upper


def _replace(session: Session, level: str, codes: list[str], counts: dict, now: dt.datetime) -> None:
    if not codes:
        return
    session.execute(delete(m.AreaRollup).where(m.AreaRollup.level == level, m.AreaRollup.code.in_(codes)))
    rows = [{"code": code, "tahapan": phase, "level": level, "parent_code": parent_of(code, level),
             "tps": acc[0], "dinilai": acc[1], "siap": int(acc[2]), "masalah": dict(acc[3]), "updated_at": now}
            for (code, phase), acc in counts.items() if code in set(codes)]
    if rows:
        session.execute(insert(m.AreaRollup), rows)
