"""Shared Streamlit pieces: header with clock and phase, KPI tiles, freshness badges. User text is never HTML."""
from __future__ import annotations

import datetime as dt
import html
import re
import string

import pandas as pd
import streamlit as st

from ops.clock import WIB, fmt_age, fmt_long_wib
from ops.freshness import Freshness
from ops.phase import phase_at
from ops.vocabulary import TAHAPAN_LABEL
from ui import data

BADGE_COLOR = {"ok": "#2e7d32", "partial": "#b8860b", "stale": "#e65100", "error": "#c62828", "never": "#616161"}


def replay_control() -> None:
    """Sidebar: show the operation as it stood at a chosen past moment (briefing, after-action review)."""
    s = data.settings()
    with st.sidebar:
        on = st.toggle("Tayangan ulang", key="replay_on",
                       help="Tampilkan operasi sebagaimana pada saat yang dipilih, dihitung dari riwayat kejadian")
        if not on:
            st.session_state["replay_at"] = None
            return
        st.session_state["replay_at"] = None  # the clock, not the last replay, is the default
        live = data.now().astimezone(WIB)
        day = st.date_input("Tanggal", value=live.date(), min_value=s.phase_start, max_value=live.date(),
                            key="replay_day", format="DD/MM/YYYY")
        clock = st.time_input("Jam (WIB)", value=dt.time(live.hour, 0), step=dt.timedelta(minutes=15),
                              key="replay_time")
        moment = dt.datetime.combine(day, clock, tzinfo=WIB).astimezone(dt.timezone.utc)
        st.session_state["replay_at"] = min(moment, data.now())
        st.caption("Semua angka dihitung ulang untuk saat ini. Matikan untuk kembali ke waktu operasi.")


def live_panel(fn):
    """Refresh a panel in place at the configured interval; a replayed moment does not move, so it does not refresh."""
    replay = st.session_state.get("replay_at") is not None
    return st.fragment(run_every=None if replay else data.settings().ui_refresh_seconds)(fn)


def page(title: str, compact: bool = False) -> dt.datetime:
    """Every page's opening: a clear word when there is no database yet, then the header; returns the moment shown."""
    if not data.schema_ready():
        no_database()
    return header(title, compact)


def require_tps() -> None:
    """Pages about TPS say what to do, rather than draw empty panels, before any TPS is loaded."""
    if not data.has_tps():
        st.info("Belum ada data TPS. Impor daftar TPS (`python -m ops import tps FILE`) atau jalankan "
                "`python -m ops init --demo` untuk operasi demo.")
        st.stop()


def header(title: str, compact: bool = False) -> dt.datetime:
    """Page title with the operation moment (WIB) and phase; returns the moment the page shows. `compact` keeps it to
    one line, so that what the page leads with stays on the first screen of a 1366x768 display."""
    s = data.settings()
    from ui.auth import login_box

    login_box()
    demo_banner()
    replay_control()
    from ui import wilayah

    f = wilayah.sidebar()
    # The command's name, and where it looks when drilled below its whole area.
    where = s.polres_name + ("" if f.is_top else f" · {data.place_names().area(f.code)}")
    # Streamlit's default top padding costs a command-room screen a tenth of its height.
    st.markdown("<style>.block-container{padding-top:%s;padding-left:2rem;padding-right:2rem}</style>"
                % ("1.2rem" if compact else "2.2rem"), unsafe_allow_html=True)
    now = data.now()
    phase = phase_at(now, s)
    replay = st.session_state.get("replay_at") is not None
    if compact:
        countdown = phase.countdown(now)
        replay_tag = "<b style='color:#e65100'>TAYANGAN ULANG · </b>" if replay else ""
        st.markdown(
            f"<div style='display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap;"
            f"border-bottom:1px solid #e0e0e0;padding-bottom:4px;margin-bottom:6px'>"
            f"<div><h1 style='display:inline;font-size:1.6rem;font-weight:700;padding:0;margin:0'>"
            f"{html.escape(title)}</h1> "
            f"<span style='color:#607d8b'>{html.escape(where)}</span></div>"
            f"<div>{replay_tag}"
            f"<b>{html.escape(fmt_long_wib(now))}</b> "
            f"<span style='background:#263238;color:white;padding:2px 8px;border-radius:4px'>"
            f"{html.escape(phase.h_label)} · {html.escape(TAHAPAN_LABEL[phase.tahapan])}</span> "
            f"<span style='color:#607d8b'>{html.escape(countdown or '')}</span></div></div>", unsafe_allow_html=True)
        return now
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    left.title(title)
    left.caption(f"{s.operation_name} · {where}")
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


def freshness_badge(f: Freshness, container=None) -> None:
    """'BMKG · Terkini · 4 mnt lalu' — a failing or old source can never look current."""
    (container or st).markdown(_badge_html(f), unsafe_allow_html=True)


def sources(*feeds: str, forecast=None) -> None:
    """A row of freshness badges for the feeds a panel is built from."""
    states = data.feed_states()
    parts = []
    for name in feeds:
        parts.append(_badge_html(states[name]))
    if forecast is not None:
        parts.append(_badge_html(forecast.freshness, forecast.note))
    st.markdown(" ".join(parts), unsafe_allow_html=True)


def _badge_html(f: Freshness, title: str | None = None) -> str:
    age = "belum pernah berhasil" if f.last_success is None else f"data {fmt_age(f.age_seconds)} lalu"
    return (f"<span style='background:{BADGE_COLOR[f.state]};color:white;padding:2px 8px;border-radius:10px;"
            f"font-size:0.78rem;white-space:nowrap'>{html_text(title or f.name)} · {html_text(f.label)} · "
            f"{html_text(age)}</span>")


def no_database() -> None:
    st.error("Basis data belum disiapkan. Jalankan `python -m ops init --demo` (demo) atau `python -m ops init`, "
             "lalu muat ulang halaman ini.")
    st.stop()


# Streamlit's markdown links bare addresses (http://…, www.…, name@host) in the text it has already unescaped, so no
# escape stops that: a word joiner (invisible, U+2060) inside the pattern does.
_WORD_JOINER = "\u2060"
_BARE_LINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)")


def plain(text) -> str:
    """User or feed text made inert for st.markdown, st.caption, st.success…, metric and expander labels: every ASCII
    punctuation mark escaped (no image, link, autolink, HTML, emphasis, heading, list, math, emoji or colour) and bare
    addresses broken so that they stay text."""
    unlinked = _BARE_LINK.sub(_WORD_JOINER, str(text if text is not None else ""))
    return "".join("\\" + ch if ch in string.punctuation else ch for ch in unlinked)


def html_text(text) -> str:
    """User or feed text for an HTML snippet given to st.markdown(unsafe_allow_html=True): html.escape, and more —
    such a snippet is still read as markdown where it does not start with a block tag, or after a blank line, so
    punctuation becomes character references, line breaks become spaces and bare addresses are broken as in plain()."""
    unlinked = _BARE_LINK.sub(_WORD_JOINER, " ".join(str(text if text is not None else "").splitlines()))
    return "".join(f"&#{ord(ch)};" if ch in string.punctuation else ch for ch in unlinked)


def demo_banner() -> None:
    """While any account still has the demo password published in the README, every page says so."""
    from ops.auth import published_password_accounts
    from ops.db import session_scope

    with session_scope(data.engine()) as s:
        names = published_password_accounts(s)
    if names:
        st.markdown(
            "<div style='background:#b71c1c;color:white;padding:6px 12px;border-radius:4px;margin-bottom:6px'>"
            f"<b>Akun demo aktif</b>: {html_text(', '.join(names))} masih memakai kata sandi demo yang tercantum di "
            "README. Ganti kata sandinya (halaman Pengguna &amp; audit, atau <code>python -m ops user NAMA</code>) "
            "sebelum dasbor ini dipakai untuk operasi sungguhan.</div>", unsafe_allow_html=True)


def current_user_name() -> str:
    """Who is acting in this session (the login sets it); 'posko' before roles are configured."""
    user = st.session_state.get("user")
    return user["username"] if user else "posko"


def number(n: int | float) -> str:
    """Indonesian thousands separator: 314.226."""
    return f"{n:,.0f}".replace(",", ".")


TONE_COLOR = {"baik": "#2e7d32", "waspada": "#f9a825", "buruk": "#c62828", "netral": "#78909c"}
TONE_TINT = {"baik": "#e8f5e9", "waspada": "#fff3cd", "buruk": "#fde0e0"}  # a table cell's background by its tone


def toned(df: pd.DataFrame, tones: dict[str, list[str]]):
    """`df` to show with the cells of the named columns tinted by their tones, one a row (baik, waspada, buruk; any
    other word leaves the cell plain)."""
    def paint(col: pd.Series) -> list[str]:
        return [f"background-color: {TONE_TINT[t]}" if t in TONE_TINT else "" for t in tones[col.name]]
    return df.style.apply(paint, subset=list(tones))


TILE_CSS = """
<style>
.mtile { border: 1px solid #e0e0e0; border-left: 7px solid var(--tone); border-radius: 6px; padding: 4px 10px 5px;
         background: white; min-height: 118px; margin-bottom: 4px; }
/* A title wraps to a second line on a narrow screen rather than losing its end ("TPS siap · hari pem…"). */
.mtile .l { font-size: 0.8rem; color: #455a64; line-height: 1.2; overflow-wrap: anywhere; }
.mtile .v { font-size: 1.55rem; font-weight: 700; color: var(--tone); line-height: 1.15; }
.mtile .v small { font-size: 0.95rem; color: #607d8b; font-weight: 600; }
.mtile .n { font-size: 0.72rem; color: #607d8b; line-height: 1.2; }
.mtile.stale { background: repeating-linear-gradient(45deg, #fff3e0, #fff3e0 8px, #ffe0b2 8px, #ffe0b2 16px); }
.mtile .stale-word { color: #e65100; font-weight: 700; font-size: 0.72rem; }
</style>
"""


def measure_tile(m, states: dict, delta: str | None = None) -> str:
    """One headline measure as a coloured tile (HTML, every text escaped): value against its reference, what it
    counts, and — when a source behind it is not current — hatched with DATA LAMA."""
    bad = [states[f] for f in m.feeds if f in states and states[f].state in ("stale", "error", "never")]
    e = html.escape
    stale = (f"<div class='stale-word'>DATA LAMA: {e(', '.join(f.name for f in bad))}</div>" if bad else "")
    return (f"<div class='mtile{' stale' if bad else ''}' style='--tone:{TONE_COLOR[m.tone]}'>"
            f"<div class='l'>{e(m.label)}</div><div class='v'>{e(m.value)}"
            + (f" <small>/ {e(m.of)}</small>" if m.of else "") + "</div>"
            f"<div class='n'>{e(m.note)}" + (f" · {e(delta)}" if delta else "") + f"</div>{stale}</div>")


CHRONICLE_ROWS = 30  # incidents on a page of the Kejadian chronicle


def page_of(count: int, per_page: int, key: str, label: str) -> slice:
    """Which of `count` rows to draw: a page of `per_page`, chosen by number when there is more than one (a Polda or
    the nation has thousands; the most urgent come first, so the first page is what a commander reads)."""
    pages = -(-count // per_page)
    page = 1
    if pages > 1:
        left, _ = st.columns([1, 2])
        page = left.number_input(f"{label}: halaman, dari {number(pages)} ({per_page} sehalaman, paling mendesak "
                                 "dulu)", min_value=1, max_value=pages, value=1, step=1, key=key)
    return slice((page - 1) * per_page, page * per_page)


def tile_grid(tiles: list[str], per_row: int) -> None:
    st.markdown(TILE_CSS, unsafe_allow_html=True)
    for start in range(0, len(tiles), per_row):
        for col, t in zip(st.columns(per_row, gap="small"), tiles[start:start + per_row]):
            col.markdown(t, unsafe_allow_html=True)


def link_to(page: str, label: str, icon: str | None = None, query_params: dict | None = None, container=None) -> None:
    """A link to another page; a page run on its own (tests, a bookmarked script) has no navigation: then the words."""
    from streamlit.errors import StreamlitAPIException

    where = container or st
    try:
        where.page_link(page, label=label, icon=icon, query_params=query_params)
    except StreamlitAPIException:
        where.caption(f"→ {label}")
