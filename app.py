"""Posko Pilkada: page config and navigation only."""
import streamlit as st

from ui.runtime import ensure_scheduler

st.set_page_config(page_title="Posko Pilkada", page_icon=":material/shield:", layout="wide")

pages = {
    "Komando": [
        st.Page("pages/ringkasan.py", title="Ringkasan", icon=":material/dashboard:", url_path="ringkasan", default=True),
    ],
    "Data": [
        st.Page("pages/sumber_data.py", title="Sumber data", icon=":material/sensors:", url_path="sumber-data"),
    ],
}
ensure_scheduler()  # feeds run inside this server unless a worker holds the scheduler lease
st.navigation(pages).run()
