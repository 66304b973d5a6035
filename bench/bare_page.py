"""The bare page of the benchmark: draws the elements a real page drew, from data captured beforehand."""
import os
import pickle

import plotly.io as pio
import streamlit as st

with open(os.environ["BENCH_BARE_ELEMENTS"], "rb") as f:
    elements = pickle.load(f)
for kind, payload in elements:
    if kind == "metric":
        st.metric(*payload, border=True)
    elif kind == "dataframe":
        st.dataframe(payload, hide_index=True)
    elif kind == "plotly":
        st.plotly_chart(pio.from_json(payload))
    elif kind == "markdown":
        st.markdown(payload, unsafe_allow_html=True)
    else:
        st.caption(payload)
