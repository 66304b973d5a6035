"""Perhatian: every rule on a hand-built situation, the demo's items at its moments, and the life of an item in the
database (new, taken, escalated, cleared, back again) on SQLite and PostgreSQL."""
import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import func, select

from ops import models as m
from ops import perhatian
from ops.auth import AuthError, create_user
from ops.clock import from_wib
from ops.config import get_settings
from ops.db import get_engine, session_scope, upgrade
from ops.freshness import Freshness
from ops.perhatian import rules, store, wording
from ops.perhatian.model import Item, Place, rank_key
from ops.perhatian.situation import Situation
from ops.phase import phase_at
from ops.places import Names
from ops.readiness import operation_times

from test_cli import run


def cli(*args):
    import os
    return run(*args, env_extra={"OPS_DATABASE_URL": os.environ["OPS_DATABASE_URL"]})

H = dt.date(2024, 11, 27)


def wib(day_offset: int, hh: int, mm: int = 0) -> dt.datetime:
    return from_wib(dt.datetime.combine(H + dt.timedelta(days=day_offset), dt.time(hh, mm)))


NAMES = Names({"16.10.05": ("Pemulutan", "kecamatan"), "16.10.05.2001": ("Pegayut", "desa"),
               "16.10.05.2002": ("Ibul Besar III", "desa"), "16.10.03": ("Tanjung Raja", "kecamatan"),
               "16.10.03.1001": ("Tanjung Raja", "kelurahan")}, {"PS-PEMULUTAN": "Polsek Pemulutan"})


def tps_row(code="16.10.05.2001.001", **kw) -> dict:
    kec = code[:8]
    row = {"code": code, "kecamatan_code": kec, "desa_code": code[:13], "polsek_code": "PS-PEMULUTAN",
           "cluster": kw.pop("cluster", code), "kerawanan": "kurang_rawan", "akses": "darat", "status": "pemungutan",
           "personel_wajib": 2, "personel_ditugaskan": 2, "personel_di_lokasi": 2, "perangkat_senyap": 0,
           "logistik": "diserahkan", "kembali": None, "hujan_mm": 0.0, "hujan_at": None, "petir": False,
           "terbuka": False, "travel_min": 25.0}
    row.update(kw)
    return row


def situation(moment, tps=(), incidents=None, legs=None, river=None, warnings=(), discharge=None, feeds=None,
              feeds_in_use=(), settings=None) -> Situation:
    s = settings or get_settings()
    return Situation(moment=moment, settings=s, phase=phase_at(moment, s), times=operation_times(s),
                     tps=pd.DataFrame(list(tps) or [tps_row()]),
                     incidents=incidents if incidents is not None else pd.DataFrame(),
                     legs=legs if legs is not None else pd.DataFrame(),
                     river=river if river is not None else pd.DataFrame(), warnings=list(warnings),
                     discharge=discharge or {}, feeds=feeds or {}, feeds_in_use=tuple(feeds_in_use), names=NAMES)


def kinds(items):
    return [(i.kind, i.severity, i.place.code) for i in items]


# ---------------- the rules, one by one ----------------

def incident(severity="tinggi", state="terbuka", at=None, updates=None, tps="16.10.05.2002.001"):
    at = at or wib(0, 9, 40)
    ups = updates if updates is not None else [{"at": at, "state": "terbuka", "actor": "Piket", "note": "diterima"}]
    return pd.DataFrame([{"id": 1, "ref": "KJD-20241127-03", "occurred_at": at, "category": "keributan",
                          "severity": severity, "kecamatan_code": tps[:8], "desa_code": tps[:13], "tps_code": tps,
                          "title": "Keributan <b>antarpendukung</b>", "state": state, "updates": ups}])


def test_an_open_high_incident_is_tinggi_and_kritis_without_follow_up():
    sit = situation(wib(0, 10), incidents=incident(at=wib(0, 9, 50)))
    [item] = rules.kejadian(sit)
    assert (item.kind, item.severity, item.place.name) == ("kejadian", "tinggi", "TPS 001 Ibul Besar III, Kec. Pemulutan")
    late = rules.kejadian(situation(wib(0, 10, 30), incidents=incident(at=wib(0, 9, 40))))[0]
    assert late.severity == "kritis" and late.facts["minutes_open"] == 50 and not late.facts["followed_up"]
    taken = rules.kejadian(situation(wib(0, 10, 30), incidents=incident(state="ditangani", updates=[
        {"at": wib(0, 9, 40), "state": "terbuka", "actor": "Piket", "note": ""},
        {"at": wib(0, 9, 55), "state": "ditangani", "actor": "Kapolsek", "note": "tiba"}])))[0]
    assert taken.severity == "tinggi" and taken.state == "ditangani" and taken.taken_by == "Kapolsek"
    assert rules.kejadian(situation(wib(0, 10), incidents=incident(state="selesai"))) == []
    assert rules.kejadian(situation(wib(0, 10), incidents=incident(severity="rendah")))[0].severity == "info"


def test_guards_not_on_site_by_class_and_silent_trackers():
    sr = tps_row(kerawanan="sangat_rawan", personel_di_lokasi=0)
    r1 = tps_row("16.10.05.2002.001", kerawanan="rawan", personel_di_lokasi=1)
    kr = tps_row("16.10.05.2001.002", personel_di_lokasi=1)  # a kurang rawan cluster one short: readiness shows it
    silent = tps_row("16.10.05.2002.002", kerawanan="rawan", personel_di_lokasi=1, perangkat_senyap=1)
    items = rules.personel(situation(wib(0, 8), [sr, r1, kr, silent]))
    assert sorted(kinds(items)) == sorted([("personel_tidak_di_lokasi", "kritis", sr["code"]),
                                           ("personel_tidak_di_lokasi", "sedang", r1["code"]),
                                           ("perangkat_senyap", "sedang", silent["code"])])
    assert rules.personel(situation(wib(-1, 20), [sr])) == []  # guards are due from an hour before opening
    assert "Kirim cadangan dari Polsek Pemulutan, ±25 mnt" in wording.action(items[0], NAMES)


def test_tps_not_open_by_the_deadline_and_grouped_per_kecamatan():
    closed = [tps_row(f"16.10.05.2001.{n:03d}", status="siap") for n in range(1, 4)]
    assert rules.tps_belum_dibuka(situation(wib(0, 7, 20), closed)) == []  # not due before perhatian_open_by
    items = rules.tps_belum_dibuka(situation(wib(0, 7, 45), closed + [tps_row("16.10.05.2002.001")]))
    assert [i.place.code for i in items] == [t["code"] for t in closed] and items[0].severity == "sedang"
    many = [tps_row(f"16.10.05.2001.{n:03d}", status=None, kerawanan="rawan" if n == 7 else "kurang_rawan")
            for n in range(1, 8)]
    [group] = rules.tps_belum_dibuka(situation(wib(0, 9), many))
    assert group.place == Place("kecamatan", "16.10.05", "Kec. Pemulutan", "16.10.05")
    assert group.facts["n_tps"] == 7 and group.facts["tps"][0] == "16.10.05.2001.007" and group.severity == "tinggi"
    assert wording.title(group).startswith("7 TPS belum dilaporkan dibuka")


def test_counting_not_started_and_boxes_not_at_ppk_by_their_times():
    voting = [tps_row(status="pemungutan")]
    assert rules.penghitungan_belum_mulai(situation(wib(0, 13, 10), voting)) == []
    assert kinds(rules.penghitungan_belum_mulai(situation(wib(0, 13, 40), voting)))[0][0] == "penghitungan_belum_mulai"
    sent = [tps_row(status="kotak_dikirim")]
    assert rules.kotak_belum_di_ppk(situation(wib(1, 11), sent)) == []
    assert kinds(rules.kotak_belum_di_ppk(situation(wib(1, 12, 30), sent))) == [
        ("kotak_belum_di_ppk", "tinggi", sent[0]["code"])]
    assert rules.kotak_belum_di_ppk(situation(wib(1, 12, 30), [tps_row(status="kotak_diterima_ppk")])) == []


def test_ballot_boxes_without_guards_at_night():
    boxes = [tps_row(status="siap", personel_di_lokasi=0, kerawanan="rawan")]
    assert kinds(rules.kotak_tanpa_penjaga(situation(wib(-1, 21), boxes))) == [
        ("kotak_tanpa_penjaga", "tinggi", boxes[0]["code"])]
    assert rules.kotak_tanpa_penjaga(situation(wib(-1, 15), boxes)) == []  # daytime
    guarded = [tps_row(status="siap", personel_di_lokasi=1)]
    assert rules.kotak_tanpa_penjaga(situation(wib(-1, 21), guarded)) == []
    no_boxes = [tps_row(status=None, logistik=None, personel_di_lokasi=0)]
    assert rules.kotak_tanpa_penjaga(situation(wib(-1, 21), no_boxes)) == []
    counting_night = [tps_row(status="selesai", personel_di_lokasi=0)]
    assert len(rules.kotak_tanpa_penjaga(situation(wib(0, 22), counting_night))) == 1
    gone = [tps_row(status="kotak_dikirim", personel_di_lokasi=0)]
    assert rules.kotak_tanpa_penjaga(situation(wib(0, 22), gone)) == []


def test_late_legs_and_river_legs_to_postpone():
    legs = pd.DataFrame([{"kecamatan_code": "16.10.05", "stage": "pps-tps", "late": True, "mode": "sungai",
                          "planned_arrive": wib(-1, 10), "boxes": 2, "to_name": "TPS 001 Pegayut"},
                         {"kecamatan_code": "16.10.05", "stage": "pps-tps", "late": False, "mode": "darat",
                          "planned_arrive": wib(-1, 10), "boxes": 2, "to_name": "TPS 002 Pegayut"}])
    [late] = rules.logistik_terlambat(situation(wib(-1, 12), legs=legs))
    assert late.severity == "tinggi" and late.facts["n_legs"] == 1 and late.facts["river"]
    river = pd.DataFrame([
        {"kecamatan_code": "16.10.05", "stage": "tps-pps", "verdict": "tunda", "window_open": False,
         "planned_depart": wib(0, 18), "boxes": 2, "reasons": [{"kind": "hujan_lebat", "mm": 25.0}]},
        {"kecamatan_code": "16.10.05", "stage": "pps-ppk", "verdict": "hati-hati", "window_open": False,
         "planned_depart": wib(1, 7), "boxes": 4, "reasons": [{"kind": "debit", "q": 450.0, "threshold": 400.0}]},
        {"kecamatan_code": "16.10.03", "stage": "tps-pps", "verdict": "go", "window_open": True,
         "planned_depart": wib(0, 18), "boxes": 2, "reasons": [{"kind": "aman"}]}])
    items = rules.jalur_sungai(situation(wib(0, 10), river=river))
    assert kinds(items) == [("jalur_sungai", "tinggi", "16.10.05")]  # tomorrow's boats are outside the lookahead
    assert "tunda — hujan lebat 25 mm/3 jam" in wording.title(items[0])
    assert "Tunda keberangkatan perahu" in wording.action(items[0])
    assert len(rules.jalur_sungai(situation(wib(0, 20), river=river))) == 2
    # Boats of one kecamatan and stage judged both ways are two items, each its own (the store keeps one per key).
    split = pd.concat([river, river.iloc[[0]].assign(verdict="hati-hati", boxes=1)], ignore_index=True)
    both = rules.jalur_sungai(situation(wib(0, 10), river=split))
    assert sorted((i.severity, i.facts["verdict"]) for i in both) == [("sedang", "hati-hati"), ("tinggi", "tunda")]
    assert len({i.key for i in both}) == 2


def test_heavy_rain_and_thunder_during_voting_weigh_more_on_river_and_open_air_tps():
    rain = dict(hujan_mm=25.0, hujan_at=wib(0, 12), petir=True)
    land = [tps_row(**rain)]
    river = [tps_row(akses="sungai", **rain), tps_row("16.10.05.2001.002", **rain)]
    assert kinds(rules.cuaca_saat_pemungutan(situation(wib(0, 10), land))) == [
        ("cuaca_saat_pemungutan", "sedang", "16.10.05")]
    [item] = rules.cuaca_saat_pemungutan(situation(wib(0, 10), river))
    assert item.severity == "tinggi" and item.facts["n_river"] == 1 and item.facts["thunder"]
    assert rules.cuaca_saat_pemungutan(situation(wib(0, 10), [tps_row(hujan_mm=4.0)])) == []
    assert rules.cuaca_saat_pemungutan(situation(wib(0, 19), river)) == []  # voting and counting are over


def test_the_readiness_of_voting_day_scores_the_weather():
    from ops.readiness.model import TpsFacts, pemungutan, score

    s = get_settings()
    t = operation_times(s)
    f = TpsFacts("x", "rawan", "sungai", "k", "d", None, status="pemungutan", personnel_required=2,
                 personnel_on_site=2, voting_rain_mm=25.0, voting_rain_at=wib(0, 12), voting_thunder=True)
    comps = {c.name: c for c in pemungutan(f, wib(0, 10), t, s.heavy_rain_mm)}
    assert comps["cuaca"].score == 0.0 and comps["cuaca"].issues[0].kind == "cuaca_hujan_lebat"
    dry = TpsFacts("x", "rawan", "darat", "k", "d", None, status="pemungutan", personnel_required=2,
                   personnel_on_site=2)
    assert {c.name: c.score for c in pemungutan(dry, wib(0, 10), t, s.heavy_rain_mm)}["cuaca"] == 1.0
    # voting day not begun: nothing of it is due, nothing of it may look ready
    assert score("x", "pemungutan", pemungutan(dry, wib(-1, 18), t, s.heavy_rain_mm),
                 s.readiness_weights["pemungutan"]).score is None


def test_warnings_discharge_and_failing_feeds():
    w = {"identifier": "CAP-1", "event": "Hujan Lebat dan Petir", "severity": "Moderate", "effective": wib(0, 13),
         "expires": wib(0, 16), "kecamatan_codes": ["16.10.05", "16.10.03"]}
    items = rules.peringatan_bmkg(situation(wib(0, 13), [tps_row(akses="sungai")], warnings=[w]))
    assert sorted(kinds(items)) == [("peringatan_bmkg", "sedang", "16.10.03"), ("peringatan_bmkg", "tinggi", "16.10.05")]
    assert kinds(rules.debit_sungai(situation(wib(0, 10), discharge={"16.10.05": 450.0, "16.10.03": 300.0}))) == [
        ("debit_sungai", "sedang", "16.10.05")]

    def fresh(name, state):
        return Freshness(name, state, wib(0, 9), wib(0, 9, 55), 10, 0, 0, "HTTP 500", 3600.0, 1)
    feeds = {"traccar": fresh("traccar", "stale"), "tps-status": fresh("tps-status", "ok"),
             "bmkg-forecast": fresh("bmkg-forecast", "partial"), "sirekap": fresh("sirekap", "error")}
    items = rules.sumber_data(situation(wib(0, 10), feeds=feeds, feeds_in_use=("traccar", "tps-status", "bmkg-forecast")))
    assert sorted(kinds(items)) == [("sumber_data", "info", "bmkg-forecast"), ("sumber_data", "tinggi", "traccar")]


def test_ranking_puts_kritis_first_then_escalated_then_oldest():
    p = Place("kecamatan", "k", "Kec. K", "k")
    a = Item("jalur_sungai", "tinggi", p, wib(0, 8))
    b = Item("kejadian", "kritis", p, wib(0, 9), ref="x")
    c = Item("debit_sungai", "tinggi", p, wib(0, 7), escalations=1)
    assert [i.kind for i in sorted([a, b, c], key=rank_key)] == ["kejadian", "debit_sungai", "jalur_sungai"]


# ---------------- the demo operation ----------------

def test_alerts_json_at_the_demo_moment_and_the_night_before(demo_copy):
    r = cli("alerts", "--json")
    assert r.returncode == 0, r.stderr
    items = json.loads(r.stdout)
    assert {"kind", "severity", "place", "since", "facts", "action", "state"} <= set(items[0])
    by_kind = {}
    for i in items:
        by_kind.setdefault(i["kind"], []).append(i)
    high = [i for i in by_kind["kejadian"] if i["facts"]["severity"] == "tinggi" and "Indralaya Utara" in i["place"]["name"]]
    assert high and high[0]["place"]["level"] == "tps" and high[0]["place"]["name"].startswith("TPS ")
    assert any(i["facts"]["verdict"] == "tunda" for i in by_kind["jalur_sungai"])
    assert any(i["facts"]["thunder"] and i["facts"]["n_river"] for i in by_kind["cuaca_saat_pemungutan"])
    assert by_kind["tps_belum_dibuka"]
    import re
    assert all(i["action"] and i["place"]["name"] and not re.search(r"\d\d\.\d\d", i["place"]["name"]) for i in items)
    night = json.loads(cli("alerts", "--json", "--at", "2024-11-26T18:00").stdout)
    assert any(i["kind"] == "kotak_tanpa_penjaga" for i in night)
    assert not any(i["kind"] == "tps_belum_dibuka" for i in night)


# ---------------- an item's life in the database ----------------

@pytest.fixture
def db(db_url):
    engine = get_engine(db_url)
    upgrade(engine)
    with session_scope(engine) as s:
        create_user(s, "test", "operator", "Operator", "operator", "operator-1234")
        create_user(s, "test", "pemantau", "Pemantau", "viewer", "pemantau-1234")
    return engine


def item(kind="tps_belum_dibuka", severity="tinggi", code="16.10.05.2001.001", **facts) -> Item:
    return Item(kind, severity, Place("tps", code, f"TPS {code[-3:]} Pegayut, Kec. Pemulutan", code[:8]),
                wib(0, 7, 30), {"n_tps": 1, "due": wib(0, 7, 30), **facts})


def sync(engine, settings, items, at):
    with session_scope(engine) as s:
        return store.sync(s, settings, items, at)


def states(engine):
    with session_scope(engine) as s:
        return {r.key: (r.state, r.severity, r.escalations) for r in s.scalars(select(m.Alert))}


def outbox(engine):
    with session_scope(engine) as s:
        return [(o.channel, o.payload["event"], o.payload["severity"]) for o in
                s.scalars(select(m.Outbox).order_by(m.Outbox.id))]


def test_an_items_life_new_taken_cleared_back_and_escalated(db, monkeypatch):
    monkeypatch.setenv("OPS_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    from ops.config import reset_settings
    reset_settings()
    s = get_settings()
    one, two = item(), item(code="16.10.05.2001.002", severity="sedang")
    report = sync(db, s, [one, two], wib(0, 7, 31))
    assert (report.new, report.open) == (2, 2)
    assert sync(db, s, [one, two], wib(0, 7, 32)).new == 0  # seen again: no second item, no second message
    assert outbox(db) == [("webhook", "baru", "tinggi")]  # sedang is below notify_min_severity
    with session_scope(db) as sess:
        alert_id = sess.scalar(select(m.Alert.id).where(m.Alert.key == one.key))
        with pytest.raises(AuthError):
            store.take(sess, s, alert_id, "pemantau", "saya", wib(0, 7, 33))
    with session_scope(db) as sess:
        store.take(sess, s, alert_id, "operator", "Kapolsek menuju TPS", wib(0, 7, 35))
    with session_scope(db) as sess:
        audit = sess.scalars(select(m.AuditLog).where(m.AuditLog.action == "tangani_perhatian")).one()
        assert audit.actor == "operator" and audit.after["catatan"] == "Kapolsek menuju TPS"
        with pytest.raises(store.PerhatianError, match="sudah ditangani oleh operator"):
            store.take(sess, s, alert_id, "operator", "", wib(0, 7, 36))
    # the sedang item nobody takes is escalated after 60 minutes (operation time) and sent again
    sync(db, s, [one, two], wib(0, 8, 40))
    assert states(db)[two.key] == ("baru", "tinggi", 1)
    assert outbox(db)[-1] == ("webhook", "eskalasi", "tinggi")
    # the condition clears: the item is done by itself; when it comes back it is new again
    assert sync(db, s, [two], wib(0, 8, 45)).cleared == 1
    assert states(db)[one.key][0] == "selesai"
    assert sync(db, s, [one, two], wib(0, 9)).reopened == 1
    assert states(db)[one.key] == ("baru", "tinggi", 0)
    events = [e for _, e, _ in outbox(db)]
    assert events == ["baru", "ditangani", "eskalasi", "selesai", "baru"]


def test_replay_reads_the_state_as_it_stood_then(db):
    s = get_settings()
    one = item()
    sync(db, s, [one], wib(0, 7, 31))
    with session_scope(db) as sess:
        store.take(sess, s, store.ensure(sess, s, one, wib(0, 7, 40)), "operator", "", wib(0, 7, 40))
    with session_scope(db) as sess:
        before = store.annotate(sess, [one], wib(0, 7, 35))[0]
        after = store.annotate(sess, [one], wib(0, 7, 45))[0]
    assert (before.state, after.state, after.taken_by) == ("baru", "ditangani", "operator")


def test_manual_finish_holds_while_the_condition_persists(db):
    s = get_settings()
    one = item()
    sync(db, s, [one], wib(0, 7, 31))
    with session_scope(db) as sess:
        store.finish(sess, s, store.ensure(sess, s, one, wib(0, 7, 40)), "operator", "KPPS sudah buka", wib(0, 7, 40))
    sync(db, s, [one], wib(0, 7, 50))
    assert states(db)[one.key][0] == "selesai"
    with session_scope(db) as sess:
        assert sess.scalar(select(func.count()).select_from(m.AlertEvent)) == 2  # baru, selesai


def test_telegram_text_escapes_what_people_typed():
    from ops.perhatian.notify import telegram_text

    payload = {"severity": "kritis", "kind": "kejadian", "event": "ditangani", "actor": "op<1>",
               "note": "A & B <script>", "escalations": 0, "since": wib(0, 9).isoformat(), "state": "ditangani",
               "place": {"name": "TPS 001 Pegayut, Kec. Pemulutan"}, "title": "Keributan <b>x</b>",
               "action": "Kirim cadangan", "polres": "Polres Ogan Ilir"}
    text = telegram_text(payload)
    assert "&lt;script&gt;" in text and "A &amp; B" in text and "Keributan &lt;b&gt;x&lt;/b&gt;" in text
    assert "op&lt;1&gt;" in text and text.count("<b>") == text.count("</b>")


def test_a_tangani_click_on_ringkasan_is_audited_and_moves_the_item(demo_copy):
    import html

    from streamlit.testing.v1 import AppTest

    from conftest import ROOT

    at = AppTest.from_file(str(ROOT / "views" / "ringkasan.py"), default_timeout=120)
    at.session_state["user"] = {"username": "operator", "full_name": "Operator Posko (demo)", "role": "operator"}
    at.run()
    assert not at.exception
    rows = [html.unescape(m.value) for m in at.markdown if "class='ph-row'" in m.value]
    first = rows[0]
    at.text_input(key="rk_note_0").set_value("Kapolsek dan 4 personel menuju TPS").run()
    at.button(key="rk_take_0").click().run()
    assert not at.exception and not at.error
    with session_scope(get_engine(demo_copy)) as s:
        audit = s.scalars(select(m.AuditLog).where(m.AuditLog.action == "tangani_perhatian")).one()
        row = s.scalars(select(m.Alert).where(m.Alert.state == "ditangani", m.Alert.taken_by == "operator")).one()
    assert audit.actor == "operator" and audit.after["catatan"] == "Kapolsek dan 4 personel menuju TPS"
    assert row.place_name in first
    states = " ".join(html.unescape(m.value) for m in at.markdown if "ph-state" in m.value)
    assert "Ditangani · operator" in states


def test_an_operation_before_its_tps_list_has_nothing_to_flag_and_no_error(db_url, monkeypatch):
    """A plain `init` (region only): the worker's minute evaluates Perhatian on no TPS at all."""
    from ops.bootstrap import init_database
    from ops.config import reset_settings

    monkeypatch.setenv("OPS_DATABASE_URL", db_url)
    reset_settings()
    init_database(get_settings())
    perhatian.sync_now(get_settings(), wib(0, 10, 0))  # raised KeyError 'kecamatan_code' every minute
    with session_scope(get_engine(db_url)) as s:
        items, _ = perhatian.current(s, get_settings(), wib(0, 10, 0))
    # only what concerns the whole operation (feeds never run); nothing placed at a TPS or kecamatan
    assert items and {i.place.level for i in items} <= {"sumber", "operasi"}


def test_a_polres_whose_worker_keeps_it_current_lists_what_the_worker_stored(demo_copy, monkeypatch):
    """Once the worker's minute has brought the read model and Perhatian to the clock, a Polres's pages list the items
    it stored (evaluating 13,000 TPS on a page took seconds) — the very items the page would evaluate — and follow
    the store: an item the worker found cleared leaves the page."""
    import html
    import re

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT
    from ops import readmodel
    from ops.clock import load_clock
    from ui import perhatian as ph

    monkeypatch.setattr(ph, "PAGE_ROWS", 1000)
    settings = get_settings()

    def page_rows() -> list[str]:
        at = AppTest.from_file(str(ROOT / "views" / "perhatian.py"), default_timeout=120)
        at.run()
        assert not at.exception, at.exception
        # The clock stands still: the next run is in the same minute. Its answers cached by the minute are dropped
        # (whether the read model is current, above all); the items the server holds stay, keyed on the store's stamp.
        st.cache_data.clear()
        return [html.unescape(m.value) for m in at.markdown if "class='ph-row'" in m.value]

    evaluated = page_rows()  # no worker yet: evaluated at the minute
    with session_scope(get_engine(demo_copy)) as s:
        now = load_clock(s).now()
        readmodel.keep_current(s, settings, now)
    perhatian.sync_now(settings, now, use_readmodel=True)
    with session_scope(get_engine(demo_copy)) as s:
        stored = store.open_items(s)
    assert len(stored) > 10
    read = page_rows()
    # The same items; only "since" differs (first seen: stored by the worker's minute just now), and with it the order
    # among items of one severity (the oldest first).
    without_since = lambda rows: sorted(re.sub(r"<span class='ph-meta'>.*?</span>", "", r) for r in rows)  # noqa: E731
    assert without_since(read) == without_since(evaluated) and len(read) == len(stored)

    names = [i.place.name for i in stored]
    gone = next(i for i in stored if names.count(i.place.name) == 1 and i.place.level == "tps")
    with session_scope(get_engine(demo_copy)) as s:  # the worker's next evaluation no longer finds it
        key = s.get(m.Alert, gone.id).key
        items, _ = perhatian.evaluate(s, settings, now)
        assert store.sync(s, settings, [i for i in items if i.key != key], now).cleared == 1
    after = page_rows()
    assert len(after) == len(read) - 1
    assert not any(gone.place.name in r for r in after) and any(gone.place.name in r for r in read)

    # A Tangani shows at once on the stored list, not at the worker's next minute.
    at = AppTest.from_file(str(ROOT / "views" / "ringkasan.py"), default_timeout=120)
    at.session_state["user"] = {"username": "operator", "full_name": "Operator Posko (demo)", "role": "operator"}
    at.run()
    at.text_input(key="rk_note_0").set_value("Kapolsek menuju lokasi").run()
    at.button(key="rk_take_0").click().run()
    assert not at.exception and not at.error
    states = " ".join(html.unescape(m.value) for m in at.markdown if "ph-state" in m.value)
    assert "Ditangani · operator" in states
