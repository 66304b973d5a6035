"""Which desa a BMKG forecast run asks for, when there are more desa than one run may ask.

BMKG answers 60 requests a minute per IP: a Polres (241 desa) is covered in four minutes, a Polda (3,257) in an hour,
the nation (83,345) in 23 hours. A run asks at most `budget` desa (the rate × the run's deadline), in this order:
1. **priority desa** — those with a river TPS (boats decide on the forecast) or a sangat rawan TPS, stalest first, up to
   half the budget;
2. **one representative per kecamatan** that has no priority desa (its desa with the most TPS), stalest first, up to
   nine tenths of the budget with the above, so every kecamatan has a forecast of its own within a few rounds;
3. **the rest in rotation**, oldest forecast first (never fetched counts as oldest), to the end of the budget.
When everything fits (a Polres, a Polda in one hour's budget) every desa is asked every run.
A desa without its own forecast is judged by the heaviest forecast of its kecamatan (ops.weather)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class DesaInfo:
    code: str
    kecamatan: str
    tps: int
    priority: bool  # a river or sangat rawan TPS stands in it


def plan_round(desa: list[DesaInfo], fetched: dict[str, dt.datetime], budget: int) -> list[str]:
    """The desa codes to ask this run, most needed first, at most `budget`."""
    never = dt.datetime.min.replace(tzinfo=dt.timezone.utc)

    def age_key(d: DesaInfo):
        return (fetched.get(d.code, never), d.code)
    chosen: list[str] = []
    taken: set[str] = set()

    def take(ds, limit: int):
        for d in sorted(ds, key=age_key):
            if len(chosen) >= limit:
                return
            if d.code not in taken:
                chosen.append(d.code)
                taken.add(d.code)
    if len(desa) <= budget:
        take(desa, budget)
        return chosen
    take([d for d in desa if d.priority], budget // 2)
    by_kec: dict[str, list[DesaInfo]] = {}
    for d in desa:
        by_kec.setdefault(d.kecamatan, []).append(d)
    covered = {d.kecamatan for d in desa if d.priority}
    take([max(ds, key=lambda d: (d.tps, d.code)) for k, ds in by_kec.items() if k not in covered], budget * 9 // 10)
    take(desa, budget)
    return chosen


def budget(requests_per_minute: int, run_seconds: float) -> int:
    return max(1, int(requests_per_minute * run_seconds / 60))
