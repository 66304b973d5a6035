"""Perhatian: what needs the commander now, as data. An item has a kind (one vocabulary), a severity, a place, since
when, the facts behind it as numbers and codes, and a state (baru -> ditangani -> selesai). Words come later, in
ops.perhatian.wording."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from ops.config import SEVERITIES

# Item places that are region codes; any other (a data source) concerns the whole operation.
REGION_LEVELS = ("tps", "desa", "kecamatan", "kabupaten", "provinsi", "nasional")

SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}  # 0 = most urgent
SEVERITY_LABEL = {"kritis": "Kritis", "tinggi": "Tinggi", "sedang": "Sedang", "info": "Info"}
SEVERITY_COLOR = {"kritis": "#b71c1c", "tinggi": "#e65100", "sedang": "#f9a825", "info": "#546e7a"}
STATES = ("baru", "ditangani", "selesai")
STATE_LABEL = {"baru": "Baru", "ditangani": "Ditangani", "selesai": "Selesai"}
# Place levels an item can point at.
LEVELS = ("tps", "desa", "kecamatan", "kabupaten", "provinsi", "leg", "perangkat", "sumber", "peringatan")

# kind -> category shown as the item's group. The one list of kinds: rules, wording and tests derive from it.
KINDS = {
    "kejadian": "Kejadian",
    "personel_tidak_di_lokasi": "Personel",
    "perangkat_senyap": "Personel",
    "tps_belum_dibuka": "TPS",
    "penghitungan_belum_mulai": "TPS",
    "kotak_tanpa_penjaga": "Pengamanan kotak suara",
    "kotak_belum_di_ppk": "Logistik",
    "logistik_terlambat": "Logistik",
    "jalur_sungai": "Logistik sungai",
    "cuaca_saat_pemungutan": "Cuaca",
    "peringatan_bmkg": "Cuaca",
    "debit_sungai": "Cuaca",
    "waktu_reaksi": "Personel",
    "sumber_data": "Sumber data",
}


@dataclass(frozen=True)
class Place:
    level: str
    code: str
    name: str
    kecamatan_code: str | None = None  # for ranking kecamatan by their worst problem

    def as_json(self) -> dict:
        return {"level": self.level, "code": self.code, "name": self.name}


@dataclass(frozen=True)
class Item:
    kind: str
    severity: str
    place: Place
    since: dt.datetime | None
    facts: dict = field(default_factory=dict)
    state: str = "baru"
    taken_by: str | None = None
    taken_at: dt.datetime | None = None
    note: str | None = None
    escalations: int = 0
    ref: str | None = None  # what tells two items of one kind at one place apart (an incident's reference)
    id: int | None = None  # the stored row, once the worker has seen it

    @property
    def key(self) -> str:
        """Identity across evaluations: the same kind at the same place (and reference) is the same item."""
        return f"{self.kind}:{self.ref or self.place.code}"

    def with_state(self, **changes) -> "Item":
        return replace(self, **changes)


KIND_RANK = {k: i for i, k in enumerate(KINDS)}


def rank_key(item: Item) -> tuple:
    """Open before closed; kritis first; within a severity the escalated, then by kind (incidents and people before
    logistics and sources), then the oldest."""
    since = item.since.timestamp() if item.since else float("inf")
    return (item.state == "selesai", SEVERITY_RANK[item.severity], -item.escalations, KIND_RANK[item.kind], since,
            item.place.name)


def raise_severity(severity: str, steps: int = 1) -> str:
    return SEVERITIES[max(0, SEVERITY_RANK[severity] - steps)]


def at_least(severity: str, floor: str) -> bool:
    """True when `severity` is as urgent as `floor` or more."""
    return SEVERITY_RANK[severity] <= SEVERITY_RANK[floor]
