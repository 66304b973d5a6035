"""The Posko wall: dark, large, no scrolling. Every panel carries its data's age; a stale source greys its panel out.

All text placed into HTML here is escaped; the markup itself is fixed.
"""
from __future__ import annotations

import datetime as dt
import html

import streamlit as st
import streamlit.components.v1 as components

from ops.clock import fmt_age, fmt_long_wib
from ops.freshness import Freshness
from ops.vocabulary import TAHAPAN_LABEL
from ui.components import html_text

VIEW_TITLE = {"ringkasan": "Ringkasan", "peta": "Peta operasi", "kecamatan": "Kesiapan per kecamatan",
              "logistik": "Logistik & jalur sungai"}

CSS = """
<style>
  html, body, .stApp, [data-testid="stAppViewContainer"] { background: #0b1620 !important; color: #eceff1; }
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stSidebar"], [data-testid="stDecoration"],
  [data-testid="stSidebarCollapsedControl"], footer { display: none !important; }
  [data-testid="stMainBlockContainer"], .block-container { padding: 0.6rem 1.4rem 0 1.4rem !important;
      max-width: 100% !important; }
  [data-testid="stAppViewContainer"] { overflow: hidden !important; }
  .wall-top { display: flex; justify-content: space-between; align-items: flex-end; border-bottom: 2px solid #263645;
      padding-bottom: 0.4vh; margin-bottom: 0.8vh; }
  .wall-title { font-size: 2.2vw; font-weight: 700; line-height: 1.1; }
  .wall-sub { font-size: 1.05vw; color: #90a4ae; }
  .wall-clock { font-size: 2.6vw; font-weight: 700; text-align: right; line-height: 1.05; }
  .wall-phase { display: inline-block; background: #ffd54f; color: #0b1620; font-weight: 700; padding: 0.1vw 0.6vw;
      border-radius: 0.3vw; font-size: 1.15vw; }
  .wall-view { font-size: 1.3vw; color: #b0bec5; }
  .tile { background: #132230; border: 2px solid #24394c; border-radius: 0.6vw; padding: 0.8vh 0.9vw;
      min-height: 16vh; }
  .tile.short { min-height: 0; }
  .tile.stale { border-color: #ff9800; background: repeating-linear-gradient(135deg, #1b2833, #1b2833 12px,
      #202d38 12px, #202d38 24px); opacity: 0.75; }
  .tile .label { font-size: 1.15vw; color: #b0bec5; }
  .tile .value { font-size: 3.3vw; font-weight: 800; line-height: 1.1; }
  .tile .value small { font-size: 1.6vw; color: #90a4ae; font-weight: 600; }
  .tile .value.long { font-size: 2.3vw; }
  .tile .value.long small { font-size: 1.2vw; }
  .tile.tone { border-left: 0.6vw solid var(--tone); }
  .tile .note { font-size: 0.95vw; color: #90a4ae; }
  .good { color: #69f0ae; } .warn { color: #ffd740; } .bad { color: #ff5252; }
  .age { font-size: 0.85vw; color: #78909c; }
  .age.stale { color: #ff9800; font-weight: 700; }
  .ticker { position: fixed; left: 0; right: 0; bottom: 0; background: #0b1620; z-index: 10;
      border-top: 2px solid #263645; padding: 0.8vh 0 1.2vh 0; font-size: 1.3vw; white-space: nowrap; overflow: hidden; }
  .ticker .track { display: inline-block; padding-left: 100vw; animation: wall-ticker var(--dur) linear infinite; }
  .ticker span { margin-right: 3vw; }
  .ticker b { color: #ffd54f; }
  .ticker .sev { font-weight: 800; padding: 0 0.4vw; border-radius: 0.2vw; color: white; }
  @keyframes wall-ticker { from { transform: translateX(0); } to { transform: translateX(-100%); } }
  .ph-panel { background: #132230; border: 2px solid #24394c; border-radius: 0.6vw; padding: 0.8vh 0.8vw;
      height: 66vh; overflow: hidden; }
  .ph-panel h3 { font-size: 1.5vw; margin: 0 0 0.6vh 0; padding: 0; color: #eceff1; }
  .ph-panel .counts span { font-size: 1.05vw; font-weight: 700; margin-right: 0.8vw; }
  .ph-panel .it { border-left: 0.45vw solid var(--ph); padding: 0.35vh 0.5vw; margin-bottom: 0.7vh;
      background: #0f1c27; }
  /* The place wraps to a second line rather than losing its kecamatan ("Kec. Tanjun…"); a third is cut. */
  .ph-panel .it .p { font-size: 1.1vw; font-weight: 700; line-height: 1.2; overflow: hidden; display: -webkit-box;
      -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
  .ph-panel .it .t { font-size: 0.95vw; color: #cfd8dc; line-height: 1.25; max-height: 2.5em; overflow: hidden; }
  .ph-panel .it .m { font-size: 0.8vw; color: #90a4ae; }
  .ph-panel .more { font-size: 1vw; color: #90a4ae; }
  .list { font-size: 1.2vw; line-height: 1.45; }
  .list .row { display: flex; justify-content: space-between; border-bottom: 1px solid #1f3142; }
  .banner { background: #e65100; color: white; font-size: 1.4vw; font-weight: 700; padding: 0.4vh 1vw;
      border-radius: 0.4vw; margin-bottom: 0.6vh; }
</style>
"""

# Watches the server from the browser: a failed health check shows a banner and, once the server answers again,
# reloads the page so the wall recovers by itself; a wall whose content stopped changing says so as well.
WATCHDOG = """
<script>
(function () {
  const doc = window.parent.document;
  let down = false;
  function banner(text) {
    let b = doc.getElementById("wall-connection");
    if (!text) { if (b) b.remove(); return; }
    if (!b) {
      b = doc.createElement("div");
      b.id = "wall-connection";
      b.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:99999;background:#b71c1c;color:#fff;" +
        "font:700 2vw sans-serif;padding:1.2vh 2vw;text-align:center";
      doc.body.appendChild(b);
    }
    b.textContent = text;
  }
  async function check() {
    try {
      const r = await fetch(window.parent.location.origin + "/_stcore/health", {cache: "no-store"});
      if (!r.ok) throw new Error(r.status);
      if (down) { window.parent.location.reload(); return; }
      const stamp = doc.getElementById("wall-rendered");
      const age = stamp ? (Date.now() / 1000 - Number(stamp.dataset.t)) : 0;
      banner(age > __STALL__ ? "Tampilan tidak diperbarui sejak " + Math.round(age / 60) + " menit — memuat ulang" : null);
      if (age > __STALL__ * 2) window.parent.location.reload();
    } catch (e) {
      down = true;
      banner("Koneksi ke server Posko terputus — data di layar tidak diperbarui. Menyambung kembali…");
    }
  }
  setInterval(check, 5000);
})();
</script>
"""


def style() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


def watchdog(rotate_seconds: int) -> None:
    components.html(WATCHDOG.replace("__STALL__", str(max(90, rotate_seconds * 4))), height=0)


def top_bar(s, moment: dt.datetime, phase, view: str, index: int, total: int, replay: bool,
            where: str | None = None) -> None:
    """The command's name (and the area the wall is focused on), the view, the clock and the phase."""
    countdown = phase.countdown(moment) or ""
    dots = " ".join("●" if i == index else "○" for i in range(total))
    st.markdown(
        f"<div class='wall-top'><div><div class='wall-title'>POSKO PAM PILKADA · {html.escape(s.polres_name.upper())}"
        f"</div><div class='wall-sub'>{html.escape(s.operation_name)}"
        f"{' · ' + html.escape(where) if where else ''}</div>"
        f"<div class='wall-view' data-view='{html.escape(view)}'>{html.escape(VIEW_TITLE[view])} &nbsp; {dots}</div>"
        f"</div><div><div class='wall-clock'>{html.escape(fmt_long_wib(moment).split(' · ')[1])}</div>"
        f"<div class='wall-sub' style='text-align:right'>{html.escape(fmt_long_wib(moment).split(' · ')[0])}"
        f"{' · TAYANGAN ULANG' if replay else ''}</div>"
        f"<div style='text-align:right'><span class='wall-phase'>{html.escape(phase.h_label)} · "
        f"{html.escape(TAHAPAN_LABEL[phase.tahapan])}</span> <span class='wall-sub'>{html.escape(countdown)}</span>"
        f"</div></div></div>", unsafe_allow_html=True)


def stale_of(states: dict[str, Freshness], feeds: tuple[str, ...]) -> list[Freshness]:
    return [states[f] for f in feeds if states[f].state in ("stale", "error", "never")]


def age_line(states: dict[str, Freshness], feeds: tuple[str, ...]) -> str:
    """'data 40 dtk lalu' — or, when a source is failing, which one and how old its data is, in orange."""
    bad = stale_of(states, feeds)
    if bad:
        parts = [f"{f.name}: {f.label.upper()}" + (f", data {fmt_age(f.age_seconds)} lalu" if f.age_seconds else "")
                 for f in bad]
        return f"<div class='age stale'>⚠ DATA LAMA — {html.escape('; '.join(parts))}</div>"
    ages = [states[f].age_seconds for f in feeds if states[f].age_seconds is not None]
    return f"<div class='age'>data {html.escape(fmt_age(max(ages)))} lalu</div>" if ages else ""


TONE_CLASS = {"baik": "good", "waspada": "warn", "buruk": "bad", "netral": ""}
TONE_COLOR = {"baik": "#69f0ae", "waspada": "#ffd740", "buruk": "#ff5252", "netral": "#546e7a"}


def measure(m, states: dict[str, Freshness]) -> str:
    """A headline measure as a wall tile, coloured by its tone, hatched when a source behind it is not current."""
    return tile(m.label, m.value, m.of, m.note, TONE_CLASS[m.tone], bool(stale_of(states, m.feeds)),
                age_line(states, m.feeds) if m.feeds else "", tone_color=TONE_COLOR[m.tone])


def tile(label: str, value: str, of: str | None = None, note: str = "", tone: str = "", stale: bool = False,
         age: str = "", short: bool = False, tone_color: str | None = None) -> str:
    style = f" style='--tone:{tone_color}'" if tone_color else ""
    # A province's or the nation's counts ("817.056 / 823.220") in a smaller size, so that they stay on one line.
    long = " long" if len(value) + len(of or "") > 11 else ""
    return (f"<div class='tile{' stale' if stale else ''}{' short' if short else ''}{' tone' if tone_color else ''}'"
            f"{style}><div class='label'>{html.escape(label)}</div>"
            f"<div class='value {tone}{long}'>{html.escape(value)}"
            + (f" <small>/ {html.escape(of)}</small>" if of else "") + "</div>"
            f"<div class='note'>{html_text(note)}</div>{age}</div>")


def row_of_tiles(tiles: list[str]) -> None:
    cols = st.columns(len(tiles))
    for col, t in zip(cols, tiles):
        col.markdown(t, unsafe_allow_html=True)


def _ticker_entry(lead: str, text: str, color: str | None) -> str:
    head = (f"<span class='sev' style='background:{color}'>{html_text(lead)}</span>" if color
            else f"<b>{html_text(lead)}</b>")
    return f"<span>{head} {html_text(text)}</span>"


def ticker(entries: list[tuple[str, str, str | None]]) -> None:
    """A line that moves through every entry — (lead, text, severity colour) — at a readable pace. It is redrawn
    only when its entries change, so the movement does not jump back at every refresh."""
    seconds = max(30, 5 * len(entries) + sum(len(t) for _, t, _ in entries) // 12)
    body = "".join(_ticker_entry(*e) for e in entries) or "<span>Belum ada kejadian baru.</span>"
    st.markdown(f"<div class='ticker'><div class='track' style='--dur:{seconds}s'>{body}</div></div>",
                unsafe_allow_html=True)


def perhatian_panel(items, moment, names, limit: int = 5) -> None:
    """The permanent panel: what needs the commander, most urgent first, with place and age."""
    from ops.perhatian import wording
    from ops.perhatian.model import SEVERITY_COLOR, SEVERITY_LABEL

    open_items = [i for i in items if i.state != "selesai"]
    counts = "".join(f"<span style='color:{SEVERITY_COLOR[s]}'>{sum(1 for i in open_items if i.severity == s)} "
                     f"{html.escape(SEVERITY_LABEL[s].lower())}</span>"
                     for s in SEVERITY_LABEL if any(i.severity == s for i in open_items))
    rows = "".join(
        f"<div class='it' style='--ph:{SEVERITY_COLOR[i.severity]}'><div class='p'>"
        f"{html.escape(SEVERITY_LABEL[i.severity].upper())} · {html_text(i.place.name)}</div>"
        f"<div class='t'>{html_text(wording.title(i))}</div>"
        f"<div class='m'>{html.escape(wording.age(i, moment))}"
        f"{' · ditangani ' + html_text(i.taken_by or '') if i.state == 'ditangani' else ''}</div></div>"
        for i in open_items[:limit])
    more = len(open_items) - limit
    st.markdown(f"<div class='ph-panel'><h3>PERHATIAN</h3><div class='counts'>{counts or 'tidak ada'}</div>{rows}"
                + (f"<div class='more'>… dan {more} lainnya (lihat teks berjalan)</div>" if more > 0 else "")
                + "</div>", unsafe_allow_html=True)


def rendered_stamp(view: str) -> None:
    """The watchdog reads this to know the wall is still being refreshed."""
    st.markdown(f"<span id='wall-rendered' data-t='{dt.datetime.now().timestamp():.0f}' "
                f"data-view='{html.escape(view)}'></span>", unsafe_allow_html=True)


def listing(rows: list[tuple[str, str, str]]) -> str:
    return "<div class='list'>" + "".join(
        f"<div class='row'><span>{html_text(a)}</span><span class='{tone}'>{html_text(b)}</span></div>"
        for a, b, tone in rows) + "</div>"
