"""Data & impor: pemutakhiran (verification of every TPS); the import, template and export of every list an operation
is set up from (ops.importers.kinds)."""
import pandas as pd
import streamlit as st

from ops import entries
from ops.auth import AuthError, authorize
from ops.clock import fmt_wib
from ops.db import session_scope
from ops.headline import verification_measures
from ops.importers import FileProblem, ImportRejected, export
from ops.importers.kinds import KINDS
from ops.templates import template_bytes
from ops.vocabulary import KERAWANAN_LABEL
from ui import auth
from ui import components as c
from ui import data
from ui import forms

now = c.page("Data & impor")
s = data.settings()
VERIF_LABEL = {"belum": "Belum dicek", "terverifikasi": "Terverifikasi", "perlu_cek": "Perlu cek ulang"}

summary = data.tps_summary()
v = summary["verification"]
total = summary["total"]
st.subheader("Pemutakhiran data TPS")
if total:
    st.markdown(f"### {c.number(v['terverifikasi'])} dari {c.number(total)} TPS terverifikasi")
    st.progress(v["terverifikasi"] / total)
    c.tile_grid([c.measure_tile(m, {}) for m in verification_measures(v, total, s)], per_row=3)
    todo = data.verification_list()
    todo = todo[todo["verification"] != "terverifikasi"]
    st.markdown(f"**TPS yang masih harus dicek ({len(todo)})** — jumlah, lokasi, kelas kerawanan, jarak tempuh")
    st.dataframe(pd.DataFrame({
        "TPS": todo["number"].map("TPS {:03d}".format), "Desa": todo["desa"], "Kecamatan": todo["kecamatan"],
        "Kerawanan": todo["kerawanan"].map(KERAWANAN_LABEL), "Jarak (km)": todo["distance_km"],
        "Status": todo["verification"].map(VERIF_LABEL), "Terakhir oleh": todo["verified_by"].fillna("—"),
        "Kapan": todo["verified_at"].map(lambda x: fmt_wib(x) if x is not None and x == x else "—")}),
        hide_index=True, width="stretch", height=300)
    user = auth.current()
    if user and auth.may(user["role"], "verify"):
        forms.start("f_verify", {"vf_tps": None, "vf_state": "terverifikasi", "vf_note": ""})
        with st.form("f_verify"):
            st.markdown("**Catat hasil verifikasi**")
            options = list(todo["code"]) + [x for x in data.tps_points()["code"] if x not in set(todo["code"])]
            pts = data.tps_points()
            label = {r.code: f"TPS {r.number:03d} {r.desa}, Kec. {r.kecamatan} · {r.code}" for r in pts.itertuples()}
            code = st.selectbox("TPS", options, index=None, key="vf_tps", format_func=label.get,
                                placeholder="Ketik nama desa atau kecamatan")
            state = st.radio("Hasil", list(VERIF_LABEL), format_func=VERIF_LABEL.get, horizontal=True, key="vf_state")
            note = st.text_input("Catatan (mis. lokasi dipindah ke balai desa)", key="vf_note", max_chars=1000)
            if st.form_submit_button("Simpan verifikasi", type="primary"):
                forms.save("f_verify", lambda session: entries.verify(session, user["username"], code or "", state,
                                                                      note), done=f"{code}: {VERIF_LABEL[state]}")
    else:
        st.caption("Masuk sebagai Operator Posko atau di atasnya untuk mencatat verifikasi.")
else:
    st.info("Belum ada TPS: impor daftar Polsek lalu daftar TPS di bawah (peran Admin).")

st.subheader("Impor daftar operasi", anchor="impor")
st.caption("Operasi disiapkan dari daftar-daftar ini (lihat halaman Persiapan operasi): CSV UTF-8 dengan baris judul, "
           "atau lembar pertama XLSX dengan judul kolom di baris 1. Semua baris diperiksa lebih dulu; bila ada satu "
           "baris salah, tidak ada yang diubah dan setiap baris salah disebut.")
asked = st.query_params.get("impor")  # the checklist links here with the list that fixes its gap
kind = st.radio("Daftar", list(KINDS), index=list(KINDS).index(asked if asked in KINDS else "tps"),
                format_func=lambda k: KINDS[k].label, horizontal=True, key="imp_kind")
chosen = KINDS[kind]
st.markdown(f"**Kolom — {chosen.label}**: " + ", ".join(
    f"`{col.name}`" + ("" if col.required else " (opsional)") for col in chosen.columns))
left, right = st.columns(2)
for col, suffix in zip((left, right), export.FORMATS):
    # A template is a blank form: anyone may take one; the XLSX explains every column on its second sheet.
    col.download_button(f"Templat {chosen.label} ({suffix[1:].upper()})",
                        lambda kind=kind, suffix=suffix: template_bytes(kind, suffix),
                        f"templat_{chosen.sheet}{suffix}", export.FORMATS[suffix], key=f"tpl_{suffix[1:]}")
user = auth.current()
if user and auth.may(user["role"], "import"):
    upload = st.file_uploader("Berkas CSV atau XLSX", type=["csv", "xlsx"], key="imp_file",
                              help=f"Maksimal {s.import_max_bytes / 1e6:.0f} MB")
    if upload is not None and st.button("Impor", type="primary", key="imp_go"):
        bar = st.progress(0.0, text="Memeriksa setiap baris…")
        try:
            with session_scope(data.engine()) as session:
                authorize(session, user["username"], "import")
                report = chosen.run(session, s, upload.getvalue(), upload.name, user["username"],
                                    progress=lambda f: bar.progress(min(1.0, f),
                                                                    text=f"Memeriksa dan menyimpan… {f:.0%}"))
        except (FileProblem, AuthError) as e:
            bar.empty()
            st.error(f"{c.plain(upload.name)}: {c.plain(e)}. Tidak ada yang diubah.")
        except ImportRejected as e:
            bar.empty()
            st.error(f"{c.plain(upload.name)}: {len(e.problems)} masalah — tidak ada yang diubah. Perbaiki baris "
                     "berikut lalu impor lagi.")
            st.dataframe(pd.DataFrame([{"Baris": p.row or "—", "Kolom": p.column or "—", "Masalah": p.reason}
                                       for p in e.problems]), hide_index=True, width="stretch")
        else:
            bar.progress(1.0, text="Selesai")
            data.forget()
            st.success(c.plain(report))
            if report.warnings:  # saved, but worth a look: a rank that does not fit the age in the NRP
                st.warning(f"{len(report.warnings)} baris tersimpan tetapi perlu diperiksa:")
                st.dataframe(pd.DataFrame([{"Baris": p.row, "Kolom": p.column, "Peringatan": p.reason}
                                           for p in report.warnings]), hide_index=True, width="stretch")
else:
    st.caption("Impor hanya untuk peran Admin (masuk lewat kolom di sisi kiri).")

st.subheader("Unduh data dalam format impor")
st.caption("Teks yang diawali = + - @ diberi tanda kutip tunggal di depannya agar tidak dijalankan sebagai rumus oleh "
           "Excel; impor membuang tanda kutip itu lagi.")
stamp = now.strftime("%Y%m%d")
columns = st.columns(3)
for i, (kind, k) in enumerate(KINDS.items()):
    frame = data.export_frame(kind)
    for suffix, mime in export.FORMATS.items():
        # The file is made when it is asked for: an XLSX of a long list costs seconds a rerun need not spend.
        columns[i % 3].download_button(f"{k.label} ({suffix[1:].upper()})",
                                       lambda frame=frame, kind=kind, suffix=suffix: export.file_bytes(frame, kind,
                                                                                                      suffix),
                                       f"{k.sheet}_{stamp}{suffix}", mime, key=f"dl_{kind}_{suffix[1:]}")
