"""Ranks that fit the NRP: the age its first four digits give, the demo's roster, and the roster import (an NRP
with no such month is refused, a rank that does not fit the age is saved and listed as a warning)."""
import datetime as dt
from collections import Counter

from sqlalchemy import select

from ops import models as m
from ops.config import get_settings
from ops.db import get_engine, session_scope
from ops.ranks import birth_of, misfit

from test_command_room import session  # noqa: F401  (the demo on SQLite and PostgreSQL, read-only)
from test_imports import rejected, run_import, to_csv


def test_rank_fits_the_age_in_the_nrp():
    on = dt.date(2024, 11, 27)
    assert birth_of("01030123", on).year == 2001 and birth_of("75110001", on).year == 1975
    young = misfit("BRIPKA", "01030123", on)  # a BRIPKA born in March 2001: 23 years old
    assert young.kind == "pangkat" and young.age == 23 and young.low == 28
    assert misfit("BRIPDA", "01030123", on) is None and misfit("AKBP", "78050001", on) is None
    assert misfit("BRIPDA", "60010001", on).kind == "usia_dinas"  # 64: retired at 58
    assert birth_of("01130123", on) is None  # no 13th month


def test_every_demo_officer_has_a_rank_that_fits_the_nrp(session):
    s = get_settings()
    people = session.scalars(select(m.Personnel)).all()
    assert [p.nrp for p in people if misfit(p.rank, p.nrp, s.voting_day)] == []
    bko = Counter(p.rank for p in people if p.bko)
    assert bko["BHARADA"] and bko["IPDA"] == 1  # a Brimob platoon: tamtama under an officer


def test_roster_import_warns_on_a_rank_that_does_not_fit_and_refuses_an_impossible_nrp(demo_copy):
    from ops.importers.export import personnel_frame

    with session_scope(get_engine(demo_copy)) as s:
        frame = personnel_frame(s)
    rows = [list(frame.columns)] + [[str(v) for v in r] for r in frame.itertuples(index=False)]
    col = {c: i for i, c in enumerate(rows[0])}
    bad = [r[:] for r in rows]
    bad[1][col["nrp"]] = "01130123"
    assert any("baris 2, kolom nrp: '01130123': empat angka pertama NRP" in p and "bulan 13" in p
               for p in rejected("personnel", to_csv(bad)))
    odd = [r[:] for r in rows]
    odd[1][col["nrp"]], odd[1][col["pangkat"]], odd[1][col["id_perangkat"]] = "01030123", "BRIPKA", ""
    report = run_import("personnel", to_csv(odd))
    assert [(w.row, w.column) for w in report.warnings] == [(2, "pangkat")]
    assert "pangkat BRIPKA tidak cocok dengan NRP (lahir 03/2001, umur 23" in report.warnings[0].reason
    with session_scope(get_engine(demo_copy)) as s:
        assert s.get(m.Personnel, "01030123").rank == "BRIPKA"  # saved all the same
