"""Personel & pola pengamanan: every officer's task this shift reconciled to the roster, required against assigned
for PAM TPS, reaction times of the reserves, the deployment planner with export, the on-site check."""
import pandas as pd
import streamlit as st

from ops import reaction, tasks
from ops.auth import AuthError
from ops.clock import fmt_wib
from ops.db import session_scope
from ops.duty import post_name
from ops.headline import (need_measures, on_site_measures, plan_measures, reaction_measures, roster_measures,
                          task_tones)
from ops.importers.spreadsheet import XLSX_TYPE
from ops.personnel import DUTY_STATE_LABEL, ON_SITE_LABEL
from ops.planner import save_plan, to_csv, to_xlsx
from ops.vocabulary import KERAWANAN_LABEL
from ui import auth
from ui import components as c
from ui import data, wilayah

now = c.page("Personel & pola pengamanan")
c.require_tps()
s = data.settings()
key = data.moment_key(now)
where = wilayah.focus()
wilayah.detail_guard(where, "Personel dan pola pengamanan")
table = data.tps_readiness(key, wilayah.area(where))
if table.empty:
    st.info("Belum ada data TPS dan personel. Impor daftar TPS dan personel lebih dulu.")
    st.stop()
polsek_names = data.polsek_names()
pola = data.pola()
places = data.place_names()
st.caption("Pola pengamanan (Polri-TPS-Linmas): " + " · ".join(
    f"{KERAWANAN_LABEL[k]} {p[0]}-{p[1]}-{p[2]}" for k, p in pola.items()))

tab_tasks, tab_need, tab_react, tab_plan, tab_site = st.tabs(
    ["Tugas & roster", "Kebutuhan vs penugasan", "Waktu reaksi", "Perencana penugasan", "Cek di lokasi"],
    on_change="rerun", key="personel_tab")

def tasks_tab():
    board = data.task_board(key, wilayah.area(where))
    window = tasks.window_at(s, now)
    if where.is_top:
        pers = data.personnel_summary()
    else:  # the area's officers, as its board counts them
        bko = int(data.duty_board(key, wilayah.area(where))["bko"].astype(bool).sum())
        pers = {"polres": int(board["ditugaskan"].sum()) - bko, "bko": bko}
    st.markdown(f"**Shift {tasks.h_label(s, window.day)} {window.shift}** · {fmt_wib(window.start)} s.d. "
                f"{fmt_wib(window.end)}" if window else
                f"**Di luar shift operasi** · operasi {s.phase_start:%d/%m} s.d. {s.phase_end:%d/%m}")
    c.tile_grid([c.measure_tile(m, data.feed_states()) for m in roster_measures(
        board, pers["polres"], pers["bko"], tasks.OFF_DUTY, window is not None)], per_row=4)
    if not where.is_top:  # who counts in a drilled area: ops.duty.area_members
        st.caption("Roster wilayah ini: personel Polsek yang mencakup kecamatannya, satuan Polres-nya (kode_polres di "
                   "roster), dan setiap personel yang berpos di TPS atau PPK-nya, berpatroli atau siaga cadangan untuk "
                   "Polsek-nya, atau (di Polda) di Posko, gudang dan pengawalan gudang Polres-nya. Satuan Polres tanpa "
                   "kode_polres dan tanpa pos di wilayah ini tidak terhitung di sini; lihat seluruh operasi.")
    count = (lambda v: "—" if v is None or v != v else c.number(v))  # off duty has nothing required or on site
    figures = {"Wajib": "wajib", "Ditugaskan": "ditugaskan", "Kurang": "kurang", "Di lokasi / aktif": "di_lokasi"}
    shown = pd.DataFrame({"Tugas": list(board["tugas"].map(tasks.DUTY_LABEL)) + ["Jumlah (= roster)"],
                          "Dasar kebutuhan": list(board["dasar"].map(lambda d: tasks.REQUIRED_BY_LABEL.get(d, "—")))
                          + [""],
                          **{label: [count(v) for v in board[col]] + [count(board[col].sum())]
                             for label, col in figures.items()}})
    tones = task_tones(board, tasks.PAM_TPS, s, now, window is not None)
    st.dataframe(c.toned(shown, {"Kurang": tones["kurang"], "Di lokasi / aktif": tones["di_lokasi"]}),
                 hide_index=True, width="stretch")
    st.caption("Setiap personel di roster dihitung sekali: satu tugas per shift, atau lepas dinas. Wajib: menurut "
               "pola (PAM TPS), rencana logistik (satu tim kawal per perjalanan, perahu dengan awaknya; PAM PPK selama "
               "kotak suara di PPK) dan rencana tetap. Di lokasi: posisi dalam radius pos (TPS, gudang, PPK, Posko); "
               "untuk tugas bergerak (pengawalan, patroli, cadangan) perangkat yang aktif.")
    with st.expander("Per personel"):
        people = data.duty_board(key, wilayah.area(where))
        pick = st.multiselect("Tugas", list(tasks.DUTIES), format_func=tasks.DUTY_LABEL.get, key="duty_filter",
                              placeholder="Semua tugas")
        view = people[people["tugas"].isin(pick)] if pick else people
        st.dataframe(pd.DataFrame({
            "Personel": view["pangkat"] + " " + view["nama"], "NRP": view["nrp"], "Satuan": view["satuan"],
            "Tugas": view["tugas"].map(tasks.DUTY_LABEL),
            "Pos": [post_name(t, p, places) for t, p in zip(view["tugas"], view["pos"])],
            "Keadaan": view["status"].map(lambda v: DUTY_STATE_LABEL.get(v, "—"))}), hide_index=True, width="stretch")

def need_tab():
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
    c.tile_grid([c.measure_tile(m, data.feed_states()) for m in need_measures(
        int(clusters["personel_wajib"].sum()), int(clusters["personel_ditugaskan"].sum()), int(out["Kurang"].sum()),
        int(clusters["personel_di_lokasi"].sum()), by, s, now)], per_row=4)
    st.dataframe(out.sort_values("Kurang", ascending=False), hide_index=by == "TPS", width="stretch")

def reaction_tab():
    react = data.reaction_table(key, wilayah.area(where))
    summ = reaction.summary(react, s.reaction_limit_minutes)
    c.tile_grid([c.measure_tile(m, data.feed_states()) for m in
                 reaction_measures(summ, len(react), s.reaction_limit_minutes)], per_row=4)
    st.caption(f"Waktu tiba cadangan terdekat yang tersedia (cadangan Polsek, Polres dan BKO yang bertugas shift ini) "
               f"dari posisi GPS terakhirnya atau dari markasnya: {s.reaction_dispatch_minutes:g} menit persiapan, lalu "
               f"darat {s.road_speed_kmh:g} km/jam atau, ke TPS jalur sungai, perahu {s.river_speed_kmh:g} km/jam. "
               "Cadangan yang sedang berada di TPS dengan kejadian terbuka tidak dihitung.")
    slow = react.sort_values(["reaksi_menit", "code"], ascending=[False, True], na_position="first")
    st.dataframe(pd.DataFrame({
        "TPS": slow["code"].map(places.tps), "Kerawanan": slow["kerawanan"].map(KERAWANAN_LABEL),
        "Menit": slow["reaksi_menit"], "Dari": slow["dari"].fillna("tidak ada cadangan"),
        "Jarak (km)": slow["jarak_km"], "Lewat": slow["moda"].map({"darat": "darat", "sungai": "sungai (perahu)"}),
        "Posisi cadangan": slow["posisi"].map({"markas": "markas", "posisi": "GPS terakhir"}).fillna("—"),
        "Lewat batas": slow["reaksi_menit"].map(lambda v: v is None or v != v or v > s.reaction_limit_minutes)}),
        hide_index=True, width="stretch", height=320)
    st.markdown("**Per Polsek: TPS terjauh dan terlama dijangkau**")
    per = reaction.per_polsek(react)
    st.dataframe(pd.DataFrame({
        "Polsek": per["polsek_code"].map(polsek_names).fillna("—"), "TPS": per["tps"], "Median (mnt)": per["median_menit"],
        "Terjauh": per["terjauh"].map(places.tps_short), "Jarak (km)": per["terjauh_km"],
        "Terlama": per["terlama"].map(places.tps_short), "Waktu (mnt)": per["terlama_menit"],
        "Lewat": per["terlama_moda"]}), hide_index=True, width="stretch")

def planner_tab():
    st.markdown("Perencana mengelompokkan TPS menjadi klaster pengamanan menurut waktu tempuh (kecepatan darat dan "
                "sungai), tidak mencampur kelas kerawanan atau Polsek, lalu mengisi tiap klaster dari personel Polsek "
                "dan cadangan BKO — yang paling rawan lebih dulu. Sesudah itu setiap shift diisi: tim kawal logistik "
                "(dengan awak perahu untuk jalur sungai), gudang KPU, PPK, Posko, patroli dan cadangan.")
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
        plan, balance, need = tables["rencana"], tables["per_polsek"], tables["kebutuhan"]
        road, river, use_bko = st.session_state["plan_args"]
        c.tile_grid([c.measure_tile(m, {}) for m in plan_measures(plan, need, tasks.DUTY_LABEL[tasks.PAM_TPS], road,
                                                                  river, use_bko)], per_row=4)
        st.markdown("**Per Polsek**")
        per_polsek = balance.rename(columns={"nama_polsek": "Polsek", "klaster": "Klaster", "tps": "TPS",
                                             "polri_wajib": "Wajib", "polri_ditugaskan": "Ditugaskan",
                                             "kurang": "Kurang", "bko_dipakai": "BKO dipakai"}).drop(columns="polsek")
        st.dataframe(c.toned(per_polsek, {"Kurang": ["buruk" if k else "baik" for k in per_polsek["Kurang"]]}),
                     hide_index=True, width="stretch")
        st.markdown("**Klaster dan personel**")
        st.dataframe(plan.drop(columns=["polsek"]), hide_index=True, width="stretch", height=380)
        st.markdown("**Tugas per shift** (ditugaskan / wajib)")
        grid = need.assign(isi=need["ditugaskan"].astype(str) + " / " + need["wajib"].astype(str),
                           kolom=need["hari"] + " " + need["shift"].str.split(" ").str[1])
        shifts = grid.pivot_table(index="tugas", columns="kolom", values="isi", aggfunc="first", sort=False)
        rows = [tasks.DUTY_LABEL[t] for t in tasks.TASKS if tasks.DUTY_LABEL[t] in shifts.index]  # the tasks' order
        st.dataframe(shifts.reindex(index=rows, columns=list(dict.fromkeys(grid["kolom"]))).fillna("—"),
                     width="stretch")
        stamp = now.strftime("%Y%m%d_%H%M")
        x, y, _ = st.columns([1, 1, 3])
        x.download_button("Unduh CSV", to_csv(plan), f"rencana_pam_tps_{stamp}.csv", "text/csv", key="dl_csv")
        y.download_button("Unduh XLSX", to_xlsx(tables), f"rencana_pam_tps_{stamp}.xlsx",
                          XLSX_TYPE, key="dl_xlsx")
        st.caption("XLSX memuat juga kebutuhan per shift dan jadwal tugas setiap personel.")
        user = auth.current()
        if user and auth.may(user["role"], "plan") and st.session_state.get("replay_at") is None:
            with st.popover("Simpan sebagai penugasan"):
                st.warning("Klaster TPS dan semua penugasan tersimpan diganti dengan rencana ini (tercatat di audit).")
                if st.button("Ya, simpan rencana", key="plan_save", type="primary"):
                    try:
                        with session_scope(data.engine()) as session:
                            saved = save_plan(session, s, user["username"], road, river, use_bko)
                    except AuthError as e:
                        st.error(c.plain(e))
                    else:
                        data.forget()
                        st.success(f"Tersimpan: {len(saved.clusters)} klaster, {len(saved.duties)} tugas per shift.")
        else:
            st.caption("Menyimpan rencana sebagai penugasan: peran Komandan ke atas.")
    else:
        st.info("Atur kecepatan lalu tekan **Jalankan perencana**. Rencana tidak mengubah penugasan yang tersimpan "
                "sampai disimpan (peran Komandan ke atas).")


@c.live_panel
def on_site():
    # The guards of the posts in the focus (a drilled kabupaten: its own, not the province's).
    officers = data.officer_board(data.moment_key(data.now()), wilayah.area(where) or None)
    c.sources("traccar")
    c.tile_grid([c.measure_tile(m, data.feed_states()) for m in on_site_measures(officers["status"], s, data.now())],
                per_row=4)
    pick = st.multiselect("Tampilkan", list(ON_SITE_LABEL), default=["di_luar", "senyap", "tanpa_perangkat"],
                          format_func=ON_SITE_LABEL.get, key="site_filter", placeholder="Semua keadaan")
    view = officers[officers["status"].isin(pick)] if pick else officers
    st.dataframe(pd.DataFrame({
        "Personel": view["pangkat"] + " " + view["nama"], "NRP": view["nrp"],
        "Polsek": view["polsek"].map(polsek_names).fillna("BKO"), "Klaster": view["cluster"],
        "Status": view["status"].map(ON_SITE_LABEL), "Perangkat": view["device"].fillna("—"),
        "Posisi terakhir": view["fix_at"].map(lambda v: fmt_wib(v) if v is not None and v == v else "—"),
        "Umur (mnt)": view["age_min"]}), hide_index=True, width="stretch")


# Only the open tab runs: the reaction times and the on-site check each read the area's reserves or guards (a fifth of
# a second apiece on a drilled kabupaten of the nation), and a commander opens the roster first.
for tab, draw in ((tab_tasks, tasks_tab), (tab_need, need_tab), (tab_react, reaction_tab), (tab_plan, planner_tab),
                  (tab_site, on_site)):
    if tab.open:
        with tab:
            draw()
