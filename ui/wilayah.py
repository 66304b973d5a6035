"""The area the pages look at (ops.focus) on screen: a trail from the operation's area down to the focus in the sidebar,
a list to go one level down, and the focus kept in the URL (?wilayah=16.10) so that a link, a reload or the wall
opens on the same area. Every page reads it through `focus()`."""
from __future__ import annotations

import streamlit as st

from ops.perhatian.model import REGION_LEVELS
from ops.focus import ROLLUP_LEVELS, CHILD_LEVEL, LEVEL_WORD, Focus, focus_of
from ops.vocabulary import TAHAPAN_LABEL
from ui import data, perhatian_items, rollups

KEY = "wilayah"


def focus() -> Focus:
    """The focus asked for in the URL or by the sidebar, checked against the operation's area."""
    top = rollups.operation_area().code
    asked = st.session_state.get(KEY)
    if asked is None:  # a new session: the URL decides (a link, a reload, the wall's kiosk URL)
        asked = st.query_params.get(KEY)
        st.session_state[KEY] = asked
    f = focus_of(top, asked, data.place_names().region)  # a well-formed code of no real area shows the whole area
    if not f.is_top and st.query_params.get(KEY) != f.code:
        st.query_params[KEY] = f.code  # moving between pages drops the URL's parameters: put it back
    return f


def go(code: str) -> None:
    """Focus on `code` (from a button, a click on the map, a row of a ranking)."""
    top = rollups.operation_area().code
    st.session_state[KEY] = code
    if code == top:
        st.query_params.pop(KEY, None)
    else:
        st.query_params[KEY] = code


def sidebar() -> Focus:
    """The trail and the way down, in the sidebar; only where the operation covers more than one kabupaten or the
    commander has drilled below it."""
    f = focus()
    names = data.place_names()
    with st.sidebar:
        st.markdown("**Wilayah**")
        for code in f.trail():
            here = code == f.code
            st.button(names.area(code), key=f"wilayah_trail_{code or 'nasional'}", disabled=here,
                      icon=":material/location_on:" if here else ":material/arrow_upward:",
                      on_click=go, args=(code,), width="stretch")
        if f.level in ("nasional", "provinsi", "kabupaten"):
            below = rollups.children(f.code)
            if below:
                label = {c: n for c, n, _ in below}
                st.selectbox(f"Buka {LEVEL_WORD[CHILD_LEVEL[f.level]].lower()}", list(label), index=None,
                             format_func=label.get, key=f"wilayah_down_{f.code or 'nasional'}",
                             placeholder="pilih untuk memperbesar",
                             on_change=_down, args=(f"wilayah_down_{f.code or 'nasional'}",))
    return f


def _down(key: str) -> None:
    code = st.session_state.get(key)
    if code:
        go(code)


def drill_buttons(rows: list[tuple[str, str]], key: str, per_row: int = 6) -> None:
    """A button per area (code, label) that focuses on it: the way down from an overview's ranking."""
    for i in range(0, len(rows), per_row):
        cols = st.columns(per_row)
        for col, (code, label) in zip(cols, rows[i:i + per_row]):
            col.button(label, key=f"{key}_{code}", on_click=go, args=(code,), width="stretch")


def detail_guard(f: Focus, what: str) -> None:
    """A page that lists every TPS, officer or leg opens at a kabupaten/kota: above it (a Polda's or Mabes' whole
    area) it says so and offers the way down, instead of reading tens of thousands of rows nobody can scan."""
    if not f.overview:
        return
    word = LEVEL_WORD[f.child_level].lower()
    st.info(f"{what} dirinci per kabupaten/kota. Pilih {word} di bawah (atau di bilah samping); Ringkasan dan Peta "
            f"operasi menunjukkan {word} mana yang paling perlu perhatian.")
    rows = [(code, name) for code, name, _ in rollups.children(f.code)]
    drill_buttons(rows, key="guard", per_row=5)
    st.stop()


def within(frame, f: Focus, column: str = "kecamatan_code"):
    """The rows of a table placed inside the focus (by a region code column); all of them at the operation's top."""
    if f.is_top or frame is None or not len(frame) or column not in frame:
        return frame
    return frame[frame[column].fillna("").map(f.covers)]


def area(f: Focus) -> str:
    """The region code the TPS tables are read for: '' for the operation's whole area (its cache is shared with the
    pages that do not drill), else the focus."""
    return "" if f.is_top else f.code


def items_in(items: list, f: Focus) -> list:
    """Perhatian items about the focus: placed in it (or in one of its kecamatan), or about the whole operation (a
    feed that fell silent concerns every area)."""
    if f.is_top:
        return items
    return [i for i in items if i.place.level not in REGION_LEVELS or f.covers(i.place.code)
            or f.covers(i.place.kecamatan_code) or f.code.startswith((i.place.code or "") + ".")]


def perhatian(key: str, f: Focus) -> list:
    """The items for the focus: while the worker keeps the read model current, what it last stored (it evaluates them
    every minute; evaluating every TPS on a page takes seconds at a Polres of 13,000 TPS, half a minute at a province,
    minutes at the nation), at any focus. With no worker, and in replay, they are evaluated at the minute."""
    if st.session_state.get("replay_at") is None and rollups.readmodel_current(key):
        return items_in(perhatian_items.stored(key, area(f)), f)
    return items_in(perhatian_items.evaluated(key), f)


def measures(key: str, f: Focus) -> dict | None:
    """The headline figures of the focus; above the kabupaten only from the roll-ups (None until the worker made
    them: summing a province's TPS on the page would take minutes)."""
    return rollups.area_headline(key, f.code) if f.overview else headline(key, f)


def readiness(key: str, f: Focus) -> dict:
    """Readiness per tahapan of the focus ("kabupaten": its row, in readiness.overview_of's shape); above the
    kabupaten from the roll-ups, and so for a kabupaten or kecamatan while the worker keeps them current (summing its
    TPS on the page took a third of a second)."""
    if f.overview:
        return {p: {"kabupaten": rollups.area_rollup(key, f.code, p)} for p in TAHAPAN_LABEL}
    if _rolled_up(key, f):
        rows = {p: rollups.area_rollup(key, f.code, p) for p in TAHAPAN_LABEL}
        if all(r is not None for r in rows.values()):
            return {p: {"kabupaten": r} for p, r in rows.items()}
    return data.readiness(key, area(f))


def _rolled_up(key: str, f: Focus) -> bool:
    """The roll-ups of the read model serve this focus now: an area with one, live, kept current."""
    return f.level in ROLLUP_LEVELS and st.session_state.get("replay_at") is None \
        and rollups.readmodel_current(key)


def headline(key: str, f: Focus) -> dict:
    """The measures of the focus. While the worker keeps the read model current, from its roll-ups (a kabupaten in a
    hundredth of a second instead of ten); boats are judged on the river legs of the focus. Otherwise, and in replay,
    computed at the minute."""
    if _rolled_up(key, f):
        h = rollups.area_headline(key, f.code)
        if h is not None:
            # The operation's own area reads its whole leg board, which the timeline has read already.
            return h if f.overview else {**h, **data.river_counts(key, area(f))}
    return data.headline(key, area(f))
