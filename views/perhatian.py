"""Perhatian: every item that needs attention, with filters, its state and who took it; and the messages sent to
phones."""
import pandas as pd
import streamlit as st

from ops.clock import MACHINE_CLOCK, fmt_wib
from ops.perhatian.model import KINDS, SEVERITIES, SEVERITY_LABEL, STATE_LABEL
from ui import components as c
from ui import data, perhatian_items, wilayah
from ui import perhatian as ph

now = c.page("Perhatian")
c.require_tps()
st.caption("Yang perlu keputusan atau tindakan sekarang, dari aturan yang dijelaskan di README (bagian Perhatian): "
           "kritis dulu, lalu yang dieskalasi dan yang paling lama. Tangani: catat siapa bergerak; item yang "
           "keadaannya teratasi selesai sendiri.")
f1, f2, f3 = st.columns(3)
severity = f1.multiselect("Tingkat", list(SEVERITIES), format_func=SEVERITY_LABEL.get, key="ph_sev",
                          placeholder="Semua tingkat")
category = f2.multiselect("Kelompok", sorted(set(KINDS.values())), key="ph_cat", placeholder="Semua kelompok")
states = f3.multiselect("Keadaan", ["baru", "ditangani"], format_func=STATE_LABEL.get, key="ph_state",
                        placeholder="Baru dan ditangani")


@c.live_panel
def items_panel():
    moment = data.now()
    # The focus's items; a Polda's or Mabes' as the worker stored them (ui.wilayah.perhatian).
    items = wilayah.perhatian(data.moment_key(moment), wilayah.focus())
    chosen = [i for i in items if (not severity or i.severity in severity)
              and (not category or KINDS[i.kind] in category) and (not states or i.state in states)]
    st.markdown(ph.summary_html(chosen), unsafe_allow_html=True)
    shown = [i for i in chosen if i.state != "selesai"]
    rows = c.page_of(len(shown), ph.PAGE_ROWS, "ph_page", "Daftar")
    ph.listing(shown[rows], moment, key=f"pg{rows.start}")


items_panel()

st.subheader("Pesan ke telepon")
delivery = perhatian_items.delivery_state()
s = data.settings()
configured = [name for name, on in (("Telegram", bool(s.telegram_bot_token and s.telegram_chat_id)),
                                    ("Webhook", bool(s.webhook_url))) if on]
st.caption((f"Saluran aktif: {', '.join(configured)}. " if configured else
            "Belum ada saluran: isi telegram_bot_token dan telegram_chat_id atau webhook_url. ")
           + f"Dikirim: tingkat {s.notify_min_severity} ke atas, sekali per perubahan keadaan; eskalasi dikirim ulang.")
if delivery:
    st.dataframe(pd.DataFrame({
        "Saluran": [d["channel"] for d in delivery], "Menunggu": [d["waiting"] for d in delivery],
        "Terkirim": [d["sent"] for d in delivery],
        f"Terakhir terkirim ({MACHINE_CLOCK})": [fmt_wib(d["last_sent"]) if d["last_sent"] else "—" for d in delivery],
        "Keadaan": [f"gagal, dicoba lagi {fmt_wib(d['next_attempt'], False)} ({MACHINE_CLOCK})" if d["failing"]
                    else "lancar" for d in delivery],
        "Galat terakhir": [d["last_error"] or "" for d in delivery]}), hide_index=True, width="stretch")
