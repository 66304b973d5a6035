"""Ringkasan: where are we not ready, why, and what needs a decision now."""
import datetime as dt
import html

import streamlit as st

from ops.charts import kecamatan_bars, operation_map
from ops.clock import fmt_wib
from ops.decisions import PRIORITY_LABEL
from ops.phase import phase_at
from ops.vocabulary import KERAWANAN_LABEL, TAHAPAN_LABEL
from ui import components as c
from ui import data

now = c.page("Ringkasan operasi")
c.require_tps()
tps = data.tps_summary()


def delta(now_v: int, before_v: int) -> str | None:
    d = now_v - before_v
    return f"{d:+d} sejak kemarin" if d else None


def stale(feed: str) -> str | None:
    """A tile built on a source that is not current says so where the change would be."""
    f = data.feed_states()[feed]
    return None if f.state == "ok" else f"⚠ data {feed} {f.label.lower()}"


@c.live_panel
def headline_tiles():
    moment = data.now()
    h = data.headline(data.moment_key(moment))
    # The reference is yesterday at the same full hour: computed once an hour rather than every minute.
    ref = (moment - dt.timedelta(hours=24)).replace(minute=0, second=0, microsecond=0)
    y = data.headline(data.moment_key(ref))
    c.sources("tps-status", "traccar", "bmkg-nowcast")
    cols = st.columns(5)
    c.kpi(cols[0], "TPS dijaga sesuai pola", f"{c.number(h['tps_dijaga'])} / {c.number(h['tps'])}",
          "TPS dengan personel ditugaskan sesuai pola pengamanan", delta(h["tps_dijaga"], y["tps_dijaga"]))
    c.kpi(cols[1], "TPS dibuka", f"{c.number(h['tps_dibuka'])} / {c.number(h['tps'])}",
          "TPS yang dilaporkan dibuka (atau tahap sesudahnya)",
          stale("tps-status") or delta(h["tps_dibuka"], y["tps_dibuka"]), "off" if stale("tps-status") else "normal")
    c.kpi(cols[2], "Penghitungan / selesai", f"{c.number(h['tps_penghitungan'])} / {c.number(h['tps_selesai'])}",
          "TPS yang mulai menghitung suara / selesai menghitung")
    c.kpi(cols[3], "Personel di lokasi", f"{c.number(h['personel_di_lokasi'])} / {c.number(h['personel_wajib'])}",
          "Posisi GPS dalam radius TPS selama waktu tunggu / kebutuhan pola",
          stale("traccar") or delta(h["personel_di_lokasi"], y["personel_di_lokasi"]),
          "off" if stale("traccar") else "normal")
    c.kpi(cols[4], "Kejadian terbuka", c.number(h["kejadian_terbuka"]),
          f"{h['kejadian_tinggi']} berat; {h['tps_gangguan']} TPS melaporkan gangguan",
          delta(h["kejadian_terbuka"], y["kejadian_terbuka"]), "inverse")
    cols = st.columns(5)
    c.kpi(cols[0], "Kotak suara tiba di TPS", f"{c.number(h['kotak_tiba_tps'])} / {c.number(h['kotak_tps_total'])}",
          "Leg PPS → TPS yang sudah diserahkan", delta(h["kotak_tiba_tps"], y["kotak_tiba_tps"]))
    c.kpi(cols[1], "Kotak kembali di PPK",
          f"{c.number(h['kotak_kembali_ppk'])} / {c.number(h['kotak_kembali_total'])}",
          "Leg PPS → PPK yang sudah diserahkan", delta(h["kotak_kembali_ppk"], y["kotak_kembali_ppk"]))
    c.kpi(cols[2], "Leg logistik terlambat", c.number(h["logistik_terlambat"]), "Melewati jadwal tiba tanpa laporan",
          delta(h["logistik_terlambat"], y["logistik_terlambat"]), "inverse")
    c.kpi(cols[3], "Peringatan cuaca aktif", c.number(h["peringatan_aktif"]), "Peringatan dini BMKG yang berlaku")
    pers = data.personnel_summary()
    c.kpi(cols[4], "PAM TPS ditugaskan",
          f"{c.number(pers['pam_tps_assigned'])} / {c.number(pers['pam_tps_required'])}",
          "Ditugaskan / kebutuhan menurut pola pengamanan")
    st.caption(f"Perubahan dibanding kemarin, {fmt_wib(ref)} (dihitung ulang dari riwayat kejadian).")


headline_tiles()

st.subheader("Kesiapan per tahapan")


@c.live_panel
def readiness_panel():
    moment = data.now()
    ready = data.readiness(data.moment_key(moment))
    chosen, _ = data.forecast(data.moment_key(moment), 24)
    c.sources("tps-status", "traccar", "river", forecast=chosen)
    for col, (phase, label) in zip(st.columns(3), TAHAPAN_LABEL.items()):
        kab = ready[phase]["kabupaten"]
        box = col.container(border=True)
        due = kab["skor"] is not None and kab["skor"] == kab["skor"]
        box.metric(label, f"{kab['skor'] * 100:.0f}%" if due else "belum berlaku",
                   help="Skor kesiapan rata-rata TPS (bobot di konfigurasi); tahapan yang belum tiba belum dinilai")
        box.caption(f"{c.number(kab['siap'])} dari {c.number(kab['tps'])} TPS siap" if due else
                    "Belum ada komponen tahapan ini yang jatuh tempo")
        for reason in kab["alasan"]:
            box.markdown(f"- {c.plain(reason)}")
    phase = phase_at(moment, data.settings()).tahapan
    kec = ready[phase]["kecamatan"].copy()
    kec["skor"] = kec["skor"].fillna(1.0)
    kec["Kecamatan"] = kec["kode"].map(data.kecamatan_names())
    kec["Skor"] = (kec["skor"] * 100).round(0)
    kec["Alasan utama"] = kec["alasan"].map(lambda a: "; ".join(a) if a else "—")
    st.caption(f"Kesiapan per kecamatan — {TAHAPAN_LABEL[phase].lower()}, terendah di atas. "
               "Rincian per desa dan TPS di halaman TPS.")
    st.dataframe(kec.sort_values("skor")[["Kecamatan", "Skor", "siap", "tps", "Alasan utama"]].rename(
        columns={"siap": "TPS siap", "tps": "TPS"}), hide_index=True, width="stretch",
        column_config={"Skor": st.column_config.ProgressColumn("Skor", min_value=0, max_value=100, format="%d%%")})


readiness_panel()

left, right = st.columns([3, 2])


@c.live_panel
def decisions_panel():
    st.subheader("Perlu keputusan sekarang")
    items = data.decision_list(data.now())
    if items.empty:
        st.success("Tidak ada hal yang menunggu keputusan.")
        return
    items["Prioritas"] = items["prioritas"].map(PRIORITY_LABEL)
    st.dataframe(items[["Prioritas", "kategori", "judul", "lokasi", "alasan"]].rename(
        columns={"kategori": "Kategori", "judul": "Hal", "lokasi": "Kecamatan", "alasan": "Alasan"}),
        hide_index=True, width="stretch", height=420)


@c.live_panel
def events_panel():
    st.subheader("Kejadian terbaru")
    ev = data.newest_events(data.moment_key(data.now()))
    if ev.empty:
        st.write("Belum ada kejadian dalam 24 jam terakhir.")
        return
    for e in ev.itertuples():
        mark = ":red[●]" if e.penting else ":gray[●]"
        st.markdown(f"{mark} **{fmt_wib(e.at, False)}** · {e.jenis} · {c.plain(e.lokasi)}  \n{c.plain(e.teks)}")


with left:
    decisions_panel()
with right:
    events_panel()

st.subheader("Data dasar operasi")
pers = data.personnel_summary()
k = tps["by_kerawanan"]
cols = st.columns(6)
c.kpi(cols[0], "TPS", c.number(tps["total"]), f"di {tps['desa']} desa/kelurahan")
c.kpi(cols[1], "Sangat rawan", c.number(k["sangat_rawan"]), "TPS kelas sangat rawan")
c.kpi(cols[2], "Rawan", c.number(k["rawan"]), "TPS kelas rawan")
c.kpi(cols[3], "Kurang rawan", c.number(k["kurang_rawan"]), "TPS kelas kurang rawan")
c.kpi(cols[4], "DPT", c.number(tps["dpt"]), "Daftar pemilih tetap")
c.kpi(cols[5], "TPS jalur sungai", c.number(tps["by_akses"]["sungai"]), "Logistik hanya lewat sungai")
cols = st.columns(6)
c.kpi(cols[0], "Personel Polri", c.number(pers["total"]), f"{pers['polres']} Polres + {pers['bko']} BKO")
c.kpi(cols[1], "Linmas", c.number(tps["linmas"]), "2 Linmas per TPS")
v = tps["verification"]
c.kpi(cols[2], "TPS terverifikasi", f"{c.number(v['terverifikasi'])}/{c.number(tps['total'])}",
      f"{v['perlu_cek']} perlu cek ulang, {v['belum']} belum dicek")

left, right = st.columns([3, 2])
with left:
    st.subheader("Peta TPS menurut kerawanan")
    pts = data.tps_points()
    pts["hover"] = ("TPS " + pts["number"].map("{:03d}".format) + " " + pts["desa"].map(html.escape) + "<br>"
                    + pts["kecamatan"].map(html.escape)
                    + "<br>" + pts["kerawanan"].map(KERAWANAN_LABEL) + " · DPT " + pts["dpt"].astype(str))
    fig = operation_map(data.boundaries("kecamatan"), data.boundaries("desa"), pts, tiles=data.settings().map_tiles)
    st.plotly_chart(fig, width="stretch", config={"scrollZoom": True, "displaylogo": False})
with right:
    st.subheader("TPS per kecamatan")
    table = data.kecamatan_table()
    st.plotly_chart(kecamatan_bars(table, height=560), width="stretch", config={"displaylogo": False})
