"""Laporan harian: the archive of daily briefings with downloads, and a new one on demand (queued for the worker)."""
from pathlib import Path

import pandas as pd
import streamlit as st

from ops.auth import AuthError
from ops.briefing import FIGURES
from ops.clock import fmt_wib
from ops.db import session_scope
from ops.jobs import DONE, QUEUED, RUNNING, job_view, request_briefing
from ops.lease import live_holder
from ui import auth
from ui import components as c
from ui import data

now = c.page("Laporan harian Posko")
s = data.settings()
st.caption(f"Dibuat otomatis setiap hari pukul {s.briefing_time:%H:%M} WIB oleh penjadwal, dan kapan saja dari halaman "
           "ini atau dengan `python -m ops briefing`. PDF untuk dicetak, HTML untuk dibagikan (terbuka tanpa jaringan).")


def briefing_progress(job_id: int) -> None:
    """The queued briefing's state, polled while the worker has it; when it is done the archive below shows it."""
    job = job_view(s, job_id)
    if job is not None and job.finished and st.session_state.get("briefing_job_shown") != job_id:
        st.session_state["briefing_job_shown"] = job_id
        data.clear_briefings()  # the new archive row must show at once, not when the cache expires
    watching = job is not None and not job.finished

    @st.fragment(run_every=s.job_poll_seconds if watching else None)
    def show() -> None:
        job = job_view(s, job_id)
        if job is None:
            return
        if job.state == QUEUED:
            st.info(f"Permintaan laporan diantrekan {fmt_wib(job.requested_at)}; menunggu worker…",
                    icon=":material/hourglass_top:")
        elif job.state == RUNNING:
            st.info(f"Menyusun laporan… {job.progress or ''}", icon=":material/progress_activity:")
        elif job.state == DONE:
            st.success(f"Laporan {job.result['briefing_id']} selesai", icon=":material/check_circle:")
        else:
            st.error(f"Laporan tidak dibuat: {job.error}")
        if job.finished and watching:
            st.rerun(scope="app")  # the whole page: the archive below gets the new briefing

    show()


with st.container(border=True):
    st.markdown("**Buat laporan sekarang**")
    replay = st.session_state.get("replay_at") is not None
    st.write(f"Keadaan yang dilaporkan: **{fmt_wib(now)}**" + (" (tayangan ulang)" if replay else " (waktu operasi)"))
    user = auth.current()
    allowed = bool(user and auth.may(user["role"], "entry"))
    if not allowed:
        st.caption("Masuk sebagai Operator Posko atau di atasnya untuk membuat laporan; arsip di bawah terbuka.")
    if live_holder(s) is None:
        # The worker draws the charts (Chromium) and writes the files; without one a request only waits in the queue.
        st.warning("Belum ada worker yang memegang lease: jalankan `python -m ops worker`. Permintaan laporan "
                   "menunggu di antrean sampai worker berjalan.", icon=":material/warning:")
    if st.button("Buat laporan", type="primary", key="make_briefing", disabled=not allowed):
        try:
            with session_scope(data.engine()) as session:
                st.session_state["briefing_job"] = request_briefing(session, user["username"], now)
        except AuthError as e:
            st.error(str(e))
    if st.session_state.get("briefing_job") is not None:
        briefing_progress(st.session_state["briefing_job"])

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
