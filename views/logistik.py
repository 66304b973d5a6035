"""Logistik: the ballot-box pipeline out to the TPS and back, river legs judged aman / hati-hati / tunda, late legs."""
import pandas as pd
import streamlit as st

from ops.charts import pipeline_bars
from ops.clock import fmt_wib
from ops.headline import leg_measures
from ops.logistics import LEG_STATE_COLOR, LEG_STATES, STAGE_LABEL, VERDICT_LABEL, route_reasons
from ui import components as c
from ui import data, wilayah

now = c.page("Logistik pemilu")
c.require_tps()
where = wilayah.focus()
wilayah.detail_guard(where, "Logistik")


def when(v) -> str:
    return fmt_wib(v) if v is not None and v == v else "—"


@c.live_panel
def pipeline_panel():
    key = data.moment_key(data.now())
    board = data.leg_board_in(key, wilayah.area(where))
    if board.empty:
        st.info("Belum ada rencana distribusi logistik.")
        return
    c.sources("tps-status")  # the boxes leave a TPS when its KPPS reports them sent
    pipe = data.pipeline(board)
    fig = pipeline_bars(pipe, STAGE_LABEL, LEG_STATES, LEG_STATE_COLOR)
    left, right = st.columns([3, 2])
    left.markdown("**Alur kotak suara per tahap** (keluar ke TPS, lalu kembali ke PPK)")
    left.plotly_chart(fig, width="stretch", config={"displaylogo": False})
    late = board[board["late"]]
    moving = board[board["state"] == "berangkat"]
    river = data.river_legs_in(key, wilayah.area(where))
    tiles = [c.measure_tile(m, data.feed_states()) for m in leg_measures(board, river)]
    with right:
        c.tile_grid(tiles[:4], per_row=2)
    if len(late) or len(moving):
        st.markdown("**Dalam perjalanan dan terlambat**")
        rows = pd.concat([late, moving]).drop_duplicates("id")
        st.dataframe(pd.DataFrame({
            "Tahap": rows["stage"].map(STAGE_LABEL), "Dari": rows["from_name"], "Ke": rows["to_name"],
            "Moda": rows["mode"], "Keadaan": rows["state"], "Rencana tiba": rows["planned_arrive"].map(when),
            "Perkiraan tiba": rows["eta"].map(when), "Terlambat": rows["late"].map({True: "ya", False: ""})}),
            hide_index=True, width="stretch")

    st.subheader("Jalur sungai: berangkat, hati-hati atau tunda")
    chosen, _ = data.forecast(key, 24)
    c.sources("bmkg-nowcast", "river", forecast=chosen)
    if river.empty:
        st.success("Tidak ada perjalanan jalur sungai yang masih harus berangkat.")
        return
    c.tile_grid(tiles[4:], per_row=3)
    stage = st.selectbox("Tahap", sorted(river["stage"].unique(), key=list(STAGE_LABEL).index),
                         format_func=STAGE_LABEL.get, key="river_stage")
    view = river[river["stage"] == stage].sort_values(["verdict", "planned_depart"], ascending=[False, True])
    st.dataframe(pd.DataFrame({
        "Putusan": view["verdict"].map(VERDICT_LABEL), "Dari": view["from_name"], "Ke": view["to_name"],
        "Kecamatan": view["kecamatan_code"].map(data.kecamatan_names()), "Berangkat": view["planned_depart"].map(when),
        "Jendela dinilai": view["window"], "Alasan": view["reasons"].map(route_reasons), "Kotak": view["boxes"]}),
        hide_index=True, width="stretch",
        column_config={"Putusan": st.column_config.TextColumn(help="Aman berangkat; hati-hati: berangkat dengan pengawalan "
                                                              "dan pelampung; tunda: tunggu jendela cuaca berikutnya")})
    st.caption("Jendela dinilai: 3 jam sebelum berangkat sampai 1 jam setelah perkiraan tiba. Ambang di konfigurasi: "
               f"hujan lebat {data.settings().heavy_rain_mm:g} mm/3 jam, debit {data.settings().river_discharge_threshold:g} m³/s.")


pipeline_panel()
