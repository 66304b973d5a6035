"""Kejadian: incidents with severity and state, and what was done about each."""
import streamlit as st

from ops.clock import fmt_wib
from ops.headline import incident_measures
from ops.incidents import SEVERITY_LABEL, SEVERITY_TONE, STATE_LABEL, STATE_TONE
from ui import components as c
from ui import data, kejadian, wilayah

now = c.page("Kejadian")
places = data.place_names()


def kecamatan(code) -> str:
    """By name; a Polda's or Mabes' with its kabupaten (one kecamatan name is found in many provinces)."""
    return places.kecamatan(code) if isinstance(code, str) else "—"


@c.live_panel
def incidents_panel():
    moment = data.now()
    key, area = data.moment_key(moment), wilayah.area(wilayah.focus())
    inc = data.incident_table(key, area)
    if inc.empty:
        st.success("Belum ada kejadian tercatat sampai saat ini.")
        return
    c.tile_grid([c.measure_tile(m, {}) for m in incident_measures(inc, data.settings(), moment)], per_row=4)
    f1, f2 = st.columns(2)
    sev = f1.multiselect("Tingkat", list(SEVERITY_LABEL), format_func=SEVERITY_LABEL.get, key="inc_sev",
                         placeholder="Semua tingkat")
    state = f2.multiselect("Keadaan", list(STATE_LABEL), format_func=STATE_LABEL.get, key="inc_state",
                           placeholder="Semua keadaan")
    chosen = (inc["severity"].isin(sev) if sev else True) & (inc["state"].isin(state) if state else True)
    view = inc[chosen] if sev or state else inc
    words = kejadian.table(key, area)
    # Widths in pixels, so that time, state, title and place fit a 1366-pixel screen (the rest scrolls into view).
    widths = {"Waktu": 125, "Tingkat": 70, "Keadaan": 85, "Kejadian": 260, "Kecamatan": 140, "TPS": 140}
    shown = words[chosen] if sev or state else words
    tones = {"Tingkat": [SEVERITY_TONE.get(v, "") for v in shown["severity"]],
             "Keadaan": [STATE_TONE.get(v, "") for v in shown["state"]]}
    st.dataframe(c.toned(shown.drop(columns=["severity", "state"]), tones), hide_index=True, width="stretch",
                 column_config={col: st.column_config.TextColumn(width=w) for col, w in widths.items()})
    st.markdown("**Kronologi**")
    for i in view.iloc[c.page_of(len(view), c.CHRONICLE_ROWS, "inc_page", "Kronologi")].itertuples():
        label = f"{c.plain(i.ref)} · {SEVERITY_LABEL[i.severity]} · {STATE_LABEL[i.state]} — {c.plain(i.title)}"
        with st.expander(label):
            st.markdown(f"{fmt_wib(i.occurred_at)} · {c.plain(kecamatan(i.kecamatan_code))} · "
                        f"pelapor: {c.plain(i.reporter or '—')}")
            if isinstance(i.description, str) and i.description:  # pandas gives NaN for no description
                st.markdown(c.plain(i.description))
            for u in i.updates:
                st.markdown(f"- **{fmt_wib(u['at'], False)}** {STATE_LABEL.get(u['state'], u['state'])} — "
                            f"{c.plain(u['actor'] or '')}: {c.plain(u['note'] or '')}")


incidents_panel()
