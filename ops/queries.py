"""Read side for the pages, the CLI and the briefing: aggregates computed in SQL."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Integer, func, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.config import Settings, load_pola
from ops.deployment import required_polri
from ops.tasks import PAM_TPS


def has_tps(session: Session) -> bool:
    """Whether any TPS is loaded (one row read, whatever the size of the list)."""
    return session.scalar(select(m.Tps.code).limit(1)) is not None


def tps_summary(session: Session, area: str = "") -> dict:
    """Counts of the TPS list; `area` limits them to a region code (a kabupaten or kecamatan drilled into)."""
    inside = (m.Tps.code.startswith(area + ".", autoescape=True),) if area else ()

    def grouped(col):
        return dict(session.execute(select(col, func.count()).where(*inside).group_by(col).order_by(col)).all())
    by_kerawanan = grouped(m.Tps.kerawanan)
    by_kec = grouped(m.Tps.kecamatan_code)
    # A TPS code starts with its kabupaten's code (NN.NN): a Polda's or the nation's TPS per Polres, no join needed.
    by_kab = grouped(func.substr(m.Tps.code, 1, 5))
    by_akses = grouped(m.Tps.akses)
    verif = grouped(m.Tps.verification)
    total, dpt, linmas = session.execute(select(func.count(), func.coalesce(func.sum(m.Tps.dpt), 0),
                                                func.coalesce(func.sum(m.Tps.linmas), 0)).where(*inside)).one()
    desa = session.scalar(select(func.count(func.distinct(m.Tps.desa_code))).where(*inside))
    return {"total": total, "dpt": int(dpt), "linmas": int(linmas), "desa": desa,
            "by_kerawanan": {k: by_kerawanan.get(k, 0) for k in m.KERAWANAN},
            "by_kecamatan": by_kec, "by_kabupaten": by_kab, "by_akses": {k: by_akses.get(k, 0) for k in m.AKSES},
            "verification": {k: verif.get(k, 0) for k in m.VERIFIKASI}}


def personnel_counts(session: Session) -> dict:
    """Personnel in all, of the Polres and BKO (Ringkasan's base figures: a tenth of personnel_summary at the nation)."""
    total, bko = session.execute(select(func.count(), func.coalesce(func.sum(
        func.cast(m.Personnel.bko, Integer)), 0)).select_from(m.Personnel)).one()
    return {"total": total, "polres": total - int(bko), "bko": int(bko)}


def personnel_summary(session: Session, settings: Settings) -> dict:
    total, bko = session.execute(select(func.count(), func.coalesce(func.sum(
        func.cast(m.Personnel.bko, Integer)), 0)).select_from(m.Personnel)).one()
    by_role = dict(session.execute(select(m.Personnel.role, func.count()).group_by(m.Personnel.role)).all())
    assigned_tps = session.scalar(select(func.count(func.distinct(m.Assignment.nrp)))
                                  .where(m.Assignment.task == PAM_TPS))
    return {"total": total, "polres": total - int(bko), "bko": int(bko), "by_role": by_role,
            "pam_tps_assigned": assigned_tps, "pam_tps_required": required_personnel(session, settings)}


def required_personnel(session: Session, settings: Settings) -> int:
    """Polri required by the pola pengamanan, cluster by cluster (TPS without a cluster count alone)."""
    pola = load_pola(settings)
    rows = session.execute(select(m.Tps.kerawanan, m.Tps.cluster_code, func.count())
                           .group_by(m.Tps.kerawanan, m.Tps.cluster_code)).all()
    total = 0
    for kelas, cluster, n in rows:
        total += pola[kelas][0] if cluster else required_polri({kelas: n}, pola)
    return total


def kecamatan_table(session: Session, area: str = "") -> pd.DataFrame:
    """Per kecamatan (of `area`, when given): TPS by kerawanan, river TPS, DPT."""
    inside = (m.Region.code.startswith(area + ".", autoescape=True),) if area else ()
    kec = select(m.Region.code, m.Region.name).where(m.Region.level == "kecamatan", *inside).subquery()
    q = (select(kec.c.code.label("kode"), kec.c.name.label("kecamatan"), func.count(m.Tps.code).label("tps"),
                *[func.coalesce(func.sum(func.cast(m.Tps.kerawanan == k, Integer)), 0).label(k) for k in m.KERAWANAN],
                func.coalesce(func.sum(func.cast(m.Tps.akses == "sungai", Integer)), 0).label("tps_sungai"),
                func.coalesce(func.sum(m.Tps.dpt), 0).label("dpt"))
         .select_from(kec).join(m.Tps, m.Tps.kecamatan_code == kec.c.code, isouter=True)
         .group_by(kec.c.code, kec.c.name).order_by(kec.c.code))
    return pd.DataFrame(session.execute(q).mappings().all())


def tps_points(session: Session, area: str = "") -> pd.DataFrame:
    """Where each TPS is and what it is, with its desa and kecamatan names; `area` limits it to a region code."""
    desa = select(m.Region.code, m.Region.name).subquery()
    kec = select(m.Region.code, m.Region.name).subquery()
    q = (select(m.Tps.code, m.Tps.number, m.Tps.lat, m.Tps.lon, m.Tps.kerawanan, m.Tps.akses, m.Tps.dpt,
                m.Tps.address, m.Tps.polsek_code, m.Tps.kecamatan_code, m.Tps.desa_code, m.Tps.travel_min,
                desa.c.name.label("desa"), kec.c.name.label("kecamatan"))
         .join(desa, desa.c.code == m.Tps.desa_code).join(kec, kec.c.code == m.Tps.kecamatan_code)
         .order_by(m.Tps.code))
    if area:
        q = q.where(m.Tps.code.startswith(area + ".", autoescape=True))
    # Plain tuples, not one mapping a row: at the nation (823,220 TPS) the mappings took most of its 10 s.
    rows = [tuple(r) for r in session.connection().execute(q).all()]
    return pd.DataFrame.from_records(rows, columns=[c.name for c in q.selected_columns])


def boundaries(session: Session, level: str, area: str = "") -> list[dict]:
    """[{code, name, geometry}] of provinces, kabupaten, kecamatan or desa (desa includes kelurahan); `area` limits
    them to those inside a region code."""
    levels = ("desa", "kelurahan") if level == "desa" else (level,)
    inside = (m.Region.code.startswith(area + ".", autoescape=True),) if area else ()
    rows = session.execute(select(m.Region.code, m.Region.name, m.Region.lat, m.Region.lon, m.Region.boundary)
                           .where(m.Region.level.in_(levels), *inside).order_by(m.Region.code)).all()
    return [{"code": c, "name": n, "lat": la, "lon": lo, "geometry": g} for c, n, la, lo, g in rows if g]


def operation_meta(session: Session) -> dict[str, str]:
    return dict(session.execute(select(m.OperationMeta.key, m.OperationMeta.value)).all())


def latest_feed_runs(session: Session, at=None) -> dict[str, dict]:
    """Per feed: the newest finished run and the newest successful run (a run under way has no outcome yet), as of
    the operation moment `at` (replay: runs after it are not seen)."""
    out: dict[str, dict] = {}
    until = (m.FeedRun.finished_at <= at,) if at is not None else ()
    last = (select(m.FeedRun.feed, func.max(m.FeedRun.id).label("id")).where(m.FeedRun.finished_at.is_not(None), *until)
            .group_by(m.FeedRun.feed)).subquery()
    last_ok = (select(m.FeedRun.feed, func.max(m.FeedRun.id).label("id")).where(m.FeedRun.ok, *until)
               .group_by(m.FeedRun.feed)).subquery()
    for run in session.scalars(select(m.FeedRun).join(last, last.c.id == m.FeedRun.id)):
        out.setdefault(run.feed, {})["last"] = run
    for run in session.scalars(select(m.FeedRun).join(last_ok, last_ok.c.id == m.FeedRun.id)):
        out.setdefault(run.feed, {})["last_ok"] = run
    return out


def recent_feed_runs(session: Session, limit: int) -> pd.DataFrame:
    rows = session.execute(select(m.FeedRun.feed, m.FeedRun.started_at, m.FeedRun.finished_at, m.FeedRun.ok,
                                  m.FeedRun.rows, m.FeedRun.rejected, m.FeedRun.failed, m.FeedRun.error)
                           .order_by(m.FeedRun.id.desc()).limit(limit)).mappings().all()
    return pd.DataFrame(rows)


def kecamatan_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(m.Region.code, m.Region.name).where(m.Region.level == "kecamatan")).all())


def polsek_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(m.Polsek.code, m.Polsek.name)).all())


def desa_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(m.Region.code, m.Region.name).where(
        m.Region.level.in_(("desa", "kelurahan")))).all())


def verification_state(session: Session) -> pd.DataFrame:
    rows = session.execute(select(m.Tps.code, m.Tps.verification, m.Tps.verified_by, m.Tps.verified_at,
                                  m.Tps.distance_km)).mappings().all()
    return pd.DataFrame(rows, columns=["code", "verification", "verified_by", "verified_at", "distance_km"])
