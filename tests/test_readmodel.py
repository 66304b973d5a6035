"""The read model against a full recompute: after a random stream of events, the incremental refresh, a refresh across
an hour and a replay from a snapshot give the same facts and readiness for every TPS as recomputing the history."""
import datetime as dt
import random

import pandas as pd
import pytest
from sqlalchemy import func, select

from ops import models as m
from ops import readmodel
from ops.clock import from_wib, utcnow
from ops.config import get_settings
from ops.db import get_engine, session_scope
from ops.position_ingest import store_positions
from ops.readiness import per_tps
from ops.readiness.model import PHASES
from ops.vocabulary import TPS_STATUS

H = dt.date(2024, 11, 27)


def wib(hh: int, mm: int) -> dt.datetime:
    return from_wib(dt.datetime.combine(H, dt.time(hh, mm)))


def stream(session, rng: random.Random, since: dt.datetime, until: dt.datetime, n: int) -> None:
    """Status reports, hand-overs, incidents and their follow-ups, meetings and fixes, at random moments in the span."""
    tps = list(session.execute(select(m.Tps.code, m.Tps.kecamatan_code, m.Tps.desa_code, m.Tps.lat, m.Tps.lon)))
    legs = list(session.scalars(select(m.LogisticsLeg.id).where(m.LogisticsLeg.stage.in_(("pps-tps", "tps-pps")))))
    devices = list(session.execute(select(m.Personnel.device_id, m.Personnel.nrp).where(
        m.Personnel.device_id.is_not(None))))
    incidents = list(session.scalars(select(m.Incident.id)))
    span = (until - since).total_seconds()

    def at():
        return since + dt.timedelta(seconds=rng.uniform(1, span))
    for _ in range(n):
        t = rng.choice(tps)
        kind = rng.choice(("status", "status", "leg", "incident", "update", "meeting", "fix", "fix"))
        now = utcnow()
        if kind == "status":
            session.add(m.TpsStatusEvent(tps_code=t.code, status=rng.choice(list(TPS_STATUS)), occurred_at=at(),
                                         recorded_at=now, source=f"uji-{rng.random()}", reporter="uji"))
        elif kind == "leg":
            session.add(m.LogisticsEvent(leg_id=rng.choice(legs), state=rng.choice(("berangkat", "tiba", "diserahkan")),
                                         occurred_at=at(), recorded_at=now, source="uji"))
        elif kind == "incident":
            session.add(m.Incident(ref=f"UJI-{rng.random()}", occurred_at=at(), recorded_at=now, category="uji",
                                   severity=rng.choice(("rendah", "sedang", "tinggi")), kecamatan_code=t.kecamatan_code,
                                   desa_code=t.desa_code, tps_code=t.code, title="uji", source="uji"))
        elif kind == "update" and incidents:
            session.add(m.IncidentUpdate(incident_id=rng.choice(incidents), occurred_at=at(), recorded_at=now,
                                         state=rng.choice(("ditangani", "selesai", "terbuka")), actor="uji", note="uji"))
        elif kind == "meeting":
            session.add(m.CoordinationActivity(occurred_at=at(), recorded_at=now, kecamatan_code=t.kecamatan_code,
                                               desa_code=t.desa_code, roles_met=["pps"], topic="uji", source="uji"))
        elif kind == "fix":
            dev, nrp = rng.choice(devices)
            near = rng.random() < 0.5
            # through the ingest, as the Traccar feed stores fixes (it keeps position_latest)
            store_positions(session, [{"device_id": dev, "nrp": nrp, "fix_time": at(), "lon": t.lon,
                                       "lat": t.lat + (0 if near else 0.05), "accuracy_m": 8.0, "speed_kmh": 0.0,
                                       "battery": 80.0}], "uji")
        session.flush()


def same(expected: pd.DataFrame, actual: pd.DataFrame) -> list[str]:
    """Codes whose scores or problems differ (problems compared as stored: moments as ISO text)."""
    from ops.audit import _plain
    e, a = expected.set_index("code"), actual.set_index("code")
    assert sorted(e.index) == sorted(a.index)
    bad = []
    for code in e.index:
        for p in PHASES:
            x, y = e.at[code, f"skor_{p}"], a.at[code, f"skor_{p}"]
            if not ((pd.isna(x) and pd.isna(y)) or x == y) or \
                    _plain(e.at[code, f"masalah_{p}"]) != _plain(a.at[code, f"masalah_{p}"]):
                bad.append(code)
                break
        else:
            for col in ("status", "personel_di_lokasi", "perangkat_senyap", "logistik", "kembali", "kejadian_terbuka"):
                if not (pd.isna(e.at[code, col]) and pd.isna(a.at[code, col])) and e.at[code, col] != a.at[code, col]:
                    bad.append(code)
                    break
    return bad


@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_refresh_equals_a_full_recompute(demo_db_copy, seed):
    s = get_settings()
    engine = get_engine(demo_db_copy)
    t0, t1 = wib(10, 40), wib(10, 58)  # within one hour and between marks: only what events touched is regathered
    with session_scope(engine) as session:
        readmodel.rebuild(session, s, t0)
        readmodel.snapshot(session, t0)
    with session_scope(engine) as session:
        stream(session, random.Random(seed), t0, t1, 300)
    with session_scope(engine) as session:
        report = readmodel.refresh(session, s, t1)
        assert report.mode == "sebagian" and 0 < report.tps < session.scalar(select(func.count()).select_from(m.Tps))
        assert same(per_tps(session, s, t1), readmodel.table(session)) == []
        # a replay from the snapshot before the stream gives the same answer as recomputing the history
        assert same(per_tps(session, s, t1), readmodel.replay(session, s, t1)) == []


def test_a_refresh_across_an_hour_and_a_mark_equals_a_full_recompute(demo_db_copy):
    s = get_settings()
    engine = get_engine(demo_db_copy)
    with session_scope(engine) as session:
        readmodel.rebuild(session, s, wib(12, 40))
    with session_scope(engine) as session:
        stream(session, random.Random(7), wib(12, 40), wib(13, 20), 200)
    with session_scope(engine) as session:
        report = readmodel.refresh(session, s, wib(13, 20))  # closing (13:00) lies between
        assert report.mode == "semua"
        assert same(per_tps(session, s, wib(13, 20)), readmodel.table(session)) == []


def test_rollups_add_up(demo_db_copy):
    s = get_settings()
    with session_scope(get_engine(demo_db_copy)) as session:
        readmodel.rebuild(session, s, wib(10, 0))
        kab = readmodel.rollups(session, "16", "pemungutan")
        kec = readmodel.rollups(session, "16.10", "pemungutan")
        assert list(kab["kode"]) == ["16.10"] and kab.iloc[0]["tps"] == 667 == kec["tps"].sum()
        assert kab.iloc[0]["siap"] == kec["siap"].sum()
        table = readmodel.table(session)
        ready = int((table["skor_pemungutan"] >= s.readiness_ready_threshold).sum())
        assert kab.iloc[0]["siap"] == ready
        assert len(readmodel.table(session, "16.10.05")) == 71


def test_pages_read_the_read_model_while_the_worker_keeps_it_current(demo_copy):
    from ui.data import _live_table

    s = get_settings()
    with session_scope(get_engine(demo_copy)) as session:
        # no worker has built it yet: the page recomputes from the history
        assert readmodel.refreshed_at(session) is None
        first = _live_table(session, s, wib(10, 5))
        report = readmodel.keep_current(session, s, wib(10, 5))
        assert report.mode == "dibangun"
        assert readmodel.refreshed_at(session) == wib(10, 5)
        assert session.scalar(select(func.count()).select_from(m.TpsSnapshot)) == 667
        # marked in the table: the read model's rows are what the page now reads
        session.execute(m.TpsState.__table__.update().where(m.TpsState.code == first.iloc[0]["code"])
                        .values(skor_pemungutan=0.123))
        assert _live_table(session, s, wib(10, 6)).iloc[0]["skor_pemungutan"] == 0.123
        # a read model left behind by a stopped worker is not shown as current
        assert _live_table(session, s, wib(10, 30)).iloc[0]["skor_pemungutan"] != 0.123


def test_stored_facts_read_back_whole_and_those_of_another_version_too():
    """Facts as this version stores them come back equal (by position, the fast way); facts stored by a version that
    lacked a field, or held one since dropped, come back with the field's default or without it."""
    import orjson

    from ops.readiness.model import TpsFacts
    from ops.readmodel import state

    facts = TpsFacts(code="16.10.04.2001.001", kerawanan="rawan", akses="sungai", kecamatan_code="16.10.04",
                     desa_code="16.10.04.2001", polsek_code="PS-1", status="siap", status_at=wib(7, 5),
                     open_incidents=["tinggi"], voting_rain_at=wib(11, 0), voting_rain_mm=21.5, cluster_code="K1")
    text = orjson.dumps(state.to_json(facts)).decode()
    assert state.from_text(text) == facts
    older = orjson.loads(text)
    del older["cluster_code"]
    assert state.from_json(older) == TpsFacts(**{**facts.__dict__, "cluster_code": None})
    newer = {**orjson.loads(text), "dropped_since": 3}
    assert state.from_json(newer) == facts
    swapped = orjson.loads(text)
    del swapped["cluster_code"]
    swapped["dropped_since"] = None  # as many keys as fields, not the same ones
    assert state.from_json(swapped) == TpsFacts(**{**facts.__dict__, "cluster_code": None})


def test_a_tps_class_set_by_the_operator_reaches_the_read_model_at_the_next_minute(demo_db_copy):
    """Reference data changes without an event: an operator sets a TPS's class (its cluster's pola changes with it).
    The next refresh sees the audit row, gathers everything anew and agrees with a full recompute; the minute after
    is a partial refresh again."""
    from ops import entries
    from ops.readmodel import state

    s = get_settings()
    engine = get_engine(demo_db_copy)
    with session_scope(engine) as session:
        readmodel.rebuild(session, s, wib(10, 40))
        code = session.scalar(select(m.Tps.code).where(m.Tps.kerawanan == "kurang_rawan",
                                                       m.Tps.cluster_code.is_not(None)).order_by(m.Tps.code))
    with session_scope(engine) as session:
        entries.kerawanan_change(session, "admin", code, "sangat_rawan", "verifikasi ulang di lapangan")
    with session_scope(engine) as session:
        report = readmodel.refresh(session, s, wib(10, 41))
        assert report.mode == "dibangun"
        facts = state.from_text(session.scalar(select(state.as_text(m.TpsState.facts)).where(m.TpsState.code == code)))
        assert facts.kerawanan == "sangat_rawan"
        assert same(per_tps(session, s, wib(10, 41)), readmodel.table(session)) == []
    with session_scope(engine) as session:
        assert readmodel.refresh(session, s, wib(10, 42)).mode == "sebagian"


def test_minute_by_minute_the_guards_falling_silent_and_settling_in_reach_the_read_model(demo_db_copy):
    """The live minute refolds only the guards whose answer can have moved: new fixes, and kept facts crossing one of
    the on-site limits (a dwell completing, a fix leaving the dwell period, a tracker falling silent). With no event
    at all after 10:06 the answer still moves for hundreds of trackers; minute by minute the read model agrees with a
    full recompute, and a minute in which nothing can have moved regathers nothing."""
    from ops.tasks import PAM_TPS

    s = get_settings()
    engine = get_engine(demo_db_copy)
    start = wib(10, 0)
    with session_scope(engine) as session:
        readmodel.rebuild(session, s, start)
        # as if the rebuild lay long behind: no post has moved since, so the minute takes the precise set at once
        meta = readmodel._meta(session)
        readmodel._set_meta(session, {**meta, "wide_until": start.isoformat()})
        guards = list(session.execute(select(m.Personnel.device_id, m.Personnel.nrp, m.Tps.lat, m.Tps.lon).join(
            m.Assignment, m.Assignment.nrp == m.Personnel.nrp).join(m.Tps, m.Tps.code == m.Assignment.tps_code).where(
            m.Assignment.task == PAM_TPS, m.Personnel.device_id.is_not(None)).order_by(m.Personnel.nrp)))
    rng = random.Random(5)
    with session_scope(engine) as session:
        # Some guards settle in at their TPS from 10:00, some stand 5 km off, some stop at 10:02; fixes every 30 s.
        rows = []
        for dev, nrp, lat, lon in rng.sample(guards, 60):
            off = rng.choice((0.0, 0.0, 0.05))
            stop = rng.choice((4, 12))
            rows += [{"device_id": dev, "nrp": nrp, "fix_time": start + dt.timedelta(seconds=30 * k), "lat": lat + off,
                      "lon": lon, "accuracy_m": 8.0, "speed_kmh": 0.0, "battery": 80.0} for k in range(1, stop + 1)]
        store_positions(session, rows, "uji")
    moved = 0
    for minute in range(1, 31):
        now = start + dt.timedelta(minutes=minute)
        with session_scope(engine) as session:
            report = readmodel.refresh(session, s, now)
            assert report.mode == "sebagian"
            moved += report.tps
            if minute % 3 == 0:
                assert same(per_tps(session, s, now), readmodel.table(session)) == [], now
    assert moved > 100
    with session_scope(engine) as session:  # every tracker silent since 10:15: nothing can move any more
        assert touched_since(session, s, start + dt.timedelta(minutes=30), start + dt.timedelta(minutes=31)) == set()


def touched_since(session, s, since, until) -> set[str]:
    from ops.readmodel import touched

    return touched.guarded_precisely(session, s, touched.Span(since, until, touched.high_water(session)))


def test_the_worker_holds_the_table_and_reads_again_only_the_rows_a_refresh_rewrote(demo_db_copy):
    """Perhatian's table (the read model joined with the TPS points) is held from one minute to the next: after a
    random stream it equals a whole read, and the rows the refresh did not rewrite are the very ones held before.
    After another process wrote the read model (a rebuild from the command line) the next minute reads it whole."""
    from ops import queries
    from ops.readiness import with_points
    from ops.readmodel import held

    s = get_settings()
    engine = get_engine(demo_db_copy)

    def whole(session):
        return with_points(queries.tps_points(session), readmodel.table(session))
    with session_scope(engine) as session:
        first = held.table_with_points(session, readmodel.rebuild(session, s, wib(10, 40)))
    with session_scope(engine) as session:
        stream(session, random.Random(3), wib(10, 40), wib(10, 50), 150)
    with session_scope(engine) as session:
        report = readmodel.refresh(session, s, wib(10, 50))
        assert report.mode == "sebagian" and 0 < len(report.codes) < 667
    with session_scope(engine) as session:
        kept = held.table_with_points(session, report)
        pd.testing.assert_frame_equal(kept, whole(session))
        same_rows = ~kept["code"].isin(report.codes)
        assert same_rows.sum() == 667 - len(report.codes)
        before = first.set_index("code")["masalah_pemungutan"]
        assert all(before[c] is m_ for c, m_ in zip(kept.loc[same_rows, "code"], kept.loc[same_rows, "masalah_pemungutan"]))
    with session_scope(engine) as session:
        readmodel.rebuild(session, s, wib(10, 50))  # another process: the rows held here no longer stand
        session.execute(m.TpsState.__table__.update().where(m.TpsState.code == kept.iloc[0]["code"])
                        .values(skor_pemungutan=0.123))
    with session_scope(engine) as session:
        stream(session, random.Random(4), wib(10, 50), wib(10, 55), 50)
    with session_scope(engine) as session:
        report = readmodel.refresh(session, s, wib(10, 55))
        again = held.table_with_points(session, report)
        pd.testing.assert_frame_equal(again, whole(session))
        assert (again["code"] == kept.iloc[0]["code"]).any() and 0.123 in set(again["skor_pemungutan"])


def test_the_worker_holds_the_legs_and_reads_again_only_those_with_new_reports(demo_db_copy):
    """Perhatian's leg board is held from one minute to the next: minute by minute through a stream of hand-overs —
    some recorded late for an earlier moment, some recorded ahead for a moment the clock reaches later — it equals
    the board read whole, lateness and ETA included; a leg import (a reference change) has it read whole."""
    from ops import audit
    from ops.logistics import leg_board
    from ops.readmodel import held

    engine = get_engine(demo_db_copy)
    rng = random.Random(11)
    with session_scope(engine) as session:
        legs = list(session.scalars(select(m.LogisticsLeg.id)))
    for minute in range(0, 40, 4):
        now = wib(10, minute)
        with session_scope(engine) as session:
            for _ in range(25):
                at = now + dt.timedelta(minutes=rng.choice((-30, -2, 1, 3, 9)))  # late, fresh, ahead of the clock
                session.add(m.LogisticsEvent(leg_id=rng.choice(legs), state=rng.choice(
                    ("berangkat", "tiba", "diserahkan")), occurred_at=at, recorded_at=utcnow(), source="uji"))
        with session_scope(engine) as session:
            pd.testing.assert_frame_equal(held.leg_board(session, now), leg_board(session, now))
    with session_scope(engine) as session:
        leg = session.get(m.LogisticsLeg, legs[0])
        leg.planned_arrive = wib(9, 0)
        leg.tps_code = None
        audit.record(session, "uji", "impor", "logistics_leg", str(leg.id), None, {"planned_arrive": "09:00"})
    with session_scope(engine) as session:
        pd.testing.assert_frame_equal(held.leg_board(session, wib(10, 40)), leg_board(session, wib(10, 40)))


def test_held_legs_first_read_before_any_report_take_the_first_reports(demo_db_copy):
    """An operation whose legs have no report yet (the held columns hold nothing to type them by): the first reports,
    an actor's name among them, reach the held board as they reach one read whole."""
    from ops.logistics import leg_board
    from ops.readmodel import held

    engine = get_engine(demo_db_copy)
    with session_scope(engine) as session:
        session.execute(m.LogisticsEvent.__table__.delete())
        legs = list(session.scalars(select(m.LogisticsLeg.id).order_by(m.LogisticsLeg.id).limit(5)))
    with session_scope(engine) as session:
        pd.testing.assert_frame_equal(held.leg_board(session, wib(10, 0)), leg_board(session, wib(10, 0)))
        for leg in legs:
            session.add(m.LogisticsEvent(leg_id=leg, state="berangkat", occurred_at=wib(10, 1), recorded_at=utcnow(),
                                         source="uji", actor="Bripka Uji"))
    with session_scope(engine) as session:
        pd.testing.assert_frame_equal(held.leg_board(session, wib(10, 2)), leg_board(session, wib(10, 2)))
