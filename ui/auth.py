"""Login in the sidebar and the role a page needs. Reading is open on the Posko network; writing needs a login.

The session keeps only who signed in and when: every page run reads the user again, so an account disabled, demoted or
given a new password since the sign-in loses its pages and buttons at once."""
from __future__ import annotations

import math
import secrets

import streamlit as st

from ops import auth, logins
from ops.db import session_scope
from ui import data
from ui.components import plain

USER = "user"  # {"username", "signed_in_at"}, and the name and role as last read
SESSION_KEY = "login_session_key"  # this browser session's own key for throttling, never shown whole
ENDED = "signed_out_because"

ENDED_TEXT = {"tidak_ada": "akun Anda tidak ada lagi.", "nonaktif": "akun Anda dinonaktifkan oleh admin.",
              "diubah": "peran, status atau kata sandi akun Anda diubah sejak Anda masuk. Silakan masuk kembali."}


def may(role: str | None, action: str) -> bool:
    return auth.may(role, action)


def session_key() -> str:
    if SESSION_KEY not in st.session_state:
        st.session_state[SESSION_KEY] = secrets.token_urlsafe(18)
    return st.session_state[SESSION_KEY]


def current() -> dict | None:
    """The signed-in user as the database knows them now; None (and the session signed out) when the account is gone,
    disabled or changed since the sign-in."""
    held = st.session_state.get(USER)
    if not held:
        return None
    with session_scope(data.engine()) as s:
        user, why = auth.still_signed_in(s, held["username"], held.get("signed_in_at"))
        fresh = {**held, "full_name": user.full_name, "role": user.role} if user else None
    if fresh is None:
        st.session_state.pop(USER, None)
        st.session_state[ENDED] = why
        return None
    st.session_state[USER] = fresh
    return fresh


def login_box() -> None:
    user = current()
    with st.sidebar:
        if user:
            st.caption(f"Masuk sebagai **{plain(user['full_name'])}** ({auth.ROLE_LABEL[user['role']]})")
            if st.button("Keluar", key="logout"):
                st.session_state.pop(USER, None)
                st.rerun()
            return
        ended = st.session_state.pop(ENDED, None)
        if ended:
            st.warning("Anda dikeluarkan: " + ENDED_TEXT[ended])
        with st.form("login", clear_on_submit=True):
            st.caption("Masuk untuk mencatat, memverifikasi atau mengimpor data")
            name = st.text_input("Nama pengguna", key="login_user")
            password = st.text_input("Kata sandi", type="password", key="login_password")
            if st.form_submit_button("Masuk"):
                if not name.strip() or not password:
                    st.error("Isi nama pengguna dan kata sandi.")
                    return
                result = logins.login(data.engine(), data.settings(), name, password, session_key())
                if result.user:
                    u = result.user
                    st.session_state[USER] = {"username": u.username, "full_name": u.full_name, "role": u.role,
                                              "signed_in_at": u.at}
                    st.rerun()
                st.error(login_refusal(result))


def login_refusal(result: logins.LoginResult) -> str:
    """Why a try did not sign in, in the words the person needs; it never tells whether the name exists."""
    first = {"nonaktif": "Akun ini dinonaktifkan: hubungi admin.", "ditunda": "Terlalu banyak percobaan gagal.",
             "terkunci": "Terlalu banyak percobaan gagal: masuk dikunci sementara."}.get(
        result.reason, "Nama pengguna atau kata sandi salah.")
    if not result.wait_seconds:
        return first
    if result.locked:
        return (f"{first} Coba lagi dalam {math.ceil(result.wait_seconds / 60)} menit, atau minta admin membuka "
                "kuncinya di halaman Pengguna & audit.")
    return f"{first} Coba lagi dalam {math.ceil(result.wait_seconds)} detik."


def require(action: str) -> dict:
    """Stop the page with a clear word unless the signed-in user may do `action`; return that user."""
    user = current()
    if user and auth.may(user["role"], action):
        return user
    need = auth.ROLE_LABEL[auth.NEEDS[action]]
    if user:
        st.warning(f"Peran {auth.ROLE_LABEL[user['role']]} tidak dapat melakukan ini; perlu peran {need} atau di atasnya.")
    else:
        st.info(f"Halaman ini untuk peran {need} atau di atasnya: masuk lewat kolom di sisi kiri.")
    st.stop()
