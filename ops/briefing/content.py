"""What the daily briefing says, gathered at one operation moment: the same figures the dashboard shows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops import queries
from ops.clock import as_utc, fmt_age, fmt_wib
from ops.config import Settings
from ops.coordination import kecamatan_coverage
from ops.decisions import PRIORITY_LABEL, decisions
from ops.freshness import feed_states
from ops.headline import headline
from ops.incidents import incident_table
from ops.logistics import STAGE_LABEL, leg_board, pipeline, river_legs
from ops.phase import phase_at
from ops.readiness import overview_of, per_tps, with_points
from ops.weather import active_warnings, discharge_trend, forecast_source, kecamatan_timeline

FIGURES = [  # (key, label) of the headline figures compared with the previous briefing
    ("tps_dijaga", "TPS dijaga sesuai pola"), ("tps_dibuka", "TPS dibuka"), ("tps_penghitungan", "TPS menghitung"),
    ("tps_selesai", "TPS selesai menghitung"), ("personel_di_lokasi", "Personel di lokasi"),
    ("kotak_tiba_tps", "Kotak suara tiba di TPS"), ("kotak_kembali_ppk", "Kotak suara kembali di PPK"),
    ("logistik_terlambat", "Leg logistik terlambat"), ("kejadian_terbuka", "Kejadian terbuka"),
    ("peringatan_aktif", "Peringatan cuaca aktif"),
]


@dataclass
class BriefingContent:
    moment: dt.datetime
    made_at: dt.datetime
    operation: str
    polres: str
    phase_label: str
    countdown: str | None
    figures: dict
    previous: dict | None
    previous_label: str
    readiness: dict
    kecamatan_names: dict
    tps: pd.DataFrame
    personnel: pd.DataFrame
    pipeline: pd.DataFrame
    river: pd.DataFrame
    forecast_note: str
    forecast_source: str
    rain: pd.DataFrame
    warnings: list
    discharge_today: pd.DataFrame
    incidents: pd.DataFrame
    coordination: pd.DataFrame
    decisions: pd.DataFrame
    sources: list[tuple[str, str, str]]
    boundaries: dict = field(default_factory=dict)

    def figure_rows(self) -> list[tuple[str, int, int | None]]:
        return [(label, self.figures[k], None if self.previous is None else self.previous.get(k)) for k, label in FIGURES]


def gather(session: Session, settings: Settings, moment: dt.datetime, made_at: dt.datetime) -> BriefingContent:
    moment = as_utc(moment)
    phase = phase_at(moment, settings)
    table = per_tps(session, settings, moment)
    figures = headline(session, settings, moment, tps=table)
    prev = session.scalars(select(m.Briefing).where(m.Briefing.moment < moment)
                           .order_by(m.Briefing.moment.desc())).first()
    if prev is not None:
        previous, previous_label = prev.figures, f"laporan {fmt_wib(prev.moment)}"
    else:  # no earlier briefing: the same figures replayed 24 hours earlier
        previous = headline(session, settings, moment - dt.timedelta(hours=24))
        previous_label = f"24 jam sebelumnya ({fmt_wib(moment - dt.timedelta(hours=24))})"
    names = queries.kecamatan_names(session)
    points = with_points(queries.tps_points(session), table)
    polsek = queries.polsek_names(session)
    clusters = table.drop_duplicates("cluster")
    personnel = clusters.groupby("polsek_code", as_index=False).agg(
        wajib=("personel_wajib", "sum"), ditugaskan=("personel_ditugaskan", "sum"),
        di_lokasi=("personel_di_lokasi", "sum"))
    personnel.insert(0, "polsek", personnel["polsek_code"].map(polsek).fillna("—"))
    board = leg_board(session, moment)
    river = river_legs(session, settings, moment, board)
    states = feed_states(session, settings)
    chosen = forecast_source(states)
    incidents = incident_table(session, moment, since=moment - dt.timedelta(hours=24))
    items = decisions(moment, points, names, incident_table(session, moment), river, board, states, phase.tahapan,
                      limit=12)
    trend = discharge_trend(session, settings, moment, 0, 0)
    sources = [(name, f.label, "belum pernah" if f.age_seconds is None else f"{fmt_age(f.age_seconds)} lalu")
               for name, f in states.items() if name != "simulator" or settings.demo]
    return BriefingContent(
        moment=moment, made_at=made_at, operation=settings.operation_name, polres=settings.polres_name,
        phase_label=f"{phase.h_label} · {phase.tahapan}", countdown=phase.countdown(moment), figures=figures,
        previous=previous, previous_label=previous_label, readiness=overview_of(table, settings),
        kecamatan_names=names, tps=points, personnel=personnel,
        pipeline=pipeline(board).assign(tahap=lambda d: d["stage"].map(STAGE_LABEL)), river=river,
        forecast_note=chosen.note, forecast_source=chosen.source,
        rain=kecamatan_timeline(session, chosen.source, moment, 72),
        warnings=[{"event": w.event, "severity": w.severity, "effective": w.effective, "expires": w.expires,
                   "headline": w.headline, "kecamatan": [names.get(k, k) for k in w.kecamatan_codes or []]}
                  for w in active_warnings(session, moment, ahead_hours=24)],
        discharge_today=trend, incidents=incidents, coordination=kecamatan_coverage(session, moment),
        decisions=items.assign(prioritas_label=items["prioritas"].map(PRIORITY_LABEL)), sources=sources,
        boundaries={"kecamatan": queries.boundaries(session, "kecamatan"), "desa": queries.boundaries(session, "desa")})
