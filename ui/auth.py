"""Login in the sidebar and the role a page needs. Reading is open on the Posko network; writing needs a login."""
from __future__ import annotations

import streamlit as st

from ops import auth
from ops.db import session_scope
from ui import data
from ui.components import plain


def may(role: str | None, action: str) -> bool:
    return auth.may(role, action)


def current() -> dict | None:
    return st.session_state.get("user")


def login_box() -> None:
    user = current()
    with st.sidebar:
        if user:
            st.caption(f"Masuk sebagai **{plain(user['full_name'])}** ({auth.ROLE_LABEL[user['role']]})")
            if st.button("Keluar", key="logout"):
                st.session_state.pop("user", None)
                st.rerun()
            return
        with st.form("login", clear_on_submit=True):
            st.caption("Masuk untuk mencatat, memverifikasi atau mengimpor data")
            name = st.text_input("Nama pengguna", key="login_user")
            password = st.text_input("Kata sandi", type="password", key="login_password")
            if st.form_submit_button("Masuk"):
                with session_scope(data.engine()) as s:
                    found = auth.authenticate(s, name, password)
                    if found:
                        st.session_state["user"] = {"username": found.username, "full_name": found.full_name,
                                                    "role": found.role}
                if found:
                    st.rerun()
                st.error("Nama pengguna atau kata sandi salah.")


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
