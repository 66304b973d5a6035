"""Data TPS & personel: pemutakhiran (verification of every TPS), imports of the TPS list and the roster, exports."""
import pandas as pd
import streamlit as st

from ops import entries
from ops.clock import fmt_wib
from ops.db import session_scope
from ops.importers import FileProblem, ImportRejected, export
from ops.importers.personnel import COLUMNS as PERSONNEL_COLUMNS
from ops.importers.personnel import import_personnel
from ops.importers.tps import COLUMNS as TPS_COLUMNS
from ops.importers.tps import import_tps
from ops.vocabulary import KERAWANAN_LABEL
from ui import auth
from ui import components as c
from ui import data
from ui import forms

now = c.page("Data TPS & personel")
s = data.settings()
VERIF_LABEL = {"belum": "Belum dicek", "terverifikasi": "Terverifikasi", "perlu_cek": "Perlu cek ulang"}

summary = data.tps_summary()
v = summary["verification"]
total = summary["total"]
st.subheader("Pemutakhiran data TPS")
if total:
    st.markdown(f"### {c.number(v['terverifikasi'])} dari {c.number(total)} TPS terverifikasi")
    st.progress(v["terverifikasi"] / total)
    cols = st.columns(3)
    for col, key in zip(cols, VERIF_LABEL):
        c.kpi(col, VERIF_LABEL[key], c.number(v[key]))
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
    st.info("Belum ada TPS: impor daftar TPS di bawah (peran Admin).")

st.subheader("Impor")
with st.expander("Kolom yang dibaca", expanded=False):
    st.markdown("**Daftar TPS**: " + ", ".join(f"`{col.name}`" + ("" if col.required else " (opsional)")
                                               for col in TPS_COLUMNS))
    st.markdown("**Daftar personel**: " + ", ".join(f"`{col.name}`" + ("" if col.required else " (opsional)")
                                                    for col in PERSONNEL_COLUMNS))
    st.caption("CSV UTF-8 dengan baris judul, atau lembar pertama XLSX dengan judul kolom di baris 1. Semua baris "
               "diperiksa lebih dulu; bila ada satu baris salah, tidak ada yang diubah dan setiap baris salah disebut.")
user = auth.current()
if user and auth.may(user["role"], "import"):
    kind = st.radio("Jenis data", ["TPS", "Personel"], horizontal=True, key="imp_kind")
    upload = st.file_uploader("Berkas CSV atau XLSX", type=["csv", "xlsx"], key="imp_file",
                              help=f"Maksimal {s.import_max_bytes / 1e6:.0f} MB")
    if upload is not None and st.button("Impor", type="primary", key="imp_go"):
        bar = st.progress(0.0, text="Memeriksa setiap baris…")
        run = import_tps if kind == "TPS" else import_personnel
        try:
            with session_scope(data.engine()) as session:
                report = run(session, s, upload.getvalue(), upload.name, user["username"],
                             progress=lambda f: bar.progress(min(1.0, f), text=f"Memeriksa dan menyimpan… {f:.0%}"))
        except FileProblem as e:
            bar.empty()
            st.error(f"{upload.name}: {e}. Tidak ada yang diubah.")
        except ImportRejected as e:
            bar.empty()
            st.error(f"{upload.name}: {len(e.problems)} masalah — tidak ada yang diubah. Perbaiki baris berikut lalu "
                     "impor lagi.")
            st.dataframe(pd.DataFrame([{"Baris": p.row or "—", "Kolom": p.column or "—", "Masalah": p.reason}
                                       for p in e.problems]), hide_index=True, width="stretch")
        else:
            bar.progress(1.0, text="Selesai")
            st.cache_data.clear()
            st.success(str(report))
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
for col, (kind, label, frame) in zip(st.columns(2), [("tps", "Daftar TPS", data.export_tps()),
                                                    ("personnel", "Daftar personel", data.export_personnel())]):
    for suffix, mime in export.FORMATS.items():
        # The file is made when it is asked for: an XLSX of a long list costs seconds a rerun need not spend.
        col.download_button(f"{label} ({suffix[1:].upper()})",
                            lambda frame=frame, kind=kind, suffix=suffix: export.file_bytes(frame, kind, suffix),
                            f"{export.LISTS[kind][1]}_{stamp}{suffix}", mime, key=f"dl_{kind}_{suffix[1:]}")
