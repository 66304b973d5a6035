"""Posko Pilkada: page config and navigation only."""
import streamlit as st

from ui import outage
from ui.runtime import ensure_scheduler

st.set_page_config(page_title="Posko Pilkada", page_icon=":material/shield:", layout="wide")

wall = st.Page("views/dinding.py", title="Layar dinding", icon=":material/tv:", url_path="dinding")
pages = {
    "Komando": [
        st.Page("views/ringkasan.py", title="Ringkasan", icon=":material/dashboard:", url_path="ringkasan", default=True),
        st.Page("views/perhatian.py", title="Perhatian", icon=":material/notification_important:", url_path="perhatian"),
        st.Page("views/linimasa.py", title="Linimasa operasi", icon=":material/timeline:", url_path="linimasa"),
        st.Page("views/peta.py", title="Peta operasi", icon=":material/map:", url_path="peta"),
        st.Page("views/tps.py", title="TPS", icon=":material/how_to_vote:", url_path="tps"),
        st.Page("views/personel.py", title="Personel & pola", icon=":material/groups:", url_path="personel"),
        st.Page("views/logistik.py", title="Logistik", icon=":material/local_shipping:", url_path="logistik"),
        st.Page("views/cuaca.py", title="Cuaca & peringatan", icon=":material/thunderstorm:", url_path="cuaca"),
        st.Page("views/kejadian.py", title="Kejadian", icon=":material/report:", url_path="kejadian"),
        st.Page("views/koordinasi.py", title="Koordinasi", icon=":material/handshake:", url_path="koordinasi"),
    ],
    "Posko": [st.Page("views/laporan.py", title="Laporan harian", icon=":material/description:", url_path="laporan"),
              wall],
    "Data": [
        st.Page("views/persiapan.py", title="Persiapan operasi", icon=":material/checklist:", url_path="persiapan"),
        st.Page("views/entri.py", title="Entri operator", icon=":material/edit_note:", url_path="entri"),
        st.Page("views/data_tps.py", title="Data & impor", icon=":material/fact_check:", url_path="data"),
        st.Page("views/sumber_data.py", title="Sumber data", icon=":material/sensors:", url_path="sumber-data"),
        st.Page("views/admin.py", title="Pengguna & audit", icon=":material/admin_panel_settings:", url_path="admin"),
    ],
}
ensure_scheduler()  # only with run_scheduler_in_app (a single-process setup); `python -m ops worker` runs the jobs
if st.query_params.get("layar") == "dinding":
    # The kiosk URL /?layar=dinding opens the wall as the only page, with no navigation.
    page = st.navigation([st.Page("views/dinding.py", title="Layar dinding", default=True)], position="hidden")
else:
    page = st.navigation(pages, expanded=True)
with outage.guard():  # a database that stops answering mid-page is said so in words, and retried
    page.run()
