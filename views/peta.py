"""Peta operasi: the map across the whole screen. TPS coloured by a chosen measure, officers, incident pins, river
legs out and back, BMKG warnings; a TPS chosen on the map or in the picker is ringed, named and zoomed to."""
import streamlit as st

from ops.maps import LAYERS, MODES, ROUTE_COLOURINGS, View, tps_names
from ops.phase import phase_at
from ui import components as c
from ui import data, maps, overview, tps_view, wilayah

now = c.page("Peta operasi", compact=True)
c.require_tps()
s = data.settings()
focus = wilayah.focus()
area = wilayah.area(focus)
MAP_HEIGHT = 820  # with the compact header and one row of controls, the map ends above the fold of a 1080p screen
MAP_WIDTH = 1550  # the main area beside the sidebar at 1920 px


def whole_area() -> None:
    st.session_state["peta_tps"] = st.session_state["peta_focus"] = None


@c.live_panel
def areas_map_panel():
    """A province or the nation: its areas one level down by readiness and worst item; a click opens one."""
    key = data.moment_key(data.now())
    overview.stale_note(key)
    table = overview.ranking(key, focus, wilayah.perhatian(key, focus))
    st.caption(f"{len(table)} wilayah · isi warna: bagian TPS siap terhadap target "
               f"{s.readiness_target_share:.0%}; garis tepi: hal perhatian terberat. Klik wilayah untuk membukanya "
               "sampai ke TPS.")
    overview.map_figure(focus, table, height=MAP_HEIGHT, width=MAP_WIDTH, key="peta_wilayah")


@c.live_panel
def operation_map_panel():
    moment = data.now()
    key = data.moment_key(moment)
    pts = data.tps_readiness(key, area)
    maps.follow_click("peta_map", "peta_tps", "peta_focus")
    top = st.columns([1.6, 3.1, 1.5, 3.0, 1.2], vertical_alignment="bottom")
    modes = maps.modes(pts, phase_at(moment, s).tahapan)
    # A select box, not radio buttons: four measures in a row wrap to two lines and push the map below the fold.
    colour = top[0].selectbox("Warnai TPS menurut", modes, format_func=lambda k: MODES[k].label, key="peta_color")
    shown = frozenset(top[1].pills("Lapisan", list(LAYERS), format_func=LAYERS.get, selection_mode="multi",
                                   default=list(LAYERS), key="peta_layers") or ())
    routes = top[2].selectbox("Jalur sungai menurut", list(ROUTE_COLOURINGS), key="peta_routes",
                              format_func=lambda k: ROUTE_COLOURINGS[k][0], disabled="jalur" not in shown)
    label = dict(zip(pts["code"], tps_names(pts)))
    code = top[3].selectbox("TPS", list(label), index=None, format_func=label.get, key="peta_tps",
                            placeholder="Ketik nama desa atau kecamatan (atau klik di peta)")
    top[4].button("Seluruh wilayah", on_click=whole_area, key="peta_all",
                  disabled=not (code or st.session_state.get("peta_focus")))
    view = View(colour=colour, shown=shown, routes=routes, chosen=code, focus=st.session_state.get("peta_focus"))
    fig = maps.figure(moment, view, MAP_HEIGHT, MAP_WIDTH, area=area)
    st.plotly_chart(fig, width="stretch", on_select="rerun", selection_mode="points", key="peta_map",
                    config={"scrollZoom": True, "displaylogo": False})
    # The sources' freshness sits under the map so that the map itself starts above the fold.
    c.sources("tps-status", *(["traccar"] if "personel" in shown else []),
              *(["bmkg-nowcast"] if "peringatan" in shown else []))
    st.caption(" · ".join(maps.notes(fig, key, shown, area)) + ". Klik sebuah TPS di peta untuk melihat rinciannya.")
    if code:
        with st.container(border=True):
            tps_view.card(code, moment)
            if st.button("Buka riwayat lengkap di halaman TPS", key="peta_open"):
                st.session_state["tps_focus"] = code
                st.switch_page("views/tps.py")


if focus.overview:
    areas_map_panel()
else:
    operation_map_panel()
