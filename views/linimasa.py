"""Linimasa operasi: the calendar from H-3 to H+3 with every milestone's window, and what is due, done and late."""
import pandas as pd
import streamlit as st

from ops.timeline import STATE_LABEL, describe, when
from ui import components as c
from ui import data, wilayah
from ui import timeline as tl

now = c.page("Linimasa operasi")
s = data.settings()
steps = data.timeline(data.moment_key(now), wilayah.area(wilayah.focus()))  # counted in the area looked at
st.markdown(tl.strip(steps, s.voting_day), unsafe_allow_html=True)
st.plotly_chart(tl.chart(steps, now, s.voting_day), width="stretch", config={"displaylogo": False})
st.dataframe(c.toned(pd.DataFrame({
    "Tonggak": [x.label for x in steps], "Jadwal": [when(x, s.voting_day) for x in steps],
    "Keadaan": [STATE_LABEL[x.state] for x in steps], "Capaian": [describe(x) or "—" for x in steps]}),
    {"Keadaan": [tl.STATE_TONE.get(x.state, "") for x in steps]}), hide_index=True, width="stretch")
calendar = data.calendar()
imported = [x for x in calendar if x.imported]
st.caption((f"Kalender diimpor oleh Polres ({len(imported)} dari {len(calendar)} tonggak); tonggak lain mengikuti "
            "pengaturan." if imported else "Kalender mengikuti pengaturan (config/ops.toml): impor kalender operasi "
            "di halaman Data & impor untuk memakai jadwal Polres sendiri.")
           + f" Laporan harian dibuat setiap hari pukul {s.briefing_time:%H:%M} WIB. Terlambat: belum selesai "
           "ketika jadwalnya lewat (perjalanan: lewat jadwal tibanya; TPS dibuka: lewat jam buka).")
c.link_to("views/data_tps.py", "Impor kalender operasi", ":material/upload_file:", {"impor": "calendar"})
