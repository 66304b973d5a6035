"""Pengguna & audit (admin): accounts and roles, and the log of every change — who, what, before, after, when."""
import json
import math

import pandas as pd
import streamlit as st

from ops import auth as ops_auth
from ops import logins
from ops.clock import MACHINE_CLOCK, fmt_wib
from ops.db import session_scope
from ui import auth
from ui import components as c
from ui import data

now = c.page("Pengguna & audit")
user = auth.require("users")

st.subheader("Pengguna")
with session_scope(data.engine()) as s:
    people = [{"Pengguna": u.username, "Nama": u.full_name, "Peran": ops_auth.ROLE_LABEL[u.role],
               "Aktif": "ya" if u.active else "tidak", f"Dibuat ({MACHINE_CLOCK})": fmt_wib(u.created_at)}
              for u in ops_auth.users(s)]
st.dataframe(pd.DataFrame(people), hide_index=True, width="stretch")
left, right = st.columns(2)
with left, st.form("f_user_add", clear_on_submit=True):
    st.markdown("**Tambah pengguna**")
    name = st.text_input("Nama pengguna", key="ua_user")
    full = st.text_input("Nama lengkap / jabatan", key="ua_full")
    role = st.selectbox("Peran", list(ops_auth.ROLES), format_func=ops_auth.ROLE_LABEL.get, key="ua_role")
    pw = st.text_input("Kata sandi awal (min. 8)", type="password", key="ua_pw")
    if st.form_submit_button("Tambah"):
        try:
            with session_scope(data.engine()) as s:
                ops_auth.authorize(s, user["username"], "users")
                ops_auth.create_user(s, user["username"], name, full, role, pw)
        except ops_auth.AuthError as e:
            st.error(c.plain(e))
        else:
            st.success(f"Pengguna {c.plain(name)} ditambahkan.")
            st.rerun()
with right, st.form("f_user_edit", clear_on_submit=True):
    st.markdown("**Ubah pengguna**")
    who = st.selectbox("Pengguna", [p["Pengguna"] for p in people], key="ue_user")
    role = st.selectbox("Peran baru", [None, *ops_auth.ROLES], format_func=lambda r: "(tetap)" if r is None else
                        ops_auth.ROLE_LABEL[r], key="ue_role")
    active = st.selectbox("Aktif", [None, True, False], format_func=lambda a: {None: "(tetap)", True: "aktif",
                                                                               False: "nonaktif"}[a], key="ue_active")
    pw = st.text_input("Kata sandi baru (kosong: tetap)", type="password", key="ue_pw")
    if st.form_submit_button("Simpan"):
        if who == user["username"] and (active is False or (role and role != "admin")):
            st.error("Admin tidak dapat menonaktifkan atau menurunkan perannya sendiri.")
        else:
            try:
                with session_scope(data.engine()) as s:
                    ops_auth.authorize(s, user["username"], "users")
                    ops_auth.update_user(s, user["username"], who, role=role, active=active, password=pw or None)
            except ops_auth.AuthError as e:
                st.error(c.plain(e))
            else:
                st.success(f"{c.plain(who)} diperbarui.")
                st.rerun()

st.subheader("Kunci masuk")


def waiting(lock: logins.Lock) -> str:
    left = (f"{math.ceil(lock.wait_seconds / 60)} menit" if lock.wait_seconds >= 60 else
            f"{math.ceil(lock.wait_seconds)} detik")
    return f"{'terkunci' if lock.locked else 'jeda'}, {left} lagi"


def lock_name(lock: logins.Lock) -> str:
    return lock.key if lock.kind == "pengguna" else f"sesi {lock.key[:8]}"


with session_scope(data.engine()) as s:
    held = logins.locks(s, data.settings())
if held:
    st.dataframe(pd.DataFrame([{"Jenis": x.kind, "Nama / sesi": lock_name(x), "Gagal": x.failures,
                                "Keadaan": waiting(x), "Nama dicoba": ", ".join(x.names)} for x in held]),
                 hide_index=True, width="stretch")
    with st.form("f_unlock"):
        pick = st.selectbox("Nama atau sesi", range(len(held)), key="ul_pick",
                            format_func=lambda i: f"{held[i].kind}: {lock_name(held[i])}")
        if st.form_submit_button("Buka kunci"):
            try:
                with session_scope(data.engine()) as s:
                    ops_auth.authorize(s, user["username"], "users")
                    logins.unlock(s, user["username"], held[pick].kind, held[pick].key)
            except ops_auth.AuthError as e:
                st.error(c.plain(e))
            else:
                st.rerun()
else:
    s_ = data.settings()
    st.caption(f"Tidak ada nama pengguna atau sesi yang harus menunggu. Setelah {s_.login_delay_after_failures} kali "
               f"gagal masuk, tiap percobaan berikutnya menunggu makin lama; setelah {s_.login_max_failures} kali dalam "
               f"{s_.login_window_minutes:g} menit, nama dan sesinya dikunci {s_.login_lockout_minutes:g} menit.")

st.subheader("Log audit")
a, b = st.columns(2)
actor = a.text_input("Pelaku", key="au_actor")
entity = b.selectbox("Jenis data", [None, "tps", "personel", "kejadian", "logistik", "koordinasi", "pengguna",
                                    "berkas_tps", "berkas_personel"], format_func=lambda e: e or "(semua)",
                     key="au_entity")
log = data.audit(actor.strip() or None, entity)
st.caption(f"{len(log)} entri terbaru (maksimal 500)")
st.dataframe(pd.DataFrame({
    f"Waktu ({MACHINE_CLOCK})": log["at"].map(fmt_wib), "Pelaku": log["actor"], "Tindakan": log["action"],
    "Data": log["entity"],
    "Kode": log["entity_id"], "Sebelum": log["before"].map(lambda v: json.dumps(v, ensure_ascii=False) if v else ""),
    "Sesudah": log["after"].map(lambda v: json.dumps(v, ensure_ascii=False) if v else "")}),
    hide_index=True, width="stretch", height=480)
