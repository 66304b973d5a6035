"""The headline figures of the operation at a moment, and the measures built on them: each with its reference (of
what total, against which target) and a tone that means something (baik / waspada / buruk), the same for Ringkasan,
the wall and the briefing."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from ops.clock import as_utc, fmt_wib
from ops.config import Settings
from ops.incidents import incident_table
from ops.logistics import LATE_GRACE, VERDICT_LABEL, leg_board
from ops.personnel import ON_SITE_LABEL
from ops.phase import phase_at
from ops.readiness import operation_times, per_tps
from ops.readiness.model import STATUS_RANK
from ops.region import within
from ops.weather import active_warnings


def _reached(status: pd.Series, state: str) -> pd.Series:
    return status.map(lambda s: STATUS_RANK.get(s, -1) if isinstance(s, str) else -1).ge(STATUS_RANK[state])


# The counts made over TPS rows: the read model sums them per area, so an overview of a province or the nation gives
# the same figures without reading its TPS one by one.
TPS_COUNTS = ("tps_dibuka", "tps_penghitungan", "tps_selesai", "tps_gangguan", "personel_wajib", "personel_ditugaskan",
              "personel_di_lokasi", "kotak_di_tps", "kotak_di_ppk")


def tps_counts(tps: pd.DataFrame, lead: pd.Series | None = None) -> dict[str, int]:
    """TPS_COUNTS over TPS rows (per_tps columns). A guard cluster's guards are counted once, on the rows `lead`
    marks (default: the first row of each cluster in `tps`)."""
    lead = ~tps["cluster"].duplicated() if lead is None else lead
    clusters = tps[lead]  # the TPS of one guard cluster share their guards
    boxes_at_tps = tps["logistik"].eq("diserahkan") | _reached(tps["status"], "siap")
    return {
        "tps_dibuka": int(_reached(tps["status"], "dibuka").sum()),
        "tps_penghitungan": int(_reached(tps["status"], "penghitungan").sum()),
        "tps_selesai": int(_reached(tps["status"], "selesai").sum()),
        "tps_gangguan": int(tps["gangguan_at"].notna().sum()),
        "personel_wajib": int(clusters["personel_wajib"].sum()),
        "personel_ditugaskan": int(clusters[["personel_ditugaskan", "personel_wajib"]].min(axis=1).sum()),
        "personel_di_lokasi": int(clusters[["personel_di_lokasi", "personel_wajib"]].min(axis=1).sum()),
        "kotak_di_tps": int(boxes_at_tps.sum()),
        "kotak_di_ppk": int(_reached(tps["status"], "kotak_diterima_ppk").sum()),
    }


def headline(session: Session, settings: Settings, now: dt.datetime, tps: pd.DataFrame | None = None,
             legs: pd.DataFrame | None = None, river: pd.DataFrame | None = None, area: str | None = None) -> dict:
    """Counts at `now`. `tps` (readiness.per_tps), `legs` (logistics.leg_board) and `river` (logistics.river_legs)
    for the same moment may be passed when already known. `area`: only what lies in that region code (a kabupaten
    or kecamatan a commander drilled into)."""
    now = as_utc(now)
    tps = per_tps(session, settings, now) if tps is None else tps
    legs = leg_board(session, now) if legs is None else legs
    inc = incident_table(session, now)
    warnings = active_warnings(session, now, ahead_hours=0)
    if area:
        tps = tps[tps["code"].map(lambda c: within(c, area))]
        legs = legs[legs["kecamatan_code"].map(lambda c: within(c or "", area))] if len(legs) else legs
        inc = inc[inc["kecamatan_code"].map(lambda c: within(c or "", area))] if len(inc) else inc
        warnings = [w for w in warnings if any(within(k, area) for k in (w.kecamatan_codes or []))]
        if river is not None and len(river):
            river = river[river["kecamatan_code"].map(lambda c: within(c or "", area))]
    phase = phase_at(now, settings).tahapan
    scores = tps[f"skor_{phase}"].dropna()
    out = {
        "tps": len(tps),
        "tahapan": phase,
        "tps_dinilai": len(scores),
        "tps_siap": int((scores >= settings.readiness_ready_threshold).sum()),
        **tps_counts(tps),
        "logistik_terlambat": int(legs["late"].sum()) if len(legs) else 0,
        "kejadian_terbuka": int((inc["state"] != "selesai").sum()) if len(inc) else 0,
        "kejadian_tinggi": int(((inc["state"] != "selesai") & (inc["severity"] == "tinggi")).sum()) if len(inc) else 0,
        "peringatan_aktif": len(warnings),
        **river_counts(river, settings, now),
    }
    return out


def river_counts(river: pd.DataFrame | None, settings: Settings, now: dt.datetime) -> dict:
    """River legs leaving within the look-ahead (or whose window is open) judged tunda and hati-hati."""
    if river is None or not len(river):
        return {"sungai_tunda": 0, "sungai_hati_hati": 0}
    soon = river["window_open"] | (pd.to_datetime(river["planned_depart"], utc=True)
                                   <= pd.Timestamp(now + dt.timedelta(hours=settings.perhatian_river_lookahead_hours)))
    return {"sungai_tunda": int((soon & (river["verdict"] == "tunda")).sum()),
            "sungai_hati_hati": int((soon & (river["verdict"] == "hati-hati")).sum())}


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    value: str
    of: str | None  # the reference total ("/ 667")
    tone: str  # baik | waspada | buruk | netral (not due, or nothing to judge)
    note: str  # what is counted and against which target
    feeds: tuple[str, ...] = ()  # sources the figure is built on (a stale one marks the tile)


def _share_tone(done: int, total: int, good: float, warn: float) -> str:
    if not total:
        return "netral"
    share = done / total
    return "baik" if share >= good else "waspada" if share >= warn else "buruk"


def _n(v: int) -> str:
    return f"{v:,.0f}".replace(",", ".")


def readiness_tone(ready: int, total: int, settings: Settings) -> str:
    """TPS ready of TPS judged, against readiness_target_share: green at the target, amber up to 15 points below it,
    red further below (grey with nothing judged). The Ringkasan tile and the TPS page's tables colour alike."""
    target = settings.readiness_target_share
    return _share_tone(ready, total, target, target - 0.15)


def measures(h: dict, settings: Settings, now: dt.datetime) -> list[Measure]:
    """The Ringkasan and wall tiles, in order: readiness, guards on site, TPS opened, incidents, ballot boxes, river
    boats, counting. Before a measure is due it says so instead of showing a zero that reads as failure."""
    now = as_utc(now)
    t = operation_times(settings)
    target = settings.readiness_target_share
    phase_word = {"sebelum": "sebelum pemungutan", "pemungutan": "hari pemungutan", "sesudah": "sesudah pemungutan"}
    out = []
    if h["tps_dinilai"]:
        out.append(Measure("tps_siap", f"TPS siap · {phase_word[h['tahapan']]}", _n(h["tps_siap"]), _n(h["tps"]),
                           readiness_tone(h["tps_siap"], h["tps"], settings),
                           f"{h['tps_siap'] / h['tps']:.0%} · target {target:.0%} (skor ≥ "
                           f"{settings.readiness_ready_threshold:.0%})", ("tps-status", "traccar")))
    else:
        out.append(Measure("tps_siap", "TPS siap", "—", None, "netral", "tahapan ini belum dinilai"))
    guards_due = t.opening - dt.timedelta(hours=1)
    if guards_due <= now < t.counting_end + dt.timedelta(hours=6):
        out.append(Measure("personel_di_lokasi", "Personel PAM di lokasi", _n(h["personel_di_lokasi"]),
                           _n(h["personel_wajib"]),
                           _share_tone(h["personel_di_lokasi"], h["personel_wajib"], 0.95, 0.85),
                           f"wajib menurut pola {_n(h['personel_wajib'])}, ditugaskan {_n(h['personel_ditugaskan'])}",
                           ("traccar",)))
    else:
        out.append(Measure("personel_ditugaskan", "Personel PAM ditugaskan", _n(h["personel_ditugaskan"]),
                           _n(h["personel_wajib"]), _share_tone(h["personel_ditugaskan"], h["personel_wajib"], 1.0, 0.9),
                           f"wajib menurut pola; di lokasi dihitung mulai {fmt_wib(guards_due, False)} hari H"))
    if now >= t.opening:
        out.append(Measure("tps_dibuka", "TPS dibuka", _n(h["tps_dibuka"]), _n(h["tps"]),
                           _share_tone(h["tps_dibuka"], h["tps"], 1.0, 0.99),
                           f"{h['tps'] - h['tps_dibuka']} belum dilaporkan · {h['tps_gangguan']} lapor gangguan",
                           ("tps-status",)))
    else:
        out.append(Measure("tps_dibuka", "TPS dibuka", "—", _n(h["tps"]), "netral",
                           f"dibuka {fmt_wib(t.opening, False)} hari H"))
    out.append(Measure("kejadian_terbuka", "Kejadian terbuka", _n(h["kejadian_terbuka"]), None,
                       "buruk" if h["kejadian_tinggi"] else "waspada" if h["kejadian_terbuka"] else "baik",
                       f"{h['kejadian_tinggi']} tingkat tinggi"))
    if now < t.closing:
        out.append(Measure("kotak_di_tps", "Kotak suara di TPS", _n(h["kotak_di_tps"]), _n(h["tps"]),
                           _share_tone(h["kotak_di_tps"], h["tps"], 1.0, 0.95) if now >= t.day_start - dt.timedelta(
                               hours=12) else "netral",
                           f"{h['logistik_terlambat']} pengiriman terlambat"))
    else:
        out.append(Measure("kotak_di_ppk", "Kotak suara kembali di PPK", _n(h["kotak_di_ppk"]), _n(h["tps"]),
                           _share_tone(h["kotak_di_ppk"], h["tps"], 1.0, 0.9) if now >= t.closing + dt.timedelta(
                               hours=settings.perhatian_boxes_at_ppk_hours) else "netral",
                           f"per TPS · {h['logistik_terlambat']} pengiriman terlambat"))
    if h["sungai_tunda"] is None:  # an overview of a province or the nation: boats are judged per kabupaten
        out.append(Measure("sungai", "Perahu ditunda", "—", None, "netral",
                           "dinilai per kabupaten/kota: pilih wilayahnya", ("bmkg-forecast", "river")))
    else:
        # The figure is the boats to hold back (the decision); those to go with care follow in words, so that two
        # counts side by side never read as "x of y".
        out.append(Measure("sungai", "Perahu ditunda", _n(h["sungai_tunda"]), None,
                           "buruk" if h["sungai_tunda"] else "waspada" if h["sungai_hati_hati"] else "baik",
                           f"{h['sungai_hati_hati']} hati-hati · perjalanan sungai "
                           f"{settings.perhatian_river_lookahead_hours:.0f} jam ke depan", ("bmkg-forecast", "river")))
    if now >= t.closing:
        out.append(Measure("tps_selesai", "Penghitungan selesai", _n(h["tps_selesai"]), _n(h["tps"]),
                           _share_tone(h["tps_selesai"], h["tps"], 1.0, 0.9) if now >= t.counting_end else "netral",
                           f"{h['tps_penghitungan']} TPS sudah mulai menghitung", ("tps-status",)))
    else:
        out.append(Measure("peringatan_aktif", "Peringatan dini BMKG", _n(h["peringatan_aktif"]), None,
                           "buruk" if h["peringatan_aktif"] else "baik", "berlaku sekarang", ("bmkg-nowcast",)))
    return out


def leg_measures(board: pd.DataFrame, river: pd.DataFrame) -> list[Measure]:
    """The Logistik page's tiles, each against its reference: legs under way, late and handed over of the plan, the
    ballot boxes handed over at the TPS of those planned to go there, and the river legs still to arrive by verdict.
    Red is a late leg or a boat to postpone; amber a boat to go with care or legs late on their way; green all done
    or nothing wrong; grey a flow on schedule."""
    total = len(board)
    late = int(board["late"].sum()) if total else 0
    moving = int((board["state"] == "berangkat").sum()) if total else 0
    done = int((board["state"] == "diserahkan").sum()) if total else 0
    out = board[board["stage"] == "pps-tps"] if total else board
    boxes = int(out["boxes"].sum()) if len(out) else 0
    at_tps = int(out.loc[out["state"] == "diserahkan", "boxes"].sum()) if len(out) else 0
    late_moving = int((board["late"] & (board["state"] == "berangkat")).sum()) if total else 0
    late_out = int(out["late"].sum()) if len(out) else 0
    grace = int(LATE_GRACE.total_seconds() // 60)
    feeds = ("tps-status",)
    tiles = [
        Measure("dalam_perjalanan", "Dalam perjalanan", _n(moving), _n(total),
                "waspada" if late_moving else "netral",
                "perjalanan berangkat, belum tiba" + (f"; {_n(late_moving)} terlambat" if late_moving else ""), feeds),
        Measure("terlambat", "Terlambat", _n(late), _n(total), "buruk" if late else "baik",
                f"lewat jadwal tiba (toleransi {grace} menit) tanpa laporan tiba", feeds),
        Measure("diserahkan", "Diserahkan", _n(done), _n(total),
                "baik" if total and done == total else "buruk" if late else "netral",
                "perjalanan selesai: diserahkan ke penerima", feeds),
        Measure("kotak_di_tps", "Kotak suara di TPS", _n(at_tps), _n(boxes),
                "baik" if boxes and at_tps == boxes else "buruk" if late_out else "netral",
                "kotak suara diserahkan di TPS (tahap PPS → TPS)", feeds)]
    left = len(river)
    counts = river["verdict"].value_counts() if left else {}
    tone = {"go": lambda n: "baik" if n else "netral", "hati-hati": lambda n: "waspada" if n else "baik",
            "tunda": lambda n: "buruk" if n else "baik"}
    note = {"go": "perjalanan sungai belum tiba: berangkat",
            "hati-hati": "berangkat dengan pengawalan dan pelampung",
            "tunda": "tunggu jendela cuaca berikutnya"}
    for verdict, label in VERDICT_LABEL.items():
        n = int(counts.get(verdict, 0))
        tiles.append(Measure(f"sungai_{verdict}", label, _n(n), _n(left), tone[verdict](n), note[verdict],
                             ("river", "bmkg-nowcast")))
    return tiles


def incident_measures(inc: pd.DataFrame, settings: Settings, now: dt.datetime) -> list[Measure]:
    """The Kejadian page's tiles, each against its reference: open of those recorded, high ones open, open with no
    follow-up past perhatian_incident_followup_minutes (what Perhatian raises a step), closed. Red is a high incident
    open or one left without follow-up; amber any other open; green none."""
    now = as_utc(now)
    total = len(inc)
    open_ = inc[inc["state"] != "selesai"] if total else inc
    high = int((open_["severity"] == "tinggi").sum()) if len(open_) else 0
    limit = settings.perhatian_incident_followup_minutes
    waiting = sum(1 for r in open_.itertuples() if not any(u["state"] != "terbuka" for u in r.updates)
                  and (now - as_utc(r.occurred_at)).total_seconds() / 60 > limit)  # as Perhatian's rule judges it
    done = total - len(open_)
    return [
        Measure("kejadian_terbuka", "Masih terbuka", _n(len(open_)), _n(total),
                "buruk" if high or waiting else "waspada" if len(open_) else "baik",
                "terbuka atau sedang ditangani, dari yang tercatat"),
        Measure("kejadian_tinggi", "Berat terbuka", _n(high), _n(len(open_)), "buruk" if high else "baik",
                "tingkat tinggi, belum selesai"),
        Measure("tanpa_tindak_lanjut", "Tanpa tindak lanjut", _n(waiting), _n(len(open_)),
                "buruk" if waiting else "baik", f"terbuka lebih dari {limit:g} menit tanpa tindak lanjut"),
        Measure("kejadian_selesai", "Selesai", _n(done), _n(total), "baik" if done == total else "netral",
                "ditutup, dari yang tercatat")]


def _guards_due(settings: Settings, now: dt.datetime) -> bool:
    """Whether PAM TPS guards must be at their TPS: from an hour before opening to six hours after counting ends, as
    the Ringkasan tile judges them."""
    t = operation_times(settings)
    return t.opening - dt.timedelta(hours=1) <= as_utc(now) < t.counting_end + dt.timedelta(hours=6)


def roster_measures(board: pd.DataFrame, polres: int, bko: int, off_duty: str, in_shift: bool) -> list[Measure]:
    """The Personel roster tab's tiles, from ops.duty's task board (a row per task, and one of those off duty):
    the roster, of it Polres and BKO; on duty this shift of the roster, coloured by how many of the posts the tasks
    require are filled (green all, amber from 90 %, red below); the posts left unfilled (red when any); off duty of
    the roster. Outside the operation's shifts nothing is required: grey."""
    roster = int(board["ditugaskan"].sum())
    off = int(board.loc[board["tugas"] == off_duty, "ditugaskan"].sum())
    required = int(board["wajib"].fillna(0).sum())
    short = int(board["kurang"].fillna(0).sum())
    judged = in_shift and required > 0
    return [
        Measure("roster", "Personel (roster)", _n(roster), None, "netral", f"{_n(polres)} Polres + {_n(bko)} BKO"),
        Measure("bertugas", "Bertugas shift ini", _n(roster - off), _n(roster),
                _share_tone(required - short, required, 1.0, 0.9) if judged else "netral",
                f"{_n(required - short)} dari {_n(required)} pos wajib terisi" if judged else
                "di luar shift operasi: tidak ada pos wajib"),
        Measure("kurang", "Pos wajib kosong", _n(short), _n(required) if judged else None,
                ("buruk" if short else "baik") if judged else "netral",
                "semua tugas: pola PAM TPS, rencana logistik dan rencana tetap"),
        Measure("lepas_dinas", "Lepas dinas", _n(off), _n(roster), "netral", "tidak bertugas shift ini")]


def plan_measures(plan: pd.DataFrame, need: pd.DataFrame, pam_tps: str, road: float, river: float, use_bko: bool
                  ) -> list[Measure]:
    """The planner's tiles, from ops.planner's tables: its clusters; the Polri it placed at TPS of those the pola
    requires (green all, amber from 90 %, red below); the TPS guards still missing (red when any); the posts of the
    other tasks still missing over every shift (amber when any: they can be filled from the reserve)."""
    required, placed = int(plan["polri_wajib"].sum()), int(plan["polri_ditugaskan"].sum())
    short = int(plan["kurang"].sum())
    unfilled = int((plan["kurang"] > 0).sum())
    other = need[need["tugas"] != pam_tps]
    other_short, other_required = int(other["kurang"].sum()), int(other["wajib"].sum())
    return [
        Measure("klaster", "Klaster", _n(len(plan)), None, "netral", f"darat {road:g} km/jam, sungai {river:g} km/jam"),
        Measure("polri", "Polri di TPS", _n(placed), _n(required), _share_tone(placed, required, 1.0, 0.9),
                "ditugaskan dari yang wajib menurut pola pengamanan"),
        Measure("kurang", "Kekurangan PAM TPS", _n(short), _n(required), "buruk" if short else "baik",
                f"{_n(unfilled)} klaster belum terisi penuh" + ("" if use_bko else " (tanpa BKO)")),
        Measure("kurang_lain", "Kurang tugas lain", _n(other_short), _n(other_required),
                "waspada" if other_short else "baik",
                "pengawalan, gudang, PPK, Posko, patroli dan cadangan di semua shift")]


def task_tones(board: pd.DataFrame, pam_tps: str, settings: Settings, now: dt.datetime, in_shift: bool
               ) -> dict[str, list[str]]:
    """Tones for the task table's cells, a row per task of `board` and the total after them: the posts left unfilled
    (red when any, green none); those at their post or active of those required (green from 95 %, amber from 85 %,
    red below), judged for PAM TPS only while guards are due at their TPS. Off duty, and outside the shifts: none."""
    due = _guards_due(settings, now)
    short, present = [], []
    for task, required, gap, there in zip(board["tugas"], board["wajib"], board["kurang"], board["di_lokasi"]):
        judged = in_shift and required == required and required > 0  # NaN: off duty
        short.append(("buruk" if gap else "baik") if judged else "")
        present.append(_share_tone(int(there), int(required), 0.95, 0.85)
                       if judged and there == there and (task != pam_tps or due) else "")
    total_short = int(board["kurang"].fillna(0).sum())
    short.append(("buruk" if total_short else "baik") if in_shift and board["wajib"].fillna(0).sum() else "")
    present.append("")
    return {"kurang": short, "di_lokasi": present}


def coordination_measures(desa: int, visited: int, complete: int, kec_complete: int, kec: int,
                          settings: Settings) -> list[Measure]:
    """The Koordinasi tiles: the desa with TPS, those visited and those whose every stakeholder was met, and the
    kecamatan whose every stakeholder was met, each of its total. Coordination is part of a TPS's readiness before
    voting (ops.readiness), so the shares are coloured as readiness is: green at readiness_target_share, amber up to
    15 points below, red further below."""
    return [
        Measure("desa", "Desa dengan TPS", _n(desa), None, "netral", "desa/kelurahan yang harus dikoordinasikan"),
        Measure("dikunjungi", "Desa dikunjungi", _n(visited), _n(desa), readiness_tone(visited, desa, settings),
                "sedikitnya satu pertemuan tercatat"),
        Measure("desa_lengkap", "Desa lengkap", _n(complete), _n(desa), readiness_tone(complete, desa, settings),
                "kepala desa/lurah, PPS, tokoh agama dan tokoh masyarakat sudah ditemui"),
        Measure("kecamatan_lengkap", "Kecamatan lengkap", _n(kec_complete), _n(kec),
                readiness_tone(kec_complete, kec, settings), "PPK, Panwascam dan camat sudah ditemui")]


WEATHER_FEEDS = ("bmkg-forecast", "bmkg-nowcast", "river")  # what the river routes are judged from


def exposure_measures(at_risk: pd.DataFrame, river_tps: pd.DataFrame, legs: pd.DataFrame,
                      forecast: bool = True) -> list[Measure]:
    """The Cuaca page's exposure tiles: the river TPS whose route is at risk (a warning, heavy rain or high discharge)
    of every river TPS; the river legs still to run judged careful or held, of those judged (red when any is held,
    amber when any needs care); the kecamatan touched, of those with river TPS. Any at risk is amber: the weather is a
    warning until a leg must wait. With no `forecast` stored for the area nothing was judged: grey, and said so, never
    a green zero."""
    verdicts = legs["verdict"].value_counts() if len(legs) else pd.Series(dtype=int)
    held, careful = int(verdicts.get("tunda", 0)), int(verdicts.get("hati-hati", 0))
    kec = int(at_risk["kecamatan_code"].nunique()) if len(at_risk) else 0
    unjudged = "belum ada prakiraan cuaca: belum dapat dinilai"

    def tone(judged: str) -> str:
        return judged if forecast else "netral"
    return [
        Measure("tps_berisiko", "TPS jalur sungai berisiko", _n(len(at_risk)), _n(len(river_tps)),
                tone("waspada" if len(at_risk) else "baik"),
                "peringatan, hujan lebat atau debit tinggi pada jalurnya" if forecast else unjudged, WEATHER_FEEDS),
        Measure("perjalanan", "Perjalanan sungai hati-hati/tunda", _n(held + careful), _n(len(legs)),
                tone("buruk" if held else "waspada" if careful else "baik"),
                f"{_n(held)} tunda · {_n(careful)} hati-hati" if forecast else unjudged, WEATHER_FEEDS),
        Measure("kecamatan", "Kecamatan terdampak", _n(kec), _n(river_tps["kecamatan_code"].nunique()),
                tone("waspada" if kec else "baik"),
                "dari kecamatan ber-TPS jalur sungai" if forecast else unjudged, WEATHER_FEEDS)]


def verification_measures(counts: dict, total: int, settings: Settings) -> list[Measure]:
    """The Data page's verification tiles, each of every TPS: verified (coloured as readiness, against
    readiness_target_share), not yet checked (amber while any), marked to check again (red while any)."""
    done, todo, again = (int(counts.get(k, 0)) for k in ("terverifikasi", "belum", "perlu_cek"))
    return [
        Measure("terverifikasi", "Terverifikasi", _n(done), _n(total), readiness_tone(done, total, settings),
                "jumlah, lokasi, kelas kerawanan dan jarak tempuh sudah dicek di lapangan"),
        Measure("belum", "Belum dicek", _n(todo), _n(total), "waspada" if todo else "baik", "belum dikunjungi"),
        Measure("perlu_cek", "Perlu cek ulang", _n(again), _n(total), "buruk" if again else "baik",
                "ditandai harus dicek ulang")]


def base_measures(tps: dict, personnel: dict, settings: Settings, whole_operation: bool = False) -> list[Measure]:
    """Ringkasan's base figures (ops.queries.tps_summary of the area shown, personnel_counts): the TPS and the share
    of each kind, each of every TPS. Facts of the ground are not judged (grey); only verification is, as on the Data
    page (coloured as readiness)."""
    total, k, v = int(tps["total"]), tps["by_kerawanan"], tps["verification"]
    done = int(v.get("terverifikasi", 0))
    return [
        Measure("tps", "TPS", _n(total), None, "netral", f"di {_n(tps['desa'])} desa/kelurahan"),
        Measure("rawan", "Sangat rawan / rawan", f"{_n(k.get('sangat_rawan', 0))} / {_n(k.get('rawan', 0))}",
                _n(total), "netral", f"{_n(k.get('kurang_rawan', 0))} kurang rawan"),
        Measure("dpt", "DPT", _n(tps["dpt"]), None, "netral", "daftar pemilih tetap"),
        Measure("sungai", "TPS jalur sungai", _n(tps["by_akses"].get("sungai", 0)), _n(total), "netral",
                "logistik hanya lewat sungai"),
        Measure("personel", "Personel Polri" + (" (seluruh operasi)" if whole_operation else ""),
                _n(personnel["total"]), None, "netral",
                f"{_n(personnel['polres'])} Polres + {_n(personnel['bko'])} BKO"),
        Measure("terverifikasi", "TPS terverifikasi", _n(done), _n(total), readiness_tone(done, total, settings),
                f"{_n(v.get('perlu_cek', 0))} perlu cek ulang, {_n(v.get('belum', 0))} belum dicek")]


def need_measures(required: int, assigned: int, short: int, on_site: int, by: str, settings: Settings,
                  now: dt.datetime) -> list[Measure]:
    """The Personel page's PAM TPS tiles: required by the pola; assigned of required (green all, amber from 90 %);
    the shortfall summed over the rows grouped `by` (red when any); on site of required, coloured while guards are
    due (green from 95 %, amber from 85 %), grey before."""
    due = _guards_due(settings, now)
    return [
        Measure("wajib", "Personel wajib (pola)", _n(required), None, "netral", "PAM TPS menurut pola kerawanan"),
        Measure("ditugaskan", "Ditugaskan", _n(assigned), _n(required), _share_tone(assigned, required, 1.0, 0.9),
                "dari yang wajib"),
        Measure("kurang", "Kurang", _n(short), None, "buruk" if short else "baik",
                f"jumlah kekurangan per {by.lower()}"),
        Measure("di_lokasi", "Di lokasi sekarang", _n(on_site), _n(required),
                _share_tone(on_site, required, 0.95, 0.85) if due else "netral",
                "posisi dalam radius TPS, bertahan selama waktu tunggu" if due else
                f"dinilai mulai {fmt_wib(operation_times(settings).opening - dt.timedelta(hours=1), False)} hari H",
                ("traccar",))]


def on_site_measures(states: pd.Series, settings: Settings, now: dt.datetime) -> list[Measure]:
    """The Personel page's on-site tiles: the PAM TPS guards at their post, away, silent and without a tracker, each
    of every guard. While guards must be at their TPS (from an hour before opening to six hours after counting ends,
    as on Ringkasan) on site is green at 95 %, amber at 85 %, and any guard away, silent or without a tracker
    amber, red from 5 % of them; before and after, grey: nobody is due at a post."""
    t = operation_times(settings)
    due = _guards_due(settings, now)
    total = len(states)
    counts = states.value_counts()
    out = []
    for state, label in ON_SITE_LABEL.items():
        n = int(counts.get(state, 0))
        if not due:
            tone = "netral"
        elif state == "di_lokasi":
            tone = _share_tone(n, total, 0.95, 0.85)
        else:
            tone = "baik" if not n else "waspada" if n < 0.05 * total else "buruk"
        note = {"di_lokasi": f"dalam {settings.on_site_radius_m:g} m dari TPS-nya, bertahan "
                             f"{settings.on_site_dwell_minutes} menit",
                "di_luar": "posisi terakhir di luar radius TPS-nya",
                "senyap": f"tanpa posisi lebih dari {settings.traccar_silent_minutes} menit",
                "tanpa_perangkat": "tidak membawa perangkat pelacak"}.get(state, "")
        if not due:
            note = f"dinilai mulai {fmt_wib(t.opening - dt.timedelta(hours=1), False)} hari H · " + note
        out.append(Measure(state, label, _n(n), _n(total), tone, note, ("traccar",)))
    return out


def reaction_measures(summary: dict, tps: int, limit: float) -> list[Measure]:
    """The Personel page's reaction-time tiles (ops.reaction.summary of `tps` TPS): the median, the 90th percentile
    and the slowest minutes against the limit (reaction_limit_minutes), green within it and red beyond; and the TPS
    beyond it or with no reserve to send, of every TPS, red when there is one."""
    def minutes(key: str, label: str, note: str) -> Measure:
        v = summary[key]
        return Measure(f"reaksi_{key}", label, "—" if v is None else f"{v:.0f} mnt", None,
                       "netral" if v is None else "baik" if v <= limit else "buruk", f"{note} · batas {limit:g} mnt")

    late = summary["over_limit"] + summary["no_reserve"]
    return [minutes("p50", "Median", "separuh TPS terjangkau dalam waktu ini"),
            minutes("p90", "P90", "9 dari 10 TPS terjangkau dalam waktu ini"),
            minutes("max", "Terlama", "TPS yang paling lama dijangkau"),
            Measure("reaksi_lewat", "Melebihi batas", _n(late), _n(tps), "buruk" if late else "baik",
                    f"TPS lewat {limit:g} menit" + (f"; {summary['no_reserve']} tanpa cadangan tersedia"
                                                     if summary["no_reserve"] else ""))]
