"""Tahapan of the operation at a moment, and the countdowns the Posko watches."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ops.clock import as_utc, wib_at
from ops.config import Settings


@dataclass(frozen=True)
class PhaseInfo:
    tahapan: str  # sebelum, pemungutan, sesudah
    h_label: str  # H-3, H, H+1 …
    next_label: str | None
    next_at: dt.datetime | None

    def countdown(self, now: dt.datetime) -> str | None:
        if self.next_at is None:
            return None
        s = int((self.next_at - as_utc(now)).total_seconds())
        d, rem = divmod(max(s, 0), 86400)
        h, rem = divmod(rem, 3600)
        return (f"{d} hari {h} jam" if d else f"{h} jam {rem // 60} mnt") + f" menuju {self.next_label}"


def phase_at(now: dt.datetime, settings: Settings) -> PhaseInfo:
    now = as_utc(now)
    h = settings.voting_day
    day_start = wib_at(h, dt.time(0, 0))
    opening, closing = wib_at(h, settings.tps_open), wib_at(h, settings.tps_close)
    day_end = day_start + dt.timedelta(days=1)
    offset = (now.astimezone(day_start.tzinfo) - day_start).days if now >= day_start else \
        -((day_start - now + dt.timedelta(seconds=86399)) // dt.timedelta(days=1))
    h_label = "H" if offset == 0 else f"H{offset:+d}"
    if now < day_start:
        return PhaseInfo("sebelum", h_label, "pembukaan TPS", opening)
    if now < day_end:
        if now < opening:
            return PhaseInfo("pemungutan", h_label, "pembukaan TPS", opening)
        if now < closing:
            return PhaseInfo("pemungutan", h_label, "penutupan TPS", closing)
        return PhaseInfo("pemungutan", h_label, "akhir hari pemungutan", day_end)
    end = wib_at(settings.phase_end, dt.time(23, 59))
    return PhaseInfo("sesudah", h_label, "akhir operasi tahap TPS" if now < end else None, end if now < end else None)
