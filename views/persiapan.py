"""Persiapan operasi: the checklist an operation is set up by — each item with its count, what is missing by name,
and a link to the import (or the page, or the command) that fixes it."""
import streamlit as st

from ops import setup_check as sc
from ops.importers.kinds import KINDS
from ui import components as c
from ui import data

c.page("Persiapan operasi")
items = data.setup_items()
done = sum(i.done for i in items)
st.markdown(f"### {done} dari {len(items)} bagian siap")
st.progress(done / len(items))
st.caption("Operasi disiapkan dari berkas Polres sendiri (rapat pemutakhiran data): wilayah, Polsek, TPS, personel, "
           "pemangku kepentingan, rencana logistik dan kalender. Templat tiap daftar ada di halaman Data & impor.")

for item in items:
    box = st.container(border=True)
    head, link = box.columns([4, 1.3], vertical_alignment="center")
    mark = ":green[✔]" if item.done else ":red[✘]"
    head.markdown(f"{mark} **{sc.label(item.key)}** — {c.plain(sc.summary(item))}")
    for gap in item.gaps:
        head.markdown(f"{':red[●]' if gap.blocking else ':orange[●]'} {c.plain(sc.gap_sentence(gap))}")
    fix = sc.fix(item.key)
    if fix.kind == "import":
        c.link_to("views/data_tps.py", f"Impor {KINDS[fix.target].label}", ":material/upload_file:",
                  {"impor": fix.target}, link)
    elif fix.kind == "page":
        c.link_to(fix.target, "Buka halamannya", ":material/arrow_forward:", container=link)
    else:
        link.code(fix.target, language="bash")
st.caption("● merah: harus dilengkapi sebelum operasi berjalan · ● jingga: saran.")
