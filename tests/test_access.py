"""Who may do what: login with bcrypt-hashed passwords, every form with and without login and with each role, an
audit entry for every write, and user text that never becomes HTML."""
import datetime as dt
import html
import re

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from ops import auth, entries
from ops import models as m
from ops.clock import from_wib
from ops.config import get_settings
from ops.db import get_engine, session_scope

from conftest import CHROMIUM_SKIP, ROOT

TEN = from_wib(dt.datetime(2024, 11, 27, 10, 0))
ROLES = {"viewer": "pemantau", "operator": "operator", "commander": "komandan", "admin": "admin"}


def page(path: str, role: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / path), default_timeout=120)
    if role:
        at.session_state["user"] = {"username": ROLES[role], "full_name": ROLES[role], "role": role}
    return at.run()


def count(model, *where) -> int:
    with session_scope(get_engine(get_settings().database_url)) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_passwords_are_hashed_and_checked(demo_copy):
    with session_scope(get_engine(demo_copy)) as s:
        user = s.get(m.AppUser, "operator")
        assert user.password_hash.startswith("$2") and "operator-demo-2024" not in user.password_hash
        assert auth.authenticate(s, "operator", "operator-demo-2024").role == "operator"
        assert auth.authenticate(s, "operator", "salah-sandi-123") is None
        assert auth.authenticate(s, "tidak-ada", "operator-demo-2024") is None
        assert auth.check_password(s, "operator", "salah-sandi-123") == (None, "sandi_salah")
        assert auth.check_password(s, "tidak-ada", "operator-demo-2024") == (None, "tidak_dikenal")
        assert auth.check_password(s, "operator", "x" * 100) == (None, "sandi_salah")  # bcrypt reads 72 bytes at most
        auth.update_user(s, "admin", "operator", active=False)
        assert auth.authenticate(s, "operator", "operator-demo-2024") is None
        assert auth.check_password(s, "operator", "operator-demo-2024") == (None, "nonaktif")
        assert s.get(m.AppUser, "operator").changed_at is not None  # open sessions of this account end
        with pytest.raises(auth.AuthError, match="minimal 8"):
            auth.create_user(s, "admin", "baru", "Baru", "viewer", "pendek")
    assert count(m.AuditLog, m.AuditLog.entity == "pengguna", m.AuditLog.entity_id == "operator") >= 1


@pytest.mark.parametrize("role, allowed", [("viewer", False), ("operator", True), ("commander", True),
                                           ("admin", True)])
def test_roles_per_action(role, allowed):
    assert auth.may(role, "entry") is allowed
    assert auth.may(role, "import") is (role == "admin")
    assert auth.may(None, "read") is False and auth.may("viewer", "read")


def test_login_form_signs_in_and_rejects_a_wrong_password(demo_copy):
    at = page("entri.py")
    assert "masuk lewat kolom" in at.info[0].value
    at.sidebar.text_input(key="login_user").input("operator")
    at.sidebar.text_input(key="login_password").input("keliru-sekali")
    at.sidebar.button[0].click().run()
    assert "salah" in at.sidebar.error[0].value and "user" not in at.session_state
    at.sidebar.text_input(key="login_user").input("operator")
    at.sidebar.text_input(key="login_password").input("operator-demo-2024")
    at.sidebar.button[0].click().run()
    assert at.session_state["user"]["role"] == "operator"
    assert not at.info or "masuk lewat kolom" not in at.info[0].value


@pytest.mark.parametrize("path", ["entri.py", "admin.py"])
def test_write_pages_refuse_without_login_and_to_viewers(demo_copy, path):
    assert "masuk lewat kolom" in page(path).info[0].value
    at = page(path, "viewer")
    assert "tidak dapat" in at.warning[0].value and not at.get("form")[1:]  # only the sidebar's login form, if any


def test_operator_reports_a_tps_status_through_the_form(demo_copy):
    at = page("entri.py", "operator")
    assert not at.exception
    at.selectbox(key="st_tps").set_value("16.10.05.2031.002")
    at.selectbox(key="st_status").set_value("gangguan")
    at.date_input(key="st_day").set_value(dt.date(2024, 11, 27))
    at.time_input(key="st_time").set_value(dt.time(9, 55))
    at.text_input(key="st_reporter").input("Ketua KPPS <b>Budi</b>")
    at.button(key="FormSubmitter:f_status-Catat status").click().run()
    assert not at.exception and "dicatat" in at.success[0].value
    with session_scope(get_engine(get_settings().database_url)) as s:
        ev = s.scalars(select(m.TpsStatusEvent).where(m.TpsStatusEvent.source == "operator")).one()
        assert ev.tps_code == "16.10.05.2031.002" and ev.reporter == "Ketua KPPS <b>Budi</b>"
        audit = s.scalars(select(m.AuditLog).where(m.AuditLog.action == "lapor_status")).one()
        assert audit.actor == "operator" and audit.after["status"] == "gangguan"


def test_form_errors_are_words_not_tracebacks(demo_copy):
    at = page("entri.py", "operator")
    at.button(key="FormSubmitter:f_status-Catat status").click().run()  # no TPS chosen
    assert not at.exception and "Pilih TPS" in at.error[0].value
    at.selectbox(key="st_tps").set_value("16.10.05.2031.002")
    at.date_input(key="st_day").set_value(dt.date(2024, 12, 30))  # after the operation clock
    at.button(key="FormSubmitter:f_status-Catat status").click().run()
    assert not at.exception and "masa depan" in at.error[0].value
    assert count(m.TpsStatusEvent, m.TpsStatusEvent.source == "operator") == 0


def test_every_entry_appends_an_event_and_an_audit_row(demo_copy):
    s_ = get_settings()
    with session_scope(get_engine(s_.database_url)) as s:
        audits = s.scalar(select(func.count()).select_from(m.AuditLog))
        inc = entries.incident(s, "operator", TEN, "keributan", "sedang", "16.10.05", "Adu mulut di TPS", TEN,
                               tps_code="16.10.05.2031.002", follow_up="Bhabinkamtibmas menuju lokasi")
        entries.incident_update(s, "operator", TEN, inc.row.id, "selesai", "situasi kondusif", TEN)
        leg = s.scalars(select(m.LogisticsLeg).where(m.LogisticsLeg.stage == "tps-pps")).first()
        entries.handover(s, "operator", TEN, leg.id, "berangkat", TEN, None, "berangkat dengan pengawalan")
        with pytest.raises(entries.EntryError, match="nama penerima"):
            entries.handover(s, "operator", TEN, leg.id, "diserahkan", TEN, "", None)
        entries.coordination(s, "operator", TEN, "16.10.05", "16.10.05.2031", ["kepala_desa", "tokoh_agama"],
                             "Sambang desa", "Bhabinkamtibmas", None, TEN)
        entries.kerawanan_change(s, "komandan", "16.10.09.2012.002", "rawan", "dua keributan dalam sehari",
                                 ["riwayat keributan"])
        entries.verify(s, "operator", "16.10.05.2031.002", "perlu_cek", "alamat berubah")
        s.flush()
        assert s.scalar(select(func.count()).select_from(m.AuditLog)) == audits + 6
        change = s.scalars(select(m.AuditLog).where(m.AuditLog.action == "ubah_kerawanan")).one()
        assert change.before["kerawanan"] == "sangat_rawan" != change.after["kerawanan"] and change.after["alasan"] == "dua keributan dalam sehari"


def test_admin_page_lists_users_and_the_audit_log(demo_copy):
    with session_scope(get_engine(demo_copy)) as s:
        entries.verify(s, "operator", "16.10.05.2031.002", "perlu_cek", None)
    at = page("admin.py", "admin")
    assert not at.exception
    users, log = at.dataframe[0].value, at.dataframe[1].value
    assert set(users["Pengguna"]) == {"admin", "komandan", "operator", "pemantau"}
    assert "verifikasi" in set(log["Tindakan"]) and "operator" in set(log["Pelaku"])
    at.text_input(key="ua_user").input("piket1")
    at.text_input(key="ua_full").input("Piket Posko 1")
    at.selectbox(key="ua_role").set_value("operator")
    at.text_input(key="ua_pw").input("piket-posko-01")
    at.button(key="FormSubmitter:f_user_add-Tambah").click().run()
    assert not at.exception
    assert count(m.AppUser, m.AppUser.username == "piket1") == 1
    assert count(m.AuditLog, m.AuditLog.action == "tambah_pengguna", m.AuditLog.actor == "admin") == 1


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_verification_form_only_for_operators_and_up(demo_copy, role):
    at = page("data_tps.py", role)
    assert not at.exception
    assert "terverifikasi" in " ".join(m.value for m in at.markdown)
    forms = [f for f in at.get("form") if getattr(f, "proto", None) and "f_verify" in str(f.proto)]
    assert bool(forms) is (role != "viewer")


def test_each_entry_form_records_through_the_page(demo_copy):
    at = page("entri.py", "operator")
    day, clock = dt.date(2024, 11, 27), dt.time(9, 50)
    models = (m.Incident, m.LogisticsEvent, m.CoordinationActivity)
    before = {model: count(model) for model in models}

    def stamp(prefix):
        at.date_input(key=f"{prefix}_day").set_value(day)
        at.time_input(key=f"{prefix}_time").set_value(clock)

    at.selectbox(key="in_sev").set_value("tinggi")
    at.selectbox(key="in_kec").set_value("16.10.05")
    at.text_input(key="in_title").input("Massa berkumpul di depan TPS")
    stamp("in")
    at.button(key="FormSubmitter:f_incident-Catat kejadian").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.selectbox(key="lg_stage").set_value("tps-pps").run()
    at.selectbox(key="lg_kec").set_value("16.10.05").run()
    with session_scope(get_engine(get_settings().database_url)) as s:
        leg_id = s.scalars(select(m.LogisticsLeg.id).where(m.LogisticsLeg.stage == "tps-pps",
                                                           m.LogisticsLeg.kecamatan_code == "16.10.05")).first()
    at.selectbox(key="lg_leg").set_value(leg_id)
    at.selectbox(key="lg_state").set_value("berangkat")
    stamp("lg")
    at.button(key="FormSubmitter:f_leg-Catat").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.selectbox(key="co_kec").set_value("16.10.05").run()
    at.multiselect(key="co_roles").select("camat")
    at.text_input(key="co_topic").input("Rapat pengamanan penghitungan")
    at.text_input(key="co_led").input("Kapolsek Pemulutan")
    stamp("co")
    at.button(key="FormSubmitter:f_coord-Catat koordinasi").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.selectbox(key="kr_tps").set_value("16.10.09.2012.002")  # a sangat rawan TPS of the demo
    at.selectbox(key="kr_new").set_value("rawan")
    at.text_area(key="kr_reason").input("situasi sudah kondusif setelah mediasi")
    at.button(key="FormSubmitter:f_kerawanan-Ubah kerawanan").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    actions = {"catat_kejadian", "serah_terima", "catat_koordinasi", "ubah_kerawanan"}
    assert count(m.AuditLog, m.AuditLog.actor == "operator", m.AuditLog.action.in_(actions)) == 4
    assert {model: count(model) - before[model] for model in models} == {model: 1 for model in models}


# ---------------- names and titles stay text ----------------

EVIL = "![x](http://evil.example/x.png)"


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.sidebar.text_input(key="login_user").input(username)
    at.sidebar.text_input(key="login_password").input(password)
    at.sidebar.button[0].click().run()
    return at


def injected(url: str) -> None:
    """Two incidents a minute old titled with markdown images (one after a blank line, which would end an HTML block),
    and an operator whose full name is one."""
    from ops.clock import load_clock

    with session_scope(get_engine(url)) as s:
        at = load_clock(s).now() - dt.timedelta(minutes=1)
        for n, title in enumerate((EVIL, "Rapat\n\n![y](http://evil.example/y.png)"), start=1):
            inc = m.Incident(ref=f"KJD-UJI-0{n}", occurred_at=at, recorded_at=at, category="keributan",
                             severity="tinggi", kecamatan_code="16.10.05", tps_code="16.10.05.2031.002", title=title,
                             description="lihat <http://evil.example/a> www.evil.example dan mail@evil.example",
                             source="operator", reporter=EVIL)
            s.add(inc)
            s.flush()
            s.add(m.IncidentUpdate(incident_id=inc.id, state="terbuka", occurred_at=at, recorded_at=at, actor=EVIL,
                                   note="[tautan](http://evil.example/b)"))
        auth.create_user(s, "admin", "piket7", EVIL, "operator", "piket-tujuh-07")


def live_markup(at: AppTest) -> list[str]:
    """Every text Streamlit renders as markdown that would still make a link, an image or a bare address live."""
    texts = [x.value for kind in ("markdown", "caption", "success", "info", "warning", "error", "subheader")
             for x in at.get(kind)] + [x.label for x in at.expander] + [x.label for x in at.metric]
    live = re.compile(r"(?<!\\)!(?<!\\)\[|(?<!\\)\]\(|(?<!\\)<(?!/?(div|span|b|br|small|code|style)\b)|https?://|"
                      r"www\.|\w@")
    return [t for t in texts if "evil" in t and live.search(t)]


def test_an_image_in_a_title_or_a_full_name_stays_text(demo_copy):
    injected(demo_copy)
    at = sign_in(page("kejadian.py"), "piket7", "piket-tujuh-07")
    assert at.session_state["user"]["username"] == "piket7"
    seen = "\n".join([x.value for x in at.markdown] + [x.label for x in at.expander] +
                     [x.value for x in at.sidebar.caption])
    assert "evil\\.example" in seen and "KJD\\-UJI" in seen  # the text is there, escaped
    assert live_markup(at) == []
    ringkasan = AppTest.from_file(str(ROOT / "views" / "ringkasan.py"), default_timeout=120).run()
    assert "evil\\.example" in "\n".join(x.value for x in ringkasan.markdown) and live_markup(ringkasan) == []


def test_plain_leaves_no_markup_live():
    from ui.components import html_text, plain

    for text in (EVIL, "<http://evil.example>", "HTTPS://evil.example/a", "WWW.evil.example", "x@evil.example",
                 "<img src=http://evil.example/i.png>", "[a](http://evil.example)", ":red[merah] $x^2$ **tebal**"):
        out = plain(text)
        assert not re.search(r"(?<!\\)[!\[\]()<>*$:@./]", out), out  # every mark escaped
        assert not re.search(r"(?i)://|www\.|\w@", out.replace("\\", "")), out  # no bare address left whole
        cooked = html_text(text + "\n\nlagi")
        assert "\n" not in cooked and not re.search(r"[<>\[\]()!*$:@./]", cooked), cooked
        assert not re.search(r"(?i)://|www\.|\w@", html.unescape(cooked)), cooked


@pytest.mark.skipif(CHROMIUM_SKIP is not None, reason=str(CHROMIUM_SKIP))
def test_no_browser_fetches_or_links_what_a_title_or_name_points_at(demo_copy):
    """In real Chromium: the pages and the wall that show the injected incident and name ask nothing of evil.example
    and carry no link or image to it."""
    from playwright.sync_api import sync_playwright
    from test_browser import CHROMIUM, Server, settle

    injected(demo_copy)
    srv = Server(demo_copy.removeprefix("sqlite:///"), OPS_RUN_SCHEDULER_IN_APP="false").start()
    asked: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.on("request", lambda r: asked.append(r.url) if "evil" in r.url else None)
            page.goto(srv.url + "/kejadian")
            settle(page, until_text="KJD-UJI-02")
            page.get_by_label("Nama pengguna").fill("piket7")
            page.get_by_label("Kata sandi").fill("piket-tujuh-07")
            page.get_by_role("button", name="Masuk").click()
            settle(page, until_text="Masuk sebagai")
            page.get_by_text("KJD-UJI-01 · Tinggi").click()  # open the chronology
            page.wait_for_timeout(1000)
            shown = [page.inner_text("body")]
            live = page.eval_on_selector_all("a[href*=evil], img[src*=evil]", "els => els.length")
            page.goto(srv.url + "/")
            settle(page, until_text="Kejadian terbaru")
            live += page.eval_on_selector_all("a[href*=evil], img[src*=evil]", "els => els.length")
            page.goto(srv.url + "/?layar=dinding")
            settle(page, until_selector="#wall-rendered")
            shown.append(page.inner_text("body"))
            live += page.eval_on_selector_all("a[href*=evil], img[src*=evil]", "els => els.length")
            browser.close()
    finally:
        srv.stop()
    assert asked == [] and live == 0
    assert "![x](http:\u2060//evil.example/x.png)" in shown[0]  # shown as the text it is
    assert "![y](http:\u2060//evil.example/y.png)" in shown[1]  # the wall ticker, blank line and all
