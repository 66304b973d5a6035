"""Posko Pilkada: page config and navigation only."""
import streamlit as st

st.set_page_config(page_title="Posko Pilkada", page_icon="🛡️", layout="wide")

pages = {
    "Komando": [
        st.Page("pages/ringkasan.py", title="Ringkasan", icon="📊", url_path="ringkasan", default=True),
    ],
}
st.navigation(pages).run()
