"""The briefing's sections as plain rows, shared by the PDF and the HTML so both say the same thing."""
from __future__ import annotations

from ops import timeline
from ops.briefing.content import BriefingContent
from ops.clock import fmt_wib
from ops.focus import LEVEL_WORD
from ops.incidents import SEVERITY_LABEL, STATE_LABEL
from ops.logistics import STAGE_LABEL, VERDICT_LABEL, route_reasons
from ops.perhatian import wording
from ops.perhatian.model import SEVERITY_LABEL as PH_SEVERITY, STATE_LABEL as PH_STATE
from ops.readiness import problem_lines
from ops.tasks import DUTY_LABEL
from ops.vocabulary import TAHAPAN_LABEL

TONE_WORD = {"baik": "sesuai target", "waspada": "waspada", "buruk": "perlu tindakan", "netral": "belum dinilai"}
PAGE_BREAK = ("#pagebreak", None, [], None)
PERHATIAN_ROWS = 8  # page 1 holds the situation and the most urgent items; the rest follow in the annex

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
    return f"{c.phase.h_label} · {TAHAPAN_LABEL[c.phase.tahapan]}" + (f" ({c.countdown})" if c.countdown else "")


def _perhatian_rows(c: BriefingContent, items) -> list[list]:
    return [[PH_SEVERITY[i.severity], i.place.name, wording.title(i), wording.action(i, c.names),
             PH_STATE[i.state] + (f" ({i.taken_by})" if i.taken_by else ""), wording.age(i, c.moment)]
            for i in items]


def _change(now, before) -> str:
    if before is None:
        return "—"
    d = now - before
    return f"{d:+d}" if d else "tetap"


def _duties(c: BriefingContent, w: float) -> list[Section]:
    """Every officer once: the task of the shift or off duty, summing to the roster; and the reserves' reach."""
    d = c.duties
    if d.empty:
        return []
    rows = [[DUTY_LABEL[r.tugas], number(r.wajib), number(r.ditugaskan), number(r.di_lokasi)] for r in d.itertuples()]
    rows.append(["Jumlah (= roster)", number(d["wajib"].sum()), number(d["ditugaskan"].sum()),
                 number(d["di_lokasi"].sum())])
    out: list[Section] = [("Personel menurut tugas (shift berjalan)", ["Tugas", "Wajib", "Ditugaskan",
                                                                         "Di lokasi / aktif"], rows,
                           [w * .46, w * .18, w * .18, w * .18])]
    r = c.reaction
    if r.get("max") is not None:
        out.append((f"#note:Waktu reaksi cadangan terdekat ke TPS: median {r['p50']:.0f} mnt, P90 {r['p90']:.0f} mnt, "
                    f"terlama {r['max']:.0f} mnt; {r['over_limit']} TPS melewati batas {r['limit']:.0f} mnt"
                    + (f", {r['no_reserve']} TPS tanpa cadangan tersedia" if r["no_reserve"] else "") + ".",
                    None, [], None))
    return out


def sections(c: BriefingContent, width: float) -> list[Section]:
    w = width
    out: list[Section] = []
    out.append(("Situasi", ["Ukuran", "Sekarang", "Keterangan", "Penilaian"],
                [[m.label, m.value + (f" / {m.of}" if m.of else ""), m.note, TONE_WORD[m.tone]] for m in c.measures],
                [w * .3, w * .14, w * .4, w * .16]))
    open_items = [i for i in c.perhatian if i.state != "selesai"]
    counts = ", ".join(f"{sum(1 for i in open_items if i.severity == s)} {PH_SEVERITY[s].lower()}"
                       for s in PH_SEVERITY if any(i.severity == s for i in open_items))
    out.append(("Perhatian — perlu keputusan atau tindakan", ["Tingkat", "Tempat", "Hal", "Tindakan", "Keadaan",
                                                             "Sejak"],
                _perhatian_rows(c, open_items[:PERHATIAN_ROWS])
                or [["—", "", "Tidak ada hal yang perlu perhatian", "", "", ""]],
                [w * .08, w * .19, w * .3, w * .25, w * .1, w * .08]))
    if open_items:
        out.append((f"#note:{len(open_items)} hal terbuka ({counts})"
                    + (f"; {len(open_items) - PERHATIAN_ROWS} lainnya di lampiran." if len(open_items) > PERHATIAN_ROWS
                       else "."), None, [], None))
    out.append(PAGE_BREAK)
    out.append(("Linimasa operasi", ["Tonggak", "Jadwal", "Keadaan", "Capaian"],
                [[x.label, timeline.when(x, c.voting_day), timeline.STATE_LABEL[x.state], timeline.describe(x) or "—"]
                 for x in c.timeline], [w * .27, w * .2, w * .14, w * .39]))
    out.append(("Angka utama dibanding sebelumnya", ["Angka", "Sekarang", f"Pembanding: {c.previous_label}",
                                                      "Perubahan"],
                [[label, number(now), number(before) if before is not None else "—", _change(now, before)]
                 for label, now, before in c.figure_rows()], [w * .38, w * .14, w * .32, w * .16]))
    rows = []
    for phase, label in TAHAPAN_LABEL.items():
        kab = c.readiness[phase]["kabupaten"]
        due = kab is not None and bool(kab["dinilai"])
        rows.append([label, f"{kab['siap']} dari {kab['tps']}" if due else "belum berlaku",
                     "; ".join(problem_lines(kab["masalah"])) if due else "—"])
    out.append(("Kesiapan per tahapan", ["Tahapan", "TPS siap", "Masalah utama"], rows,
                [w * .2, w * .16, w * .64]))
    phase = c.phase.tahapan
    word = LEVEL_WORD[c.rank_level]
    out.append((f"#image:kesiapan:TPS bermasalah per {word.lower()} menurut jenis masalah — "
                f"{TAHAPAN_LABEL[phase].lower()}", None, [], None))
    r = c.ranking
    out.append((f"{word} menurut masalah terberat — {TAHAPAN_LABEL[phase].lower()}",
                [word, "Terberat", "Hal", "TPS bermasalah", "TPS siap", "Penyebab utama"],
                [[c.kecamatan_names.get(x.kode, x.kode) if c.rank_level == "kecamatan" else c.names.name(x.kode), PH_SEVERITY.get(x.terberat, "—") if x.terberat else "—",
                  x.hal, x.tps_bermasalah, f"{x.siap} / {x.tps}", "; ".join(problem_lines(x.masalah, 2)) or "—"]
                 for x in r.itertuples()], [w * .18, w * .1, w * .06, w * .12, w * .1, w * .44]))
    out.append((f"#image:peta:Peta kesiapan TPS — {TAHAPAN_LABEL[phase].lower()}", None, [], None))
    p = c.personnel
    out.append(("Personel PAM TPS menurut pola pengamanan", ["Polsek", "Wajib", "Ditugaskan", "Di lokasi"],
                [[r.polsek, number(r.wajib), number(r.ditugaskan), number(r.di_lokasi)] for r in p.itertuples()]
                + [["Jumlah", number(p["wajib"].sum()), number(p["ditugaskan"].sum()), number(p["di_lokasi"].sum())]],
                [w * .46, w * .18, w * .18, w * .18]))
    out.extend(_duties(c, w))
    out.append(("Logistik kotak suara", ["Tahap", "Direncanakan", "Berangkat", "Tiba", "Diserahkan", "Terlambat"],
                [[r.tahap, r.direncanakan, r.berangkat, r.tiba, r.diserahkan, r.terlambat]
                 for r in c.pipeline.itertuples()], [w * .25, w * .15, w * .15, w * .15, w * .15, w * .15]))
    river = c.river
    if len(river):
        counts = river["verdict"].value_counts()
        out.append(("#note:Jalur sungai (perjalanan yang belum tiba): " + ", ".join(
            f"{VERDICT_LABEL[v]} {int(counts.get(v, 0))}" for v in VERDICT_LABEL), None, [], None))
        worst = river[river["verdict"] != "go"].groupby(["kecamatan_code", "stage", "verdict"], as_index=False).agg(
            legs=("id", "count"), first=("planned_depart", "min"), reasons=("reasons", "first"))
        out.append(("Jalur sungai: hati-hati dan tunda", ["Kecamatan", "Tahap", "Putusan", "Perjalanan", "Berangkat mulai",
                                                          "Alasan"],
                     [[c.kecamatan_names.get(r.kecamatan_code, r.kecamatan_code), STAGE_LABEL[r.stage],
                       VERDICT_LABEL[r.verdict], r.legs, fmt_wib(r.first), route_reasons(r.reasons)]
                      for r in worst.itertuples()],
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
    rest = [i for i in c.perhatian if i.state != "selesai"][PERHATIAN_ROWS:]
    if rest:
        out.append(("Lampiran: hal perhatian lainnya", ["Tingkat", "Tempat", "Hal", "Tindakan", "Keadaan", "Sejak"],
                    _perhatian_rows(c, rest), [w * .08, w * .19, w * .3, w * .25, w * .1, w * .08]))
    out.append(("Sumber data dan umurnya", ["Sumber", "Keadaan", "Data terakhir"],
                [[n, state, age] for n, state, age in c.sources], [w * .4, w * .3, w * .3]))
    out.append(("#note:Prakiraan cuaca dan peringatan dini: BMKG. Cadangan prakiraan dan debit sungai: Open-Meteo "
                "(GloFAS). Rekap: KPU Sirekap. Batas wilayah dan kode: Kemendagri.", None, [], None))
    return out
