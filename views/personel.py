"""Personel & pola pengamanan: required against assigned, the deployment planner with export, the on-site check."""
import pandas as pd
import streamlit as st

from ops.clock import fmt_wib
from ops.importers.spreadsheet import XLSX_TYPE
from ops.personnel import ON_SITE_LABEL
from ops.planner import to_csv, to_xlsx
from ops.vocabulary import KERAWANAN_LABEL
from ui import components as c
from ui import data

now = c.page("Personel & pola pengamanan")
c.require_tps()
s = data.settings()
key = data.moment_key(now)
table = data.tps_readiness(key)
if table.empty:
    st.info("Belum ada data TPS dan personel. Impor daftar TPS dan personel lebih dulu.")
    st.stop()
polsek_names = data.polsek_names()
pola = data.pola()
st.caption("Pola pengamanan (Polri-TPS-Linmas): " + " · ".join(
    f"{KERAWANAN_LABEL[k]} {p[0]}-{p[1]}-{p[2]}" for k, p in pola.items()))

tab_need, tab_plan, tab_site = st.tabs(["Kebutuhan vs penugasan", "Perencana penugasan", "Cek di lokasi"])

with tab_need:
    by = st.segmented_control("Kelompokkan menurut", ["Polsek", "Kecamatan", "TPS"], default="Polsek",
                              key="need_by") or "Polsek"
    clusters = table.drop_duplicates("cluster")  # guards belong to a cluster; its TPS share them
    if by == "TPS":
        out = pd.DataFrame({"TPS": table["code"], "Desa": table["desa"], "Kecamatan": table["kecamatan"],
                            "Kerawanan": table["kerawanan"].map(KERAWANAN_LABEL), "Klaster": table["cluster"],
                            "Wajib": table["personel_wajib"], "Ditugaskan": table["personel_ditugaskan"],
                            "Di lokasi": table["personel_di_lokasi"]})
    else:
        col = "polsek_code" if by == "Polsek" else "kecamatan_code"
        names = polsek_names if by == "Polsek" else data.kecamatan_names()
        g = clusters.groupby(col)
        out = pd.DataFrame({by: pd.Series(names).reindex(g.size().index).fillna("—"), "Klaster": g.size(),
                            "TPS": table.groupby(col).size(), "Wajib": g["personel_wajib"].sum(),
                            "Ditugaskan": g["personel_ditugaskan"].sum(), "Di lokasi": g["personel_di_lokasi"].sum()})
    out.index.name = "Kode"
    out["Kurang"] = (out["Wajib"] - out["Ditugaskan"]).clip(lower=0)
    out["Lebih"] = (out["Ditugaskan"] - out["Wajib"]).clip(lower=0)
    cols = st.columns(4)
    c.kpi(cols[0], "Personel wajib (pola)", c.number(clusters["personel_wajib"].sum()))
    c.kpi(cols[1], "Ditugaskan", c.number(clusters["personel_ditugaskan"].sum()))
    c.kpi(cols[2], "Kurang", c.number(out["Kurang"].sum()), "Jumlah kekurangan per baris")
    c.kpi(cols[3], "Di lokasi sekarang", c.number(clusters["personel_di_lokasi"].sum()),
          "Posisi GPS dalam radius TPS, bertahan selama waktu tunggu")
    st.dataframe(out.sort_values("Kurang", ascending=False), hide_index=by == "TPS", width="stretch")

with tab_plan:
    st.markdown("Perencana mengelompokkan TPS menjadi klaster pengamanan menurut waktu tempuh (kecepatan darat dan "
                "sungai), tidak mencampur kelas kerawanan atau Polsek, lalu mengisi tiap klaster dari personel Polsek "
                "dan cadangan BKO — yang paling rawan lebih dulu.")
    with st.form("planner"):
        a, b, d = st.columns(3)
        road = a.number_input("Kecepatan darat (km/jam)", 5.0, 120.0, float(s.road_speed_kmh), 5.0)
        river = b.number_input("Kecepatan sungai (km/jam)", 2.0, 60.0, float(s.river_speed_kmh), 1.0)
        use_bko = d.checkbox("Pakai cadangan BKO", value=True)
        run = st.form_submit_button("Jalankan perencana", type="primary")
    if run:
        st.session_state["plan_args"] = (road, river, use_bko)
    if "plan_args" in st.session_state:
        with st.spinner("Menyusun klaster dan penugasan…"):
            tables = data.plan_tables(*st.session_state["plan_args"])
        plan, balance, spare = tables["rencana"], tables["per_polsek"], tables["cadangan"]
        road, river, use_bko = st.session_state["plan_args"]
        cols = st.columns(4)
        c.kpi(cols[0], "Klaster", c.number(len(plan)), f"darat {road:g} km/jam, sungai {river:g} km/jam")
        c.kpi(cols[1], "Polri wajib", c.number(plan["polri_wajib"].sum()))
        c.kpi(cols[2], "Kekurangan", c.number(plan["kurang"].sum()),
              "Klaster yang belum terisi penuh" + ("" if use_bko else " (tanpa BKO)"))
        c.kpi(cols[3], "Cadangan tersisa", c.number(len(spare)), "Personel yang belum ditugaskan ke TPS")
        st.markdown("**Per Polsek**")
        st.dataframe(balance.rename(columns={"nama_polsek": "Polsek", "klaster": "Klaster", "tps": "TPS",
                                             "polri_wajib": "Wajib", "polri_ditugaskan": "Ditugaskan",
                                             "kurang": "Kurang", "bko_dipakai": "BKO dipakai"}).drop(columns="polsek"),
                     hide_index=True, width="stretch")
        st.markdown("**Klaster dan personel**")
        st.dataframe(plan.drop(columns=["polsek"]), hide_index=True, width="stretch", height=380)
        stamp = now.strftime("%Y%m%d_%H%M")
        x, y, _ = st.columns([1, 1, 3])
        x.download_button("Unduh CSV", to_csv(plan), f"rencana_pam_tps_{stamp}.csv", "text/csv", key="dl_csv")
        y.download_button("Unduh XLSX", to_xlsx(tables), f"rencana_pam_tps_{stamp}.xlsx",
                          XLSX_TYPE, key="dl_xlsx")
    else:
        st.info("Atur kecepatan lalu tekan **Jalankan perencana**. Rencana tidak mengubah penugasan yang tersimpan.")


@c.live_panel
def on_site():
    officers = data.officer_board(data.moment_key(data.now()))
    c.sources("traccar")
    counts = officers["status"].value_counts()
    cols = st.columns(4)
    for col, state in zip(cols, ON_SITE_LABEL):
        c.kpi(col, ON_SITE_LABEL[state], c.number(int(counts.get(state, 0))))
    st.caption(f"Di lokasi: posisi dalam {s.on_site_radius_m:g} m dari TPS klasternya, bertahan "
               f"{s.on_site_dwell_minutes} menit; senyap: tanpa posisi lebih dari {s.traccar_silent_minutes} menit.")
    pick = st.multiselect("Tampilkan", list(ON_SITE_LABEL), default=["di_luar", "senyap", "tanpa_perangkat"],
                          format_func=ON_SITE_LABEL.get, key="site_filter", placeholder="Semua keadaan")
    view = officers[officers["status"].isin(pick)] if pick else officers
    st.dataframe(pd.DataFrame({
        "Personel": view["pangkat"] + " " + view["nama"], "NRP": view["nrp"],
        "Polsek": view["polsek"].map(polsek_names).fillna("BKO"), "Klaster": view["cluster"],
        "Status": view["status"].map(ON_SITE_LABEL), "Perangkat": view["device"].fillna("—"),
        "Posisi terakhir": view["fix_at"].map(lambda v: fmt_wib(v) if v is not None and v == v else "—"),
        "Umur (mnt)": view["age_min"]}), hide_index=True, width="stretch")


with tab_site:
    on_site()
