"""Kecamatan ranked by their worst problem, then by how many: a mean score would hide the one bad TPS."""
from __future__ import annotations

import pandas as pd

from ops.perhatian.model import SEVERITY_RANK, Item
from ops.readiness import problem_kinds


def kecamatan_ranking(items: list[Item], tps: pd.DataFrame, phase: str, ready_threshold: float) -> pd.DataFrame:
    """One row per kecamatan: worst open Perhatian severity, open items, problem TPS in the current tahapan (score
    below the threshold), TPS ready, TPS, and the commonest problem kinds — worst first."""
    open_items = [i for i in items if i.state != "selesai" and i.place.kecamatan_code]
    rows = []
    for kec, part in tps.groupby("kecamatan_code", sort=True):
        mine = [i for i in open_items if i.place.kecamatan_code == kec]
        worst = min((i.severity for i in mine), key=SEVERITY_RANK.get, default=None)
        scores = part[f"skor_{phase}"]
        due = scores.notna()
        problem = due & (scores < ready_threshold)
        kinds = problem_kinds(part.loc[problem, f"masalah_{phase}"])
        rows.append({"kode": kec, "terberat": worst, "hal": len(mine),
                     "hal_terberat": sum(1 for i in mine if i.severity == worst),
                     "tps_bermasalah": int(problem.sum()), "siap": int((due & ~problem).sum()),
                     "dinilai": int(due.sum()), "tps": len(part), "masalah": kinds.most_common(3)})
    out = pd.DataFrame(rows, columns=["kode", "terberat", "hal", "hal_terberat", "tps_bermasalah", "siap", "dinilai",
                                      "tps", "masalah"])
    if out.empty:
        return out
    out["_rank"] = out["terberat"].map(lambda s: SEVERITY_RANK.get(s, len(SEVERITY_RANK)))
    out = out.sort_values(["_rank", "hal_terberat", "hal", "tps_bermasalah", "kode"],
                          ascending=[True, False, False, False, True])
    return out.drop(columns="_rank").reset_index(drop=True)
