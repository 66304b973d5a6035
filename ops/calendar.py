"""The operation's calendar: its dates, voting hours, briefing time and milestones (logistics out per stage, TPS
ready, voting, counting, boxes back to the PPK, rekap at the PPK), each with its window.

The settings give a calendar (phase_start … briefing_time) and the milestones' windows follow from it. A calendar
the Polres imported (`python -m ops import calendar FILE`) is kept in operation_meta and wins over the settings for
that operation: every entry point applies `effective_settings` once it has a session — the CLI, the dashboard's
`ui.data.settings()`, the briefing, Perhatian's sync and the feed runs.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import from_wib, wib, wib_at
from ops.config import Settings

META_PREFIX = "kalender:"  # operation_meta key of an imported milestone: kalender:<milestone>


def _day(offset: int, time: dt.time) -> Callable[[Settings], dt.datetime]:
    return lambda s: wib_at(s.voting_day + dt.timedelta(days=offset), time)


def _closing(s: Settings) -> dt.datetime:
    return wib_at(s.voting_day, s.tps_close)


@dataclass(frozen=True)
class MilestoneKind:
    label: str
    short: str  # for a strip that holds every milestone in one line
    start: Callable[[Settings], dt.datetime]  # the window when nothing was imported, from the settings
    end: Callable[[Settings], dt.datetime] | None  # None: a time of day, every day (the briefing)


# The one list of milestones, in the order they fall. Default windows follow the usual Pilkada plan: boxes leave the
# KPU warehouse on H-3, reach the PPS on H-2 and the TPS on H-1; counted boxes are back at the PPK by the next noon.
MILESTONES: dict[str, MilestoneKind] = {
    "operasi": MilestoneKind("Masa operasi tahap TPS", "Operasi", lambda s: wib_at(s.phase_start, dt.time(0, 0)),
                             lambda s: wib_at(s.phase_end, dt.time(23, 59))),
    "logistik_gudang_ppk": MilestoneKind("Logistik gudang KPU → PPK", "Gudang → PPK", _day(-3, dt.time(7, 0)),
                                         _day(-3, dt.time(18, 0))),
    "logistik_ppk_pps": MilestoneKind("Logistik PPK → PPS", "PPK → PPS", _day(-2, dt.time(8, 0)),
                                      _day(-2, dt.time(20, 0))),
    "logistik_pps_tps": MilestoneKind("Logistik PPS → TPS", "PPS → TPS", _day(-1, dt.time(8, 0)),
                                      _day(-1, dt.time(20, 0))),
    "tps_siap": MilestoneKind("TPS didirikan dan siap", "TPS siap", _day(-1, dt.time(12, 0)),
                              lambda s: wib_at(s.voting_day, s.tps_open) - dt.timedelta(hours=1)),
    "pemungutan": MilestoneKind("Pemungutan suara", "Pemungutan", lambda s: wib_at(s.voting_day, s.tps_open),
                                _closing),
    "penghitungan": MilestoneKind("Penghitungan suara", "Penghitungan", _closing,
                                  lambda s: wib_at(s.voting_day, s.counting_end)),
    "kotak_ke_ppk": MilestoneKind("Kotak suara kembali ke PPK", "Kotak ke PPK", _closing,
                                  lambda s: _closing(s) + dt.timedelta(hours=s.perhatian_boxes_at_ppk_hours)),
    "rekap_ppk": MilestoneKind("Rekapitulasi di PPK", "Rekap PPK", _day(1, dt.time(8, 0)), _day(3, dt.time(18, 0))),
    "laporan_harian": MilestoneKind("Laporan harian Posko", "Laporan", lambda s: wib_at(s.voting_day, s.briefing_time),
                                    None),
}


@dataclass(frozen=True)
class Milestone:
    key: str
    start: dt.datetime  # UTC; for a daily milestone, its time on voting day
    end: dt.datetime | None  # UTC; None for a daily milestone
    imported: bool  # from the Polres's calendar file, not the settings

    @property
    def daily(self) -> bool:
        return MILESTONES[self.key].end is None


def imported(session: Session) -> dict[str, tuple[dt.datetime | dt.time, dt.datetime | None]]:
    """The imported calendar: milestone -> (start, end) as WIB wall-clock values (a time alone for a daily one)."""
    out = {}
    for key, value in session.execute(select(m.OperationMeta.key, m.OperationMeta.value)
                                      .where(m.OperationMeta.key.like(META_PREFIX + "%"))):
        name = key.removeprefix(META_PREFIX)
        if name not in MILESTONES:
            continue  # a milestone a later version no longer knows
        row = json.loads(value)
        if MILESTONES[name].end is None:
            out[name] = (dt.time.fromisoformat(row["mulai"]), None)
        else:
            out[name] = (dt.datetime.fromisoformat(row["mulai"]), dt.datetime.fromisoformat(row["selesai"]))
    return out


def store(session: Session, rows: dict[str, tuple[dt.datetime | dt.time, dt.datetime | None]]) -> None:
    """Replace the imported calendar with `rows` (WIB wall-clock values)."""
    clear(session)
    for name, (start, end) in rows.items():
        session.add(m.OperationMeta(key=META_PREFIX + name, value=json.dumps(
            {"mulai": start.isoformat(), "selesai": end.isoformat() if end else None})))
    session.flush()


def clear(session: Session) -> None:
    session.execute(delete(m.OperationMeta).where(m.OperationMeta.key.like(META_PREFIX + "%")))


def settings_with(settings: Settings, rows: dict) -> Settings:
    """The settings as the calendar `rows` (WIB wall-clock values) set them; what the rows leave out stays."""
    update: dict = {}
    if "operasi" in rows:
        start, end = rows["operasi"]
        update.update(phase_start=start.date(), phase_end=end.date())
    if "pemungutan" in rows:
        start, end = rows["pemungutan"]
        update.update(voting_day=start.date(), tps_open=start.time(), tps_close=end.time())
    if "penghitungan" in rows:
        update["counting_end"] = rows["penghitungan"][1].time()
    if "laporan_harian" in rows:
        update["briefing_time"] = rows["laporan_harian"][0]
    out = settings.model_copy(update=update)
    if "kotak_ke_ppk" in rows:
        # Perhatian's deadline for boxes at the PPK is the milestone's end, counted from closing.
        hours = (from_wib(rows["kotak_ke_ppk"][1]) - _closing(out)).total_seconds() / 3600
        out = out.model_copy(update={"perhatian_boxes_at_ppk_hours": hours})
    return out


def effective_settings(settings: Settings, session: Session) -> Settings:
    """The settings with the operation's imported calendar applied (unchanged when none was imported), and the names
    init recorded with the operation's area (a Polda's database is 'Polda Sumatera Selatan' wherever it is opened)."""
    rows = imported(session)
    settings = settings_with(settings, rows) if rows else settings
    names = {k: session.get(m.OperationMeta, k) for k in ("operation_name", "command_name")}
    update = {field: row.value for field, row in (("operation_name", names["operation_name"]),
                                                   ("polres_name", names["command_name"]))
              if row is not None and row.value and row.value != getattr(settings, field)}
    return settings.model_copy(update=update) if update else settings


def current_settings(settings: Settings) -> Settings:
    """effective_settings for callers without a session (the worker's jobs, a page's first read); the settings as
    they are while the database has no schema yet."""
    from ops.db import check_connection, get_engine, has_schema, session_scope

    engine = get_engine(settings.database_url)
    check_connection(engine)
    if not has_schema(engine):
        return settings
    with session_scope(engine) as session:
        return effective_settings(settings, session)


def milestones(settings: Settings, session: Session) -> list[Milestone]:
    """Every milestone with its window: imported, or from the (effective) settings."""
    rows = imported(session)
    s = settings_with(settings, rows)
    out = []
    for key, kind in MILESTONES.items():
        if key in rows:
            start, end = rows[key]
            start = wib_at(s.voting_day, start) if kind.end is None else from_wib(start)
            out.append(Milestone(key, start, from_wib(end) if end else None, True))
        else:
            out.append(Milestone(key, kind.start(s), kind.end(s) if kind.end else None, False))
    return out


def h_label(day: dt.date, voting_day: dt.date) -> str:
    """'H-3', 'H', 'H+1': a day counted from voting day."""
    offset = (day - voting_day).days
    return "H" if offset == 0 else f"H{offset:+d}"


def h_day(moment: dt.datetime, voting_day: dt.date) -> str:
    """h_label of the day `moment` falls on (WIB)."""
    return h_label(wib(moment).date(), voting_day)


def wall_clock(moment: dt.datetime) -> dt.datetime:
    """A stored moment as the WIB wall-clock value the calendar file holds."""
    return wib(moment).replace(tzinfo=None)
