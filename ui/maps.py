"""The operation map on screen (Peta, Ringkasan, the wall): its layers read through ui.data, the basemap when it
answers, the captions made from the figure's facts, and a click on the map kept in step with the TPS picker."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import plotly.graph_objects as go
import streamlit as st

from ops.config import get_settings
from ops.maps import Context, Layers, Style, View, available, clicked, operation_map
from ops.phase import phase_at
from ui import components as c
from ui import data

TILE_PROBLEM = {"tak_terjangkau": "tidak terjangkau", "http": "menjawab HTTP {detail}",
                "bukan_gambar": "tidak mengirim gambar"}
LEVEL_WORD = {"desa": "desa/kelurahan", "kecamatan": "kecamatan", "kabupaten": "kabupaten/kota",
              "provinsi": "provinsi"}


def tps_table(key: str, colour: str | None = None, area: str = ""):
    """The TPS (of `area`, when given) with their readiness; coloured by reaction time, also the minutes for the
    nearest reserve to arrive (computed only then: it measures every TPS against every reserve)."""
    tps = data.tps_readiness(key, area)
    if colour == "reaksi":
        tps = tps.merge(data.reaction_table(key, area)[["code", "reaksi_menit"]], on="code", how="left")
    return tps


def modes(tps, phase: str) -> list[str]:
    """The colourings the map can offer: those whose columns the TPS table has, and reaction time (always computable
    from the reserves, so offered before its column is read)."""
    return [m.key for m in available(tps.assign(reaksi_menit=float("nan")), phase)]


def layers(key: str, view: View, area: str = "") -> Layers:
    """Only the layers shown are read; with `area`, only what lies in it."""
    shown = view.shown
    return Layers(tps=tps_table(key, view.colour, area),
                  officers=_officers_in(key, area) if "personel" in shown else None,
                  incidents=data.incident_table(key, area) if "kejadian" in shown else None,
                  legs=data.map_legs(key, area) if "jalur" in shown else None,
                  warnings=[w for w in data.active_warnings(key) if not area or any(
                      (k or "").startswith(area + ".") or k == area for k in w["kecamatan_codes"] or [])]
                  if "peringatan" in shown else [])


def _officers_in(key: str, area: str):
    """The officers whose post (a guard cluster's TPS) lies in the area; all of them for the whole operation."""
    return data.officer_board(key, area or None)


def figure(moment: dt.datetime, view: View, height: int, width: int, dark: bool = False, scale: float = 1.0,
           font_size: float = 12.0, legend: bool = True, area: str = "") -> go.Figure:
    """The operation map at `moment`; with `area` (a kabupaten or kecamatan drilled into) only its TPS, boundaries
    and layers. Drawn once a minute for each view, size and area, and shared (read only: st.plotly_chart copies it):
    drawing 13,000 TPS and their routes took most of a page's run every time."""
    s = data.settings()
    check = data.basemap()
    tiles = s.map_tiles if check is not None and check.ok else ""
    return _figure(s.model_dump_json(), data.moment_key(moment), view.colour, tuple(sorted(view.shown)), view.routes,
                   view.chosen, view.focus, height, width, dark, scale, font_size, legend, area, tiles, _moment=moment)


@st.cache_resource(ttl=get_settings().cache_ttl_seconds, max_entries=24, show_spinner=False)
def _figure(settings_json: str, key: str, colour: str, shown: tuple, routes: str, chosen: str | None,
            focus: str | None, height: int, width: int, dark: bool, scale: float, font_size: float, legend: bool,
            area: str, tiles: str, _moment: dt.datetime) -> go.Figure:
    """(`settings_json`: the settings in force, the database's address with them, so that a map follows a change.)"""
    s = data.settings()
    style = Style(height=height, width=width, dark=dark, scale=scale, font_size=font_size, legend=legend,
                  tiles=tiles, max_points=s.map_max_points)
    ctx = Context(phase_at(_moment, s).tahapan, s.readiness_ready_threshold)
    view = View(colour=colour, shown=frozenset(shown), routes=routes, chosen=chosen, focus=focus)
    return operation_map(data.map_base(area), layers(key, view, area), view, style, ctx, data.place_names().area)


def forget() -> None:
    """Draw every map afresh (data.forget: after an import or an entry)."""
    _figure.clear()


def notes(fig: go.Figure, key: str, shown: frozenset, area: str = "") -> list[str]:
    """What the map holds and how it was drawn: officers, incidents and warnings counted, approximate river paths,
    grouped TPS, a basemap that did not answer."""
    meta = fig.layout.meta or {}
    s = data.settings()
    out = []
    if "personel" in shown:
        officers = _officers_in(key, area)
        out.append(f"{int(officers['lat'].notna().sum())} personel berposisi; "
                   f"{int((officers['status'] == 'senyap').sum())} perangkat senyap "
                   f"(> {s.traccar_silent_minutes} mnt tanpa posisi)")
    if "kejadian" in shown:
        out.append(f"{meta['incidents']} kejadian terbuka")
    if "peringatan" in shown:
        out.append(f"{meta['warnings']} peringatan BMKG berlaku" if meta["warnings"]
                   else "tidak ada peringatan BMKG berlaku")
    if "jalur" in shown and meta["legs"]:
        out.append("jalur sungai digambar lewat desa jalur sungai: perkiraan, bukan hasil survei")
    if meta.get("tps_level", "tps") != "tps":
        out.append(f"{c.number(meta['tps_total'])} TPS melebihi batas {c.number(s.map_max_points)} "
                   f"penanda, jadi digabung per {LEVEL_WORD[meta['tps_level']]}: besar lingkaran = jumlah TPS, "
                   "warna = keadaan terburuk di dalamnya; klik lingkaran untuk memperbesar")
    check = data.basemap()
    if check is not None and not check.ok:
        # The server's name only: a tile URL can carry an access key.
        out.append("peta dasar " + TILE_PROBLEM[check.problem].format(detail=check.detail)
                   + f" ({urlsplit(check.url).netloc}); latar kosong dengan batas wilayah dipakai")
    return out


def follow_click(chart: str, picker: str, focus: str) -> None:
    """Before the picker is drawn: a click on a TPS chooses it in the picker, a click on a grouped area zooms to it.
    Each click counts once; the picker stays free to choose another TPS while the map still holds the old click."""
    event = st.session_state.get(chart) or {}
    hit = clicked((event.get("selection") or {}).get("points") or [])
    seen = st.session_state.get(f"{chart}_seen")
    st.session_state[f"{chart}_seen"] = hit
    if hit is None or hit == seen:
        return
    kind, code = hit
    if kind == "tps":
        st.session_state[picker] = code
    else:
        st.session_state[focus] = code
        st.session_state[picker] = None
