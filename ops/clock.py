"""Operation time: stored in UTC, shown in WIB; real time or a scenario clock (start moment + speed).

The scenario clock is anchored in the database (table operation_clock) so that the dashboard, the worker and the CLI
all see the same operation moment.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
UTC = dt.timezone.utc

# Said beside a time the machine's clock gave (a message sent, a row saved), where the operation's clock may differ.
MACHINE_CLOCK = "jam komputer"
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Naive datetimes are taken as UTC (that is how they are stored)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def wib(moment: dt.datetime) -> dt.datetime:
    return as_utc(moment).astimezone(WIB)


def from_wib(moment: dt.datetime) -> dt.datetime:
    """A naive WIB wall-clock time (as in config) to an aware UTC datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    return moment.astimezone(UTC)


def wib_at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=WIB).astimezone(UTC)


def fmt_wib(moment: dt.datetime | None, with_date: bool = True, with_year: bool = True) -> str:
    """'27 Nov 2024 09:40 WIB'; without the year ('27 Nov 09:40 WIB') for a table's column of moments within one
    operation, whose year the header says; without the date, the time alone."""
    if moment is None:
        return "—"
    m = wib(moment)
    if not with_date:
        return m.strftime("%H:%M WIB")
    return f"{m.day} {BULAN[m.month - 1][:3]}{f' {m.year}' if with_year else ''} {m:%H:%M} WIB"


def fmt_when(value: dt.datetime | str | None, with_date: bool = True) -> str:
    """fmt_wib for a moment that may have travelled as ISO text (facts kept as JSON)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return fmt_wib(value, with_date)


def fmt_long_wib(moment: dt.datetime) -> str:
    m = wib(moment)
    return f"{HARI[m.weekday()]}, {m.day} {BULAN[m.month - 1]} {m.year} · {m:%H:%M} WIB"


def fmt_age(seconds: float | None) -> str:
    """'4 mnt', '2 jam 5 mnt', '3 hari' — ages as operators say them."""
    if seconds is None:
        return "belum pernah"
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} dtk"
    if s < 3600:
        return f"{s // 60} mnt"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"{h} jam {m} mnt" if m else f"{h} jam"
    return f"{s // 86400} hari"


@dataclass(frozen=True)
class OperationClock:
    """Real time when scenario_start is None; else scenario_start + (real now - anchored_at) * speed."""

    scenario_start: dt.datetime | None = None
    anchored_at: dt.datetime | None = None
    speed: float = 1.0

    def now(self, real_now: dt.datetime | None = None) -> dt.datetime:
        real = as_utc(real_now) if real_now else utcnow()
        if self.scenario_start is None or self.anchored_at is None:
            return real
        elapsed = (real - as_utc(self.anchored_at)).total_seconds()
        return as_utc(self.scenario_start) + dt.timedelta(seconds=elapsed * self.speed)

    @property
    def is_scenario(self) -> bool:
        return self.scenario_start is not None


def load_clock(session) -> OperationClock:
    """The operation clock as anchored in the database; real time when none is set."""
    from ops.models import OperationClockRow

    row = session.get(OperationClockRow, 1)
    if row is None or row.scenario_start is None:
        return OperationClock()
    return OperationClock(as_utc(row.scenario_start), as_utc(row.anchored_at), row.speed)


def set_clock(session, scenario_start_utc: dt.datetime | None, speed: float = 1.0) -> OperationClock:
    """Anchor the scenario clock at the given operation moment now (None: real time)."""
    from ops.models import OperationClockRow

    anchored = utcnow()
    session.merge(OperationClockRow(id=1, scenario_start=scenario_start_utc, anchored_at=anchored, speed=speed))
    return OperationClock(scenario_start_utc, anchored, speed) if scenario_start_utc else OperationClock()
