"""Import of the operation calendar: one row per milestone with its window (WIB).

Columns: tonggak (a milestone of ops.calendar.MILESTONES, by its code or its name), mulai, selesai. `operasi` sets
the TPS phase (phase_start, phase_end), `pemungutan` voting day and the opening and closing hours, `penghitungan` when
counting ends, `kotak_ke_ppk` by when the boxes must be back at the PPK, `laporan_harian` the briefing's time of day
(mulai only, e.g. 06:00). The file is the whole calendar: a milestone it leaves out follows the settings again.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

import pandas as pd
from sqlalchemy.orm import Session

from ops import calendar
from ops.audit import record
from ops.config import Settings
from ops.importers import Column, ImportRejected, ImportReport, Problem, choice, distinct, read_rows, record_file
from ops.importers.checks import moment, wib_text

NAMES = {name: key for key, kind in calendar.MILESTONES.items()
         for name in (key, kind.label.lower().replace(" ", "_"))}
COLUMNS = [
    Column("tonggak", choice(NAMES), help="; ".join(f"{k} ({kind.label})" for k, kind in calendar.MILESTONES.items())),
    Column("mulai", moment, help="tanggal dan jam mulai, WIB (mis. 2024-11-27 07:00); laporan_harian: jamnya saja "
                                 "(06:00); operasi: tanggal saja boleh"),
    Column("selesai", moment, required=False, help="tanggal dan jam selesai, WIB; kosong untuk laporan_harian"),
]


def _window(kind: calendar.MilestoneKind, start, end) -> tuple:
    """(start, end) as wall-clock values, or the reason they are not a window of this kind."""
    if kind.end is None:
        if isinstance(start, dt.datetime):
            start = start.time()
        if not isinstance(start, dt.time) or end is not None:
            raise ValueError("isi jamnya saja di kolom mulai (mis. 06:00) dan kosongkan selesai")
        return start, None
    if end is None:
        raise ValueError("selesai kosong")
    if isinstance(start, dt.time) or isinstance(end, dt.time):
        raise ValueError("tulis tanggal dan jam (mis. 2024-11-27 07:00)")
    # A date alone spans the whole day: from its first minute to its last.
    if not isinstance(start, dt.datetime):
        start = dt.datetime.combine(start, dt.time(0, 0))
    if not isinstance(end, dt.datetime):
        end = dt.datetime.combine(end, dt.time(23, 59))
    if end <= start:
        raise ValueError(f"selesai ({wib_text(end)}) tidak sesudah mulai ({wib_text(start)})")
    return start, end


def import_calendar(session: Session, settings: Settings, data: bytes, filename: str, actor: str,
                    progress: Callable[[float], None] = lambda f: None) -> ImportReport:
    rows, problems = read_rows(settings, data, filename, COLUMNS, lambda f: progress(f * 0.5))
    seen: dict[str, int] = {}  # milestone -> its row
    windows: dict[str, tuple] = {}
    for row_no, r in distinct(rows, "tonggak", problems):
        key = r["tonggak"]
        seen[key] = row_no
        try:
            windows[key] = _window(calendar.MILESTONES[key], r["mulai"], r.get("selesai"))
        except ValueError as e:
            problems.append(Problem(row_no, "mulai/selesai", str(e)))
    problems += _consistency(windows, seen, settings)
    if problems:
        raise ImportRejected(problems)
    before = calendar.imported(session)
    report = ImportReport("Kalender", len(windows))
    for key in calendar.MILESTONES:
        old, new = before.get(key), windows.get(key)
        if old == new:
            report.unchanged += new is not None
            continue
        record(session, actor, "impor_ubah" if old and new else "impor_tambah" if new else "impor_hapus",
               "kalender", key, _shown(old), _shown(new))
        report.created += old is None
        report.updated += old is not None and new is not None
        report.removed += new is None
    calendar.store(session, windows)
    record_file(session, actor, "berkas_kalender", filename, report)
    progress(1.0)
    return report


def _shown(window) -> dict | None:
    return None if window is None else {"mulai": wib_text(window[0]),
                                        "selesai": wib_text(window[1]) if window[1] else None}


def _consistency(windows: dict, rows: dict[str, int], settings: Settings) -> list[Problem]:
    """What the rows say together: one voting day, counting on it, and everything inside the operation."""
    out = []
    s = calendar.settings_with(settings, {k: v for k, v in windows.items() if k in ("operasi", "pemungutan")})
    if "pemungutan" in windows and windows["pemungutan"][0].date() != windows["pemungutan"][1].date():
        out.append(Problem(rows["pemungutan"], "selesai", "pemungutan dibuka dan ditutup pada hari yang sama"))
    if "penghitungan" in windows and windows["penghitungan"][1].date() != s.voting_day:
        out.append(Problem(rows["penghitungan"], "selesai", f"penghitungan selesai pada hari pemungutan "
                                                             f"({s.voting_day:%Y-%m-%d})"))
    first = dt.datetime.combine(s.phase_start, dt.time(0, 0)) - dt.timedelta(days=7)
    last = dt.datetime.combine(s.phase_end, dt.time(23, 59)) + dt.timedelta(days=7)
    for key, (start, end) in windows.items():
        if key == "operasi" or end is None:
            continue
        if start < first or end > last:
            out.append(Problem(rows[key], "mulai/selesai", f"{wib_text(start)} s.d. {wib_text(end)} jauh di luar "
                                                            f"masa operasi ({s.phase_start:%Y-%m-%d} s.d. "
                                                            f"{s.phase_end:%Y-%m-%d}, ±7 hari)"))
    return out


def frame(session: Session, settings: Settings) -> pd.DataFrame:
    """The calendar in force, imported or from the settings, in the import format."""
    rows = []
    for ms in calendar.milestones(settings, session):
        start = calendar.wall_clock(ms.start)
        rows.append({"tonggak": ms.key, "mulai": wib_text(start.time() if ms.daily else start),
                     "selesai": wib_text(calendar.wall_clock(ms.end)) if ms.end else ""})
    return pd.DataFrame(rows, columns=[c.name for c in COLUMNS])
