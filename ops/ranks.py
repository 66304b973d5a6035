"""Polri ranks and the ages that fit them, read against the NRP.

A Polri NRP starts with the officer's year and month of birth (YYMM). A rank follows from years of service, so it
fits an age: a BRIPDA has just finished school, an AKBP has served twenty years or more. The ranges below are wide on
purpose (officers enter late, promotions stall); outside them a roster row is very likely wrong and worth a look.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

RETIREMENT_AGE = 58  # Polri members retire at 58
ENTRY_AGE = 18

# Junior to senior: (rank, youngest, oldest) in years of age. Tamtama ranks are mostly Brimob and Sat Samapta.
RANK_AGES: tuple[tuple[str, int, int], ...] = (
    ("BHARADA", 18, 26), ("BHARATU", 20, 30), ("BHARAKA", 22, 36),
    ("BRIPDA", 19, 27), ("BRIPTU", 22, 32), ("BRIGPOL", 25, 38), ("BRIPKA", 28, 45), ("AIPDA", 32, 52),
    ("AIPTU", 36, RETIREMENT_AGE),
    ("IPDA", 22, RETIREMENT_AGE), ("IPTU", 25, RETIREMENT_AGE), ("AKP", 27, RETIREMENT_AGE),
    ("KOMPOL", 31, RETIREMENT_AGE), ("AKBP", 36, RETIREMENT_AGE), ("KOMBES", 40, RETIREMENT_AGE),
)
RANKS = tuple(r for r, _, _ in RANK_AGES)
AGE_RANGE = {r: (lo, hi) for r, lo, hi in RANK_AGES}


@dataclass(frozen=True)
class Birth:
    year: int
    month: int

    def age_on(self, day: dt.date) -> int:
        return day.year - self.year - (1 if day.month < self.month else 0)


def birth_of(nrp: str, on: dt.date) -> Birth | None:
    """The birth year and month an NRP encodes (None when its first four digits cannot be a YYMM). The century is
    the one that makes the officer at least old enough to serve on `on`."""
    if not re.fullmatch(r"\d{8}", nrp or ""):
        return None
    yy, mm = int(nrp[:2]), int(nrp[2:4])
    if not 1 <= mm <= 12:
        return None
    year = 2000 + yy
    if on.year - year < ENTRY_AGE:
        year -= 100
    return Birth(year, mm)


@dataclass(frozen=True)
class Misfit:
    """Why a rank and an NRP do not sit together, as facts (the importer words them)."""
    kind: str  # usia_dinas (outside serving age) or pangkat (rank unlikely at this age)
    age: int
    birth: Birth
    low: int
    high: int


def misfit(rank: str, nrp: str, on: dt.date) -> Misfit | None:
    """None when the rank fits the age the NRP gives on `on` (or when either cannot be read)."""
    birth = birth_of(nrp, on)
    if birth is None:
        return None
    age = birth.age_on(on)
    if not ENTRY_AGE <= age <= RETIREMENT_AGE:
        return Misfit("usia_dinas", age, birth, ENTRY_AGE, RETIREMENT_AGE)
    low, high = AGE_RANGE.get(rank.upper(), (ENTRY_AGE, RETIREMENT_AGE))
    if not low <= age <= high:
        return Misfit("pangkat", age, birth, low, high)
    return None
