"""The readiness shortfalls as a vocabulary: each kind with its short label (for counts: "12 TPS: kotak suara
terlambat") and its sentence rendered from the facts. The only place readiness reasons become words."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ops.clock import fmt_when


@dataclass(frozen=True)
class Issue:
    """Why a component is below full marks (or not yet due): a kind and the numbers, codes and times behind it."""
    kind: str
    facts: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "facts": self.facts}


def _t(value, with_date: bool = True) -> str:
    return fmt_when(value, with_date)


def _mm(f: dict) -> str:
    return f"{f['mm']:.0f} mm/3 jam" if f.get("mm") is not None else "hujan lebat"


# kind -> (short label, sentence from facts). Keep this the one list: counts, tables and the briefing all read it.
ISSUES: dict[str, tuple[str, Callable[[dict], str]]] = {
    # sebelum. A "tanpa_rencana" kind says the plan is missing, not that the field failed it.
    "personel_tanpa_rencana": ("belum ada rencana penugasan personel PAM",
                               lambda f: f"belum ada rencana penugasan: TPS belum masuk klaster pengamanan "
                                         f"({f['required']} personel menurut pola)"),
    "personel_kurang": ("personel PAM kurang dari pola",
                        lambda f: f"personel PAM {f['assigned']} dari {f['required']} menurut pola"),
    "logistik_tanpa_rencana": ("belum ada rencana logistik ke TPS",
                               lambda f: "belum ada rencana pengiriman kotak suara ke TPS ini"),
    "logistik_dalam_perjalanan": ("kotak suara dalam perjalanan",
                                  lambda f: f"kotak suara dalam perjalanan ({f['state']})"),
    "logistik_terlambat": ("kotak suara terlambat",
                           lambda f: f"kotak suara terlambat: dijadwalkan tiba {_t(f['due'])}"),
    "logistik_belum_berangkat": ("kotak suara belum berangkat",
                                 lambda f: f"kotak suara belum berangkat (jadwal tiba {_t(f['due'])})"),
    "koordinasi_tanpa_rencana": ("belum ada rencana koordinasi: pemangku desa belum tercatat",
                                 lambda f: "belum ada rencana koordinasi: belum ada kepala desa/lurah, PPS atau tokoh "
                                           "desa ini yang tercatat"),
    "koordinasi_belum": ("belum ada koordinasi dengan kepala desa/PPS",
                         lambda f: "belum ada koordinasi dengan kepala desa/PPS"),
    "rute_peringatan": ("jalur sungai: peringatan dini BMKG", lambda f: "jalur sungai: peringatan dini BMKG aktif"),
    "rute_hujan_lebat": ("jalur sungai: hujan lebat",
                         lambda f: f"jalur sungai: hujan lebat {_mm(f)} diprakirakan {_t(f['at'])}"),
    "rute_debit_tinggi": ("jalur sungai: debit di atas ambang",
                          lambda f: f"jalur sungai: debit {f['discharge']:.0f} m³/s di atas ambang "
                                    f"{f['threshold']:.0f}"),
    # pemungutan
    "di_lokasi_kurang": ("personel belum di lokasi",
                         lambda f: f"{f['missing']} dari {f['required']} personel belum di lokasi"
                                   + (f" ({f['silent']} perangkat tidak mengirim posisi)" if f.get("silent") else "")),
    "belum_dibuka": ("TPS belum dilaporkan dibuka",
                     lambda f: f"TPS belum dilaporkan dibuka sejak {_t(f['since'], False)}"),
    "kejadian_terbuka": ("kejadian terbuka",
                         lambda f: f"{f['n']} kejadian terbuka ({', '.join(f['severities'])})"),
    "penghitungan_belum": ("penghitungan belum dimulai", lambda f: "penghitungan suara belum dilaporkan dimulai"),
    "cuaca_peringatan": ("peringatan dini cuaca BMKG",
                         lambda f: "peringatan dini cuaca BMKG aktif di kecamatan"),
    "cuaca_hujan_lebat": ("hujan lebat saat pemungutan/penghitungan",
                          lambda f: ("hujan petir" if f.get("thunder") else "hujan lebat")
                                    + f" {_mm(f)} diprakirakan {_t(f['at'])}, saat pemungutan/penghitungan"),
    # sesudah
    "kotak_kembali_tanpa_rencana": ("belum ada rencana pengembalian kotak suara",
                                    lambda f: "belum ada rencana pengembalian kotak suara dari TPS ini ke PPS"),
    "kotak_belum_dikirim": ("kotak suara belum dikirim dari TPS", lambda f: "kotak suara belum dikirim dari TPS"),
    "kotak_belum_diterima": ("kotak suara belum diterima PPK", lambda f: "kotak suara belum diterima PPK"),
    "rekap_kurang": ("Sirekap kecamatan belum lengkap", lambda f: f"Sirekap kecamatan {f['persen']:.0f}%"),
    # not yet due
    "belum_waktunya": ("belum waktunya", lambda f: f"dinilai mulai {_t(f['from'])}"),
}
KINDS = tuple(ISSUES)


def label(kind: str) -> str:
    return ISSUES[kind][0]


def sentence(issue: Issue | dict) -> str:
    kind, facts = (issue.kind, issue.facts) if isinstance(issue, Issue) else (issue["kind"], issue["facts"])
    return ISSUES[kind][1](facts)


def sentences(issues: list) -> list[str]:
    return [sentence(i) for i in issues]
