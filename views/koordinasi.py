"""Koordinasi: which stakeholders were met in each kecamatan and desa, when and by whom."""
import pandas as pd
import streamlit as st

from ops.clock import fmt_wib
from ops.coordination import DESA_ROLES, KECAMATAN_ROLES, ROLE_LABEL
from ops.headline import coordination_measures, readiness_tone
from ui import components as c
from ui import data, wilayah

now = c.page("Koordinasi")
c.require_tps()
key = data.moment_key(now)
where = wilayah.focus()
wilayah.detail_guard(where, "Koordinasi")
area = wilayah.area(where)  # read for the focus only: a province's desa take seconds
kec, desa, acts = data.coordination_coverage(key, area)
if kec.empty or desa.empty:
    st.info("Belum ada data wilayah dan TPS untuk menilai koordinasi.")
    st.stop()


def when(v) -> str:
    return fmt_wib(v) if v is not None and v == v else "—"


c.tile_grid([c.measure_tile(m, {}) for m in coordination_measures(
    len(desa), int((desa["meetings"] > 0).sum()), int(desa["complete"].sum()),
    int(kec[list(KECAMATAN_ROLES)].all(axis=1).sum()), len(kec), data.settings())], per_row=4)

st.subheader("Per kecamatan")
mark = {True: "✓", False: "—"}
share = (kec["desa_lengkap"] / kec["desa"].where(kec["desa"] > 0) * 100).round(0)
order = share.sort_values(kind="stable").index  # the least covered first
ks = kec.loc[order]
table = pd.DataFrame({"Kecamatan": ks["kecamatan"], **{ROLE_LABEL[r]: ks[r].map(mark) for r in KECAMATAN_ROLES},
                      "Desa lengkap": ks["desa_lengkap"].astype(str) + " / " + ks["desa"].astype(str),
                      "% desa lengkap": share.loc[order],
                      "Pertemuan": ks["pertemuan"], "Terakhir": ks["terakhir"].map(when)})
# Coloured as the tiles above: a stakeholder not yet met is amber; the desa covered against the readiness target.
tones = {ROLE_LABEL[r]: ["baik" if met else "waspada" for met in ks[r]] for r in KECAMATAN_ROLES}
settings = data.settings()
tones["Desa lengkap"] = [readiness_tone(int(n), int(d), settings) for n, d in zip(ks["desa_lengkap"], ks["desa"])]
st.dataframe(c.toned(table, tones), hide_index=True, width="stretch",
             column_config={"% desa lengkap": st.column_config.ProgressColumn(min_value=0, max_value=100,
                                                                               format="%d%%")})

st.subheader("Per desa")
names = data.kecamatan_names()
pick = st.selectbox("Kecamatan", list(kec["kode"]), format_func=names.get, key="coord_kec")
only_gap = st.toggle("Hanya desa yang belum lengkap", value=True, key="coord_gap")
d = desa[desa["kecamatan_code"] == pick]
d = d[~d["complete"]] if only_gap else d
if d.empty:
    st.success("Semua desa di kecamatan ini sudah lengkap.")
else:
    st.dataframe(pd.DataFrame({"Desa": d["desa"], **{ROLE_LABEL[r]: d[r].map(mark) for r in DESA_ROLES},
                               "Pertemuan": d["meetings"], "Terakhir": d["last_at"].map(when),
                               "Oleh": d["led_by"].fillna("—")}), hide_index=True, width="stretch")

st.subheader("Kegiatan terbaru")
acts = acts.head(40)
desa_names = data.desa_names()
st.dataframe(pd.DataFrame({
    "Waktu": acts["occurred_at"].map(when), "Kecamatan": acts["kecamatan_code"].map(names),
    "Desa": acts["desa_code"].map(desa_names).fillna("(tingkat kecamatan)"), "Kegiatan": acts["topic"],
    "Ditemui": acts["met"].map(lambda met: ", ".join(
        ROLE_LABEL.get(x["role"], x["role"]) + (f" {x['name']}" if x["name"] else "") for x in met)),
    "Oleh": acts["led_by"].fillna("—"), "Catatan": acts["notes"].fillna("")}), hide_index=True, width="stretch")
