"""A Polda's officers on real codes: each Polres planned over its own needs (the demo and the Personel page's planner
alike, ops.deployment.plan_polres_duties), and the roster naming a Polres unit's Polres (kode_polres). On the reduced
Polda of test_scale_demo (SQLite and PostgreSQL)."""
import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select

from ops import models as m
from ops.config import get_settings
from ops.db import get_engine, session_scope
from ops.places import load_names
from ops.region import kabupaten_of

from test_scale_demo import _copy_of, polda, polda_postgresql, polda_sqlite, use  # noqa: F401 (shared fixtures)


def test_every_polres_of_the_polda_demo_fills_its_shift_as_its_planner_plans(polda, use):
    """Each Polres is planned over its own needs as the Personel page's planner plans them: on voting day nothing is
    short in any kabupaten — guards, patrols, reserves, its Posko and warehouse — and the patrols' trackers report
    (but for the few the scenario lets die)."""
    from ops import duty, tasks
    from ops.clock import wib_at

    url, _ = polda
    use(url)
    s = get_settings()
    now = wib_at(s.voting_day, dt.time(10, 0))
    with session_scope(get_engine(url)) as session:
        kabs = sorted({kabupaten_of(c) for c in session.scalars(select(m.Tps.kecamatan_code).distinct())})
        assert len(kabs) == 17
        for kab in kabs:
            board = duty.task_board(session, s, now, area=kab).set_index("tugas").drop(tasks.OFF_DUTY, errors="ignore")
            assert int(board["kurang"].sum()) == 0, (kab, board)
            for task in (tasks.PAM_TPS, "patroli", "cadangan", "posko", "pam_gudang"):
                assert board.loc[task, "ditugaskan"] >= board.loc[task, "wajib"] > 0, (kab, task)
        patrols = duty.duty_board(session, s, now).query("tugas == 'patroli' and device.notna()")["status"]
        assert len(patrols) > 17 and (patrols == "aktif").mean() >= 0.9, patrols.value_counts()


def test_the_planner_saved_at_a_polda_gives_every_polres_its_own_posko_warehouse_and_reserves(polda_sqlite, use,
                                                                                               tmp_path):
    """The Personel page's planner saved at a Polda plans each Polres over its own needs, as the demo does: a Posko,
    a warehouse and the warehouse legs' escorts per Polres posted at its kabupaten, a Polres unit's officers kept in
    their own Polres, every reserve waiting at a Polsek (none at the one polres_hq of the settings, which is Ogan
    Ilir's); and on voting day no kabupaten is short of anything."""
    from ops import duty, tasks
    from ops.clock import wib_at
    from ops.planner import save_plan

    url = _copy_of(polda_sqlite[0], tmp_path)
    use(url)
    s = get_settings()
    assert s.polres_hq  # the settings' one HQ (Ogan Ilir's) is there, and must not be the Polda's
    with session_scope(get_engine(url)) as session:
        save_plan(session, s, "cli")
    a, p = m.Assignment, m.Personnel
    with session_scope(get_engine(url)) as session:
        kabs = sorted({kabupaten_of(c) for c in session.scalars(select(m.Tps.kecamatan_code).distinct())})
        polres_of_polsek = {ps: kabupaten_of(k) for k, ps in session.execute(
            select(m.PolsekKecamatan.kecamatan_code, m.PolsekKecamatan.polsek_code))}
        rows = session.execute(select(a.shift, a.task, a.cluster_code, p.polsek_code, p.polres_code, p.bko)
                               .join(p, p.nrp == a.nrp)).all()
        for task in ("posko", "pam_gudang"):
            per = Counter((shift, post) for shift, t, post, *_ in rows if t == task)
            assert {post for _, post in per} == set(kabs), task
            assert set(per.values()) == {s.task_plan[task]}, (task, per)
        assert [r for r in rows if r.polres_code]  # the demo's Polres units name their Polres
        # Nothing at no post (the Polres): the Posko, warehouse and warehouse-leg escorts at their kabupaten.
        assert not [r for r in rows if r.cluster_code is None]
        for shift, task, post, polsek, polres, bko in rows:
            if task == "cadangan":
                assert post in polres_of_polsek, (shift, post)  # at a Polsek, never at no post
                if not bko:
                    assert polres_of_polsek[post] == (polres or polres_of_polsek[polsek])
            if polres and task in ("posko", "pam_gudang", "patroli", "cadangan"):
                assert (post if task in ("posko", "pam_gudang") else polres_of_polsek[post]) == polres
        assert duty.bases(session, s).get(None) is None
        names = load_names(session)  # the Personel page names the post by its Polres, never by the bare code
        assert [duty.post_name(t, "16.10", names) for t in ("posko", "pengawalan")] == ["Polres Ogan Ilir"] * 2
        now = wib_at(s.voting_day, dt.time(10, 0))
        whole = duty.task_board(session, s, now).set_index("tugas")
        assert whole.loc["posko", "wajib"] == len(kabs) * s.task_plan["posko"]
        for kab in kabs:
            board = duty.task_board(session, s, now, area=kab).set_index("tugas").drop(tasks.OFF_DUTY)
            for task in (tasks.PAM_TPS, "patroli", "cadangan", "posko", "pam_gudang"):
                assert board.loc[task, "kurang"] == 0 and board.loc[task, "wajib"] > 0, (kab, task, board)


def test_polda_roster_names_the_polres_of_its_units_and_rejects_one_outside_or_at_odds(polda_sqlite, tmp_path):
    """kode_polres: the exported roster comes back unchanged; a Polres outside the Polda, or one at odds with the
    officer's Polsek, is named by row and nothing changes; a unit moved to another Polres is stored."""
    import io

    from ops.importers import ImportRejected
    from ops.importers.export import personnel_frame
    from ops.importers.personnel import import_personnel

    url = _copy_of(polda_sqlite[0], tmp_path)
    engine = get_engine(url)
    with session_scope(engine) as s:
        frame = personnel_frame(s)
    unit = frame.index[(frame["kode_polsek"] == "") & (frame["kode_polres"] != "")][0]
    polsek = frame.index[frame["kode_polsek"] != ""][0]
    assert frame.loc[unit, "kode_polres"].startswith("16.")

    def send(f) -> object:
        out = io.StringIO()
        f.to_csv(out, index=False)
        with session_scope(engine) as s:
            return import_personnel(s, get_settings(), out.getvalue().encode(), "personel.csv", "uji")

    assert send(frame).updated == 0
    bad = frame.copy()
    bad.loc[unit, "kode_polres"] = "36.01"  # Banten: not this Polda
    other = "16.71" if not frame.loc[polsek, "kode_polsek"].startswith("PS-16.71.") else "16.10"
    bad.loc[polsek, "kode_polres"] = other
    with pytest.raises(ImportRejected) as e:
        send(bad)
    problems = [str(p) for p in e.value.problems]
    assert any(f"baris {unit + 2}, kolom kode_polres: 36.01 bukan kabupaten/kota di wilayah operasi (16)" in p
               for p in problems), problems
    assert any(f"baris {polsek + 2}, kolom kode_polres" in p and f"bukan di {other}" in p for p in problems), problems
    moved = frame.copy()
    to = "16.71" if frame.loc[unit, "kode_polres"] != "16.71" else "16.10"
    moved.loc[unit, "kode_polres"] = to
    assert send(moved).updated == 1
    with session_scope(engine) as s:
        assert s.get(m.Personnel, frame.loc[unit, "nrp"]).polres_code == to
