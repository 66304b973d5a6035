"""The readiness model: pure functions from a TPS's facts at a moment to a score per tahapan, with its reasons.

A component that is not yet due (the TPS cannot be open before 07:00) is left out rather than counted as failing;
every component below full marks says why, in words the Posko uses.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ops.clock import fmt_wib
from ops.vocabulary import TPS_STATUS_ORDER

PHASES = ("sebelum", "pemungutan", "sesudah")


@dataclass
class TpsFacts:
    code: str
    kerawanan: str
    akses: str
    kecamatan_code: str
    desa_code: str
    polsek_code: str | None
    status: str | None = None
    status_at: dt.datetime | None = None
    personnel_required: int = 0
    personnel_assigned: int = 0
    personnel_on_site: int = 0
    silent_devices: int = 0
    logistik_state: str | None = None  # latest state of the PPS -> TPS leg
    logistik_due: dt.datetime | None = None
    return_state: str | None = None  # latest state of the TPS -> PPS leg
    desa_coordinated: bool = False
    open_incidents: list[str] = field(default_factory=list)  # severities
    warning_active: bool = False
    heavy_rain_at: dt.datetime | None = None
    river_high: bool = False
    recap_persen: float | None = None
    cluster_code: str | None = None


@dataclass
class Component:
    name: str
    score: float | None  # None: not due yet
    reason: str | None = None


@dataclass
class Readiness:
    code: str
    tahapan: str
    score: float | None  # None: nothing of this tahapan is due yet
    components: list[Component]

    @property
    def reasons(self) -> list[str]:
        return [c.reason for c in self.components if c.reason and (c.score is None or c.score < 1)]


STATUS_RANK = {s: i for s, i in TPS_STATUS_ORDER.items() if s != "gangguan"}


def _reached(f: TpsFacts, status: str) -> bool:
    return f.status is not None and STATUS_RANK.get(f.status, -1) >= STATUS_RANK[status]


def sebelum(f: TpsFacts, now: dt.datetime, heavy_rain_mm: float) -> list[Component]:
    comps = []
    if f.personnel_required:
        share = min(1.0, f.personnel_assigned / f.personnel_required)
        comps.append(Component("personel", share, None if share >= 1 else
                               f"personel PAM {f.personnel_assigned} dari {f.personnel_required} menurut pola"))
    if f.logistik_state == "diserahkan" or _reached(f, "siap"):
        comps.append(Component("logistik", 1.0))
    elif f.logistik_state in ("berangkat", "tiba"):
        comps.append(Component("logistik", 0.7, f"kotak suara dalam perjalanan ({f.logistik_state})"))
    elif f.logistik_due and now > f.logistik_due:
        comps.append(Component("logistik", 0.0, f"kotak suara terlambat: dijadwalkan tiba {fmt_wib(f.logistik_due)}"))
    else:
        comps.append(Component("logistik", 0.5, f"kotak suara belum berangkat (jadwal tiba {fmt_wib(f.logistik_due)})"))
    comps.append(Component("koordinasi", 1.0 if f.desa_coordinated else 0.0,
                           None if f.desa_coordinated else "belum ada koordinasi dengan kepala desa/PPS"))
    if f.akses == "sungai":
        risks = []
        if f.warning_active:
            risks.append("peringatan dini BMKG aktif")
        if f.heavy_rain_at:
            risks.append(f"hujan lebat diprakirakan {fmt_wib(f.heavy_rain_at)}")
        if f.river_high:
            risks.append("debit sungai di atas ambang")
        comps.append(Component("rute", 1.0 - min(1.0, 0.4 * len(risks)),
                               "jalur sungai: " + "; ".join(risks) if risks else None))
    return comps


def pemungutan(f: TpsFacts, now: dt.datetime, opening: dt.datetime, closing: dt.datetime) -> list[Component]:
    comps = []
    if now >= opening - dt.timedelta(hours=1) and f.personnel_required:
        share = min(1.0, f.personnel_on_site / f.personnel_required)
        why = None
        if share < 1:
            why = f"{f.personnel_required - f.personnel_on_site} dari {f.personnel_required} personel belum di lokasi"
            if f.silent_devices:
                why += f" ({f.silent_devices} perangkat tidak mengirim posisi)"
        comps.append(Component("di_lokasi", share, why))
    else:
        comps.append(Component("di_lokasi", None, "personel berangkat ke TPS sebelum pembukaan"))
    if now >= opening:
        ok = _reached(f, "dibuka")
        comps.append(Component("dibuka", 1.0 if ok else 0.0,
                               None if ok else f"TPS belum dilaporkan dibuka sejak {fmt_wib(opening, False)}"))
    serious = [s for s in f.open_incidents if s in ("tinggi", "sedang")]
    comps.append(Component("kejadian", 0.0 if "tinggi" in serious else (0.5 if serious else 1.0),
                           f"{len(serious)} kejadian terbuka ({', '.join(serious)})" if serious else None))
    if f.status == "gangguan":
        comps.append(Component("kejadian", 0.5, "laporan gangguan dari KPPS"))
    if now >= closing + dt.timedelta(minutes=30):
        ok = _reached(f, "penghitungan")
        comps.append(Component("penghitungan", 1.0 if ok else 0.0,
                               None if ok else "penghitungan suara belum dilaporkan dimulai"))
    comps.append(Component("cuaca", 0.5 if f.warning_active else 1.0,
                           "peringatan dini cuaca BMKG aktif di kecamatan" if f.warning_active else None))
    return comps


def sesudah(f: TpsFacts, now: dt.datetime, closing: dt.datetime) -> list[Component]:
    if now < closing and not _reached(f, "selesai"):
        return [Component("kotak_kembali", None, "kotak suara kembali setelah penghitungan")]
    sent = _reached(f, "kotak_dikirim") or f.return_state in ("tiba", "diserahkan")
    received = _reached(f, "kotak_diterima_ppk")
    comps = [Component("kotak_kembali", 1.0 if sent else 0.0, None if sent else "kotak suara belum dikirim dari TPS"),
             Component("diterima_ppk", 1.0 if received else 0.0, None if received else "kotak suara belum diterima PPK")]
    if f.recap_persen is not None:
        comps.append(Component("rekap", f.recap_persen / 100,
                               None if f.recap_persen >= 100 else f"Sirekap kecamatan {f.recap_persen:.0f}%"))
    return comps


def score(code: str, tahapan: str, comps: list[Component], weights: dict[str, float]) -> Readiness:
    due = [c for c in comps if c.score is not None]
    total_w = sum(weights.get(c.name, 0) for c in due)
    if not total_w:
        return Readiness(code, tahapan, None, comps)
    value = sum(weights.get(c.name, 0) * c.score for c in due) / total_w
    return Readiness(code, tahapan, round(value, 3), comps)
