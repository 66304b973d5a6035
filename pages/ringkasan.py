"""Ringkasan: the operation at a glance — TPS by kerawanan and kecamatan, personnel, DPT, the map."""
import streamlit as st

from ops.charts import kecamatan_bars, operation_map
from ops.vocabulary import KERAWANAN_LABEL
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
c.kpi(cols[3], "TPS terverifikasi", f"{c.number(v['terverifikasi'])} dari {c.number(tps['total'])}",
      f"{v['perlu_cek']} perlu cek ulang, {v['belum']} belum dicek")

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
