"""Ringkasan: the operation at a glance — TPS by kerawanan and kecamatan, personnel, DPT, the map."""
import streamlit as st

from ops.charts import kecamatan_bars, operation_map
from ops.phase import phase_at
from ops.vocabulary import KERAWANAN_LABEL, TAHAPAN_LABEL
from ui import components as c
from ui import data

if not data.schema_ready():
    c.no_database()
now = c.header("Ringkasan operasi")
tps = data.tps_summary()
if tps["total"] == 0:
    st.info("Belum ada data TPS. Impor daftar TPS (`python -m ops import tps FILE`) atau jalankan "
            "`python -m ops init --demo` untuk operasi demo.")
    st.stop()
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
c.kpi(cols[1], "PAM TPS ditugaskan", f"{c.number(pers['pam_tps_assigned'])} / {c.number(pers['pam_tps_required'])}",
      "Ditugaskan / kebutuhan menurut pola pengamanan")
c.kpi(cols[2], "Linmas", c.number(tps["linmas"]), "2 Linmas per TPS")
v = tps["verification"]
c.kpi(cols[3], "TPS terverifikasi", f"{c.number(v['terverifikasi'])}/{c.number(tps['total'])}",
      f"{v['perlu_cek']} perlu cek ulang, {v['belum']} belum dicek")

st.subheader("Kesiapan per tahapan")
# Readiness moves by the minute: keying the cache on the minute spares a full recompute on every rerun.
ready = data.readiness(now.replace(second=0, microsecond=0).isoformat())
names = data.kecamatan_names()
phase_cols = st.columns(3)
for col, (phase, label) in zip(phase_cols, TAHAPAN_LABEL.items()):
    kab = ready[phase]["kabupaten"]
    box = col.container(border=True)
    due = kab["skor"] is not None and kab["skor"] == kab["skor"]
    box.metric(label, f"{kab['skor'] * 100:.0f}%" if due else "belum berlaku",
               help="Skor kesiapan rata-rata TPS (bobot di konfigurasi); tahapan yang belum tiba belum dinilai")
    box.caption(f"{c.number(kab['siap'])} dari {c.number(kab['tps'])} TPS siap" if due else
                "Belum ada komponen tahapan ini yang jatuh tempo")
    for reason in kab["alasan"]:
        box.markdown(f"- {reason}")
phase = phase_at(now, data.settings()).tahapan
kec = ready[phase]["kecamatan"].copy()
kec["skor"] = kec["skor"].fillna(1.0)
kec["Kecamatan"] = kec["kode"].map(names)
kec["Skor"] = (kec["skor"] * 100).round(0)
kec["Alasan utama"] = kec["alasan"].map(lambda a: "; ".join(a) if a else "—")
st.caption(f"Kesiapan per kecamatan — {TAHAPAN_LABEL[phase].lower()}, terendah di atas")
st.dataframe(kec.sort_values("skor")[["Kecamatan", "Skor", "siap", "tps", "Alasan utama"]].rename(
    columns={"siap": "TPS siap", "tps": "TPS"}), hide_index=True, width="stretch",
    column_config={"Skor": st.column_config.ProgressColumn("Skor", min_value=0, max_value=100, format="%d%%")})

left, right = st.columns([3, 2])
with left:
    st.subheader("Peta TPS menurut kerawanan")
    pts = data.tps_points()
    pts["hover"] = ("TPS " + pts["number"].map("{:03d}".format) + " " + pts["desa"] + "<br>" + pts["kecamatan"]
                    + "<br>" + pts["kerawanan"].map(KERAWANAN_LABEL) + " · DPT " + pts["dpt"].astype(str))
    fig = operation_map(data.boundaries("kecamatan"), data.boundaries("desa"), pts, tiles=data.settings().map_tiles)
    st.plotly_chart(fig, width="stretch", config={"scrollZoom": True, "displaylogo": False})
with right:
    st.subheader("TPS per kecamatan")
    table = data.kecamatan_table()
    st.plotly_chart(kecamatan_bars(table, height=560), width="stretch", config={"displaylogo": False})

st.subheader("Rincian per kecamatan")
show = table.rename(columns={"kode": "Kode", "kecamatan": "Kecamatan", "tps": "TPS", "sangat_rawan": "Sangat rawan",
                             "rawan": "Rawan", "kurang_rawan": "Kurang rawan", "tps_sungai": "Jalur sungai",
                             "dpt": "DPT"})
st.dataframe(show, hide_index=True, width="stretch")
