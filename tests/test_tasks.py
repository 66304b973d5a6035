"""Every officer accounted for: one task (or off duty) per shift, the needs from the pola, the logistics plan and
task_plan, filled by the planner; the totals reconcile to the roster in status, on the Personel page and in the
briefing."""
import datetime as dt
import json
from collections import Counter

import pytest

from sqlalchemy import func, select

from ops import duty, models as m, planner, tasks
from ops.clock import from_wib
from ops.config import get_settings
from ops.deployment import Officer, plan_duties

from test_cli import run
from test_command_room import session  # noqa: F401  (the demo on SQLite and PostgreSQL, read-only)
from test_pages import run_page, tile

H = dt.date(2024, 11, 27)


def wib(day: int, hh: int, mm: int = 0) -> dt.datetime:
    return from_wib(dt.datetime.combine(H + dt.timedelta(days=day), dt.time(hh, mm)))


# ---------------- every officer, exactly one task per shift ----------------

def test_every_roster_member_has_one_task_or_is_off_duty_at_every_moment(session):
    s = get_settings()
    roster = session.scalar(select(func.count()).select_from(m.Personnel))
    rows = session.execute(select(m.Assignment.nrp, m.Assignment.shift, m.Assignment.task)).all()
    codes = {w.code for w in tasks.windows(s)}
    # one row per officer and shift, in a shift of the operation, with a task of the one list
    assert max(Counter((nrp, shift) for nrp, shift, _ in rows).values()) == 1
    assert {shift for _, shift, _ in rows} <= codes and {t for _, _, t in rows} <= set(tasks.TASKS)
    # the shifts tile the operation: every moment of it lies in exactly one
    wins = tasks.windows(s)
    assert all(a.end == b.start for a, b in zip(wins, wins[1:]))
    for w in wins + [None]:
        moment = w.start + (w.end - w.start) / 2 if w else wib(-10, 10)  # and one moment before the operation
        counts = duty.by_task(session, s, moment)
        assert set(counts) == set(tasks.DUTIES) and sum(counts.values()) == roster == 331
        board = duty.task_board(session, s, moment)
        assert board["ditugaskan"].sum() == roster
        if w is not None and tasks.guarded(s, w):
            assert counts[tasks.OFF_DUTY] == 0  # H-1 and H: nobody off duty
    assert duty.by_task(session, s, wib(-10, 10))[tasks.OFF_DUTY] == 331


def test_a_drilled_kecamatan_is_not_short_of_the_polres_posko_and_warehouse(session):
    """The Posko and the KPU warehouse are the Polres's: a drilled kecamatan does not need them (it showed 'kurang 6'
    Posko in every kecamatan), while the whole operation still does, and fills them."""
    s = get_settings()
    moment = wib(0, 10)
    whole = duty.task_board(session, s, moment).set_index("tugas")
    for task in tasks.POLRES_TASKS:
        assert whole.loc[task, "wajib"] == s.task_plan[task] and whole.loc[task, "kurang"] == 0
    for kec in session.scalars(select(m.PolsekKecamatan.kecamatan_code)):
        board = duty.task_board(session, s, moment, area=kec).set_index("tugas")
        for task in tasks.POLRES_TASKS:
            assert board.loc[task, "wajib"] == 0 and board.loc[task, "kurang"] == 0, (kec, board)
        assert board.loc[tasks.PAM_TPS, "wajib"] > 0  # its own needs stay


def test_the_plan_meets_every_need_and_reuses_officers_across_days(session):
    s = get_settings()
    wins, needs = planner.operation_needs(session, s)
    duties = [planner.Duty(a.shift, a.nrp, a.task, a.cluster_code) for a in session.scalars(select(m.Assignment))]
    table = planner.needs_table(wins, needs, duties, s)
    assert table["kurang"].sum() == 0
    at = {(r.hari + " " + r.shift.split()[1], r.tugas): r for r in table.itertuples()}
    assert at[("H pagi", "pam_tps")].wajib == 252 and at[("H pagi", "patroli")].wajib == 20
    assert at[("H-2 pagi", "pengawalan")].wajib > 0 and ("H-2 pagi", "pam_tps") not in at  # escorts before guards
    assert at[("H-3 pagi", "pam_ppk")].wajib == 32 and ("H pagi", "pam_ppk") not in at  # boxes at the PPK or not
    # the same officer escorts boxes on H-2 and guards a TPS on H
    by = {(d.nrp, d.window): d.task for d in duties}
    escorts = {n for (n, w), t in by.items() if w == "2024-11-25 pagi" and t == "pengawalan"}
    guards = {n for (n, w), t in by.items() if w == "2024-11-27 pagi" and t == "pam_tps"}
    assert len(escorts & guards) > 50
    # boat crews come from Sat Polairud
    units = dict(session.execute(select(m.Personnel.nrp, m.Personnel.unit)).all())
    crews = [n for n in needs["2024-11-25 pagi"] if n.boat]
    assert crews and sum(c.count for c in crews) <= sum(1 for u in units.values() if u == "Sat Polairud")


def test_status_json_counts_every_officer_by_task(demo_sqlite):
    r = run("status", "--json", env_extra={"OPS_DATABASE_URL": demo_sqlite})
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    by_task = st["personnel"]["by_task"]
    assert set(by_task) == set(tasks.DUTIES)
    assert sum(by_task.values()) == st["personnel"]["total"] == 331
    assert by_task["pam_tps"] == 252 and by_task["lepas_dinas"] == 0 and by_task["cadangan"] > 13


# ---------------- the needs, by hand ----------------

def leg(stage, depart_h, minutes, mode="darat", area="PS-A", kec="16.10.05", boxes=10, day=-2):
    a = wib(day, depart_h)
    return tasks.LegPlan(stage, mode, kec, area, a, a + dt.timedelta(minutes=minutes), boxes)


def test_escort_teams_cover_the_legs_under_way_at_once_out_and_back():
    s = get_settings()
    wins = tasks.windows(s)
    legs = [leg("ppk-pps", 8, 60), leg("ppk-pps", 9, 60, mode="sungai"),  # out 8-9 and back 9-10; 9-10 and 10-11
            leg("ppk-pps", 11, 30),  # after both are back: a team is free again
            leg("ppk-pps", 20, 30),  # leaves in the night shift
            leg("pps-tps", 9, 30)]  # escorted by the TPS's own guards
    needs = tasks.escort_needs(legs, wins, ["ppk-pps"], team_size=2, crew_size=1)
    day = [n for n in needs["2024-11-25 pagi"]]
    assert [(n.boat, n.count) for n in day] == [(True, 1), (False, 4)]  # 2 teams at 9:00, one of them a boat
    assert [(n.boat, n.count) for n in needs["2024-11-25 malam"]] == [(False, 2)]


def test_a_ppk_is_guarded_while_it_holds_ballot_boxes():
    s = get_settings()
    wins = tasks.windows(s)
    legs = [leg("gudang-ppk", 7, 60, boxes=20, day=-3), leg("ppk-pps", 8, 30, boxes=12), leg("ppk-pps", 9, 30, boxes=8),
            leg("pps-ppk", 8, 60, boxes=20, day=1)]
    guarded = [w for w, ns in tasks.ppk_needs(legs, wins, 2).items() if ns]
    assert guarded == ["2024-11-24 pagi", "2024-11-24 malam", "2024-11-25 pagi", "2024-11-28 pagi",
                       "2024-11-28 malam", "2024-11-29 pagi", "2024-11-29 malam", "2024-11-30 pagi",
                       "2024-11-30 malam", "2024-12-01 pagi", "2024-12-01 malam"]


def test_duties_go_to_the_role_first_then_the_area_then_the_rested():
    s = get_settings()
    wins = tasks.windows(s)[2:6]  # H-2 pagi, H-2 malam, H-1 pagi and H-1 malam (guarded)
    roster = [Officer("01", "PS-A", False, "pam_tps"), Officer("02", "PS-A", False, "pam_tps"),
              Officer("03", "PS-A", False, "cadangan"), Officer("04", None, False, "patroli"),
              Officer("05", None, False, None, boat=True), Officer("06", "PS-B", False, None),
              Officer("07", None, True, "cadangan")]
    needs = {wins[0].code: [tasks.Need("pengawalan", "PS-A", "PS-A", 1, boat=True),
                            tasks.Need("pengawalan", "PS-A", "PS-A", 2), tasks.Need("patroli", "PS-A", "PS-A", 1)],
             wins[1].code: [tasks.Need("pengawalan", "PS-A", "PS-A", 1)],
             wins[2].code: [tasks.Need("pam_tps", "CL-1", "PS-A", 2), tasks.Need("patroli", "PS-A", "PS-A", 1)]}
    got = plan_duties(wins, needs, roster, {"CL-1": ["01", "02"]}, {wins[2].code, wins[3].code})
    by = {(d.window, d.nrp): (d.task, d.post) for d in got}
    assert len(by) == len(got)  # never two tasks in one shift
    h2 = wins[0].code
    assert by[(h2, "05")] == ("pengawalan", "PS-A")  # the boat crew: the only boat officer
    assert {n for (w, n), (t, _) in by.items() if w == h2 and t == "pengawalan" and n != "05"} == {"01", "02"}
    assert by[(h2, "04")] == ("patroli", "PS-A")  # the patrol role, from the Polres
    assert by[(h2, "07")] == ("cadangan", None) and (h2, "06") not in by and (h2, "03") not in by
    assert by[(wins[1].code, "03")] == ("pengawalan", "PS-A")  # 01 and 02 escorted the shift before: rested first
    h1 = wins[2].code
    assert by[(h1, "01")] == by[(h1, "02")] == ("pam_tps", "CL-1")
    # guarded: nobody off duty, the free stand by as reserves of their own Polsek (or the Polres)
    assert by[(h1, "06")] == ("cadangan", "PS-B") and by[(h1, "03")] == ("cadangan", "PS-A")
    assert {n for (w, n) in by if w == wins[3].code} == {o.nrp for o in roster}


# ---------------- the Personel page and the briefing ----------------

def test_personel_page_reconciles_tasks_to_the_roster(demo_sqlite, monkeypatch):
    monkeypatch.setenv("OPS_DATABASE_URL", demo_sqlite)
    at = run_page("views/personel.py")
    assert not at.exception
    assert tile(at, "Personel (roster)").split()[1:3] == ["(roster)", "331"]
    assert tile(at, "Lepas dinas").split()[2:5] == ["0", "/", "331"]
    assert any("Shift H pagi" in m.value for m in at.markdown)
    assert not any("Median" == x.label for x in at.metric)  # only the open tab runs: reaction times wait for theirs
    assert not any("Melebihi batas" in m.value for m in at.markdown)
    tasks_table = at.dataframe[0].value
    total = tasks_table.iloc[-1]
    assert total["Tugas"] == "Jumlah (= roster)" and total["Ditugaskan"] == "331"
    assert tasks_table.iloc[:-1]["Ditugaskan"].astype(int).sum() == 331
    assert tasks_table.iloc[-2]["Tugas"] == "Lepas dinas" and tasks_table.iloc[-2]["Wajib"] == "—"
    assert set(tasks_table["Tugas"][:-1]) == set(tasks.DUTY_LABEL.values())


def test_roster_tiles_colour_the_posts_filled_and_grey_outside_the_shifts(session):
    from ops.headline import roster_measures

    s = get_settings()
    board = duty.task_board(session, s, wib(0, 10))
    tiles = {m.key: m for m in roster_measures(board, 300, 31, tasks.OFF_DUTY, True)}
    required, short = int(board["wajib"].sum()), int(board["kurang"].sum())
    assert tiles["roster"].value == tiles["bertugas"].of == tiles["lepas_dinas"].of == "331"
    assert tiles["roster"].note == "300 Polres + 31 BKO"
    assert int(tiles["bertugas"].value) + int(tiles["lepas_dinas"].value) == 331
    assert tiles["kurang"].value == str(short) and tiles["kurang"].of == str(required)
    assert tiles["kurang"].tone == ("buruk" if short else "baik")
    assert tiles["bertugas"].tone == ("baik" if not short else "waspada" if short <= 0.1 * required else "buruk")
    # a task a quarter short: red on both
    gap = board.copy()
    pam = gap["tugas"] == "pam_tps"
    gap.loc[pam, "kurang"] = gap.loc[pam, "wajib"] // 4 + gap.loc[~pam, "wajib"].sum()
    tiles = {m.key: m for m in roster_measures(gap, 300, 31, tasks.OFF_DUTY, True)}
    assert tiles["bertugas"].tone == tiles["kurang"].tone == "buruk"
    before = {m.key: m for m in roster_measures(duty.task_board(session, s, wib(-10, 10)), 300, 31, tasks.OFF_DUTY,
                                                False)}
    assert {m.tone for m in before.values()} == {"netral"} and before["lepas_dinas"].value == "331"


def test_the_task_table_tints_posts_unfilled_and_posts_left_empty(session):
    from ops.headline import task_tones

    s = get_settings()
    board = duty.task_board(session, s, wib(0, 10))
    tones = task_tones(board, tasks.PAM_TPS, s, wib(0, 10), True)
    assert len(tones["kurang"]) == len(tones["di_lokasi"]) == len(board) + 1  # and the total row
    for row, short, present in zip(board.itertuples(), tones["kurang"], tones["di_lokasi"]):
        if row.tugas == tasks.OFF_DUTY or not row.wajib:
            assert short == present == ""
            continue
        assert short == ("buruk" if row.kurang else "baik")
        share = row.di_lokasi / row.wajib
        assert present == ("baik" if share >= 0.95 else "waspada" if share >= 0.85 else "buruk"), row
    assert tones["kurang"][-1] == ("buruk" if board["kurang"].sum() else "baik")
    night = task_tones(duty.task_board(session, s, wib(-1, 22)), tasks.PAM_TPS, s, wib(-1, 22), True)
    pam = list(duty.task_board(session, s, wib(-1, 22))["tugas"]).index(tasks.PAM_TPS)
    assert night["di_lokasi"][pam] == ""  # the guards are not yet due at their TPS
    outside = task_tones(duty.task_board(session, s, wib(-10, 10)), tasks.PAM_TPS, s, wib(-10, 10), False)
    assert set(outside["kurang"]) == set(outside["di_lokasi"]) == {""}


def test_briefing_personnel_section_sums_to_the_roster(session):
    from ops.briefing.content import gather
    from ops.briefing.text import sections

    s = get_settings()
    c = gather(session, s, wib(0, 10), wib(0, 10))
    by_title = {sec[0]: sec for sec in sections(c, 100)}
    rows = by_title["Personel menurut tugas (shift berjalan)"][2]
    assert rows[-1][0] == "Jumlah (= roster)" and rows[-1][2] == "331"
    assert sum(int(r[2]) for r in rows[:-1]) == 331




def test_planner_shows_every_shift_filled_task_by_task(demo_sqlite, monkeypatch):
    monkeypatch.setenv("OPS_DATABASE_URL", demo_sqlite)
    at = run_page("views/personel.py", personel_tab="Perencana penugasan")
    next(b for b in at.button if b.label == "Jalankan perencana").click().run()
    assert not at.exception
    grid = next(d.value for d in at.dataframe if "H pagi" in d.value.columns)
    assert list(grid.index) == [tasks.DUTY_LABEL[t] for t in tasks.TASKS]  # in the tasks' own order
    assert grid.loc["PAM TPS", "H pagi"] == "252 / 252" and grid.loc["PAM TPS", "H-2 pagi"] == "—"
    assert grid.loc["Pengawalan logistik", "H-2 pagi"].split(" / ")[0] == grid.loc["Pengawalan logistik",
                                                                                  "H-2 pagi"].split(" / ")[1]


def test_saving_the_plan_makes_it_the_operations_assignments_and_is_audited(demo_copy):
    """An operation set up from its own files has no guard clusters until a commander saves a plan."""
    from sqlalchemy import func, select, update

    from ops import models as m
    from ops.auth import AuthError
    from ops.config import get_settings
    from ops.db import get_engine, session_scope
    from ops.planner import save_plan

    s = get_settings()
    with session_scope(get_engine(demo_copy)) as session:
        session.execute(update(m.Tps).values(cluster_code=None))
        session.execute(m.Assignment.__table__.delete())
    with session_scope(get_engine(demo_copy)) as session:
        with pytest.raises(AuthError):
            save_plan(session, s, "operator")  # an operator may not redeploy the force
    with session_scope(get_engine(demo_copy)) as session:
        plan = save_plan(session, s, "komandan")
    with session_scope(get_engine(demo_copy)) as session:
        assert session.scalar(select(func.count()).select_from(m.Tps).where(m.Tps.cluster_code.is_(None))) == 0
        assert session.scalar(select(func.count(func.distinct(m.Tps.cluster_code)))) == len(plan.clusters)
        assert session.scalar(select(func.count()).select_from(m.Assignment)) == len(plan.duties)
        audit = session.scalars(select(m.AuditLog).where(m.AuditLog.action == "simpan_rencana")).one()
        assert audit.actor == "komandan" and audit.after["klaster"] == len(plan.clusters)
