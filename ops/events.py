"""The newest things that happened, across event kinds, for the Ringkasan list and the wall ticker."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import as_utc
from ops.db import one_of
from ops.logistics import STAGE_LABEL
from ops.places import Names, load_names
from ops.region import in_area, within
from ops.vocabulary import TPS_STATUS

# Routine status steps would drown the list: only these reach it.
NOTEWORTHY_STATUS = ("gangguan", "selesai", "kotak_diterima_ppk")


def newest_events(session: Session, now: dt.datetime, limit: int = 15, hours: float = 24,
                  area: str | None = None, names: Names | None = None) -> pd.DataFrame:
    """The newest noteworthy events (status, incidents, BMKG warnings, deliveries) of the last `hours`; in `area` (a
    region code) when given. `names`: the place names, when the caller holds them (the nation's take a fifth of a
    second to read)."""
    now = as_utc(now)
    since = now - dt.timedelta(hours=hours)
    names = names if names is not None else load_names(session)
    rows = []
    reports = select(m.TpsStatusEvent.tps_code, m.TpsStatusEvent.status, m.TpsStatusEvent.occurred_at,
                     m.TpsStatusEvent.reporter, m.Tps.kecamatan_code).join(
        m.Tps, m.Tps.code == m.TpsStatusEvent.tps_code).where(
        m.TpsStatusEvent.occurred_at <= now, m.TpsStatusEvent.occurred_at > since,
        m.TpsStatusEvent.status.in_(NOTEWORTHY_STATUS)).order_by(m.TpsStatusEvent.occurred_at.desc()).limit(limit)
    found = _newest_of(session, reports, m.TpsStatusEvent.tps_code,
                       select(m.Tps.code).where(in_area(m.Tps.kecamatan_code, area)) if area else None, 2, limit)
    for code, status, at, reporter, kec in found:
        rows.append({"at": as_utc(at), "jenis": "Status TPS",
                     "teks": f"{names.tps_short(code)}: {TPS_STATUS.get(status, status)}",
                     "lokasi": names.kecamatan(kec), "penting": status == "gangguan"})
    for inc in session.scalars(select(m.Incident).where(m.Incident.occurred_at <= now, m.Incident.occurred_at > since,
                                                        in_area(m.Incident.kecamatan_code, area))
                               .order_by(m.Incident.occurred_at.desc()).limit(limit)):
        where = names.tps_short(inc.tps_code) + ": " if inc.tps_code else ""
        rows.append({"at": as_utc(inc.occurred_at), "jenis": "Kejadian", "teks": f"{where}{inc.title} ({inc.severity})",
                     "lokasi": names.kecamatan(inc.kecamatan_code), "penting": inc.severity != "rendah"})
    warnings = session.scalars(select(m.WeatherWarning).where(m.WeatherWarning.sent <= now, m.WeatherWarning.sent > since)
                               .order_by(m.WeatherWarning.sent.desc()))
    # A warning names its kecamatan in a list: the area's are picked here (a day holds a few dozen warnings).
    for w in [w for w in warnings if not area or any(within(k, area) for k in (w.kecamatan_codes or []))][:limit]:
        rows.append({"at": as_utc(w.sent), "jenis": "Peringatan BMKG", "teks": w.headline or w.event,
                     "lokasi": ", ".join(names.kecamatan(k) for k in (w.kecamatan_codes or [])), "penting": True})
    handovers = select(m.LogisticsEvent.state, m.LogisticsEvent.occurred_at, m.LogisticsLeg.to_name,
                       m.LogisticsLeg.stage, m.LogisticsLeg.kecamatan_code).join(
        m.LogisticsLeg, m.LogisticsLeg.id == m.LogisticsEvent.leg_id).where(
        m.LogisticsEvent.occurred_at <= now, m.LogisticsEvent.occurred_at > since,
        m.LogisticsEvent.state == "diserahkan").order_by(m.LogisticsEvent.occurred_at.desc()).limit(limit)
    found = _newest_of(session, handovers, m.LogisticsEvent.leg_id,
                       select(m.LogisticsLeg.id).where(in_area(m.LogisticsLeg.kecamatan_code, area)) if area else None,
                       1, limit)
    for state, at, to_name, stage, kec in found:
        rows.append({"at": as_utc(at), "jenis": "Logistik",
                     "teks": f"Kotak suara diserahkan di {to_name} ({STAGE_LABEL.get(stage, stage)})",
                     "lokasi": names.kecamatan(kec), "penting": False})
    df = pd.DataFrame(rows, columns=["at", "jenis", "teks", "lokasi", "penting"])
    return df.sort_values("at", ascending=False).head(limit).reset_index(drop=True)


def _newest_of(session: Session, stmt, column, members, at: int, limit: int) -> list:
    """`stmt`'s rows (newest first, `limit` of them; the moment at place `at`), of the area's `members` only when
    given (a select of the values of `column` in the area): named outright, each is looked up by its own index.
    Filtered by a join instead, PostgreSQL misjudged an area and read the whole nation's day of status reports to
    find a kabupaten's few (0.3 s, against 0.02 s)."""
    if members is None:
        return session.execute(stmt).all()
    found = [r for cond in one_of(session, column, session.scalars(members).all())
             for r in session.execute(stmt.where(cond))]
    return sorted(found, key=lambda r: as_utc(r[at]), reverse=True)[:limit]
