"""The readiness model: pure functions from a TPS's facts at a moment to a score per tahapan, with the issues behind it.

A component that is not yet due (the TPS cannot be open before 07:00; voting-day readiness before voting day) is left
out rather than counted as failing; every component below full marks carries its issues as data (kind and facts).
The words are made in ops.readiness.issues, never here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ops.readiness.issues import Issue
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
    gangguan_at: dt.datetime | None = None  # the latest KPPS 'gangguan' report (its incident carries the rest)
    personnel_required: int = 0
    personnel_assigned: int = 0
    personnel_on_site: int = 0
    silent_devices: int = 0
    personnel_planned: bool = True  # the TPS is in a guard cluster, or someone is assigned to it
    logistik_planned: bool = True  # a PPS -> TPS leg exists in the plan
    return_planned: bool = True  # a TPS -> PPS leg exists in the plan
    logistik_state: str | None = None  # latest state of the PPS -> TPS leg
    logistik_due: dt.datetime | None = None
    return_state: str | None = None  # latest state of the TPS -> PPS leg
    desa_coordinated: bool = False
    desa_known: bool = True  # someone of the desa (kepala desa, PPS, tokoh …) is recorded to coordinate with
    open_incidents: list[str] = field(default_factory=list)  # severities
    warning_active: bool = False
    heavy_rain_at: dt.datetime | None = None  # first heavy slot ahead (river route risk before voting day)
    heavy_rain_mm: float | None = None
    voting_rain_mm: float | None = None  # heaviest slot during voting and counting hours still ahead
    voting_rain_at: dt.datetime | None = None
    voting_thunder: bool = False
    open_air: bool = False  # a TPS in a yard or field: rain stops voting there first
    discharge: float | None = None  # today's river discharge on the kecamatan's river route, when above threshold
    recap_persen: float | None = None
    cluster_code: str | None = None


@dataclass(frozen=True)
class Times:
    """The operation's clock marks for one voting day, from settings."""
    day_start: dt.datetime  # H 00:00 WIB: voting-day readiness is due from here
    opening: dt.datetime
    closing: dt.datetime
    counting_end: dt.datetime  # weather is scored until counting is expected to end
    discharge_threshold: float


@dataclass
class Component:
    name: str
    score: float | None  # None: not due yet
    issues: tuple[Issue, ...] = ()


@dataclass
class Readiness:
    code: str
    tahapan: str
    score: float | None  # None: nothing of this tahapan is due yet
    components: list[Component]

    @property
    def problems(self) -> list[Issue]:
        """Issues of due components below full marks: what keeps this TPS from being ready."""
        return [i for c in self.components if c.score is not None and c.score < 1 for i in c.issues]


STATUS_RANK = {s: i for s, i in TPS_STATUS_ORDER.items() if s != "gangguan"}


def reached(status: str | None, target: str) -> bool:
    return status is not None and STATUS_RANK.get(status, -1) >= STATUS_RANK[target]


def sebelum(f: TpsFacts, now: dt.datetime, t: Times) -> list[Component]:
    comps = []
    if f.personnel_required and not f.personnel_planned:
        comps.append(Component("personel", 0.0, (Issue("personel_tanpa_rencana", {"required": f.personnel_required}),)))
    elif f.personnel_required:
        share = min(1.0, f.personnel_assigned / f.personnel_required)
        comps.append(Component("personel", share, () if share >= 1 else (
            Issue("personel_kurang", {"assigned": f.personnel_assigned, "required": f.personnel_required}),)))
    if f.logistik_state == "diserahkan" or reached(f.status, "siap"):
        comps.append(Component("logistik", 1.0))
    elif not f.logistik_planned:
        comps.append(Component("logistik", 0.0, (Issue("logistik_tanpa_rencana"),)))
    elif f.logistik_state in ("berangkat", "tiba"):
        comps.append(Component("logistik", 0.7, (Issue("logistik_dalam_perjalanan", {"state": f.logistik_state}),)))
    elif f.logistik_due and now > f.logistik_due:
        comps.append(Component("logistik", 0.0, (Issue("logistik_terlambat", {"due": f.logistik_due}),)))
    else:
        comps.append(Component("logistik", 0.5, (Issue("logistik_belum_berangkat", {"due": f.logistik_due}),)))
    comps.append(Component("koordinasi", 1.0 if f.desa_coordinated else 0.0, () if f.desa_coordinated else (
        Issue("koordinasi_belum" if f.desa_known else "koordinasi_tanpa_rencana"),)))
    if f.akses == "sungai":
        risks = []
        if f.warning_active:
            risks.append(Issue("rute_peringatan"))
        if f.heavy_rain_at:
            risks.append(Issue("rute_hujan_lebat", {"at": f.heavy_rain_at, "mm": f.heavy_rain_mm}))
        if f.discharge is not None:
            risks.append(Issue("rute_debit_tinggi", {"discharge": f.discharge, "threshold": t.discharge_threshold}))
        comps.append(Component("rute", 1.0 - min(1.0, 0.4 * len(risks)), tuple(risks)))
    return comps


PEMUNGUTAN_PARTS = ("di_lokasi", "dibuka", "kejadian", "penghitungan", "cuaca")


def pemungutan(f: TpsFacts, now: dt.datetime, t: Times, heavy_rain_mm: float) -> list[Component]:
    if now < t.day_start:
        # Voting day has not begun: nothing of it can be judged yet, and nothing of it may look ready.
        return [Component(name, None, (Issue("belum_waktunya", {"from": t.day_start}),)) for name in PEMUNGUTAN_PARTS]
    comps = []
    guards_due = t.opening - dt.timedelta(hours=1)
    if not (now >= guards_due and f.personnel_required):
        comps.append(Component("di_lokasi", None, (Issue("belum_waktunya", {"from": guards_due}),)))
    elif not f.personnel_planned:  # nobody can be on site where nobody was assigned: the plan is missing
        comps.append(Component("di_lokasi", 0.0, (Issue("personel_tanpa_rencana", {"required": f.personnel_required}),)))
    else:
        share = min(1.0, f.personnel_on_site / f.personnel_required)
        comps.append(Component("di_lokasi", share, () if share >= 1 else (Issue("di_lokasi_kurang", {
            "missing": f.personnel_required - f.personnel_on_site, "required": f.personnel_required,
            "silent": f.silent_devices}),)))
    if now >= t.opening:
        ok = reached(f.status, "dibuka")
        comps.append(Component("dibuka", 1.0 if ok else 0.0,
                               () if ok else (Issue("belum_dibuka", {"since": t.opening}),)))
    serious = [s for s in f.open_incidents if s in ("tinggi", "sedang")]
    comps.append(Component("kejadian", 0.0 if "tinggi" in serious else (0.5 if serious else 1.0),
                           (Issue("kejadian_terbuka", {"n": len(serious), "severities": serious}),) if serious else ()))
    if now >= t.closing + dt.timedelta(minutes=30):
        ok = reached(f.status, "penghitungan")
        comps.append(Component("penghitungan", 1.0 if ok else 0.0, () if ok else (Issue("penghitungan_belum"),)))
    if now < t.counting_end:
        comps.append(weather(f, heavy_rain_mm))
    return comps


def weather(f: TpsFacts, heavy_rain_mm: float) -> Component:
    """Rain or thunder forecast while voting and counting run; a river or open-air TPS is hit harder."""
    exposed = f.akses == "sungai" or f.open_air
    score, issues = 1.0, []
    if f.warning_active:
        score = 0.5
        issues.append(Issue("cuaca_peringatan"))
    if f.voting_thunder or (f.voting_rain_mm is not None and f.voting_rain_mm >= heavy_rain_mm):
        if f.voting_thunder:
            score = min(score, 0.0 if exposed else 0.3)
        else:
            score = min(score, 0.2 if exposed else 0.5)
        issues.append(Issue("cuaca_hujan_lebat", {"mm": f.voting_rain_mm, "at": f.voting_rain_at,
                                                  "thunder": f.voting_thunder, "exposed": exposed}))
    return Component("cuaca", score, tuple(issues))


def sesudah(f: TpsFacts, now: dt.datetime, t: Times) -> list[Component]:
    if now < t.closing and not reached(f.status, "selesai"):
        return [Component("kotak_kembali", None, (Issue("belum_waktunya", {"from": t.closing}),))]
    sent = reached(f.status, "kotak_dikirim") or f.return_state in ("tiba", "diserahkan")
    received = reached(f.status, "kotak_diterima_ppk")
    comps = [Component("kotak_kembali", 1.0 if sent else 0.0, () if sent else (
                 Issue("kotak_belum_dikirim" if f.return_planned else "kotak_kembali_tanpa_rencana"),)),
             Component("diterima_ppk", 1.0 if received else 0.0, () if received else (Issue("kotak_belum_diterima"),))]
    if f.recap_persen is not None:
        comps.append(Component("rekap", f.recap_persen / 100, () if f.recap_persen >= 100 else (
            Issue("rekap_kurang", {"persen": f.recap_persen}),)))
    return comps


# What each tahapan's judgement reads of a TPS's facts (the functions above). TPS alike in these are judged once
# (ops.readiness.score_facts); tests/test_readiness_cases.py checks that no other fact changes a judgement.
READS = {
    "sebelum": ("personnel_required", "personnel_planned", "personnel_assigned", "logistik_state", "status",
                "logistik_planned", "logistik_due", "desa_coordinated", "desa_known", "akses", "warning_active",
                "heavy_rain_at", "heavy_rain_mm", "discharge"),
    "pemungutan": ("personnel_required", "personnel_planned", "personnel_on_site", "silent_devices", "status",
                   "open_incidents", "akses", "open_air", "warning_active", "voting_thunder", "voting_rain_mm",
                   "voting_rain_at"),
    "sesudah": ("status", "return_state", "return_planned", "recap_persen"),
}


def score(code: str, tahapan: str, comps: list[Component], weights: dict[str, float]) -> Readiness:
    due = [c for c in comps if c.score is not None]
    total_w = sum(weights.get(c.name, 0) for c in due)
    if not total_w:
        return Readiness(code, tahapan, None, comps)
    value = sum(weights.get(c.name, 0) * c.score for c in due) / total_w
    return Readiness(code, tahapan, round(value, 3), comps)
