"""Never hundreds of thousands of markers: above the map's budget, TPS are drawn as one marker per desa, kecamatan,
kabupaten or province (the finest that fits), sized by how many TPS it holds and coloured by its worst; the TPS inside
the view the map is zoomed to stay single while they fit. Things without a region code (officers) fall into a grid.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ops.maps.geometry import Bounds

# Level -> how many trailing parts of a TPS code (prov.kab.kec.desa.tps) to drop for the area's code.
LEVELS = {"desa": 1, "kecamatan": 2, "kabupaten": 3, "provinsi": 4}


@dataclass(frozen=True)
class Groups:
    level: str | None  # None: every TPS stands alone
    singles: pd.DataFrame  # TPS drawn one by one (rows of the table given)
    groups: pd.DataFrame  # code, lat, lon, n, worst (the worst TPS's value), counts {value: n}


def area_codes(points: pd.DataFrame) -> dict[str, pd.Series]:
    """Each TPS's area code per level. Only the distinct desa codes are split (a few per hundred TPS), the rest is
    looked up: at 50,000 TPS splitting every code took most of the map's time."""
    desa = points["desa_code"] if "desa_code" in points else points["code"].str.rsplit(".", n=1).str[0]
    uniq = pd.Series(desa.unique())
    out = {}
    for level, drop in LEVELS.items():
        if drop == 1:
            out[level] = desa
        else:
            lookup = dict(zip(uniq, uniq.str.rsplit(".", n=drop - 1).str[0]))
            out[level] = desa.map(lookup)
    return out


def tps_groups(points: pd.DataFrame, values: pd.Series, rank: pd.Series, budget: int,
               view: Bounds | None = None, categorical: bool = True) -> Groups:
    """`values` (class or number) and `rank` (0 = worst) per TPS, aligned with `points`; a categorical colouring
    also counts each area's TPS per class (for its hover)."""
    empty = pd.DataFrame(columns=["code", "lat", "lon", "n", "worst", "counts"])
    if len(points) <= budget:
        return Groups(None, points, empty)
    inside = view.contains(points["lon"], points["lat"]) if view is not None else pd.Series(False, points.index)
    # Single TPS in the view only while they leave room for the rest; otherwise everything is grouped.
    singles = points[inside] if 0 < inside.sum() <= budget // 2 else points.iloc[0:0]
    rest = points.drop(index=singles.index)
    room = budget - len(singles)
    keys = area_codes(rest)
    level = next((name for name in LEVELS if keys[name].nunique() <= room), "provinsi")
    key = keys[level]
    frame = pd.DataFrame({"key": key, "lat": rest["lat"], "lon": rest["lon"], "rank": rank.loc[rest.index],
                          "value": values.loc[rest.index].astype(object).where(values.loc[rest.index].notna(), None)})
    by = frame.groupby("key", sort=True)
    out = by.agg(lat=("lat", "mean"), lon=("lon", "mean"), n=("lat", "size"))
    worst_rows = frame.loc[by["rank"].idxmin()]
    out["worst"] = worst_rows.set_index("key")["value"].reindex(out.index)
    if not categorical:
        out["counts"] = [{}] * len(out)
        return Groups(level, singles, out.reset_index(names="code"))
    counts = frame.assign(value=frame["value"].fillna("__none__")).groupby(["key", "value"]).size()
    per = {k: {} for k in out.index}
    for (k, v), n in counts.items():
        per[k][None if v == "__none__" else v] = int(n)
    out["counts"] = [per[k] for k in out.index]
    return Groups(level, singles, out.reset_index(names="code"))


def grid_cells(lon: pd.Series, lat: pd.Series, budget: int) -> pd.Series:
    """A cell key per point on a square grid coarse enough to give at most `budget` cells."""
    span = max(float(lon.max() - lon.min()), float(lat.max() - lat.min()), 1e-6)
    size = span / max(np.sqrt(budget), 1.0)
    while True:
        key = (np.floor(lon / size).astype(np.int64).astype(str) + ":"
               + np.floor(lat / size).astype(np.int64).astype(str))
        if key.nunique() <= budget:
            return key
        size *= 1.5
