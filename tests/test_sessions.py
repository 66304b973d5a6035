"""Nobody in who should not be: every page run reads the signed-in user again (disabled, demoted, new password), every
write authorizes in its own transaction, sign-in is throttled and locked per user and per browser session in the
database, failures are audited, every answer costs the same bcrypt work, and the demo's published passwords raise a
banner."""
import datetime as dt
import json
import statistics
import time

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from ops import auth, logins
from ops import models as m
from ops.config import get_settings, reset_settings
from ops.db import get_engine, make_engine, session_scope, upgrade

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


# ---------------- throttling and lockout ----------------

@pytest.fixture
def quick_rules(monkeypatch):
    """Short waits: a delay of 0.2 s doubling after 3 failures, a lock after 5 within a minute, lasting 1.2 s."""
    for k, v in {"LOGIN_DELAY_AFTER_FAILURES": "3", "LOGIN_DELAY_SECONDS": "0.2", "LOGIN_MAX_FAILURES": "5",
                 "LOGIN_WINDOW_MINUTES": "1", "LOGIN_LOCKOUT_MINUTES": "0.02"}.items():
        monkeypatch.setenv(f"OPS_{k}", v)
    reset_settings()
    return get_settings()


@pytest.fixture
def accounts(db_url, quick_rules):
    """An empty database of each kind with two accounts; each test signs in through two engines, as two servers do."""
    upgrade(get_engine(db_url))
    with session_scope(get_engine(db_url)) as s:
        auth.create_user(s, "cli", "piket1", "Piket 1", "operator", "piket-satu-01")
        auth.create_user(s, "cli", "piket2", "Piket 2", "operator", "piket-dua-002")
    servers = (get_engine(db_url), make_engine(db_url))
    yield quick_rules, servers
    servers[1].dispose()


def test_after_three_failures_each_try_waits_without_checking_the_password(accounts):
    rules, (one, other) = accounts
    for _ in range(3):
        assert logins.login(one, rules, "piket1", "salah-sekali", "A").reason == "sandi_salah"
    early = logins.login(other, rules, "piket1", "piket-satu-01", "B")  # the right password, from another server
    assert early.user is None and early.reason == "ditunda" and 0 < early.wait_seconds <= 0.2
    time.sleep(0.25)
    fourth = logins.login(one, rules, "piket1", "salah-lagi", "A")
    assert fourth.reason == "sandi_salah" and 0.2 < fourth.wait_seconds <= 0.4  # the wait doubles
    time.sleep(0.45)
    assert logins.login(other, rules, "piket1", "piket-satu-01", "A").user.username == "piket1"
    # A success starts the count afresh, for the name and for the session: two more failures bring no wait.
    for _ in range(2):
        assert logins.login(one, rules, "piket1", "salah", "A").wait_seconds == 0


def test_the_count_is_kept_per_user_and_per_browser_session(accounts):
    rules, (one, other) = accounts
    for name in ("tamu1", "tamu2", "tamu3"):  # one session tries three names
        logins.login(one, rules, name, "tebak-tebak", "A")
    refused = logins.login(one, rules, "piket2", "piket-dua-002", "A")
    assert refused.reason == "ditunda"  # that session waits, whatever name it tries
    assert logins.login(other, rules, "piket2", "piket-dua-002", "B").user is not None  # another session does not


def test_a_lockout_after_n_failures_ends_by_time_or_by_an_admin(accounts):
    rules, (one, other) = accounts

    def fail(key="A"):
        result = logins.login(one, rules, "piket1", "salah-sekali", key)
        if not result.locked:
            time.sleep(result.wait_seconds + 0.01)
        return result

    results = [fail() for _ in range(5)]
    assert results[-1].locked and not results[-2].locked
    refused = logins.login(other, rules, "piket1", "piket-satu-01", "B")
    assert refused.reason == "terkunci" and refused.locked and refused.user is None
    with session_scope(one) as s:
        held = logins.locks(s, rules)
        assert {(x.kind, x.key) for x in held if x.locked} == {("pengguna", "piket1"), ("sesi", "A")}
        assert [a.after["kunci"] for a in s.scalars(select(m.AuditLog).where(m.AuditLog.action == "kunci_masuk"))] \
            == ["pengguna", "sesi"]
    time.sleep(1.3)  # the lock lasts 0.02 minutes
    assert logins.login(other, rules, "piket1", "piket-satu-01", "B").user is not None

    for _ in range(5):
        fail("C")
    assert logins.login(other, rules, "piket1", "piket-satu-01", "D").reason == "terkunci"
    with session_scope(one) as s:
        logins.unlock(s, "admin", "pengguna", "piket1")
    assert logins.login(other, rules, "piket1", "piket-satu-01", "D").user is not None
    with session_scope(one) as s:
        assert s.scalars(select(m.AuditLog).where(m.AuditLog.action == "buka_kunci_masuk")).one().actor == "admin"


def test_old_tries_are_pruned_without_changing_any_standing(accounts):
    """A public dashboard gets tries around the clock: the worker drops those too old to count (older than the
    window, the lockout and a day); a lock in force stays in force."""
    rules, (one, other) = accounts
    now = dt.datetime.now(dt.timezone.utc)
    with session_scope(one) as s:
        for days in (3, 2):  # long-past failures of a name that is locked now
            for i in range(6):
                s.add(m.LoginAttempt(at=now - dt.timedelta(days=days, seconds=i), username="piket2",
                                     session_key="X", ok=False, reason="sandi_salah"))
    for _ in range(5):
        result = logins.login(one, rules, "piket1", "salah-sekali", "A")
        if not result.locked:
            time.sleep(result.wait_seconds + 0.01)
    with session_scope(one) as s:
        before = {(x.kind, x.key, x.locked) for x in logins.locks(s, rules)}
        assert logins.prune(s, rules) == 12
    with session_scope(other) as s:
        assert s.query(m.LoginAttempt).count() == 5
        assert {(x.kind, x.key, x.locked) for x in logins.locks(s, rules)} == before
    assert logins.login(other, rules, "piket1", "piket-satu-01", "B").reason == "terkunci"
    assert logins.login(other, rules, "piket2", "piket-dua-002", "B").user is not None


def test_every_failed_login_is_audited_without_the_password(accounts):
    rules, (one, _) = accounts
    logins.login(one, rules, "piket1", "rahasia-salah-1", "A")
    logins.login(one, rules, "Tidak-Ada", "rahasia-salah-2", "A")
    with session_scope(one) as s:
        auth.update_user(s, "cli", "piket2", active=False)
    logins.login(one, rules, "piket2", "piket-dua-002", "A")
    logins.login(one, rules, "piket2", "rahasia-salah-3", "A")  # the fourth failure: the session must wait
    with session_scope(one) as s:
        rows = list(s.scalars(select(m.AuditLog).where(m.AuditLog.action == "gagal_masuk").order_by(m.AuditLog.id)))
        every = json.dumps([[a.actor, a.entity_id, a.before, a.after] for a in s.scalars(select(m.AuditLog))])
    assert [(a.entity_id, a.after["alasan"]) for a in rows] == [
        ("piket1", "sandi_salah"), ("tidak-ada", "tidak_dikenal"), ("piket2", "nonaktif"), ("piket2", "ditunda")]
    assert "rahasia-salah" not in every and "piket-dua-002" not in every


def test_the_login_form_says_coba_lagi_and_the_admin_sees_and_lifts_the_lock(demo_copy, quick_rules, monkeypatch):
    monkeypatch.setenv("OPS_LOGIN_LOCKOUT_MINUTES", "5")  # long enough for the admin to see it
    reset_settings()
    at = open_page("entri.py")
    for _ in range(3):
        sign_in(at, "operator", "keliru-sekali")
    sign_in(at, "operator", "operator-demo-2024")
    assert "user" not in at.session_state and "coba lagi dalam 1 detik" in at.sidebar.error[0].value.lower()
    for _ in range(2):
        time.sleep(0.9)
        sign_in(at, "operator", "keliru-sekali")
    sign_in(at, "operator", "operator-demo-2024")
    assert "dikunci" in at.sidebar.error[0].value and "user" not in at.session_state
    admin = AppTest.from_file(str(ROOT / "views" / "admin.py"), default_timeout=120)
    admin.session_state["user"] = {"username": "admin", "full_name": "Admin", "role": "admin"}
    admin.run()
    locked = admin.dataframe[1].value
    assert "operator" in set(locked["Nama / sesi"]) and locked["Keadaan"].str.startswith("terkunci").all()
    admin.selectbox(key="ul_pick").set_value(list(locked["Nama / sesi"]).index("operator"))
    admin.button(key="FormSubmitter:f_unlock-Buka kunci").click().run()
    assert not admin.exception
    sign_in(at, "operator", "operator-demo-2024")
    assert "dikunci" in at.sidebar.error[0].value  # the session itself is still locked
    sign_in(open_page("entri.py"), "operator", "operator-demo-2024")  # a new session signs in


# ---------------- equal cost ----------------

def test_unknown_disabled_and_wrong_password_cost_the_same(demo_copy, monkeypatch):
    monkeypatch.setenv("OPS_LOGIN_DELAY_AFTER_FAILURES", "1000")
    monkeypatch.setenv("OPS_LOGIN_MAX_FAILURES", "2000")
    reset_settings()
    rules = get_settings()
    change("pemantau", active=False)

    names = ("tidak-ada", "operator", "pemantau")  # unknown, wrong password, disabled
    times: dict[str, list[float]] = {n: [] for n in names}
    for i in range(7):  # taken in turn, so that a busy machine slows all three alike
        for name in names:
            start = time.perf_counter()
            assert logins.login(engine(), rules, name, "bukan-sandinya", f"{name}{i}").user is None
            times[name].append(time.perf_counter() - start)
    unknown, wrong, disabled = (statistics.median(times[n]) for n in names)
    assert max(unknown, wrong, disabled) / min(unknown, wrong, disabled) < 1.5, times
    assert wrong > 0.05  # a real bcrypt check, not a shortcut


# ---------------- the demo's published passwords ----------------

def demo_banner(at: AppTest) -> str | None:
    return next((x.value for x in at.markdown if "Akun demo aktif" in x.value), None)


def test_the_demo_banner_shows_while_a_published_password_lasts(demo_copy):
    banner = demo_banner(open_page("kejadian.py"))
    assert banner and all(n in banner for n in ("admin", "komandan", "operator", "pemantau"))
    for name in ("admin", "komandan", "operator"):
        change(name, password=f"{name}-sandi-baru-9")
    banner = demo_banner(open_page("kejadian.py"))
    assert "pemantau" in banner and "operator" not in banner
    change("pemantau", password="pemantau-sandi-baru-9")
    assert demo_banner(open_page("kejadian.py")) is None
    change("pemantau", password="pemantau-demo-2024")  # set back to the published one: the banner returns
    assert "pemantau" in demo_banner(open_page("kejadian.py"))


def test_only_init_demo_creates_the_published_accounts(db_url):
    from ops.bootstrap import init_database

    init_database(get_settings(), demo=False)
    with session_scope(get_engine(db_url)) as s:
        assert auth.users(s) == [] and auth.published_password_accounts(s) == []
