"""The overview of a province or the nation (a Polda, Mabes): Perhatian first, the headline measures from the read
model's roll-ups, the areas one level down ranked by their worst problem and mapped, each opened with a click.

Everything here reads roll-ups the worker keeps (a handful of rows per area) and the items it stored, so the page is
as quick for 823,220 TPS as for 667; when no worker keeps them current the page says so, with their age."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ops.clock import fmt_age
from ops.focus import LEVEL_WORD, Focus
from ops.headline import measures, readiness_tone
from ops.maps import Style
from ops.maps.areas import area_map, stats_of
from ops.perhatian.model import SEVERITY_LABEL
from ops.perhatian.ranking import rollup_ranking
from ops.phase import phase_at
from ops.readiness import problem_lines
from ops.vocabulary import TAHAPAN_LABEL
from ui import components as c
from ui import data, rollups
from ui import perhatian as ph
from ui import wilayah


def stale_note(key: str) -> None:
    """The roll-ups are as current as the worker keeps them: say so when it does not."""
    if not rollups.readmodel_current(key):
        st.warning("Angka wilayah di bawah dibaca dari ringkasan yang dijaga worker, dan worker tidak menjaganya saat "
                   "ini (jalankan `python -m ops worker`, atau `python -m ops readmodel` sekali). Angka ini mungkin "
                   "lama.", icon="⚠️")


def ranking(key: str, f: Focus, items: list) -> pd.DataFrame:
    return rollup_ranking(items, rollups.area_rollups(key, f.code))


def command_panel(f: Focus, key_prefix: str = "ov") -> None:
    """Perhatian for the focus beside its measures: the first screen of Ringkasan at every level. Above the kabupaten
    the measures come only from the roll-ups (summing a province's TPS on the page would take minutes)."""
    moment = data.now()
    key = data.moment_key(moment)
    s = data.settings()
    items = wilayah.perhatian(key, f)
    h = wilayah.measures(key, f)
    left, right = st.columns([2.15, 1], gap="medium")
    with left:
        st.markdown(f"<div style='display:flex;gap:16px;align-items:baseline'><h3 style='margin:0;padding:0'>"
                    f"Perhatian</h3>{ph.summary_html(items)}</div>", unsafe_allow_html=True)
        ph.listing(items, moment, limit=6, key=key_prefix)
    with right:
        if h is None:
            st.info("Ringkasan wilayah belum dibuat: worker membuatnya tiap menit (`python -m ops worker`).")
            return
        states = data.feed_states()
        c.tile_grid([c.measure_tile(m, states) for m in measures(h, s, moment)], 2)
        st.caption("Warna: hijau sesuai target, kuning waspada, merah perlu tindakan, abu-abu belum waktunya.")


def ranking_view(table: pd.DataFrame, word: str, name_of, of: str) -> pd.DataFrame:
    """A ranking (ops.perhatian.ranking) as the table a commander reads: the area by name, its worst item, items, problem
    TPS, ready TPS out of `of` ('tps' or 'dinilai') and the main causes."""
    return pd.DataFrame({
        word: table["kode"].map(name_of),
        "Masalah terberat": table["terberat"].map(lambda v: SEVERITY_LABEL.get(v, "—") if isinstance(v, str) else "—"),
        "Hal perhatian": table["hal"],
        "TPS bermasalah": table["tps_bermasalah"],
        "TPS siap": table["siap"].map(c.number) + " / " + table[of].map(c.number),
        "Penyebab utama": table["masalah"].map(lambda p: "; ".join(problem_lines(p, 2)) or "—")})


SEVERITY_TONE = {"kritis": "buruk", "tinggi": "buruk", "sedang": "waspada"}  # a table cell's tint by its worst item


def ranked(view: pd.DataFrame, table: pd.DataFrame, of: str):
    """ranking_view's table with its worst item and its ready TPS tinted as the tiles are: red for a critical or high
    item, amber for a middling one; ready TPS against the readiness target. No item leaves the cell plain."""
    s = data.settings()
    return c.toned(view, {
        "Masalah terberat": [SEVERITY_TONE.get(v, "") if isinstance(v, str) else "" for v in table["terberat"]],
        "TPS siap": [readiness_tone(int(n), int(d), s) for n, d in zip(table["siap"], table[of])]})


def areas_panel(f: Focus) -> None:
    """The areas one level down, ranked worst first, beside their map; a row or an area on the map opens it."""
    moment = data.now()
    key = data.moment_key(moment)
    s = data.settings()
    names = data.place_names()
    items = wilayah.perhatian(key, f)
    table = ranking(key, f, items)
    word = LEVEL_WORD[f.child_level]
    phase = phase_at(moment, s).tahapan
    st.subheader(f"{word} menurut masalah terberat — {TAHAPAN_LABEL[phase].lower()}")
    left, right = st.columns([1.25, 1], gap="medium")
    with left:
        view = ranking_view(table, word, names.area, "dinilai")
        event = st.dataframe(ranked(view, table, "dinilai"), hide_index=True, width="stretch",
                             height=min(40 + 35 * len(view), 640), on_select="rerun", selection_mode="single-row",
                             key=f"ov_rank_{f.code or 'nasional'}")
        st.caption(f"Urutan: hal perhatian terberat, lalu jumlahnya, lalu TPS bermasalah. Pilih baris untuk membuka "
                   f"{word.lower()} itu sampai ke TPS-nya.")
        rows = (event.selection.rows if event else []) or []
        if rows:
            wilayah.go(table.iloc[rows[0]]["kode"])
            st.rerun()
    with right:
        map_figure(f, table, height=640, width=760)


def area_figure(f: Focus, table: pd.DataFrame, height: int, width: int, dark: bool = False, scale: float = 1.0,
                font_size: float = 12.0):
    """The areas one level down, filled by readiness and ringed by their worst item (the wall shows it as it is)."""
    s = data.settings()
    names = data.place_names()
    level, owner = f.child_level, None
    own = data.boundaries(level, f.code)
    if not own:  # no boundaries at this level (the national file): the kabupaten stand in, coloured by their area
        level = "kabupaten"
        own = data.boundaries(level, f.code)
        owner = {a["code"]: f.child_of(a["code"]) for a in own}
    return area_map(own, stats_of(table, names.area), Style(height=height, width=width, dark=dark, scale=scale,
                                                            font_size=font_size), s.readiness_target_share, owner,
                    data.boundary_rings(level, f.code))


def map_figure(f: Focus, table: pd.DataFrame, height: int, width: int, key: str = "ov_map") -> None:
    """The areas one level down on the map; a click opens one."""
    fig = area_figure(f, table, height, width)
    event = st.plotly_chart(fig, width="stretch", on_select="rerun", selection_mode="points", key=key,
                            config={"scrollZoom": True, "displaylogo": False})
    points = (event.selection.points if event else []) or []
    chosen = [p["customdata"][1] for p in points if isinstance(p.get("customdata"), (list, tuple))
              and len(p["customdata"]) == 2 and p["customdata"][0] == "wilayah"]
    if chosen and chosen[0] != st.session_state.get(f"{key}_seen"):
        st.session_state[f"{key}_seen"] = chosen[0]
        wilayah.go(chosen[0])
        st.rerun()


def readiness_panel(f: Focus) -> None:
    moment = data.now()
    key = data.moment_key(moment)
    s = data.settings()
    st.subheader("Kesiapan per tahapan")
    for col, (phase, label) in zip(st.columns(3), TAHAPAN_LABEL.items()):
        r = rollups.area_rollup(key, f.code, phase)
        box = col.container(border=True)
        if r is None or not r["dinilai"]:
            box.metric(label, "belum berlaku", help="Tahapan ini belum dimulai: belum ada yang dinilai")
            continue
        box.metric(label, f"{c.number(r['siap'])} / {c.number(r['tps'])} TPS siap",
                   help=f"TPS siap: skor kesiapan ≥ {s.readiness_ready_threshold:.0%}.")
        for line in problem_lines(r["masalah"]):
            box.markdown(f"- {c.plain(line)}")


def age_caption(key: str) -> None:
    at = rollups.readmodel_refreshed(key)
    if at is not None:
        age = fmt_age((data.now() - at).total_seconds())
        st.caption(f"Ringkasan wilayah dihitung worker {age} lalu (waktu operasi).")
