"""Laporan harian: the archive of daily briefings with downloads, and a new one on demand."""
import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from ops.briefing import BriefingError, FIGURES, make_briefing
from ops.clock import WIB, fmt_wib
from ui import auth
from ui import components as c
from ui import data

now = c.page("Laporan harian Posko")
s = data.settings()
st.caption(f"Dibuat otomatis setiap hari pukul {s.briefing_time:%H:%M} WIB oleh penjadwal, dan kapan saja dari halaman "
           "ini atau dengan `python -m ops briefing`. PDF untuk dicetak, HTML untuk dibagikan (terbuka tanpa jaringan).")

with st.container(border=True):
    st.markdown("**Buat laporan sekarang**")
    replay = st.session_state.get("replay_at") is not None
    st.write(f"Keadaan yang dilaporkan: **{fmt_wib(now)}**" + (" (tayangan ulang)" if replay else " (waktu operasi)"))
    user = auth.current()
    allowed = bool(user and auth.may(user["role"], "entry"))
    if not allowed:
        st.caption("Masuk sebagai Operator Posko atau di atasnya untuk membuat laporan; arsip di bawah terbuka.")
    if st.button("Buat laporan", type="primary", key="make_briefing", disabled=not allowed):
        with st.status("Menyusun laporan…", expanded=True) as status:
            try:
                result = make_briefing(s, moment=now, kind="manual", made_by=c.current_user_name(),
                                       progress=lambda step: status.write(f"… {step}"))
            except BriefingError as e:
                status.update(label="Laporan tidak dibuat", state="error")
                st.error(str(e))
            else:
                status.update(label=f"Laporan {result.id} selesai", state="complete", expanded=False)
                data.clear_briefings()

rows = data.briefings()
st.subheader("Arsip")
if not rows:
    st.info("Belum ada laporan. Tekan **Buat laporan** atau tunggu jadwal pagi.")
    st.stop()
table = pd.DataFrame([{"No": r["id"], "Keadaan per": fmt_wib(r["moment"]), "Dibuat": fmt_wib(r["made_at"]),
                       "Jenis": r["kind"], "Oleh": r["made_by"],
                       **{label: r["figures"].get(k) for k, label in FIGURES[:5]}} for r in rows])
st.dataframe(table, hide_index=True, width="stretch")
# Only the chosen briefing's files are read: each is a megabyte or two, and every rerun would read them all again.
by_id = {r["id"]: r for r in rows}
pick = st.selectbox("Unduh laporan", list(by_id), key="dl_pick", format_func=lambda i: (
    f"No. {i} · keadaan per {fmt_wib(by_id[i]['moment'])} · {by_id[i]['kind']}"))
cols = st.columns(2)
for col, key, mime, label in ((cols[0], "pdf_path", "application/pdf", "PDF"), (cols[1], "html_path", "text/html", "HTML")):
    path = Path(by_id[pick][key])
    if path.exists():
        col.download_button(label, path.read_bytes(), path.name, mime, key=f"dl_{key}", icon=":material/download:")
    else:
        col.caption(f"{label}: berkas tidak ada lagi")
