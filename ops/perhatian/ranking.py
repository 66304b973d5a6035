"""Areas ranked by their worst problem, then by how many: a mean score would hide the one bad TPS. A Polres ranks its
kecamatan from its TPS; a Polda its kabupaten and Mabes its provinces from the read model's roll-ups."""
from __future__ import annotations

from collections import defaultdict
from typing import Callable

import pandas as pd

from ops.perhatian.model import SEVERITY_RANK, Item
from ops.readiness import problem_kinds

COLUMNS = ["kode", "terberat", "hal", "hal_terberat", "tps_bermasalah", "siap", "dinilai", "tps", "masalah"]
PARTS = {"provinsi": 1, "kabupaten": 2, "kecamatan": 3, "desa": 4}


def _in_area(items: list[Item], parts: int) -> Callable[[str], list[Item]]:
    """The open items in an area of `parts` code parts (2: a kabupaten): placed in it, or in one of its kecamatan.
    Each item is filed once under its area at that depth (the nation's 12,000 items and 38 provinces: one pass)."""
    filed: dict[str, list[Item]] = defaultdict(list)
    for i in items:
        if i.state == "selesai":
            continue
        areas = set()
        for code in (i.place.code, i.place.kecamatan_code):
            split = code.split(".") if code else []
            if len(split) >= parts:
                areas.add(".".join(split[:parts]))
        for area in areas:
            filed[area].append(i)
    return lambda area: filed.get(area, [])


def _worst(mine: list[Item]) -> dict:
    worst = min((i.severity for i in mine), key=SEVERITY_RANK.get, default=None)
    return {"terberat": worst, "hal": len(mine), "hal_terberat": sum(1 for i in mine if i.severity == worst)}


def _sorted(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=COLUMNS)
    if out.empty:
        return out
    out["_rank"] = out["terberat"].map(lambda s: SEVERITY_RANK.get(s, len(SEVERITY_RANK)))
    out = out.sort_values(["_rank", "hal_terberat", "hal", "tps_bermasalah", "kode"],
                          ascending=[True, False, False, False, True])
    return out.drop(columns="_rank").reset_index(drop=True)


def area_ranking(items: list[Item], tps: pd.DataFrame, phase: str, ready_threshold: float,
                 level: str = "kecamatan") -> pd.DataFrame:
    """One row per area of `level` holding the TPS given: worst open Perhatian severity, open items, problem TPS in
    the current tahapan (score below the threshold), TPS ready, TPS, and the commonest problem kinds — worst first."""
    parts = PARTS[level]
    mine_of = _in_area(items, parts)
    key = tps["code"].map(lambda c: ".".join(c.split(".")[:parts])) if len(tps) else pd.Series(dtype=object)
    rows = []
    for area, part in tps.groupby(key, sort=True):
        scores = part[f"skor_{phase}"]
        due = scores.notna()
        problem = due & (scores < ready_threshold)
        kinds = problem_kinds(part.loc[problem, f"masalah_{phase}"])
        rows.append({"kode": area, **_worst(mine_of(area)), "tps_bermasalah": int(problem.sum()),
                     "siap": int((due & ~problem).sum()), "dinilai": int(due.sum()), "tps": len(part),
                     "masalah": kinds.most_common(3)})
    return _sorted(rows)


def kecamatan_ranking(items: list[Item], tps: pd.DataFrame, phase: str, ready_threshold: float) -> pd.DataFrame:
    return area_ranking(items, tps, phase, ready_threshold, "kecamatan")


def rollup_ranking(items: list[Item], rollups: pd.DataFrame) -> pd.DataFrame:
    """The same ranking from the read model's roll-ups of one level (readmodel.rollups): a province's kabupaten, the
    nation's provinces, without reading their TPS."""
    mine_of = _in_area(items, rollups["kode"].iloc[0].count(".") + 1 if len(rollups) else 1)
    rows = [{"kode": r.kode, **_worst(mine_of(r.kode)), "tps_bermasalah": int(r.dinilai - r.siap), "siap": int(r.siap),
             "dinilai": int(r.dinilai), "tps": int(r.tps), "masalah": list(r.masalah)[:3]}
            for r in rollups.itertuples()]
    return _sorted(rows)
