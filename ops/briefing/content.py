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
from ops.duty import task_board
from ops.freshness import feed_states
from ops.headline import Measure, headline, measures
from ops.perhatian import current as perhatian_now
from ops.perhatian.model import Item
from ops.area import operation_area
from ops.focus import CHILD_LEVEL
from ops.perhatian.ranking import area_ranking
from ops.places import Names
from ops.incidents import incident_table
from ops.logistics import STAGE_LABEL, leg_board, pipeline, river_legs
from ops.phase import PhaseInfo, phase_at
from ops.reaction import reaction_table, summary as reaction_summary
from ops.readiness import overview_of, per_tps, with_points
from ops.timeline import timeline
from ops.weather import active_warnings, discharge_trend, forecast_source, kecamatan_timeline

FIGURES = [  # (key, label) of the headline figures compared with the previous briefing
    ("tps_siap", "TPS siap (tahapan berjalan)"), ("personel_di_lokasi", "Personel PAM di lokasi"),
    ("tps_dibuka", "TPS dibuka"), ("tps_selesai", "TPS selesai menghitung"), ("kotak_di_tps", "TPS dengan kotak suara"),
    ("kotak_di_ppk", "TPS yang kotaknya di PPK"), ("logistik_terlambat", "Pengiriman logistik terlambat"),
    ("kejadian_terbuka", "Kejadian terbuka"), ("peringatan_aktif", "Peringatan cuaca aktif"),
    ("sungai_tunda", "Perjalanan perahu ditunda"),
]


@dataclass
class BriefingContent:
    moment: dt.datetime
    made_at: dt.datetime
    operation: str
    polres: str
    phase: PhaseInfo
    countdown: str | None
    figures: dict
    measures: list[Measure]
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
    perhatian: list[Item]
    names: Names
    ranking: pd.DataFrame  # the areas one level below the operation's (a Polres: its kecamatan) by worst problem
    sources: list[tuple[str, str, str]]
    boundaries: dict = field(default_factory=dict)
    rank_level: str = "kecamatan"  # the level of `ranking` and of the problem chart
    timeline: list = field(default_factory=list)  # ops.timeline steps at the moment
    voting_day: dt.date | None = None  # H, from which the timeline counts its days
    duties: pd.DataFrame = field(default_factory=pd.DataFrame)  # duty.task_board: every officer's task this shift
    reaction: dict = field(default_factory=dict)  # reaction.summary of the reserves' reaction times

    def figure_rows(self) -> list[tuple[str, int, int | None]]:
        return [(label, self.figures[k], None if self.previous is None else self.previous.get(k)) for k, label in FIGURES]


def gather(session: Session, settings: Settings, moment: dt.datetime, made_at: dt.datetime) -> BriefingContent:
    moment = as_utc(moment)
    phase = phase_at(moment, settings)
    # A Polres ranks its kecamatan and maps its kecamatan and desa; a Polda its kabupaten, Mabes its provinces, on
    # the kabupaten's boundaries (thousands of desa polygons would bury the TPS).
    top = operation_area(session, settings)
    level = CHILD_LEVEL[top.level]
    boundaries = ({"kecamatan": queries.boundaries(session, "kecamatan"), "desa": queries.boundaries(session, "desa")}
                  if level == "kecamatan" else {"kecamatan": queries.boundaries(session, "kabupaten"), "desa": []})
    table = per_tps(session, settings, moment)
    board = leg_board(session, moment)
    river = river_legs(session, settings, moment, board)
    figures = headline(session, settings, moment, tps=table, legs=board, river=river)
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
    states = feed_states(session, settings, moment)
    chosen = forecast_source(states)
    incidents = incident_table(session, moment, since=moment - dt.timedelta(hours=24))
    items, situation = perhatian_now(session, settings, moment, tps=points, legs=board, river=river)
    trend = discharge_trend(session, settings, moment, 0, 0)
    sources = [(name, f.label, "belum pernah" if f.age_seconds is None else f"{fmt_age(f.age_seconds)} lalu")
               for name, f in states.items()]
    return BriefingContent(
        moment=moment, made_at=made_at, operation=settings.operation_name, polres=settings.polres_name,
        phase=phase, countdown=phase.countdown(moment), figures=figures,
        measures=measures(figures, settings, moment),
        previous=previous, previous_label=previous_label, readiness=overview_of(table, settings),
        kecamatan_names=names, tps=points, personnel=personnel,
        pipeline=pipeline(board).assign(tahap=lambda d: d["stage"].map(STAGE_LABEL)), river=river,
        forecast_note=chosen.note, forecast_source=chosen.source,
        rain=kecamatan_timeline(session, chosen.source, moment, 72),
        warnings=[{"event": w.event, "severity": w.severity, "effective": w.effective, "expires": w.expires,
                   "headline": w.headline, "kecamatan": [names.get(k, k) for k in w.kecamatan_codes or []]}
                  for w in active_warnings(session, moment, ahead_hours=24)],
        discharge_today=trend, incidents=incidents, coordination=kecamatan_coverage(session, moment),
        perhatian=items, names=situation.names,
        ranking=area_ranking(items, points, phase.tahapan, settings.readiness_ready_threshold, level),
        rank_level=level, sources=sources,
        boundaries=boundaries,
        timeline=timeline(session, settings, moment, tps=table, legs=board), voting_day=settings.voting_day,
        duties=task_board(session, settings, moment),
        reaction={**reaction_summary(reaction_table(session, settings, moment), settings.reaction_limit_minutes),
                  "limit": settings.reaction_limit_minutes})
