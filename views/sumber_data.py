"""Sumber data: the health of every feed — state, age of the last good data, rows, the last error."""
import streamlit as st

from ops.clock import fmt_age, fmt_wib
from ops.scheduler import lease_holder
from ui import components as c
from ui import data

c.page("Sumber data")
s = data.settings()
if s.demo:
    st.info("Mode demo: simulator membuat data dalam format asli setiap sumber dan memprosesnya lewat parser yang sama.")


@st.fragment(run_every=s.ui_refresh_seconds)
def health():
    states = data.feed_states()
    cols = st.columns(4)
    for i, (name, f) in enumerate(states.items()):
        box = cols[i % 4].container(border=True)
        box.markdown(f"**{name}**")
        c.freshness_badge(f, box)
        box.caption(f"Sukses terakhir: {fmt_wib(f.last_success)} · {f.rows} baris · tiap {f.interval_minutes} mnt")
        if f.error:
            box.error(c.plain(f.error[:300]), icon="⚠️")
    holder = lease_holder(s)
    st.caption("Penjadwal: " + (f"dijalankan oleh {c.plain(holder[0])} (sewa berlaku s.d. {fmt_wib(holder[1])})"
                                if holder else "tidak ada penjadwal aktif — jalankan `python -m ops worker`"))
    st.subheader("Riwayat pengambilan")
    runs = data.recent_runs(50)
    if runs.empty:
        st.write("Belum ada pengambilan data.")
        return
    runs["mulai"] = runs["started_at"].map(fmt_wib)
    runs["hasil"] = runs["ok"].map({True: "berhasil", False: "gagal"})
    runs["error"] = runs["error"].fillna("")
    st.dataframe(runs[["feed", "mulai", "hasil", "rows", "rejected", "error"]].rename(
        columns={"rows": "baris", "rejected": "ditolak", "error": "keterangan"}), hide_index=True, width="stretch")


health()
