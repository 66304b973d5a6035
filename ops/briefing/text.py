"""The briefing's sections as plain rows, shared by the PDF and the HTML so both say the same thing."""
from __future__ import annotations

from ops.briefing.content import BriefingContent
from ops.clock import fmt_wib
from ops.incidents import SEVERITY_LABEL, STATE_LABEL
from ops.logistics import VERDICT_LABEL
from ops.vocabulary import TAHAPAN_LABEL

Section = tuple[str, list[str] | None, list, list[float] | None]


def number(n) -> str:
    try:
        v = float(n)
    except (TypeError, ValueError):
        return "—"
    return f"{v:,.0f}".replace(",", ".") if v == v else "—"


def pct(v) -> str:
    return "—" if v is None or v != v else f"{v * 100:.0f}%"


def phase_text(c: BriefingContent) -> str:
    h, tahapan = c.phase_label.split(" · ")
    return f"{h} · {TAHAPAN_LABEL[tahapan]}" + (f" ({c.countdown})" if c.countdown else "")


def _change(now, before) -> str:
    if before is None:
        return "—"
    d = now - before
    return f"{d:+d}" if d else "tetap"


def sections(c: BriefingContent, width: float) -> list[Section]:
    w = width
    out: list[Section] = []
    out.append(("Angka utama", ["Angka", "Sekarang", f"Pembanding: {c.previous_label}", "Perubahan"],
                [[label, number(now), number(before) if before is not None else "—", _change(now, before)]
                 for label, now, before in c.figure_rows()], [w * .38, w * .14, w * .32, w * .16]))
    rows = []
    for phase, label in TAHAPAN_LABEL.items():
        kab = c.readiness[phase]["kabupaten"]
        due = kab is not None and kab["skor"] is not None and kab["skor"] == kab["skor"]
        rows.append([label, pct(kab["skor"]) if due else "belum dinilai",
                     f"{kab['siap']} dari {kab['tps']}" if due else "—", "; ".join(kab["alasan"]) if due else "—"])
    out.append(("Kesiapan per tahapan", ["Tahapan", "Skor", "TPS siap", "Alasan utama"], rows,
                [w * .2, w * .1, w * .14, w * .56]))
    out.append(("#image:kesiapan:", None, [], None))
    phase = c.phase_label.split(" · ")[1]
    kec = c.readiness[phase]["kecamatan"].sort_values("skor")
    out.append((f"Kesiapan per kecamatan — {TAHAPAN_LABEL[phase].lower()}", ["Kecamatan", "Skor", "TPS siap", "Alasan"],
                [[c.kecamatan_names.get(r.kode, r.kode), pct(r.skor), f"{r.siap} / {r.tps}", "; ".join(r.alasan) or "—"]
                 for r in kec.itertuples()], [w * .22, w * .1, w * .14, w * .54]))
    out.append((f"#image:peta:Peta kesiapan TPS — {TAHAPAN_LABEL[phase].lower()}", None, [], None))
    p = c.personnel
    out.append(("Personel PAM TPS menurut pola pengamanan", ["Polsek", "Wajib", "Ditugaskan", "Di lokasi"],
                [[r.polsek, number(r.wajib), number(r.ditugaskan), number(r.di_lokasi)] for r in p.itertuples()]
                + [["Jumlah", number(p["wajib"].sum()), number(p["ditugaskan"].sum()), number(p["di_lokasi"].sum())]],
                [w * .46, w * .18, w * .18, w * .18]))
    out.append(("Logistik kotak suara", ["Tahap", "Direncanakan", "Berangkat", "Tiba", "Diserahkan", "Terlambat"],
                [[r.tahap, r.direncanakan, r.berangkat, r.tiba, r.diserahkan, r.terlambat]
                 for r in c.pipeline.itertuples()], [w * .25, w * .15, w * .15, w * .15, w * .15, w * .15]))
    river = c.river
    if len(river):
        counts = river["verdict"].value_counts()
        out.append(("#note:Jalur sungai (leg yang belum tiba): " + ", ".join(
            f"{VERDICT_LABEL[v]} {int(counts.get(v, 0))}" for v in VERDICT_LABEL), None, [], None))
        worst = river[river["verdict"] != "go"].groupby(["kecamatan_code", "stage", "verdict"], as_index=False).agg(
            legs=("id", "count"), first=("planned_depart", "min"), reasons=("reasons", "first"))
        out.append(("Jalur sungai: hati-hati dan tunda", ["Kecamatan", "Tahap", "Putusan", "Leg", "Berangkat mulai",
                                                          "Alasan"],
                     [[c.kecamatan_names.get(r.kecamatan_code, r.kecamatan_code), r.stage, VERDICT_LABEL[r.verdict],
                       r.legs, fmt_wib(r.first), "; ".join(r.reasons)] for r in worst.itertuples()],
                     [w * .17, w * .1, w * .1, w * .06, w * .2, w * .37]))
    out.append((f"#image:hujan:Hujan 72 jam ke depan per kecamatan (mm/3 jam) — {c.forecast_note}", None, [], None))
    lines = [f"{x['event']} ({x['severity'] or '-'}): {fmt_wib(x['effective'])} s.d. {fmt_wib(x['expires'])} — "
             f"{', '.join(x['kecamatan'])}" for x in c.warnings] or ["Tidak ada peringatan dini BMKG yang berlaku."]
    above = c.discharge_today[c.discharge_today["above"]]
    lines.append(f"Debit sungai hari ini: {len(above)} dari {len(c.discharge_today)} titik jalur sungai di atas ambang.")
    out.append(("Peringatan dan sungai", None, lines, None))
    inc = c.incidents
    out.append(("Kejadian 24 jam terakhir", ["Waktu", "Tingkat", "Keadaan", "Kejadian", "Kecamatan"],
                [[fmt_wib(r.occurred_at), SEVERITY_LABEL[r.severity], STATE_LABEL.get(r.state, r.state), r.title,
                  c.kecamatan_names.get(r.kecamatan_code, "")] for r in inc.itertuples()]
                or [["—", "", "", "Tidak ada kejadian dalam 24 jam terakhir", ""]],
                [w * .2, w * .1, w * .12, w * .4, w * .18]))
    co = c.coordination
    out.append(("Koordinasi", ["Kecamatan", "PPK", "Panwascam", "Camat", "Desa lengkap", "Pertemuan"],
                [[r.kecamatan, "ya" if r.kpu_ppk else "belum", "ya" if r.bawaslu_panwascam else "belum",
                  "ya" if r.camat else "belum", f"{r.desa_lengkap} / {r.desa}", r.pertemuan] for r in co.itertuples()],
                [w * .24, w * .12, w * .14, w * .12, w * .2, w * .18]))
    d = c.decisions
    out.append(("Perlu keputusan", ["Prioritas", "Hal", "Lokasi", "Alasan"],
                [[r.prioritas_label, r.judul, r.lokasi, r.alasan] for r in d.itertuples()]
                or [["—", "Tidak ada hal yang menunggu keputusan", "", ""]], [w * .12, w * .36, w * .16, w * .36]))
    out.append(("Sumber data dan umurnya", ["Sumber", "Keadaan", "Data terakhir"],
                [[n, state, age] for n, state, age in c.sources], [w * .4, w * .3, w * .3]))
    out.append(("#note:Prakiraan cuaca dan peringatan dini: BMKG. Cadangan prakiraan dan debit sungai: Open-Meteo "
                "(GloFAS). Rekap: KPU Sirekap. Batas wilayah dan kode: Kemendagri.", None, [], None))
    return out
