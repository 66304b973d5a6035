"""Ringkasan: what needs the commander now (Perhatian) first; then the measures against their targets, the
kecamatan ranked by their worst problem, readiness per tahapan, the newest events and the base figures."""

import streamlit as st

from ops.charts import kecamatan_bars
from ops.clock import fmt_wib
from ops.maps import View
from ops.perhatian.ranking import area_ranking
from ops.focus import LEVEL_WORD
from ops.headline import base_measures
from ops.phase import phase_at
from ops.readiness import problem_lines
from ops.vocabulary import TAHAPAN_LABEL
from ui import components as c
from ui import data, maps, overview, wilayah
from ui import timeline as tl

now = c.page("Ringkasan operasi", compact=True)
c.require_tps()
s = data.settings()
focus = wilayah.focus()
if focus.overview:
    # A province or the nation: the areas one level down from the read model's roll-ups, each opened with a click.
    overview.stale_note(data.moment_key(now))
    c.live_panel(overview.command_panel)(focus)
    c.live_panel(overview.areas_panel)(focus)
    c.live_panel(overview.readiness_panel)(focus)
    overview.age_caption(data.moment_key(now))
    st.stop()
area = wilayah.area(focus)


c.live_panel(overview.command_panel)(focus, "rk")


@c.live_panel
def timeline_panel():
    # Below Perhatian, one line: the operation's milestones from H-3 to H+3 with what is done and late (in the area).
    moment = data.now()
    st.markdown(tl.strip(data.timeline(data.moment_key(moment), area), s.voting_day), unsafe_allow_html=True)


timeline_panel()


@c.live_panel
def kecamatan_panel():
    moment = data.now()
    key = data.moment_key(moment)
    phase = phase_at(moment, s).tahapan
    table = data.tps_readiness(key, area)
    ranking = area_ranking(wilayah.perhatian(key, focus), table, phase, s.readiness_ready_threshold,
                           focus.child_level)
    names = data.place_names()
    word = LEVEL_WORD[focus.child_level]
    st.subheader(f"{word} menurut masalah terberat — {TAHAPAN_LABEL[phase].lower()}")
    view = overview.ranking_view(ranking, word, names.name, "tps")
    st.dataframe(overview.ranked(view, ranking, "tps"), hide_index=True, width="stretch",
                 height=min(40 + 35 * len(view), 420))
    st.caption("Urutan: tingkat hal perhatian terberat, lalu jumlahnya, lalu TPS bermasalah (skor di bawah ambang "
               f"{s.readiness_ready_threshold:.0%}). Rincian per desa dan TPS di halaman TPS.")


kecamatan_panel()


@c.live_panel
def readiness_panel():
    moment = data.now()
    ready = wilayah.readiness(data.moment_key(moment), focus)
    st.subheader("Kesiapan per tahapan")
    c.sources("tps-status", "traccar", "river")
    for col, (phase, label) in zip(st.columns(3), TAHAPAN_LABEL.items()):
        kab = ready[phase]["kabupaten"]
        box = col.container(border=True)
        if kab is None or not kab["dinilai"]:
            box.metric(label, "belum berlaku", help="Tahapan ini belum dimulai: belum ada yang dinilai")
            continue
        box.metric(label, f"{kab['siap']} / {kab['tps']} TPS siap",
                   help=f"TPS siap: skor kesiapan ≥ {s.readiness_ready_threshold:.0%} (bobot komponen di "
                        "konfigurasi). Komponen yang belum jatuh tempo tidak dihitung.")
        for line in problem_lines(kab["masalah"]):
            box.markdown(f"- {c.plain(line)}")


readiness_panel()


@c.live_panel
def events_panel():
    st.subheader("Kejadian terbaru")
    ev = data.newest_events(data.moment_key(data.now()), area or None)
    if ev.empty:
        st.write("Belum ada kejadian dalam 24 jam terakhir.")
        return
    for e in ev.itertuples():
        mark = ":red[●]" if e.penting else ":gray[●]"
        st.markdown(f"{mark} **{fmt_wib(e.at, False)}** · {e.jenis} · {c.plain(e.lokasi)}  \n{c.plain(e.teks)}")


@c.live_panel
def map_panel():
    moment = data.now()
    st.subheader(f"Peta kesiapan TPS — {TAHAPAN_LABEL[phase_at(moment, s).tahapan].lower()}")
    # The Peta page's map, smaller: readiness, incident pins and warnings; the Peta page has every layer.
    fig = maps.figure(moment, View(colour="kesiapan", shown=frozenset({"tps", "kejadian", "peringatan"})),
                      height=560, width=900, area=area)
    st.plotly_chart(fig, width="stretch", config={"scrollZoom": True, "displaylogo": False})


left, right = st.columns([2, 3])
with left:
    events_panel()
with right:
    map_panel()

st.subheader("Data dasar operasi")
tps = data.tps_summary(area)
pers = data.personnel_counts()
c.tile_grid([c.measure_tile(m, {}) for m in base_measures(tps, pers, s, whole_operation=not focus.is_top)],
            per_row=6)
if focus.level == "kabupaten":  # a kecamatan's desa are ranked above; the bars compare a kabupaten's kecamatan
    with st.expander("TPS per kecamatan"):
        st.plotly_chart(kecamatan_bars(data.kecamatan_table(area), height=480), width="stretch",
                        config={"displaylogo": False})
