"""The Kejadian page's table in words, written out once a minute: formatting the nation's 4,747 incidents (times,
labels, place names) took a tenth of a second on every run of the page."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ops.clock import fmt_wib
from ops.config import get_settings
from ops.incidents import SEVERITY_LABEL, STATE_LABEL
from ui import data


@st.cache_data(ttl=get_settings().cache_ttl_seconds, max_entries=32, show_spinner=False)
def _table(url: str, moment_iso: str, area: str) -> pd.DataFrame:
    inc = data.incident_table(moment_iso, area)
    places = data.place_names()
    # What a commander reads first comes first, the reference last: on a 1366-pixel screen the table is cut at the
    # right, and the reference is in the chronicle below as well.
    return pd.DataFrame({
        "Waktu": inc["occurred_at"].map(lambda t: fmt_wib(t, with_year=False)), "Tingkat": inc["severity"].map(SEVERITY_LABEL),
        "Keadaan": inc["state"].map(STATE_LABEL), "Kejadian": inc["title"],
        "Kecamatan": inc["kecamatan_code"].map(lambda k: places.kecamatan(k) if isinstance(k, str) else "—"),
        "TPS": inc["tps_code"].map(lambda t: places.tps_short(t) if isinstance(t, str) else "—"),
        "Tindak lanjut terakhir": inc["last_note"].fillna("—"), "Kategori": inc["category"], "Ref": inc["ref"],
        "severity": inc["severity"], "state": inc["state"]})


def table(moment_iso: str, area: str = "") -> pd.DataFrame:
    """The area's incidents (data.incident_table, in its order) as the page lists them, in words, with `severity` and
    `state` as codes to filter on."""
    return _table(get_settings().database_url, moment_iso, area)
