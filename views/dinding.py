"""Layar dinding Posko: rotating views, large and dark, for a kiosk browser (URL /?layar=dinding)."""
import streamlit as st

from ops.charts import operation_map, pipeline_bars, readiness_bars, warning_traces
from ops.logistics import LEG_STATE_COLOR, LEG_STATES, STAGE_LABEL
from ops.phase import phase_at
from ops.vocabulary import KESIAPAN_COLOR, KESIAPAN_LABEL, TAHAPAN_LABEL, kesiapan_class
from ui import components as c
from ui import data, outage, wall

s = data.settings()
wall.style()
with outage.shown_by(outage.on_wall):  # no database: a banner, and the page keeps trying
    ready = data.schema_ready()
if not ready:
    st.markdown("<div class='banner'>Basis data Posko belum disiapkan.</div>", unsafe_allow_html=True)
    st.stop()
wall.watchdog(s.wall_rotate_seconds)
CHART = {"displayModeBar": False, "staticPlot": True}
try:
    # Charts are drawn in pixels: a 4K screen without browser zoom asks for ?skala=2.
    SCALE = min(4.0, max(0.5, float(st.query_params.get("skala", s.wall_scale))))
except ValueError:
    SCALE = s.wall_scale


def pct(v) -> str:
    return "—" if v is None or v != v else f"{v * 100:.0f}%"


def view_ringkasan(key, phase, states, ready, h):
    feeds_tps, feeds_pos = ("tps-status",), ("traccar",)
    stale_tps = bool(wall.stale_of(states, feeds_tps))
    stale_pos = bool(wall.stale_of(states, feeds_pos))
    wall.row_of_tiles([
        wall.tile("TPS dibuka", c.number(h["tps_dibuka"]), c.number(h["tps"]),
                  f"{h['tps_gangguan']} TPS lapor gangguan", "good" if h["tps_dibuka"] else "", stale_tps,
                  wall.age_line(states, feeds_tps)),
        wall.tile("Penghitungan / selesai", f"{c.number(h['tps_penghitungan'])} / {c.number(h['tps_selesai'])}",
                  None, "TPS mulai menghitung / selesai", "", stale_tps, wall.age_line(states, feeds_tps)),
        wall.tile("Personel di lokasi", c.number(h["personel_di_lokasi"]), c.number(h["personel_wajib"]),
                  "posisi GPS di radius TPS", "good" if h["personel_di_lokasi"] >= 0.9 * h["personel_wajib"]
                  else "warn", stale_pos, wall.age_line(states, feeds_pos)),
        wall.tile("Kejadian terbuka", c.number(h["kejadian_terbuka"]), None, f"{h['kejadian_tinggi']} berat",
                  "bad" if h["kejadian_tinggi"] else ("warn" if h["kejadian_terbuka"] else "good")),
    ])
    st.markdown("<div style='height:1vh'></div>", unsafe_allow_html=True)
    wall.row_of_tiles([
        wall.tile("Kotak suara di TPS", c.number(h["kotak_tiba_tps"]), c.number(h["kotak_tps_total"]),
                  "leg PPS → TPS diserahkan"),
        wall.tile("Kotak kembali di PPK", c.number(h["kotak_kembali_ppk"]), c.number(h["kotak_kembali_total"]),
                  "leg PPS → PPK diserahkan"),
        wall.tile("Logistik terlambat", c.number(h["logistik_terlambat"]), None, "lewat jadwal tanpa laporan",
                  "bad" if h["logistik_terlambat"] else "good"),
        wall.tile("Peringatan BMKG", c.number(h["peringatan_aktif"]), None, "peringatan dini berlaku",
                  "bad" if h["peringatan_aktif"] else "good", bool(wall.stale_of(states, ("bmkg-nowcast",))),
                  wall.age_line(states, ("bmkg-nowcast",))),
    ])
    st.markdown("<div style='height:1vh'></div>", unsafe_allow_html=True)
    tiles = []
    for p, label in TAHAPAN_LABEL.items():
        kab = ready[p]["kabupaten"]
        score = kab["skor"] if kab else None
        cls = kesiapan_class(score, s.readiness_ready_threshold)
        tone = {"siap": "good", "perhatian": "warn", "belum": "bad"}.get(cls, "")
        tiles.append(wall.tile(f"Kesiapan · {label}" + (" (sekarang)" if p == phase else ""), pct(score), None,
                               f"{kab['siap']} dari {kab['tps']} TPS siap" if score is not None and score == score
                               else "belum dinilai", tone))
    wall.row_of_tiles(tiles)


def view_peta(key, phase, states, ready, h):
    left, right = st.columns([2, 1])
    pts = data.tps_readiness(key)
    pts["kesiapan"] = pts[f"skor_{phase}"].map(lambda v: kesiapan_class(v, s.readiness_ready_threshold))
    warnings = data.active_warnings(key)
    fig = operation_map(data.boundaries("kecamatan"), data.boundaries("desa"), pts, color_by="kesiapan",
                        colors=KESIAPAN_COLOR, labels=KESIAPAN_LABEL, height=int(700 * SCALE), dark=True,
                        extra_traces=warning_traces(warnings))
    fig.update_layout(legend={"font": {"size": int(18 * SCALE)}})
    fig.update_traces(textfont={"size": int(13 * SCALE)}, selector={"mode": "text"})
    fig.update_traces(marker={"size": 9 * SCALE}, selector={"mode": "markers"})
    left.plotly_chart(fig, width="stretch", config=CHART, theme=None)
    kec = ready[phase]["kecamatan"].sort_values("skor").head(8)
    names = data.kecamatan_names()
    rows = [(names.get(r.kode, r.kode), pct(r.skor),
             {"siap": "good", "perhatian": "warn", "belum": "bad"}.get(kesiapan_class(r.skor, s.readiness_ready_threshold), ""))
            for r in kec.itertuples()]
    right.markdown("<div class='tile'><div class='label'>Kesiapan terendah · " + TAHAPAN_LABEL[phase].lower()
                   + "</div>" + wall.listing(rows) + wall.age_line(states, ("tps-status", "traccar")) + "</div>",
                   unsafe_allow_html=True)
    right.markdown("<div style='height:1vh'></div>", unsafe_allow_html=True)
    right.markdown(wall.tile("Peringatan BMKG berlaku", str(len(warnings)), None,
                             "; ".join(w["event"] for w in warnings) or "tidak ada", "bad" if warnings else "good",
                             bool(wall.stale_of(states, ("bmkg-nowcast",))), wall.age_line(states, ("bmkg-nowcast",))),
                   unsafe_allow_html=True)


def view_kecamatan(key, phase, states, ready, h):
    left, right = st.columns([3, 2])
    kec = ready[phase]["kecamatan"]
    left.plotly_chart(readiness_bars(kec, data.kecamatan_names(), s.readiness_ready_threshold, dark=True,
                                     height=int(700 * SCALE), font_size=int(20 * SCALE)), width="stretch", config=CHART, theme=None)
    kab = ready[phase]["kabupaten"]
    reasons = [(r.split(": ", 1)[1] if ": " in r else r, r.split(": ", 1)[0], "warn") for r in kab["alasan"]]
    right.markdown(wall.tile(f"Kabupaten · {TAHAPAN_LABEL[phase].lower()}", pct(kab["skor"]), None,
                             f"{kab['siap']} dari {kab['tps']} TPS siap",
                             "good" if (kab["skor"] or 0) >= s.readiness_ready_threshold else "warn",
                             bool(wall.stale_of(states, ("tps-status", "traccar"))),
                             wall.age_line(states, ("tps-status", "traccar"))), unsafe_allow_html=True)
    right.markdown("<div style='height:1vh'></div><div class='tile'><div class='label'>Penyebab utama</div>"
                   + wall.listing(reasons or [("Semua TPS siap", "", "good")]) + "</div>", unsafe_allow_html=True)


def view_logistik(key, phase, states, ready, h):
    board = data.leg_board(key)
    river = data.river_legs(key)
    counts = river["verdict"].value_counts() if len(river) else {}
    weather_age = wall.age_line(states, ("bmkg-forecast", "bmkg-nowcast", "river"))
    weather_stale = bool(wall.stale_of(states, ("bmkg-forecast", "bmkg-nowcast", "river")))
    wall.row_of_tiles([
        wall.tile("Jalur sungai: go", str(int(counts.get("go", 0))), None, "leg sungai belum tiba", "good",
                  weather_stale, weather_age, short=True),
        wall.tile("Hati-hati", str(int(counts.get("hati-hati", 0))), None, "kawal, pelampung", "warn",
                  weather_stale, weather_age, short=True),
        wall.tile("Tunda", str(int(counts.get("tunda", 0))), None, "tunggu jendela cuaca", "bad",
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
            rows.append((f"{names.get(r.kecamatan_code, r.kecamatan_code)}", f"{r.n} leg {r.verdict}",
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
    wall.top_bar(s, moment, phase, view, turn % len(views), len(views), st.session_state.get("replay_at") is not None)
    stale = wall.stale_of(states, tuple(f for f in ("tps-status", "traccar", "bmkg-nowcast") if f in states))
    if stale:
        st.markdown("<div class='banner'>⚠ Sumber data tidak terkini: " + ", ".join(
            f"{f.feed} ({f.label.lower()})" for f in stale) + " — angka bertanda DATA LAMA bukan keadaan sekarang"
            "</div>", unsafe_allow_html=True)
    ready = data.readiness(key)
    h = data.headline(key)
    VIEWS[view](key, phase.tahapan, states, ready, h)
    wall.ticker(data.newest_events(key), data.active_warnings(key), data.kecamatan_names())
    wall.rendered_stamp(view)


rotate()
