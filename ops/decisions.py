"""What needs a decision now: a ranked list drawn from readiness, incidents, river legs, late logistics and feeds."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ops.clock import as_utc, fmt_age, fmt_wib
from ops.freshness import Freshness

PRIORITY_LABEL = {1: "Segera", 2: "Penting", 3: "Pantau"}


def _item(priority: int, kategori: str, judul: str, lokasi: str, alasan: str, tps: str | None = None) -> dict:
    return {"prioritas": priority, "kategori": kategori, "judul": judul, "lokasi": lokasi, "alasan": alasan,
            "tps": tps}


def decisions(now: dt.datetime, tps: pd.DataFrame, names: dict[str, str], incidents: pd.DataFrame,
              river: pd.DataFrame, legs: pd.DataFrame, feeds: dict[str, Freshness], phase: str,
              limit: int = 30) -> pd.DataFrame:
    """Pure: ranked items (prioritas 1 first). `tps` is readiness.per_tps joined with kecamatan_code and desa names."""
    now = as_utc(now)
    items: list[dict] = []
    if not incidents.empty:
        for i in incidents[incidents["state"] != "selesai"].itertuples():
            items.append(_item(1 if i.severity == "tinggi" else 2 if i.severity == "sedang" else 3, "Kejadian",
                               f"{i.title} ({i.severity})", names.get(i.kecamatan_code, i.kecamatan_code),
                               f"{i.state} sejak {fmt_wib(i.state_at or i.occurred_at)}", i.tps_code))
    if phase == "pemungutan" and not tps.empty:
        absent = tps[(tps["personel_wajib"] > 0) & (tps["personel_di_lokasi"] == 0)
                     & tps["skor_pemungutan"].notna()]
        for r in absent.drop_duplicates("cluster").itertuples():
            items.append(_item(1, "Personel", f"Tidak ada personel di lokasi TPS {r.code}",
                               names.get(r.kecamatan_code, ""), "; ".join(r.alasan_pemungutan), r.code))
        not_open = tps[tps["alasan_pemungutan"].map(lambda a: any("belum dilaporkan dibuka" in x for x in a))]
        for r in not_open.itertuples():
            items.append(_item(2, "TPS", f"TPS {r.code} belum dilaporkan dibuka", names.get(r.kecamatan_code, ""),
                               "hubungi KPPS/PPS dan personel PAM TPS", r.code))
    if not river.empty:
        soon = river[(river["verdict"] != "go")]
        for r in soon.groupby(["kecamatan_code", "stage", "verdict"], as_index=False).agg(
                n=("id", "count"), first=("planned_depart", "min"), reasons=("reasons", "first")).itertuples():
            items.append(_item(1 if r.verdict == "tunda" else 3, "Logistik sungai",
                               f"{r.n} leg {r.stage} jalur sungai: {r.verdict}", names.get(r.kecamatan_code, ""),
                               f"berangkat mulai {fmt_wib(as_utc(r.first))}; " + "; ".join(r.reasons)))
    if not legs.empty:
        late = legs[legs["late"]]
        for r in late.groupby(["kecamatan_code", "stage"], as_index=False).agg(n=("id", "count")).itertuples():
            items.append(_item(2, "Logistik", f"{r.n} leg {r.stage} terlambat", names.get(r.kecamatan_code, ""),
                               "melewati jadwal tiba tanpa laporan"))
    for name, f in feeds.items():
        if f.state in ("stale", "error") and name != "simulator":
            items.append(_item(2 if f.state == "stale" else 3, "Sumber data", f"Sumber {name}: {f.label.lower()}", "",
                               f"data terakhir {fmt_age(f.age_seconds)} lalu" if f.age_seconds is not None
                               else "belum pernah berhasil"))
    out = pd.DataFrame(items, columns=["prioritas", "kategori", "judul", "lokasi", "alasan", "tps"])
    return out.sort_values(["prioritas", "kategori"], kind="stable").head(limit).reset_index(drop=True)
