"""Peta operasi: TPS by kerawanan, status or readiness; officers with the age of their fix; river routes; warnings."""
import html

import streamlit as st

from ops.charts import operation_map, position_trace, route_trace, warning_traces
from ops.phase import phase_at
from ops.vocabulary import (KERAWANAN_COLOR, KERAWANAN_LABEL, KESIAPAN_COLOR, KESIAPAN_LABEL, TAHAPAN_LABEL,
                            TPS_STATUS_COLOR, TPS_STATUS_SHORT, kesiapan_class)
from ui import components as c
from ui import data, tps_view

now = c.page("Peta operasi")
c.require_tps()
s = data.settings()

controls = st.columns([2, 3])
color_by = controls[0].radio("Warnai TPS menurut", ["Kerawanan", "Status", "Kesiapan"], horizontal=True,
                             key="peta_color")
layers = controls[1].pills("Lapisan", ["Personel", "Jalur sungai", "Peringatan"], selection_mode="multi",
                           default=["Personel", "Jalur sungai", "Peringatan"], key="peta_layers")


@c.live_panel
def operation_map_panel():
    moment = data.now()
    key = data.moment_key(moment)
    phase = phase_at(moment, s).tahapan
    pts = data.tps_readiness(key)
    if pts.empty:
        st.info("Belum ada TPS untuk dipetakan. Impor daftar TPS lebih dulu.")
        return
    pts["kesiapan"] = pts[f"skor_{phase}"].map(lambda v: kesiapan_class(v, s.readiness_ready_threshold))
    pts["status_key"] = pts["status"].where(pts["status"].notna(), None)
    skor = pts[f"skor_{phase}"].map(lambda v: "—" if v != v or v is None else f"{v * 100:.0f}%")
    # Plotly reads a few HTML tags in hover text: names go in escaped.
    pts["hover"] = ("<b>TPS " + pts["number"].map("{:03d}".format) + " " + pts["desa"].map(html.escape) + "</b><br>"
                    + pts["kecamatan"].map(html.escape)
                    + "<br>" + pts["kerawanan"].map(KERAWANAN_LABEL) + " · " + pts["akses"]
                    + "<br>Status: " + pts["status_key"].map(TPS_STATUS_SHORT).fillna("Belum ada laporan")
                    + "<br>Kesiapan " + TAHAPAN_LABEL[phase].lower() + ": " + skor)
    if color_by == "Status":
        field, colors, labels = "status_key", TPS_STATUS_COLOR, TPS_STATUS_SHORT
    elif color_by == "Kesiapan":
        field, colors, labels = "kesiapan", KESIAPAN_COLOR, KESIAPAN_LABEL
    else:
        field, colors, labels = "kerawanan", KERAWANAN_COLOR, KERAWANAN_LABEL
    extra, badges = [], ["tps-status"]
    if "Jalur sungai" in (layers or []):
        legs = data.leg_board(key)
        river = legs[(legs["mode"] == "sungai") & legs["stage"].isin(["ppk-pps", "pps-tps"])] if len(legs) else legs
        if len(river):
            extra.append(route_trace(river))
    warnings = data.active_warnings(key) if "Peringatan" in (layers or []) else []
    if warnings:
        extra.extend(warning_traces(warnings))
        badges.append("bmkg-nowcast")
    officers = None
    if "Personel" in (layers or []):
        officers = data.officer_board(key)
        if officers["lat"].notna().any():
            extra.append(position_trace(officers))
        badges.append("traccar")
    c.sources(*badges)
    fig = operation_map(data.boundaries("kecamatan"), data.boundaries("desa"), pts, color_by=field, colors=colors,
                        labels=labels, height=700, tiles=s.map_tiles, extra_traces=extra)
    event = st.plotly_chart(fig, width="stretch", on_select="rerun", selection_mode="points", key="peta_map",
                            config={"scrollZoom": True, "displaylogo": False})
    notes = []
    if officers is not None:
        notes.append(f"{int(officers['lat'].notna().sum())} personel berposisi; "
                     f"{int((officers['status'] == 'senyap').sum())} perangkat senyap "
                     f"(> {s.traccar_silent_minutes} mnt tanpa posisi)")
    if "Peringatan" in (layers or []):
        notes.append(f"{len(warnings)} peringatan BMKG berlaku" if warnings else "tidak ada peringatan BMKG berlaku")
    st.caption(" · ".join(notes) + ". Klik sebuah TPS di peta untuk melihat rinciannya.")
    picked = [p["customdata"][0] for p in (event.selection.points if event else []) if p.get("customdata")]
    codes = pts["code"].tolist()
    if picked and picked[0] in codes and picked[0] != st.session_state.get("peta_picked"):
        # A click on the map chooses the TPS below; the box stays free to choose another.
        st.session_state["peta_picked"] = st.session_state["peta_tps"] = picked[0]
    with st.container(border=True):
        st.markdown("**Rincian TPS**")
        label = {r.code: f"TPS {r.number:03d} {r.desa}, Kec. {r.kecamatan}" for r in pts.itertuples()}
        code = st.selectbox("TPS", codes, index=None, format_func=label.get, key="peta_tps",
                            placeholder="Ketik nama desa atau kecamatan (atau klik di peta)")
        if code:
            tps_view.card(code, moment)
            if st.button("Buka riwayat lengkap di halaman TPS", key="peta_open"):
                st.session_state["tps_focus"] = code
                st.switch_page("views/tps.py")


operation_map_panel()
