"""The entry forms through their pages: a failed save keeps what was typed and says why in Indonesian, a report saved
twice is answered "sudah tercatat" with what is on record, and an account disabled since login records nothing."""
import datetime as dt
import sqlite3

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from ops import auth
from ops import models as m
from ops.db import get_engine, session_scope

from conftest import ROOT

DAY, CLOCK = dt.date(2024, 11, 27), dt.time(9, 50)
TPS = "16.10.05.2031.002"


def page(path: str = "entri.py") -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / path), default_timeout=120)
    at.session_state["user"] = {"username": "operator", "full_name": "Operator", "role": "operator"}
    return at.run()


def count(url: str, model, *where) -> int:
    with session_scope(get_engine(url)) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def rename_table(url: str, old: str, new: str) -> None:
    """Make every save fail (or work again): each entry writes its audit row to this table."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        db.execute(f"ALTER TABLE {old} RENAME TO {new}")


def fill_incident(at: AppTest, title: str) -> None:
    at.selectbox(key="in_sev").set_value("tinggi")
    at.selectbox(key="in_kec").set_value("16.10.05")
    at.text_input(key="in_title").input(title)
    at.text_area(key="in_desc").input("Sekitar 30 orang, belum ada kekerasan")
    at.date_input(key="in_day").set_value(DAY)
    at.time_input(key="in_time").set_value(CLOCK)


def fill_status(at: AppTest, reporter: str) -> None:
    at.selectbox(key="st_tps").set_value(TPS)
    at.selectbox(key="st_status").set_value("dibuka")
    at.date_input(key="st_day").set_value(DAY)
    at.time_input(key="st_time").set_value(CLOCK)
    at.text_input(key="st_reporter").input(reporter)


def submit(at: AppTest, form: str, label: str) -> AppTest:
    return at.button(key=f"FormSubmitter:{form}-{label}").click().run()


def test_a_database_failure_keeps_the_typed_form_and_a_retry_saves_once(demo_copy):
    at = page()
    fill_incident(at, "Massa berkumpul di depan TPS")
    rename_table(demo_copy, "audit_log", "audit_log_lepas")
    submit(at, "f_incident", "Catat kejadian")
    assert not at.exception
    assert "Tidak tersimpan: basis data sedang tidak dapat dihubungi (no such table: audit_log)" in at.error[0].value
    assert "Isian Anda masih ada; coba simpan lagi" in at.error[0].value
    assert at.text_input(key="in_title").value == "Massa berkumpul di depan TPS"
    assert at.text_area(key="in_desc").value == "Sekitar 30 orang, belum ada kekerasan"
    assert at.selectbox(key="in_sev").value == "tinggi" and at.time_input(key="in_time").value == CLOCK
    key = at.session_state["_entry_forms"]["f_incident"]["key"]

    rename_table(demo_copy, "audit_log_lepas", "audit_log")
    submit(at, "f_incident", "Catat kejadian")
    assert not at.exception and not at.error and "Kejadian dicatat" in at.success[0].value
    assert at.text_input(key="in_title").value == "" and at.text_area(key="in_desc").value == ""
    assert at.session_state["_entry_forms"]["f_incident"]["spent"][1] == key  # the retry saved with the same key

    # A second click that arrives with the same values after the first one's answer finds the record.
    fill_incident(at, "Massa berkumpul di depan TPS")
    submit(at, "f_incident", "Catat kejadian")
    assert not at.exception and "Sudah tercatat" in at.info[0].value and "oleh operator" in at.info[0].value
    assert count(demo_copy, m.Incident, m.Incident.title == "Massa berkumpul di depan TPS") == 1


def test_the_same_tps_status_twice_is_answered_with_the_record(demo_copy):
    at = page()
    fill_status(at, "Ketua KPPS <b>Budi</b> [tautan](http://contoh.test)")
    submit(at, "f_status", "Catat status")
    assert not at.exception and "dicatat" in at.success[0].value
    fill_status(at, "Pelapor lain")
    submit(at, "f_status", "Catat status")
    assert not at.exception and not at.error
    answer = at.info[0].value
    assert "Sudah tercatat" in answer and TPS.replace(".", "\\.") in answer and "oleh operator" in answer
    # what is on record, shown as inert text
    from ui.components import plain
    assert plain("Ketua KPPS <b>Budi</b> [tautan](http://contoh.test)") in answer
    assert count(demo_copy, m.TpsStatusEvent, m.TpsStatusEvent.source == "operator") == 1


def test_a_disabled_operator_is_refused_and_signed_out(demo_copy):
    at = page()
    with session_scope(get_engine(demo_copy)) as s:
        auth.update_user(s, "admin", "operator", active=False)
    fill_status(at, "Ketua KPPS")
    submit(at, "f_status", "Catat status")
    # The session re-reads the account before anything else: it ends, and nothing is recorded.
    assert not at.exception and "dinonaktifkan" in " ".join(w.value for w in at.warning)
    assert "user" not in at.session_state
    assert count(demo_copy, m.TpsStatusEvent, m.TpsStatusEvent.source == "operator") == 0


def test_the_verification_form_keeps_its_values_on_failure_and_saves_a_result_once(demo_copy):
    at = page("data_tps.py")

    def fill():
        at.selectbox(key="vf_tps").set_value(TPS)
        at.radio(key="vf_state").set_value("perlu_cek")
        at.text_input(key="vf_note").input("alamat berubah")

    fill()
    rename_table(demo_copy, "audit_log", "audit_log_lepas")
    submit(at, "f_verify", "Simpan verifikasi")
    assert not at.exception and "Isian Anda masih ada" in at.error[0].value
    assert at.selectbox(key="vf_tps").value == TPS and at.text_input(key="vf_note").value == "alamat berubah"
    rename_table(demo_copy, "audit_log_lepas", "audit_log")
    submit(at, "f_verify", "Simpan verifikasi")
    assert not at.exception and "Perlu cek ulang" in at.success[0].value
    assert at.selectbox(key="vf_tps").value is None and at.radio(key="vf_state").value == "terverifikasi"
    fill()
    submit(at, "f_verify", "Simpan verifikasi")
    assert not at.exception and "Sudah tercatat" in at.info[0].value
    assert count(demo_copy, m.AuditLog, m.AuditLog.action == "verifikasi") == 1
