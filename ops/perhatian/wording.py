"""Perhatian in words (Bahasa Indonesia): the one place an item's title and suggested action are made from its kind
and facts. Screens, the briefing, the CLI and the messages to phones all call these."""
from __future__ import annotations

import datetime as dt
from typing import Callable

from ops.clock import fmt_age, fmt_wib, fmt_when
from ops.freshness import FEED_LABEL
from ops.logistics import STAGE_LABEL, VERDICT_LABEL, route_reasons
from ops.perhatian.model import Item

FEED_STATE_WORD = {"stale": "data kedaluwarsa", "error": "gagal diambil", "partial": "hanya sebagian masuk",
                   "never": "belum pernah berhasil"}


def _t(value, with_date: bool = False) -> str:
    return fmt_when(value, with_date)


def _tps_count(f: dict) -> str:
    return "TPS ini" if f.get("n_tps", 1) == 1 else f"{f['n_tps']} TPS"


def _polsek(f: dict, names) -> str:
    code = f.get("polsek")
    return names.polsek.get(code, "Polsek") if names is not None and code else "Polsek terdekat"


def _travel(f: dict) -> str:
    return f", ±{f['travel_min']:.0f} mnt" if f.get("travel_min") is not None else ""


TITLE: dict[str, Callable[[dict], str]] = {
    "kejadian": lambda f: f"Kejadian {f['severity']}: {f['title']}"
                          + ("" if f["followed_up"] else f" — belum ada tindak lanjut {f['minutes_open']} mnt"),
    "personel_tidak_di_lokasi": lambda f: f"{f['missing']} dari {f['required']} personel PAM belum di lokasi"
                                          + (f" ({f['silent']} perangkat senyap)" if f.get("silent") else ""),
    "perangkat_senyap": lambda f: f"{f['silent']} perangkat personel PAM tidak mengirim posisi",
    "tps_belum_dibuka": lambda f: f"{_tps_count(f)} belum dilaporkan dibuka (batas {_t(f['due'])})",
    "penghitungan_belum_mulai": lambda f: f"Penghitungan di {_tps_count(f)} belum dilaporkan dimulai "
                                          f"(batas {_t(f['due'])})",
    "kotak_tanpa_penjaga": lambda f: f"Kotak suara di {_tps_count(f)} tanpa personel di lokasi malam ini",
    "kotak_belum_di_ppk": lambda f: f"Kotak suara {_tps_count(f)} belum diterima PPK (batas {_t(f['due'], True)})",
    "logistik_terlambat": lambda f: f"{f['n_legs']} pengiriman {STAGE_LABEL[f['stage']]} terlambat"
                                    + (" (jalur sungai)" if f.get("river") else ""),
    "jalur_sungai": lambda f: f"{f['n_legs']} perjalanan perahu {STAGE_LABEL[f['stage']]}: "
                              f"{VERDICT_LABEL[f['verdict']].lower()} — {route_reasons(f['reasons'])}",
    "cuaca_saat_pemungutan": lambda f: ("Hujan petir" if f.get("thunder") else "Hujan lebat")
                                       + (f" {f['mm']:.0f} mm/3 jam" if f.get("mm") is not None else "")
                                       + f" saat pemungutan/penghitungan ({_t(f['at'])}) di {f['n_tps']} TPS, "
                                         f"{f['n_exposed']} di jalur sungai atau tempat terbuka",
    "peringatan_bmkg": lambda f: f"Peringatan dini BMKG: {f['event']}, berlaku s.d. {_t(f['expires'])}",
    "debit_sungai": lambda f: f"Debit sungai {f['discharge']:.0f} m³/s di atas ambang {f['threshold']:.0f}",
    "waktu_reaksi": lambda f: f"Cadangan terdekat perlu ±{f['minutes']:.0f} mnt ke {_tps_count(f)} "
                              f"(batas {f['limit']:.0f} mnt)",
    "sumber_data": lambda f: f"{FEED_LABEL.get(f['feed'], f['feed'])}: {FEED_STATE_WORD.get(f['state'], f['state'])}"
                             + (f", data terakhir {fmt_age(f['age_seconds'])} lalu"
                                if f.get("age_seconds") is not None else ""),
}


def _action_kejadian(f: dict, names) -> str:
    if not f["followed_up"]:
        return f"Hubungi Kapolsek ({_polsek(f, names)}) sekarang: minta tindak lanjut dan laporan perkembangan"
    if f["severity"] == "tinggi":
        return f"Kirim cadangan dari {_polsek(f, names)}{_travel(f)}; pantau sampai kondusif"
    return "Pantau tindak lanjut dan laporkan perkembangan"


ACTION: dict[str, Callable[[dict, object], str]] = {
    "kejadian": _action_kejadian,
    "personel_tidak_di_lokasi": lambda f, n: f"Kirim cadangan dari {_polsek(f, n)}{_travel(f)}; "
                                             "hubungi personel PAM TPS lewat radio",
    "perangkat_senyap": lambda f, n: "Hubungi personel lewat radio/telepon; periksa baterai dan sinyal perangkat",
    "tps_belum_dibuka": lambda f, n: "Hubungi KPPS dan PPS; minta personel PAM TPS melapor keadaan TPS",
    "penghitungan_belum_mulai": lambda f, n: "Konfirmasi ke KPPS; personel tetap di TPS sampai kotak suara dikirim",
    "kotak_tanpa_penjaga": lambda f, n: "Tempatkan personel atau patroli di TPS; pastikan Linmas berjaga malam",
    "kotak_belum_di_ppk": lambda f, n: "Lacak kotak suara; kawal pengiriman ke PPK",
    "logistik_terlambat": lambda f, n: "Hubungi pengawal logistik; perbarui perkiraan tiba",
    "jalur_sungai": lambda f, n: ("Tunda keberangkatan perahu sampai cuaca aman; kabari PPK dan PPS"
                                  if f["verdict"] == "tunda" else
                                  "Berangkat dengan pengawalan; pelampung wajib; pantau cuaca"),
    "cuaca_saat_pemungutan": lambda f, n: "Siapkan tenda/terpal dan penerangan; siagakan perahu dan personel cadangan "
                                          "di jalur sungai",
    "peringatan_bmkg": lambda f, n: "Sebarkan peringatan ke Polsek, PPK dan PPS; tunda perjalanan sungai"
                                    if f.get("river") else "Sebarkan peringatan ke Polsek, PPK dan PPS",
    "debit_sungai": lambda f, n: "Periksa jalur sungai; siapkan perahu lebih besar atau jalur darat",
    "waktu_reaksi": lambda f, n: "Geser cadangan lebih dekat atau tambah personel di TPS itu",
    "sumber_data": lambda f, n: "Periksa sambungan di halaman Sumber data; gunakan laporan radio sementara",
}


def title(item: Item) -> str:
    return TITLE[item.kind](item.facts)


def action(item: Item, names=None) -> str:
    return ACTION[item.kind](item.facts, names)


def age(item: Item, moment: dt.datetime) -> str:
    if item.since is None:
        return "baru terlihat"
    seconds = (moment - item.since).total_seconds()
    return f"sejak {fmt_age(seconds)}" if seconds >= 0 else f"mulai {fmt_wib(item.since, False)}"


def one_line(item: Item, moment: dt.datetime, names=None) -> str:
    """'Kec. Pemulutan — 22 perjalanan perahu …: tunda — …. Tunda keberangkatan …' for tickers and messages."""
    return f"{item.place.name} — {title(item)}. {action(item, names)}"
