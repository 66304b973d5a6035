"""The operation's calendar and timeline: an imported calendar wins over the settings wherever the operation is
computed (CLI, dashboard, Perhatian, scheduler, briefing); each milestone's due, done and late counted from the event
history at any moment; the Linimasa page, the strip on Ringkasan and the briefing's section."""
import datetime as dt
import json
import re

from sqlalchemy import delete, select
from streamlit.testing.v1 import AppTest

from ops import calendar
from ops import models as m
from ops.cli import main
from ops.clock import from_wib
from ops.config import get_settings
from ops.db import get_engine, session_scope
from ops.headline import headline
from ops.logistics import leg_board
from ops.timeline import describe, timeline, when

from conftest import ROOT
from test_imports import to_csv
from test_setup_lists import run

# Voting moved to Monday 9 December 2024, 07:30-13:30; counting until 19:00; the briefing at 05:30; boxes at the PPK
# by H+1 15:00 — none of it what config/ops.toml says.
MOVED = [["tonggak", "mulai", "selesai"],
         ["operasi", "2024-12-05", "2024-12-13"],
         ["pemungutan", "2024-12-09 07:30", "2024-12-09 13:30"],
         ["penghitungan", "2024-12-09 13:30", "2024-12-09 19:00"],
         ["kotak_ke_ppk", "2024-12-09 13:30", "2024-12-10 15:00"],
         ["laporan_harian", "05:30", ""]]


def at(moment: str) -> dt.datetime:
    return from_wib(dt.datetime.fromisoformat(moment))


def test_an_imported_calendar_wins_over_the_settings(demo_copy):
    base = get_settings()
    report = run("calendar", to_csv(MOVED))
    assert (report.created, report.rows) == (5, 5)
    s = calendar.current_settings(base)
    assert (s.phase_start, s.phase_end, s.voting_day) == (dt.date(2024, 12, 5), dt.date(2024, 12, 13),
                                                          dt.date(2024, 12, 9))
    assert (s.tps_open, s.tps_close, s.counting_end, s.briefing_time) == (
        dt.time(7, 30), dt.time(13, 30), dt.time(19, 0), dt.time(5, 30))
    assert s.perhatian_boxes_at_ppk_hours == 25.5
    assert base.voting_day == dt.date(2024, 11, 27)  # the settings themselves stay as configured
    with session_scope(get_engine(demo_copy)) as session:
        windows = {x.key: x for x in calendar.milestones(base, session)}
    # Milestones not imported follow the imported voting day: boxes reach the TPS on H-1.
    assert windows["logistik_pps_tps"].start == at("2024-12-08T08:00") and not windows["logistik_pps_tps"].imported
    assert windows["pemungutan"].imported and windows["laporan_harian"].start == at("2024-12-09T05:30")


def test_the_cli_the_pages_perhatian_and_the_scheduler_follow_the_imported_calendar(demo_copy, capsys):
    from ops import perhatian
    from ops.scheduler import build_scheduler

    def alert_kinds() -> set[str]:
        assert main(["alerts", "--json"]) == 0
        return {a["kind"] for a in json.loads(capsys.readouterr().out)}

    assert "tps_belum_dibuka" in alert_kinds()  # 10:00 on voting day: a few TPS have not opened
    run("calendar", to_csv(MOVED))
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["readiness"]["pemungutan"]["due"] is False  # voting day is twelve days away now
    assert "tps_belum_dibuka" not in alert_kinds()
    with session_scope(get_engine(demo_copy)) as session:
        items, _ = perhatian.current(session, calendar.effective_settings(get_settings(), session), at("2024-11-27T10:00"))
    assert "tps_belum_dibuka" not in {i.kind for i in items}
    assert perhatian.sync_now(get_settings()) is not None  # the worker's minute applies it itself
    with session_scope(get_engine(demo_copy)) as session:
        assert not session.scalars(select(m.Alert).where(m.Alert.kind == "tps_belum_dibuka", m.Alert.active)).all()
    page = AppTest.from_file(str(ROOT / "views" / "ringkasan.py"), default_timeout=120).run()
    assert not page.exception
    assert "H-12 · Sebelum pemungutan" in " ".join(x.value for x in page.markdown)
    sched = build_scheduler(calendar.current_settings(get_settings()), token="t")
    sched.start(paused=True)
    try:
        fire = sched.get_job("briefing:daily").trigger.get_next_fire_time(None, at("2024-12-01T00:00"))
        assert fire.astimezone(dt.timezone.utc) == at("2024-12-01T05:30")
    finally:
        sched.shutdown(wait=False)


def test_the_calendar_follows_the_settings_until_one_is_imported(demo_copy):
    s = get_settings()
    with session_scope(get_engine(demo_copy)) as session:
        assert calendar.effective_settings(s, session) is s
        windows = {x.key: (x.start, x.end) for x in calendar.milestones(s, session)}
    assert windows["pemungutan"] == (at("2024-11-27T07:00"), at("2024-11-27T13:00"))
    assert windows["kotak_ke_ppk"] == (at("2024-11-27T13:00"), at("2024-11-28T12:00"))  # perhatian_boxes_at_ppk_hours
    assert windows["logistik_gudang_ppk"] == (at("2024-11-24T07:00"), at("2024-11-24T18:00"))


# --- the timeline ---------------------------------------------------------------------------------------------------

def steps_at(moment: dt.datetime) -> dict:
    s = get_settings()
    with session_scope(get_engine(s.database_url)) as session:
        return {x.key: x for x in timeline(session, s, moment)}


def test_legs_handed_over_and_late_are_counted_from_the_event_history(demo_copy):
    moment = at("2024-11-26T15:00")  # H-1: the boxes are on their way to the TPS
    step = steps_at(moment)["logistik_pps_tps"]
    with session_scope(get_engine(demo_copy)) as session:
        board = leg_board(session, moment)
    legs = board[board["stage"] == "pps-tps"]
    done = legs["state"] == "diserahkan"
    assert (step.total, step.done, step.late) == (667, int(done.sum()), int((~done & legs["late"]).sum()))
    assert 0 < step.done < 667 and step.state in ("berjalan", "terlambat")
    assert describe(step).startswith(f"{step.done} dari 667 perjalanan diserahkan")
    assert when(step, dt.date(2024, 11, 27)) == "H-1 08:00–20:00"
    earlier = steps_at(at("2024-11-23T12:00"))
    assert earlier["logistik_gudang_ppk"].state == "akan_datang" and earlier["logistik_gudang_ppk"].done == 0
    assert steps_at(at("2024-11-24T20:00"))["logistik_gudang_ppk"].state == "selesai"


def test_tps_not_open_after_opening_are_late(demo_copy):
    moment = at("2024-11-27T10:00")
    step = steps_at(moment)["pemungutan"]
    with session_scope(get_engine(demo_copy)) as session:
        opened = headline(session, get_settings(), moment)["tps_dibuka"]
    assert (step.total, step.done, step.late) == (667, opened, 667 - opened)
    assert step.state == "terlambat" and describe(step) == f"{opened} dari 667 TPS dibuka, {667 - opened} terlambat"
    assert steps_at(moment)["penghitungan"].state == "akan_datang"


def test_a_milestone_without_a_plan_says_so(demo_copy):
    with session_scope(get_engine(demo_copy)) as session:
        session.execute(delete(m.LogisticsEvent).where(m.LogisticsEvent.leg_id.in_(
            select(m.LogisticsLeg.id).where(m.LogisticsLeg.stage == "ppk-pps"))))
        session.execute(delete(m.LogisticsLeg).where(m.LogisticsLeg.stage == "ppk-pps"))
    step = steps_at(at("2024-11-25T12:00"))["logistik_ppk_pps"]
    assert (step.state, step.total) == ("tanpa_rencana", 0)
    assert describe(step) == "belum ada rencana: tidak ada perjalanan yang dijadwalkan"


def test_the_linimasa_page_the_ringkasan_strip_and_the_briefing_section(demo_copy):
    from ops.briefing.content import gather
    from ops.briefing.text import PAGE_BREAK, sections

    page = AppTest.from_file(str(ROOT / "views" / "linimasa.py"), default_timeout=120).run()
    assert not page.exception
    table = page.dataframe[0].value
    assert list(table["Tonggak"])[:4] == ["Masa operasi tahap TPS", "Logistik gudang KPU → PPK", "Logistik PPK → PPS",
                                          "Logistik PPS → TPS"]
    row = table.set_index("Tonggak").loc["Pemungutan suara"]
    assert row["Jadwal"] == "H 07:00–13:00" and row["Keadaan"] == "Terlambat" and "TPS dibuka" in row["Capaian"]
    from test_pages import cell_tints
    from ui.components import TONE_TINT
    tints = cell_tints(page.dataframe[0], "Keadaan")  # late red, done green, as the strip and the chart colour them
    assert [tints.get(i) for i, k in enumerate(table["Keadaan"])] == [
        {"Terlambat": TONE_TINT["buruk"], "Selesai": TONE_TINT["baik"]}.get(k) for k in table["Keadaan"]]
    assert len(page.get("plotly_chart")) == 1 and "Impor kalender operasi" in " ".join(x.value for x in page.caption)

    ringkasan = AppTest.from_file(str(ROOT / "views" / "ringkasan.py"), default_timeout=120).run()
    blocks = [x.value for x in ringkasan.markdown]
    first_item = next(i for i, b in enumerate(blocks) if "class='ph-row'" in b)
    strip = next(i for i, b in enumerate(blocks) if "tl-strip" in b)
    assert first_item < strip  # Perhatian leads; the timeline follows in one line
    assert "<b>✓</b> PPS → TPS <span></span>" in blocks[strip]  # done: its name is enough
    assert re.search(r"<b>!</b> Pemungutan <span>\d+/667 · \d+ terlambat</span>", blocks[strip])
    assert "<b>○</b> Penghitungan <span>H 13:00</span>" in blocks[strip]

    s = get_settings()
    with session_scope(get_engine(demo_copy)) as session:
        content = gather(session, s, at("2024-11-27T10:00"), at("2024-11-27T10:01"))
    out = sections(content, 500)
    second_page = out.index(PAGE_BREAK) + 1
    title, header, rows, _ = out[second_page]
    assert title == "Linimasa operasi" and header == ["Tonggak", "Jadwal", "Keadaan", "Capaian"]
    assert ["Logistik PPS → TPS", "H-1 08:00–20:00", "Selesai", "667 dari 667 perjalanan diserahkan"] in rows

