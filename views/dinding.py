"""Layar dinding Posko: rotating views, large and dark, for a kiosk browser (URL /?layar=dinding)."""
import streamlit as st

from ops.charts import pipeline_bars, problem_bars
from ops.clock import fmt_wib
from ops.headline import measures
from ops.perhatian import wording
from ops.perhatian.model import SEVERITY_COLOR, SEVERITY_LABEL
from ops.focus import LEVEL_WORD
from ops.perhatian.ranking import area_ranking
from ops.readiness import problem_lines
from ops.readiness.issues import label as issue_label
from ops.logistics import LEG_STATE_COLOR, LEG_STATES, STAGE_LABEL
from ops.maps import View
from ops.phase import phase_at
from ops.vocabulary import TAHAPAN_LABEL
from ui import components as c
from ui import data, maps, outage, overview, wall, wilayah

s = data.settings()
wall.style()
with outage.shown_by(outage.on_wall):  # no database: a banner, and the page keeps trying
    ready = data.schema_ready()
if not ready:
    st.markdown("<div class='banner'>Basis data Posko belum disiapkan.</div>", unsafe_allow_html=True)
    st.stop()
wall.watchdog(s.wall_rotate_seconds)
CHART = {"displayModeBar": False, "staticPlot": True}
# The area on the wall: the operation's whole area, or the one a kiosk URL names (/dinding?wilayah=16.10).
FOCUS = wilayah.focus()
AREA = wilayah.area(FOCUS)
CHILD_WORD = LEVEL_WORD[FOCUS.child_level]
try:
    # Charts are drawn in pixels: a 4K screen without browser zoom asks for ?skala=2.
    SCALE = min(4.0, max(0.5, float(st.query_params.get("skala", s.wall_scale))))
except ValueError:
    SCALE = s.wall_scale


def pct(v) -> str:
    return "—" if v is None or v != v else f"{v * 100:.0f}%"


def view_ringkasan(key, phase, states, ready, h):
    moment = data.now()
    tiles = [wall.measure(m, states) for m in measures(h, s, moment)]
    wall.row_of_tiles(tiles[:4])
    st.markdown("<div style='height:1vh'></div>", unsafe_allow_html=True)
    wall.row_of_tiles(tiles[4:8])
    st.markdown("<div style='height:1vh'></div>", unsafe_allow_html=True)
    row = []
    for p, label in TAHAPAN_LABEL.items():
        kab = ready[p]["kabupaten"]
        due = kab is not None and bool(kab["dinilai"])
        share = kab["siap"] / kab["tps"] if due and kab["tps"] else None
        tone = ("baik" if share >= s.readiness_target_share else "waspada"
                if share >= s.readiness_target_share - 0.15 else "buruk") if share is not None else "netral"
        row.append(wall.tile(f"TPS siap · {label}" + (" (sekarang)" if p == phase else ""),
                             c.number(kab["siap"]) if due else "—", c.number(kab["tps"]) if due else None,
                             "; ".join(problem_lines(kab["masalah"], 1)) if due else "belum berlaku",
                             wall.TONE_CLASS[tone], tone_color=wall.TONE_COLOR[tone], short=True))
    wall.row_of_tiles(row)


def ranking_of(key, phase):
    """The areas one level below the wall's focus, worst first: from the roll-ups above the kabupaten."""
    items = wilayah.perhatian(key, FOCUS)
    if FOCUS.overview:
        return overview.ranking(key, FOCUS, items)
    return area_ranking(items, data.tps_readiness(key, AREA), phase, s.readiness_ready_threshold, FOCUS.child_level)


def ranking_rows(ranking, limit: int) -> list:
    names = data.place_names()
    return [(names.name(r.kode), f"{SEVERITY_LABEL[r.terberat]} · {r.hal} hal · {r.siap}/{r.tps} siap"
             if isinstance(r.terberat, str) else f"aman · {r.siap}/{r.tps} siap",
             {"kritis": "bad", "tinggi": "bad", "sedang": "warn"}.get(r.terberat, "good"))
            for r in ranking.head(limit).itertuples()]


def view_peta(key, phase, states, ready, h):
    left, right = st.columns([2, 1])
    warnings = [w for w in data.active_warnings(key)
                if FOCUS.is_top or any(FOCUS.covers(k) for k in (w.get("kecamatan_codes") or []))]
    ranking = ranking_of(key, phase)
    # The map's column beside the Perhatian panel: about 880 px wide on a 1080p wall, twice that at skala=2.
    if FOCUS.overview:
        fig = overview.area_figure(FOCUS, ranking, int(700 * SCALE), int(880 * SCALE), dark=True, scale=1.3 * SCALE,
                                   font_size=16 * SCALE)
    else:
        view = View(colour="kesiapan", shown=frozenset({"tps", "kejadian", "jalur", "peringatan"}))
        fig = maps.figure(data.now(), view, int(700 * SCALE), int(880 * SCALE), dark=True, scale=1.3 * SCALE,
                          font_size=16 * SCALE, area=AREA)
    left.plotly_chart(fig, width="stretch", config=CHART, theme=None)
    right.markdown(f"<div class='tile'><div class='label'>{CHILD_WORD} menurut masalah terberat</div>"
                   + wall.listing(ranking_rows(ranking, 8)) + wall.age_line(states, ("tps-status", "traccar"))
                   + "</div>", unsafe_allow_html=True)
    right.markdown("<div style='height:1vh'></div>", unsafe_allow_html=True)
    right.markdown(wall.tile("Peringatan BMKG berlaku", str(len(warnings)), None,
                             "; ".join(w["event"] for w in warnings) or "tidak ada", "bad" if warnings else "good",
                             bool(wall.stale_of(states, ("bmkg-nowcast",))), wall.age_line(states, ("bmkg-nowcast",))),
                   unsafe_allow_html=True)


def view_kecamatan(key, phase, states, ready, h):
    left, right = st.columns([3, 2])
    if FOCUS.level == "kabupaten":
        table = data.tps_readiness(key, AREA)
        left.plotly_chart(problem_bars(table, data.kecamatan_names(), phase, s.readiness_ready_threshold, dark=True,
                                       height=int(640 * SCALE), font_size=int(17 * SCALE)), width="stretch",
                          config=CHART, theme=None)
    else:  # a province's kabupaten, the nation's provinces, a kecamatan's desa: ranked, worst first
        left.markdown(f"<div class='tile'><div class='label'>{CHILD_WORD} menurut masalah terberat</div>"
                      + wall.listing(ranking_rows(ranking_of(key, phase), 12)) + "</div>", unsafe_allow_html=True)
    kab = ready[phase]["kabupaten"]
    due = kab is not None and bool(kab["dinilai"])
    reasons = [(issue_label(kind), f"{n} TPS", "warn") for kind, n in (kab["masalah"][:8] if due else [])]
    right.markdown(wall.tile(f"TPS siap · {TAHAPAN_LABEL[phase].lower()}", c.number(kab["siap"]) if due else "—",
                             c.number(kab["tps"]) if due else None, "skor kesiapan ≥ ambang" if due else "belum berlaku",
                             bool(wall.stale_of(states, ("tps-status", "traccar"))),
                             wall.age_line(states, ("tps-status", "traccar"))), unsafe_allow_html=True)
    right.markdown("<div style='height:1vh'></div><div class='tile'><div class='label'>Penyebab utama</div>"
                   + wall.listing(reasons or [("Semua TPS siap", "", "good")]) + "</div>", unsafe_allow_html=True)


def view_logistik(key, phase, states, ready, h):
    board = wilayah.within(data.leg_board(key), FOCUS)
    river = wilayah.within(data.river_legs(key), FOCUS)
    counts = river["verdict"].value_counts() if len(river) else {}
    weather_age = wall.age_line(states, ("bmkg-forecast", "bmkg-nowcast", "river"))
    weather_stale = bool(wall.stale_of(states, ("bmkg-forecast", "bmkg-nowcast", "river")))
    wall.row_of_tiles([
        wall.tile("Perahu: tunda", str(int(counts.get("tunda", 0))), None, "tunggu jendela cuaca",
                  "bad" if counts.get("tunda", 0) else "", weather_stale, weather_age, short=True),
        wall.tile("Perahu: hati-hati", str(int(counts.get("hati-hati", 0))), None, "kawal, pelampung wajib",
                  "warn" if counts.get("hati-hati", 0) else "", weather_stale, weather_age, short=True),
        wall.tile("Perahu: aman berangkat", str(int(counts.get("go", 0))), None, "perjalanan sungai belum tiba", "",
                  weather_stale, weather_age, short=True),
        wall.tile("Logistik terlambat", c.number(h["logistik_terlambat"]), None, "lewat jadwal tiba",
                  "bad" if h["logistik_terlambat"] else "good", short=True),
    ])
    left, right = st.columns([3, 2])
    if len(board):
        left.plotly_chart(pipeline_bars(data.pipeline(board), STAGE_LABEL, LEG_STATES, LEG_STATE_COLOR, dark=True,
                                        height=int(560 * SCALE), font_size=int(20 * SCALE)), width="stretch", config=CHART, theme=None)
    names = data.kecamatan_names()
    rows = []
    if len(river):
        worst = river[river["verdict"] != "go"].groupby(["kecamatan_code", "verdict"]).size().reset_index(name="n")
        for r in worst.sort_values(["verdict", "n"], ascending=[False, False]).head(9).itertuples():
            rows.append((f"{names.get(r.kecamatan_code, r.kecamatan_code)}", f"{r.n} perjalanan {r.verdict}",
                         "bad" if r.verdict == "tunda" else "warn"))
    right.markdown("<div class='tile'><div class='label'>Jalur sungai per kecamatan</div>"
                   + wall.listing(rows or [("Semua jalur sungai aman", "", "good")]) + "</div>",
                   unsafe_allow_html=True)


VIEWS = {"ringkasan": view_ringkasan, "peta": view_peta, "kecamatan": view_kecamatan, "logistik": view_logistik}


@st.fragment(run_every=s.wall_rotate_seconds)
def rotate():
    with outage.shown_by(outage.on_wall):  # the database stopped answering: a banner; the next turn tries again
        one_turn()


def one_turn():
    # Each turn shows the next view with freshly read data; only this fragment reruns, so the screen does not flicker.
    turn = st.session_state.get("wall_turn", -1) + 1
    st.session_state["wall_turn"] = turn
    views = s.wall_views
    view = views[turn % len(views)]
    moment = data.now()
    key = data.moment_key(moment)
    phase = phase_at(moment, s)
    states = data.feed_states()
    wall.top_bar(s, moment, phase, view, turn % len(views), len(views), st.session_state.get("replay_at") is not None,
                 where=None if FOCUS.is_top else data.place_names().area(FOCUS.code))
    stale = wall.stale_of(states, tuple(f for f in ("tps-status", "traccar", "bmkg-nowcast") if f in states))
    if stale:
        st.markdown("<div class='banner'>⚠ Sumber data tidak terkini: " + c.html_text(", ".join(
            f"{f.name} ({f.label.lower()})" for f in stale)) + " — angka bertanda DATA LAMA bukan keadaan sekarang"
            "</div>", unsafe_allow_html=True)
    ready = wilayah.readiness(key, FOCUS)
    h = wilayah.measures(key, FOCUS)
    if h is None:  # a province or the nation before the worker first summed it up
        st.markdown("<div class='banner'>Ringkasan wilayah belum dibuat: jalankan worker (python -m ops worker)."
                    "</div>", unsafe_allow_html=True)
        return
    main, side = st.columns([2.3, 1], gap="medium")
    with main:
        VIEWS[view](key, phase.tahapan, states, ready, h)
    with side:
        wall.perhatian_panel(wilayah.perhatian(key, FOCUS), moment, data.place_names())
    wall.rendered_stamp(view)


@st.fragment(run_every=s.ui_refresh_seconds)
def ticker():
    """Every open Perhatian item, then the newest events and warnings, moving along the bottom edge."""
    moment = data.now()
    key = data.moment_key(moment)
    items = [i for i in wilayah.perhatian(key, FOCUS) if i.state != "selesai"]
    entries = [(SEVERITY_LABEL[i.severity].upper(), f"{i.place.name} — {wording.title(i)}",
                SEVERITY_COLOR[i.severity]) for i in items]
    entries += [(fmt_wib(e.at, False), f"{e.teks} · {e.lokasi}", None) for e in data.newest_events(key).head(8).itertuples()]
    wall.ticker(entries)


rotate()
ticker()
