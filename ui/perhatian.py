"""Perhatian on screen: the list of what needs the commander, kritis first, each with place, age, action and a Tangani
button (operator and up). Every text in the HTML is escaped; the markup is fixed."""
from __future__ import annotations

import datetime as dt
import html

import streamlit as st
from streamlit.errors import StreamlitAPIException

from ops.auth import AuthError
from ops.db import session_scope
from ops.perhatian import store, wording
from ops.perhatian.model import KINDS, SEVERITY_COLOR, SEVERITY_LABEL, STATE_LABEL, Item
from ui import auth
from ui.components import html_text
from ui import data, perhatian_items

PAGE_ROWS = 50  # items on a page of the Perhatian page: a Polda has hundreds, the nation thousands

CSS = """
<style>
.st-key-perhatian [data-testid="stVerticalBlock"] { gap: 0.2rem; }
.ph-row { border-left: 6px solid var(--ph); background: #fafafa; padding: 3px 10px; border-radius: 4px;
          line-height: 1.3; }
.ph-chip { background: var(--ph); color: white; font-weight: 700; font-size: 0.72rem; padding: 1px 7px;
           border-radius: 3px; letter-spacing: .03em; }
.ph-place { font-weight: 700; }
.ph-meta { color: #607d8b; font-size: 0.8rem; }
.ph-title { font-size: 0.92rem; }
.ph-action { font-size: 0.85rem; color: #37474f; }
.ph-state { font-size: 0.78rem; color: #455a64; text-align: center; }
.ph-sum span { margin-right: 14px; font-weight: 600; }
</style>
"""


def _row_html(item: Item, moment: dt.datetime, names) -> str:
    e = html_text  # titles carry what people typed (incident titles): inert even with blank lines in them
    escalated = f" · dieskalasi {item.escalations}×" if item.escalations else ""
    return (f"<div class='ph-row' style='--ph:{SEVERITY_COLOR[item.severity]}'>"
            f"<span class='ph-chip'>{e(SEVERITY_LABEL[item.severity].upper())}</span> "
            f"<span class='ph-place'>{e(item.place.name)}</span> "
            f"<span class='ph-meta'>· {e(KINDS[item.kind])} · {e(wording.age(item, moment))}{e(escalated)}</span>"
            f"<div class='ph-title'>{e(wording.title(item))}</div>"
            f"<div class='ph-action'>➜ {e(wording.action(item, names))}</div></div>")


def summary_html(items: list[Item]) -> str:
    open_items = [i for i in items if i.state != "selesai"]
    counts = {s: sum(1 for i in open_items if i.severity == s) for s in SEVERITY_LABEL}
    parts = [f"<span style='color:{SEVERITY_COLOR[s]}'>{n} {html.escape(SEVERITY_LABEL[s].lower())}</span>"
             for s, n in counts.items() if n]
    taken = sum(1 for i in open_items if i.state == "ditangani")
    return ("<div class='ph-sum'>" + ("".join(parts) or "<span style='color:#2e7d32'>tidak ada</span>")
            + f"<span style='color:#607d8b;font-weight:400'>{taken} sedang ditangani</span></div>")


def _take(item: Item, moment: dt.datetime, note: str, finish: bool = False) -> str | None:
    """Record Tangani (or Selesai) for the signed-in user; returns an error to show, or None."""
    user = auth.current()
    if not user:
        return "Masuk dulu (operator ke atas)."
    try:
        with session_scope(data.engine()) as s:
            alert_id = store.ensure(s, data.settings(), item, moment)
            (store.finish if finish else store.take)(s, data.settings(), alert_id, user["username"], note, moment)
    except (store.PerhatianError, AuthError) as e:
        return str(e)
    perhatian_items.taken()
    return None


def listing(items: list[Item], moment: dt.datetime, limit: int | None = None, key: str = "ph",
            allow_actions: bool = True) -> None:
    """The rows, most urgent first; `limit` rows and a count of the rest."""
    st.markdown(CSS, unsafe_allow_html=True)
    names = data.place_names()
    user = auth.current()
    can_act = allow_actions and bool(user and auth.may(user["role"], "entry")) and \
        st.session_state.get("replay_at") is None
    shown = [i for i in items if i.state != "selesai"]
    rest = len(shown) - limit if limit else 0
    with st.container(key="perhatian"):
        if not shown:
            st.success("Tidak ada hal yang perlu perhatian saat ini.")
        for n, item in enumerate(shown[:limit] if limit else shown):
            left, right = st.columns([8, 1.35], vertical_alignment="center")
            left.markdown(_row_html(item, moment, names), unsafe_allow_html=True)
            state = STATE_LABEL[item.state] + (f" · {item.taken_by}" if item.state == "ditangani" and item.taken_by
                                               else "")
            if can_act and item.state == "baru":
                with right.popover("Tangani", use_container_width=True):
                    note = st.text_input("Catatan (siapa bergerak, apa yang dilakukan)", key=f"{key}_note_{n}",
                                         max_chars=500)
                    if st.button("Simpan: saya tangani", key=f"{key}_take_{n}", type="primary"):
                        err = _take(item, moment, note)
                        if err:
                            st.error(err)
                        else:
                            st.rerun()
            elif can_act and item.state == "ditangani":
                right.markdown(f"<div class='ph-state'>{html.escape(state)}</div>", unsafe_allow_html=True)
                with right.popover("Selesai", use_container_width=True):
                    note = st.text_input("Hasil", key=f"{key}_done_note_{n}", max_chars=500)
                    if st.button("Tandai selesai", key=f"{key}_done_{n}"):
                        err = _take(item, moment, note, finish=True)
                        if err:
                            st.error(err)
                        else:
                            st.rerun()
            else:
                right.markdown(f"<div class='ph-state'>{html.escape(state)}</div>", unsafe_allow_html=True)
    if rest > 0:
        label = f"… dan {rest} hal lain — lihat semua di halaman Perhatian"
        try:
            st.page_link("views/perhatian.py", label=label, icon=":material/arrow_forward:")
        except StreamlitAPIException:  # a page run on its own (tests, a bookmarked script) has no navigation
            st.caption(label)
    if allow_actions and not can_act and st.session_state.get("replay_at") is None:
        st.caption("Masuk sebagai Operator Posko atau di atasnya untuk menangani.")
