"""The operation's timeline at a moment: each milestone of the calendar with its window and what is due, done and
late, counted from the event history (legs handed over, TPS reports, Sirekap progress), so any past moment replays.
`describe` and `when` are the one place a step becomes words (the page, Ringkasan, the wall and the briefing)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.calendar import MILESTONES, h_day, milestones
from ops.clock import as_utc, wib
from ops.config import Settings
from ops.logistics import leg_board
from ops.readiness import per_tps
from ops.readiness.model import reached

STATE_LABEL = {"akan_datang": "Akan datang", "berjalan": "Berjalan", "selesai": "Selesai", "terlambat": "Terlambat",
               "tanpa_rencana": "Belum ada rencana"}
STATES = tuple(STATE_LABEL)


@dataclass(frozen=True)
class Step:
    key: str
    start: dt.datetime
    end: dt.datetime
    state: str
    total: int | None = None  # what the milestone counts (legs, TPS, kecamatan); None: a window only
    done: int | None = None
    late: int = 0  # past their own due moment and not done

    @property
    def label(self) -> str:
        return MILESTONES[self.key].label


@dataclass(frozen=True)
class Tables:
    tps: pd.DataFrame  # readiness.per_tps
    legs: pd.DataFrame  # logistics.leg_board
    recap: dict[str, float]  # kecamatan -> latest Sirekap percentage


@dataclass(frozen=True)
class Measure:
    unit: str  # what is counted, as said: "perjalanan", "TPS", "kecamatan"
    verb: str  # what done means for one of them: "diserahkan", "dibuka" …
    count: Callable[[Tables, str], tuple[int, int, int | None]]  # -> (total, done, late by own due or None)
    due_at_start: bool = False  # due when the window opens (a TPS must open at opening time), else when it closes


def _legs(stage: str):
    def count(t: Tables, key: str):
        legs = t.legs[t.legs["stage"] == stage] if len(t.legs) else t.legs
        if legs.empty:
            return 0, 0, 0
        done = legs["state"] == "diserahkan"
        return len(legs), int(done.sum()), int((~done & legs["late"]).sum())
    return count


def _tps(step: str, delivered: bool = False):
    def count(t: Tables, key: str):
        ok = t.tps["status"].map(lambda s: reached(s if isinstance(s, str) else None, step))
        if delivered:  # boxes handed over at the TPS make it set up, whatever its report says
            ok = ok | t.tps["logistik"].eq("diserahkan")
        return len(t.tps), int(ok.sum()), None
    return count


def _recap(t: Tables, key: str):
    kecamatan = set(t.tps["kecamatan_code"])
    return len(kecamatan), sum(1 for k in kecamatan if t.recap.get(k, 0) >= 100), None


# milestone -> how it is measured; a milestone left out is a window only (the operation itself).
MEASURES: dict[str, Measure] = {
    "logistik_gudang_ppk": Measure("perjalanan", "diserahkan", _legs("gudang-ppk")),
    "logistik_ppk_pps": Measure("perjalanan", "diserahkan", _legs("ppk-pps")),
    "logistik_pps_tps": Measure("perjalanan", "diserahkan", _legs("pps-tps")),
    "tps_siap": Measure("TPS", "siap", _tps("siap", delivered=True)),
    "pemungutan": Measure("TPS", "dibuka", _tps("dibuka"), due_at_start=True),
    "penghitungan": Measure("TPS", "selesai menghitung", _tps("selesai")),
    "kotak_ke_ppk": Measure("TPS", "kotaknya diterima PPK", _tps("kotak_diterima_ppk")),
    "rekap_ppk": Measure("kecamatan", "Sirekap lengkap", _recap),
}


def _recap_at(session: Session, moment: dt.datetime) -> dict[str, float]:
    latest: dict[str, float] = {}
    for code, persen in session.execute(select(m.RecapProgress.region_code, m.RecapProgress.persen)
                                        .where(m.RecapProgress.ts <= moment).order_by(m.RecapProgress.ts)):
        latest[code] = persen
    return latest


def timeline(session: Session, settings: Settings, moment: dt.datetime, tps: pd.DataFrame | None = None,
             legs: pd.DataFrame | None = None) -> list[Step]:
    """Every milestone with a window (the daily briefing is a time, not a step) as it stood at `moment`. `tps`
    (readiness.per_tps) and `legs` (logistics.leg_board) of the same moment may be passed when already known."""
    moment = as_utc(moment)
    tables = Tables(per_tps(session, settings, moment) if tps is None else tps,
                    leg_board(session, moment) if legs is None else legs, _recap_at(session, moment))
    out = []
    for ms in milestones(settings, session):
        if ms.end is None:
            continue
        measure = MEASURES.get(ms.key)
        if measure is None:
            state = "akan_datang" if moment < ms.start else "berjalan" if moment <= ms.end else "selesai"
            out.append(Step(ms.key, ms.start, ms.end, state))
            continue
        total, done, late = measure.count(tables, ms.key)
        if late is None:  # counted against the milestone's own due moment
            late = total - done if moment > (ms.start if measure.due_at_start else ms.end) else 0
        out.append(Step(ms.key, ms.start, ms.end, _state(moment, ms.start, ms.end, total, done, late), total, done,
                        late))
    return out


def _state(moment: dt.datetime, start: dt.datetime, end: dt.datetime, total: int, done: int, late: int) -> str:
    if not total:
        return "tanpa_rencana"
    if done >= total:
        return "selesai"
    if moment < start:
        return "akan_datang"
    return "terlambat" if late or moment > end else "berjalan"


# ---- words -------------------------------------------------------------------------------------------------------

def describe(step: Step) -> str:
    """What is done and late: '661 dari 667 perjalanan diserahkan, 6 terlambat'."""
    measure = MEASURES.get(step.key)
    if measure is None:
        return ""
    if step.state == "tanpa_rencana":
        return f"belum ada rencana: tidak ada {measure.unit} yang dijadwalkan"
    text = f"{step.done} dari {step.total} {measure.unit} {measure.verb}"
    return text + (f", {step.late} terlambat" if step.late else "")


def starts(step: Step, voting_day: dt.date) -> str:
    """When the window opens, by operation day: 'H-1 08:00'."""
    return f"{h_day(step.start, voting_day)} {wib(step.start):%H:%M}"


def when(step: Step, voting_day: dt.date) -> str:
    """The window by operation day: 'H-3 07:00–18:00', 'H-1 12:00 – H 06:00'."""
    start, end = wib(step.start), wib(step.end)
    if start.date() == end.date():
        return f"{starts(step, voting_day)}–{end:%H:%M}"
    return f"{starts(step, voting_day)} – {h_day(step.end, voting_day)} {end:%H:%M}"
