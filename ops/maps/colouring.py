"""What the TPS markers are coloured by: one registry of modes, each a class per TPS (with its colours, worst first)
or a number on a colour scale. A new mode is one `register(...)` call; the Peta page offers every mode whose columns
the TPS table carries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from ops.vocabulary import (KERAWANAN_COLOR, KERAWANAN_LABEL, KESIAPAN_COLOR, KESIAPAN_LABEL, TPS_STATUS_COLOR,
                            TPS_STATUS_SHORT, kesiapan_class)


@dataclass(frozen=True)
class Context:
    """What a mode may need beyond the TPS table."""
    phase: str  # tahapan shown
    ready_threshold: float


@dataclass(frozen=True)
class Scale:
    """A numeric mode's colour scale: low is good, high is bad; values above `high` take the top colour."""
    colors: tuple[str, ...]
    low: float
    high: float
    unit: str


@dataclass(frozen=True)
class Mode:
    key: str
    label: str  # on the radio
    needs: tuple[str, ...]  # columns of the TPS table it reads
    value: Callable[[pd.DataFrame, Context], pd.Series]  # class key (categorical) or number (numeric) per TPS
    classes: dict = field(default_factory=dict)  # class key -> (label, colour), worst first
    scale: Scale | None = None

    @property
    def numeric(self) -> bool:
        return self.scale is not None

    def rank(self, values: pd.Series) -> pd.Series:
        """0 is worst: how groups pick the colour of their worst TPS (a number: the highest is worst)."""
        if self.numeric:
            return -values.astype(float).fillna(-1e18)
        order = {k: i for i, k in enumerate(self.classes) if k is not None}
        unknown = list(self.classes).index(None) if None in self.classes else len(self.classes)
        return values.map(order).astype(float).fillna(unknown)


MODES: dict[str, Mode] = {}


def register(mode: Mode) -> Mode:
    MODES[mode.key] = mode
    return mode


def available(points: pd.DataFrame, phase: str) -> list[Mode]:
    columns = set(points.columns)
    return [m for m in MODES.values() if all(c.format(phase=phase) in columns for c in m.needs)]


def _classes(order: tuple, labels: dict, colors: dict) -> dict:
    return {k: (labels[k], colors[k]) for k in order}


register(Mode("kerawanan", "Kerawanan", ("kerawanan",), lambda pts, ctx: pts["kerawanan"],
              _classes(("sangat_rawan", "rawan", "kurang_rawan"), KERAWANAN_LABEL, KERAWANAN_COLOR)))
# Worst first: trouble, then silence (no report at all), then the way a TPS goes through the day.
register(Mode("status", "Status", ("status",), lambda pts, ctx: pts["status"].where(pts["status"].notna(), None),
              _classes(("gangguan", None, "belum_siap", "siap", "dibuka", "pemungutan", "penghitungan", "selesai",
                        "kotak_dikirim", "kotak_diterima_ppk"), TPS_STATUS_SHORT, TPS_STATUS_COLOR)))
register(Mode("kesiapan", "Kesiapan", ("skor_{phase}",),
              lambda pts, ctx: pts[f"skor_{ctx.phase}"].map(lambda v: kesiapan_class(v, ctx.ready_threshold)),
              _classes(("belum", "perhatian", "siap", None), KESIAPAN_LABEL, KESIAPAN_COLOR)))

# Minutes for the nearest available reserve to reach the TPS (ops.reaction): green is quick, red at the usual limit
# (reaction_limit_minutes, 60 by default) and beyond; a TPS no reserve can reach has no value and is drawn grey.
register(Mode("reaksi", "Waktu reaksi", ("reaksi_menit",), lambda pts, ctx: pts["reaksi_menit"],
              scale=Scale(("#2e7d32", "#f9a825", "#c62828"), 0, 60, "menit")))
