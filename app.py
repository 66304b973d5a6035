"""Posko Pilkada: page config and navigation only."""
import streamlit as st

from ui.runtime import ensure_scheduler

st.set_page_config(page_title="Posko Pilkada", page_icon=":material/shield:", layout="wide")

wall = st.Page("pages/dinding.py", title="Layar dinding", icon=":material/tv:", url_path="dinding")
pages = {
    "Komando": [
        st.Page("pages/ringkasan.py", title="Ringkasan", icon=":material/dashboard:", url_path="ringkasan", default=True),
        st.Page("pages/peta.py", title="Peta operasi", icon=":material/map:", url_path="peta"),
        st.Page("pages/tps.py", title="TPS", icon=":material/how_to_vote:", url_path="tps"),
        st.Page("pages/personel.py", title="Personel & pola", icon=":material/groups:", url_path="personel"),
        st.Page("pages/logistik.py", title="Logistik", icon=":material/local_shipping:", url_path="logistik"),
        st.Page("pages/cuaca.py", title="Cuaca & peringatan", icon=":material/thunderstorm:", url_path="cuaca"),
        st.Page("pages/kejadian.py", title="Kejadian", icon=":material/report:", url_path="kejadian"),
        st.Page("pages/koordinasi.py", title="Koordinasi", icon=":material/handshake:", url_path="koordinasi"),
    ],
    "Posko": [st.Page("pages/laporan.py", title="Laporan harian", icon=":material/description:", url_path="laporan"),
              wall],
    "Data": [
        st.Page("pages/entri.py", title="Entri operator", icon=":material/edit_note:", url_path="entri"),
        st.Page("pages/data_tps.py", title="Data TPS & personel", icon=":material/fact_check:", url_path="data"),
        st.Page("pages/sumber_data.py", title="Sumber data", icon=":material/sensors:", url_path="sumber-data"),
        st.Page("pages/admin.py", title="Pengguna & audit", icon=":material/admin_panel_settings:", url_path="admin"),
    ],
}
ensure_scheduler()  # feeds run inside this server unless a worker holds the scheduler lease
if st.query_params.get("layar") == "dinding":
    # The kiosk URL /?layar=dinding opens the wall as the only page, with no navigation.
    st.navigation([st.Page("pages/dinding.py", title="Layar dinding", default=True)], position="hidden").run()
else:
    st.navigation(pages, expanded=True).run()
