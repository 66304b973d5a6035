"""Cuaca & peringatan: 72-hour rain per kecamatan, BMKG warnings in force, river discharge, what is exposed."""

import pandas as pd
import streamlit as st

from ops.charts import discharge_lines, rain_heatmap
from ops.clock import WIB, fmt_wib
from ops.headline import exposure_measures
from ops.logistics import STAGE_LABEL, VERDICT_LABEL, route_reasons
from ops.readiness.issues import sentences
from ui import components as c
from ui import data, wilayah

now = c.page("Cuaca & peringatan")
c.require_tps()
where = wilayah.focus()
wilayah.detail_guard(where, "Cuaca dan jalur sungai")
s = data.settings()
names = data.kecamatan_names()
ROUTE_KINDS = ("rute_peringatan", "rute_hujan_lebat", "rute_debit_tinggi")  # a river route's risks


@c.live_panel
def weather_panel():
    moment = data.now()
    key = data.moment_key(moment)
    chosen, timeline = data.forecast(key, 72, wilayah.area(where))
    st.subheader("Hujan 72 jam ke depan per kecamatan")
    c.sources(forecast=chosen)
    if chosen.fallback:
        st.warning(chosen.note + ". Angka per kecamatan, bukan per desa.")
    if timeline.empty:
        st.info("Belum ada prakiraan cuaca tersimpan. Periksa sumber BMKG dan Open-Meteo di halaman Sumber data.")
    else:
        st.plotly_chart(rain_heatmap(timeline, names, s.heavy_rain_mm), width="stretch",
                        config={"displaylogo": False})
        heavy = timeline[timeline["rain_mm"] >= s.heavy_rain_mm]
        st.caption(f"Tertinggi per kecamatan tiap slot 3 jam (WIB). {heavy['kecamatan'].nunique()} kecamatan dengan "
                   f"hujan lebat (≥ {s.heavy_rain_mm:g} mm/3 jam) dalam 72 jam."
                   + (" Sumber: BMKG (kredit: BMKG)." if not chosen.fallback else " Sumber: Open-Meteo."))

    left, right = st.columns(2)
    with left:
        st.subheader("Peringatan dini BMKG")
        c.sources("bmkg-nowcast")
        warnings = data.active_warnings(key)
        if not warnings:
            st.success("Tidak ada peringatan dini yang berlaku untuk wilayah operasi saat ini.")
        for w in warnings:
            box = st.container(border=True)
            box.markdown(f"**{c.plain(w['event'])}** · {c.plain(w['severity'] or '')} · "
                         f"{fmt_wib(w['effective'])} s.d. {fmt_wib(w['expires'], False)}")
            box.markdown(c.plain(w["headline"] or ""))
            box.caption("Kecamatan: " + c.plain(", ".join(names.get(k, k) for k in w["kecamatan_codes"] or [])))
    with right:
        st.subheader("Debit sungai pada jalur sungai")
        c.sources("river")
        trend = data.discharge_trend(key)
        if trend.empty:
            st.info("Belum ada data debit sungai.")
        else:
            today = moment.astimezone(WIB).date()
            st.plotly_chart(discharge_lines(trend, names, s.river_discharge_threshold, today), width="stretch",
                            config={"displaylogo": False})
            above = trend[(trend["day"] == today) & trend["above"]]
            st.caption(f"Hari ini {len(above)} titik di atas ambang. Sumber: Open-Meteo Flood API (GloFAS).")

    st.subheader("Yang terpapar")
    river = data.river_legs_in(key, wilayah.area(where))
    exposed = river[river["verdict"] != "go"] if len(river) else river
    tps = data.tps_readiness(key, wilayah.area(where))
    at_risk = tps[tps["masalah_sebelum"].map(lambda a: any(i["kind"] in ROUTE_KINDS for i in a))]
    c.tile_grid([c.measure_tile(m, data.feed_states()) for m in exposure_measures(
        at_risk, tps[tps["akses"] == "sungai"], river, forecast=not timeline.empty)], per_row=3)
    if len(exposed):
        st.dataframe(pd.DataFrame({
            "Putusan": exposed["verdict"].map(VERDICT_LABEL), "Tahap": exposed["stage"].map(STAGE_LABEL),
            "Ke": exposed["to_name"], "Kecamatan": exposed["kecamatan_code"].map(names),
            "Berangkat": exposed["planned_depart"].map(fmt_wib), "Alasan": exposed["reasons"].map(route_reasons)}),
            hide_index=True, width="stretch", height=300)
    if len(at_risk):
        st.dataframe(pd.DataFrame({
            "TPS": at_risk["code"], "Desa": at_risk["desa"], "Kecamatan": at_risk["kecamatan"],
            "Risiko": at_risk["masalah_sebelum"].map(lambda a: "; ".join(
                sentences([i for i in a if i["kind"] in ROUTE_KINDS])))}),
            hide_index=True, width="stretch", height=300)


weather_panel()
