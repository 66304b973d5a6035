"""Sumber data: the health of every feed — state, age of the last good data, rows, what the last run missed."""
import pandas as pd
import streamlit as st

from ops.clock import MACHINE_CLOCK, fmt_wib
from ops.freshness import FEED_LABEL, RUN_LABEL, run_state
from ops.scheduler import demo_mode, lease_holder
from ui import components as c
from ui import data, wilayah

c.page("Sumber data")
s = data.settings()
DEMO = demo_mode(s)
if DEMO:
    st.info("Mode demo: setiap sumber mengambil datanya dari simulator demo, dalam format asli sumber itu; pengurai, "
            "penyimpanan dan catatan pengambilannya tetap milik sumber itu sendiri.")


@st.fragment(run_every=s.ui_refresh_seconds)
def health():
    states = data.feed_states()
    cols = st.columns(4)
    for i, (name, f) in enumerate(states.items()):
        box = cols[i % 4].container(border=True)
        box.markdown(f"**{f.name}**  \n`{name}`" + (" · sumber: simulator demo" if DEMO else ""))
        c.freshness_badge(f, box)
        box.caption(f"Sukses terakhir: {fmt_wib(f.last_success)} · {f.rows} baris · tiap {f.interval_minutes} mnt")
        if f.rejected or f.failed:
            box.caption(f"Pengambilan terakhir: {f.rejected} baris ditolak · {f.failed} permintaan gagal")
        if f.error:
            # A partial run's data is on screen with gaps: a warning; a failed run's is not renewed: an error.
            (box.warning if f.current else box.error)(c.plain(f.error[:300]), icon="⚠️")
    holder = lease_holder(s)
    st.caption("Penjadwal: " + (
        f"dijalankan oleh {c.plain(holder[0])} (sewa berlaku s.d. {fmt_wib(holder[1])}, {MACHINE_CLOCK})"
        if holder else "tidak ada penjadwal aktif — jalankan `python -m ops worker`"))
    where = wilayah.focus()
    st.subheader("Cakupan prakiraan BMKG" + ("" if where.is_top else f" · {data.place_names().area(where.code)}"))
    cov = data.forecast_coverage(wilayah.area(where))
    if len(cov):
        own, total = int(cov["dengan_prakiraan"].sum()), int(cov["desa"].sum())
        st.caption(f"{own} dari {total} desa ber-TPS punya prakiraan BMKG sendiri; desa lain dinilai dengan prakiraan "
                   "terberat di kecamatannya. Urutan pengambilan: desa dengan TPS jalur sungai atau sangat rawan, satu "
                   "desa wakil per kecamatan, lalu bergilir dari yang paling lama (batas BMKG "
                   f"{s.bmkg_requests_per_minute} permintaan/menit).")
        names = data.kecamatan_names()
        st.dataframe(pd.DataFrame({
            "Kecamatan": cov["kecamatan"].map(names), "Desa ber-TPS": cov["desa"],
            "Dengan prakiraan sendiri": cov["dengan_prakiraan"],
            "Tertua (jam)": cov["tertua_jam"].round(1), "Terbaru (jam)": cov["terbaru_jam"].round(1)}),
            hide_index=True, width="stretch", height=260)
    st.subheader("Riwayat pengambilan")
    runs = data.recent_runs(50)
    if runs.empty:
        st.write("Belum ada pengambilan data.")
        return
    runs["mulai"] = runs["started_at"].map(fmt_wib)
    runs["hasil"] = ["berjalan" if pd.isna(r.finished_at) else RUN_LABEL[run_state(r.ok, r.rejected, r.failed)]
                     for r in runs.itertuples()]
    runs["error"] = runs["error"].fillna("")
    runs["sumber"] = runs["feed"].map(lambda f: FEED_LABEL.get(f, f))
    st.dataframe(runs[["sumber", "mulai", "hasil", "rows", "rejected", "failed", "error"]].rename(
        columns={"sumber": "Sumber", "mulai": "Mulai", "hasil": "Hasil", "rows": "Baris", "rejected": "Ditolak",
                 "failed": "Gagal", "error": "Keterangan"}),
        hide_index=True, width="stretch")


health()
