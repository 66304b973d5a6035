"""The boards the worker makes once a minute (ops.readmodel.boards): taken by the pages only for their minute and while
what they were made from is unchanged, and then the very tables the pages would have computed."""
import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from ops import models as m
from ops.clock import load_clock, utcnow
from ops.config import get_settings
from ops.db import get_engine, session_scope
from ops.readmodel import boards


def _moment(url: str) -> dt.datetime:
    with session_scope(get_engine(url)) as s:
        return boards.minute(load_clock(s).now())


def _same(a, b) -> None:
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    else:
        assert a == b


def _keep(url: str, at: dt.datetime) -> list[str]:
    with session_scope(get_engine(url)) as s:
        return boards.keep(s, get_settings(), at)


def _read_model_current(url: str, at: dt.datetime) -> None:
    from ops import readmodel
    with session_scope(get_engine(url)) as s:
        readmodel.keep_current(s, get_settings(), at)


def test_each_board_is_what_a_page_would_compute_and_is_taken_while_nothing_changed(demo_db_copy):
    at = _moment(demo_db_copy)
    made = _keep(demo_db_copy, at)
    # The per-TPS table is a board only while the read model is current (else a page computes from the history).
    assert "tps_table" not in made and "timeline" not in made and "leg_board" in made
    with session_scope(get_engine(demo_db_copy)) as s:
        assert boards.read(s, "tps_table", at) is boards.NONE
    _read_model_current(demo_db_copy, at)
    assert _keep(demo_db_copy, at + dt.timedelta(seconds=25)) == list(boards.BOARDS)  # stored at its minute
    with session_scope(get_engine(demo_db_copy)) as s:
        made: dict = {}
        for name, board in boards.BOARDS.items():
            made[name] = fresh = board.make(s, get_settings(), at, made)
            taken = boards.read(s, name, at + dt.timedelta(seconds=50))
            assert taken is not boards.NONE, name
            _same(taken, fresh)
        assert len(made["leg_board"]) and len(made["river_legs"]) and len(made["coordination"][1])
        assert len(made["tps_table"]) == 667 and len(made["task_board"]) and len(made["duty_board"]) == 331
        assert len(made["officer_board"]) == 252  # every PAM TPS guard
        assert len(made["tps_points"]) == 667 and made["timeline"]
        # Where the TPS are holds at every minute; the rest is of its own.
        assert boards.read(s, "tps_points", at + dt.timedelta(hours=5)) is not boards.NONE
        assert boards.read(s, "tps_points", None) is not boards.NONE
        # Another minute: made afresh by the page (a replay, a worker behind).
        assert boards.read(s, "leg_board", at + dt.timedelta(minutes=1)) is boards.NONE
        assert boards.read(s, "leg_board", at - dt.timedelta(minutes=1)) is boards.NONE


def test_a_board_is_left_once_what_it_was_made_from_changes(demo_db_copy):
    at = _moment(demo_db_copy)
    _keep(demo_db_copy, at)
    with session_scope(get_engine(demo_db_copy)) as s:
        leg = s.scalars(select(m.LogisticsLeg).order_by(m.LogisticsLeg.id)).first()
        s.add(m.LogisticsEvent(leg_id=leg.id, state="berangkat", occurred_at=at - dt.timedelta(minutes=5),
                               recorded_at=utcnow(), source="operator", actor="Bripda Uji"))
    with session_scope(get_engine(demo_db_copy)) as s:  # a report: every board of the legs is left
        assert boards.read(s, "leg_board", at) is boards.NONE
        assert boards.read(s, "river_legs", at) is boards.NONE
        assert boards.read(s, "coordination", at) is not boards.NONE  # made from other tables
        assert boards.read(s, "forecast_72h", at) is not boards.NONE
    _keep(demo_db_copy, at)  # the worker's next minute takes the report in
    with session_scope(get_engine(demo_db_copy)) as s:
        board = boards.read(s, "leg_board", at)
        assert board is not boards.NONE and board.set_index("id").loc[leg.id, "state"] == "berangkat"
        # A forecast run finishing: the rain and the river legs judged on it are left; the leg board is not.
        s.add(m.FeedRun(feed="bmkg-forecast", started_at=at, finished_at=at, ok=True, rows=0))
    with session_scope(get_engine(demo_db_copy)) as s:
        assert boards.read(s, "forecast_72h", at) is boards.NONE
        assert boards.read(s, "river_legs", at) is boards.NONE
        assert boards.read(s, "leg_board", at) is not boards.NONE
        s.add(m.FeedRun(feed="bmkg-forecast", started_at=at, ok=False))  # one started, not finished: no change yet
    with session_scope(get_engine(demo_db_copy)) as s:
        before = boards.versions(s, "forecast_72h")
    _keep(demo_db_copy, at)
    with session_scope(get_engine(demo_db_copy)) as s:
        assert boards.versions(s, "forecast_72h") == before
        assert boards.read(s, "forecast_72h", at) is not boards.NONE


def test_the_guards_boards_are_left_at_a_position_poll_and_the_tps_table_at_a_read_model_refresh(demo_db_copy):
    at = _moment(demo_db_copy)
    _read_model_current(demo_db_copy, at)
    _keep(demo_db_copy, at)
    with session_scope(get_engine(demo_db_copy)) as s:
        s.add(m.FeedRun(feed="traccar", started_at=at, finished_at=at, ok=True, rows=3))
    with session_scope(get_engine(demo_db_copy)) as s:
        assert boards.read(s, "duty_board", at) is boards.NONE and boards.read(s, "task_board", at) is boards.NONE
        assert boards.read(s, "officer_board", at) is boards.NONE
        assert boards.read(s, "tps_table", at) is not boards.NONE
    _read_model_current(demo_db_copy, at + dt.timedelta(minutes=1))  # a new stamp
    with session_scope(get_engine(demo_db_copy)) as s:
        assert boards.read(s, "tps_table", at) is boards.NONE


# A second writer while the worker's transaction is open: SQLite would hold it at the lock.
@pytest.mark.parametrize("demo_db_copy", ["postgresql"], indirect=True)
def test_a_report_landing_while_the_boards_are_made_leaves_every_board_made_before_it(demo_db_copy, monkeypatch):
    """The river legs are judged on the leg board made just before them: a report committed in between must leave
    both, not be counted in the river legs' versions while missing from their rows."""
    import dataclasses

    at = _moment(demo_db_copy)
    legs = boards.BOARDS["leg_board"]

    def made_then_reported(s, settings, t, made):
        board = legs.make(s, settings, t, made)
        with session_scope(get_engine(demo_db_copy)) as other:  # its own connection, committed on leaving
            leg = other.scalars(select(m.LogisticsLeg.id).order_by(m.LogisticsLeg.id)).first()
            other.add(m.LogisticsEvent(leg_id=leg, state="berangkat", occurred_at=at - dt.timedelta(minutes=2),
                                       recorded_at=utcnow(), source="operator", actor="Bripda Uji"))
        return board
    monkeypatch.setitem(boards.BOARDS, "leg_board", dataclasses.replace(legs, make=made_then_reported))
    _keep(demo_db_copy, at)
    with session_scope(get_engine(demo_db_copy)) as s:
        assert boards.read(s, "leg_board", at) is boards.NONE
        assert boards.read(s, "river_legs", at) is boards.NONE
        assert boards.read(s, "coordination", at) is not boards.NONE


def test_where_the_tps_are_is_left_when_an_operator_changes_a_tps(demo_copy):
    from ops import entries

    at = _moment(demo_copy)
    _keep(demo_copy, at)
    with session_scope(get_engine(demo_copy)) as s:
        code = s.scalars(select(m.Tps.code).where(m.Tps.kerawanan == "kurang_rawan").order_by(m.Tps.code)).first()
        entries.kerawanan_change(s, "operator", code, "sangat_rawan", "laporan intelijen: rawan bentrok")
    with session_scope(get_engine(demo_copy)) as s:
        assert boards.read(s, "tps_points", at) is boards.NONE


def test_an_operation_above_the_limit_makes_no_boards(demo_copy, monkeypatch):
    at = _moment(demo_copy)
    _keep(demo_copy, at)
    monkeypatch.setattr(boards, "BOARD_MAX_TPS", 600)  # the demo has 667 TPS
    assert _keep(demo_copy, at) == []
    with session_scope(get_engine(demo_copy)) as s:
        assert s.scalar(select(func.count()).select_from(m.ReadBoard)) == 0
        assert boards.read(s, "leg_board", at) is boards.NONE


def test_the_dashboard_takes_the_board_of_its_minute(demo_copy):
    """The page's accessor returns the stored board, not its own computation: a board marked in the database shows."""
    import pickle

    from ui import data

    at = _moment(demo_copy)
    _keep(demo_copy, at)
    with session_scope(get_engine(demo_copy)) as s:
        row = s.get(m.ReadBoard, "leg_board")
        marked = pickle.loads(row.payload)
        marked.loc[marked.index[0], "from_name"] = "Gudang KPU (papan)"
        row.payload = pickle.dumps(marked)
    data.st.cache_data.clear()
    assert data.leg_board(data.moment_key(at)).iloc[0]["from_name"] == "Gudang KPU (papan)"
    # A kabupaten's own board is not the whole operation's: read as before.
    assert data.leg_board_in(data.moment_key(at), "16.10").iloc[0]["from_name"] != "Gudang KPU (papan)"
    data.st.cache_data.clear()
