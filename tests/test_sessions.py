"""Nobody in who should not be: every page run reads the signed-in user again (disabled, demoted, new password), and
every write authorizes in its own transaction."""
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from ops import auth
from ops import models as m
from ops.config import get_settings
from ops.db import get_engine, session_scope

from conftest import ROOT
from test_access import sign_in


def engine():
    return get_engine(get_settings().database_url)


def open_page(path: str) -> AppTest:
    return AppTest.from_file(str(ROOT / "views" / path), default_timeout=120).run()


def change(username: str, **what) -> None:
    with session_scope(engine()) as s:
        auth.update_user(s, "admin", username, **what)


def has_verify_form(at: AppTest) -> bool:
    return any("f_verify" in str(getattr(f, "proto", "")) for f in at.get("form"))


def verifications_by(username: str) -> int:
    with session_scope(engine()) as s:
        return len(list(s.scalars(select(m.AuditLog).where(m.AuditLog.action == "verifikasi",
                                                           m.AuditLog.actor == username))))


# ---------------- revoking reaches open sessions ----------------

@pytest.mark.parametrize("what, said", [({"active": False}, "dinonaktifkan"), ({"role": "viewer"}, "diubah")])
def test_an_operator_disabled_or_demoted_mid_way_is_refused_and_loses_the_page(demo_copy, what, said):
    at = sign_in(open_page("data_tps.py"), "operator", "operator-demo-2024")
    assert at.session_state["user"]["role"] == "operator" and has_verify_form(at)
    at.selectbox(key="vf_tps").set_value("16.10.05.2031.002")
    change("operator", **what)  # the admin acts while the form is open
    at.button(key="FormSubmitter:f_verify-Simpan verifikasi").click().run()
    assert not at.exception
    assert verifications_by("operator") == 0
    assert "user" not in at.session_state and not has_verify_form(at)
    assert said in at.sidebar.warning[0].value


def test_a_password_changed_since_the_login_ends_the_session(demo_copy):
    at = sign_in(open_page("admin.py"), "admin", "admin-demo-2024")
    assert at.session_state["user"]["username"] == "admin" and not at.info
    change("admin", password="sandi-baru-2025")
    at.run()
    assert "user" not in at.session_state and "diubah" in at.sidebar.warning[0].value
    assert "masuk lewat kolom" in at.info[0].value
    sign_in(at, "admin", "sandi-baru-2025")
    assert at.session_state["user"]["username"] == "admin"


def test_the_role_is_read_again_on_every_run(demo_copy):
    at = AppTest.from_file(str(ROOT / "views" / "admin.py"), default_timeout=120)
    at.session_state["user"] = {"username": "komandan", "full_name": "Wakapolres", "role": "admin"}  # stale
    at.run()
    assert "tidak dapat" in at.warning[0].value and at.session_state["user"]["role"] == "commander"


@pytest.fixture
def stale_session(monkeypatch):
    """The race the page cannot see: the account changes after the page drew its form and before the write."""
    import ui.auth

    def hold(username: str, role: str):
        monkeypatch.setattr(ui.auth, "current", lambda: {"username": username, "full_name": username, "role": role})
    return hold


def test_every_write_authorizes_in_its_own_transaction(demo_copy, stale_session):
    stale_session("operator", "operator")
    at = open_page("data_tps.py")
    change("operator", active=False)
    at.selectbox(key="vf_tps").set_value("16.10.05.2031.002")
    at.button(key="FormSubmitter:f_verify-Simpan verifikasi").click().run()
    assert "tidak aktif" in at.error[0].value and verifications_by("operator") == 0

    stale_session("admin", "admin")
    at = open_page("admin.py")
    with session_scope(engine()) as s:  # another admin demotes this one
        auth.update_user(s, "cli", "admin", role="operator")
    at.text_input(key="ua_user").input("piket9")
    at.text_input(key="ua_full").input("Piket 9")
    at.text_input(key="ua_pw").input("piket-posko-09")
    at.button(key="FormSubmitter:f_user_add-Tambah").click().run()
    assert "tidak dapat" in at.error[0].value
    with session_scope(engine()) as s:
        assert s.get(m.AppUser, "piket9") is None

    at = open_page("data_tps.py")
    at.file_uploader(key="imp_file").set_value(("tps.csv", b"kode_tps\n", "text/csv"))
    at.run()
    at.button(key="imp_go").click().run()
    assert "tidak dapat" in at.error[0].value
    with session_scope(engine()) as s:
        assert not list(s.scalars(select(m.AuditLog).where(m.AuditLog.entity == "berkas_tps")))
