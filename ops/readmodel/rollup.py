"""Roll-ups of the read model per area: counts add up, so a kecamatan is counted from its TPS and every level above
from the level below (kecamatan -> kabupaten -> provinsi -> the nation)."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pandas as pd
from sqlalchemy import Text, cast, delete, func, insert, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.headline import tps_counts
from ops.readiness.model import PHASES
from ops.readmodel import state

STREAM_BATCH = 5000  # rows fetched at a time while counting
# level -> the level above
LEVELS = {"kecamatan": "kabupaten", "kabupaten": "provinsi", "provinsi": "nasional", "nasional": None}


def parent_of(code: str, level: str) -> str | None:
    return {"kecamatan": code[:5], "kabupaten": code[:2], "provinsi": "", "nasional": None}[level]


def _leads(session: Session, kecamatan: list[str] | None) -> set[str]:
    """The TPS that carry their guard cluster's guards in the counts: the first TPS (by code) of each cluster, over
    the whole operation, so that a cluster spanning two kecamatan is counted once."""
    key = func.coalesce(m.Tps.cluster_code, m.Tps.code)
    q = select(func.min(m.Tps.code)).group_by(key)
    if kecamatan is not None:
        q = q.where(key.in_(select(key).where(m.Tps.kecamatan_code.in_(kecamatan)).scalar_subquery()))
    return set(session.scalars(q))


def _angka(rows: list[dict], now: dt.datetime) -> dict[str, int]:
    """headline.TPS_COUNTS over one kecamatan's TPS facts, and its TPS whose delivery from the PPS is late."""
    frame = pd.DataFrame(rows)
    out = tps_counts(frame, frame["lead"].astype(bool))
    due = pd.to_datetime(frame["logistik_due"], utc=True)
    out["logistik_terlambat"] = int(((due < pd.Timestamp(now)) & frame["logistik"].ne("diserahkan")).sum())
    return out


def recompute_rollups(session: Session, kecamatan: set[str] | None, now: dt.datetime, threshold: float) -> None:
    """Count the given kecamatan (None: all) from their TPS, then every area above them from its children."""
    # The rows streamed a batch at a time in kecamatan order, each kecamatan counted and let go, the detail decoded
    # once per distinct text (state.detail_reader): the nation's 823,220 rows, each with its own decoded detail, held
    # at once were most of the 12 GB its first build took.
    q = select(m.TpsState.kecamatan_code, m.TpsState.skor_sebelum, m.TpsState.skor_pemungutan,
               m.TpsState.skor_sesudah, cast(m.TpsState.detail, Text), state.as_text(m.TpsState.facts))
    if kecamatan is not None:
        if not kecamatan:
            return
        q = q.where(m.TpsState.kecamatan_code.in_(sorted(kecamatan)))
    # Marked while reading: Series.isin against a set of 20,000 codes, once per kecamatan, took 19 s at a province.
    leads = _leads(session, sorted(kecamatan) if kecamatan is not None else None)
    counts: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, 0, Counter(), None])
    read_detail = state.detail_reader()
    current, rows = None, []

    def count_kecamatan() -> None:
        if rows:
            angka = _angka(rows, now)
            for phase in PHASES:
                counts[(current, phase)][4] = angka
    for kec, a, b, c, text, facts in session.execute(q.order_by(m.TpsState.kecamatan_code)
                                                     .execution_options(yield_per=STREAM_BATCH)):
        if kec != current:
            count_kecamatan()
            current, rows = kec, []
        detail = read_detail(text)
        for phase, score in zip(PHASES, (a, b, c)):
            acc = counts[(kec, phase)]
            acc[0] += 1
            if score is not None:
                acc[1] += 1
                acc[2] += score >= threshold
                acc[3].update({i["kind"] for i in detail[phase]["masalah"]})
        f = state.from_text(facts)
        rows.append({"code": f.code, "lead": f.code in leads, "cluster": f.cluster_code or f.code, "status": f.status,
                     "logistik": f.logistik_state, "logistik_due": f.logistik_due, "gangguan_at": f.gangguan_at,
                     "personel_wajib": f.personnel_required, "personel_ditugaskan": f.personnel_assigned,
                     "personel_di_lokasi": f.personnel_on_site})
    count_kecamatan()
    kecs = sorted({k for k, _ in counts}) if kecamatan is None else sorted(kecamatan)
    _replace(session, "kecamatan", kecs, counts, now)
    level, codes = "kecamatan", kecs
    while LEVELS[level] is not None:
        upper = LEVELS[level]
        parents = sorted({parent_of(c, level) for c in codes}) if kecamatan is not None else None
        q = select(m.AreaRollup).where(m.AreaRollup.level == level)
        if parents is not None:
            q = q.where(m.AreaRollup.parent_code.in_(parents))
        up: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, 0, Counter(), Counter()])
        for r in session.scalars(q):
            acc = up[(r.parent_code, r.tahapan)]
            acc[0] += r.tps
            acc[1] += r.dinilai
            acc[2] += r.siap
            acc[3].update(r.masalah)
            acc[4].update(r.angka or {})
        codes = sorted({p for p, _ in up}) if parents is None else parents
        _replace(session, upper, codes, up, now)
        level = upper


def _replace(session: Session, level: str, codes: list[str], counts: dict, now: dt.datetime) -> None:
    if not codes:
        return
    session.execute(delete(m.AreaRollup).where(m.AreaRollup.level == level, m.AreaRollup.code.in_(codes)))
    rows = [{"code": code, "tahapan": phase, "level": level, "parent_code": parent_of(code, level),
             "tps": acc[0], "dinilai": acc[1], "siap": int(acc[2]), "masalah": dict(acc[3]),
             "angka": {k: int(v) for k, v in dict(acc[4] or {}).items()}, "updated_at": now}
            for (code, phase), acc in counts.items() if code in set(codes)]
    if rows:
        session.execute(insert(m.AreaRollup), rows)
