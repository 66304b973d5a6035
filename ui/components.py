"""Shared Streamlit pieces: header with clock and phase, KPI tiles, freshness badges. User text is never HTML."""
from __future__ import annotations

import datetime as dt
import html

import streamlit as st

from ops.clock import fmt_age, fmt_long_wib
from ops.freshness import Freshness
from ops.phase import phase_at
from ops.vocabulary import TAHAPAN_LABEL
from ui import data

BADGE_COLOR = {"ok": "#2e7d32", "stale": "#e65100", "error": "#c62828", "never": "#616161"}


def header(title: str) -> dt.datetime:
    """Page title with the operation moment (WIB) and phase; returns the moment the page shows."""
    s = data.settings()
    now = data.now()
    phase = phase_at(now, s)
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    left.title(title)
    left.caption(f"{s.operation_name} · {s.polres_name}")
    replay = st.session_state.get("replay_at") is not None
    label = "Tayangan ulang" if replay else "Waktu operasi"
    countdown = phase.countdown(now)
    right.markdown(
        f"<div style='text-align:right;line-height:1.35'><span style='color:#607d8b'>{label}</span><br>"
        f"<b style='font-size:1.25rem'>{html.escape(fmt_long_wib(now))}</b><br>"
        f"<span style='background:#263238;color:white;padding:2px 8px;border-radius:4px'>{phase.h_label} · "
        f"{html.escape(TAHAPAN_LABEL[phase.tahapan])}</span>"
        + (f"<br><span style='color:#607d8b'>{html.escape(countdown)}</span>" if countdown else "") + "</div>",
        unsafe_allow_html=True)
    return now


def kpi(col, label: str, value, help_text: str | None = None, delta: str | None = None,
        delta_color: str = "normal") -> None:
    col.metric(label, value, delta=delta, delta_color=delta_color, help=help_text, border=True)


def freshness_badge(f: Freshness, container=None) -> None:
    """'BMKG · Terkini · 4 mnt lalu' — a failing or old source can never look current."""
    target = container or st
    age = "belum pernah berhasil" if f.last_success is None else f"data {fmt_age(f.age_seconds)} lalu"
    target.markdown(
        f"<span style='background:{BADGE_COLOR[f.state]};color:white;padding:2px 8px;border-radius:10px;"
        f"font-size:0.8rem'>{html.escape(f.feed)} · {html.escape(f.label)} · {html.escape(age)}</span>",
        unsafe_allow_html=True)


def no_database() -> None:
    st.error("Basis data belum disiapkan. Jalankan `python -m ops init --demo` (demo) atau `python -m ops init`, "
             "lalu muat ulang halaman ini.")
    st.stop()


def number(n: int | float) -> str:
    """Indonesian thousands separator: 314.226."""
    return f"{n:,.0f}".replace(",", ".")
