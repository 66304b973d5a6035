"""Positions at scale: batch ingest (COPY / executemany) that never stores a fix twice, position_latest kept equal to
the history, and the on-site check answered from it as the history-scanning check answered before."""
from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict

import pytest
from sqlalchemy import func, select, update

from ops import models as m
from ops import position_ingest
from ops.clock import as_utc, from_wib, load_clock, set_clock
from ops.config import get_settings, reset_settings
from ops.db import get_engine, session_scope, upgrade
from ops.demo.runs import catch_up
from ops.feeds.traccar import store_positions
from ops.geo import EARTH_RADIUS_KM, haversine_km
from ops.personnel import judge_on_site, last_fixes, officer_board, recent_fixes
from ops.presence import Presence, fold, judge, post_rule, within_radius

T0 = dt.datetime(2024, 11, 27, 0, 0, tzinfo=dt.timezone.utc)  # 07:00 WIB
POSTS = {"K1": [(-3.2000, 104.6500), (-3.2100, 104.6600)], "K2": [(-3.3000, 104.7000)]}
DEVICES = {"DEV-1": ("85010001", "K1"), "DEV-2": ("85010002", "K1"), "DEV-3": ("85010003", "K2"),
           "DEV-4": ("85010004", None)}  # DEV-4 has no post (a patrol)


# ---------------- the on-site check as it was: every fix of the span, scanned (the reference) ----------------

def old_judge(fixes, places, now, settings) -> str:
    silent = dt.timedelta(minutes=settings.traccar_silent_minutes)
    dwell = dt.timedelta(minutes=settings.on_site_dwell_minutes)
    if not fixes or now - fixes[-1][0] > silent:
        return "senyap"
    radius_km = settings.on_site_radius_m / 1000
    recent = [p for p in fixes if p[0] >= now - dwell]
    held = fixes[0][0] <= now - dwell + dt.timedelta(minutes=5)
    near = all(any(haversine_km(lat, lon, pl, po) <= radius_km for pl, po in places) for _, lat, lon in recent)
    return "di_lokasi" if recent and near and held else "di_luar"


def old_recent_fixes(session, settings, now) -> dict[str, list]:
    span = max(settings.on_site_dwell_minutes, settings.traccar_silent_minutes) + 5
    fixes: dict[str, list] = defaultdict(list)
    for dev, t, lat, lon in session.execute(
            select(m.PositionEvent.device_id, m.PositionEvent.fix_time, m.PositionEvent.lat, m.PositionEvent.lon)
            .where(m.PositionEvent.fix_time > now - dt.timedelta(minutes=span), m.PositionEvent.fix_time <= now)):
        fixes[dev].append((as_utc(t), lat, lon))
    for pts in fixes.values():
        pts.sort()
    return fixes


def old_last_fixes(session, now, hours=24) -> dict[str, tuple]:
    out = {}
    for dev, t, lat, lon in session.execute(
            select(m.PositionEvent.device_id, m.PositionEvent.fix_time, m.PositionEvent.lat, m.PositionEvent.lon)
            .where(m.PositionEvent.fix_time <= now, m.PositionEvent.fix_time > now - dt.timedelta(hours=hours))
            .order_by(m.PositionEvent.fix_time)):
        out[dev] = (as_utc(t), lat, lon)
    return out


def old_board_states(session, settings, now) -> dict[str, str]:
    places: dict[str, list] = defaultdict(list)
    for code, cl, lat, lon in session.execute(select(m.Tps.code, m.Tps.cluster_code, m.Tps.lat, m.Tps.lon)):
        places[cl or code].append((lat, lon))
    fixes = old_recent_fixes(session, settings, now)
    out = {}
    for p, a in session.execute(select(m.Personnel, m.Assignment)
                                .join(m.Assignment, m.Assignment.nrp == m.Personnel.nrp)
                                .where(m.Assignment.task == "pam_tps")):
        out[p.nrp] = old_judge(fixes.get(p.device_id, []), places.get(a.cluster_code or a.tps_code, []), now,
                               settings) if p.device_id else "tanpa_perangkat"
    return out


def assert_board_as_before(session, settings, now) -> None:
    board = officer_board(session, settings, now)
    assert dict(zip(board["nrp"], board["status"])) == old_board_states(session, settings, now), now
    new_last = last_fixes(session, now)
    old_last = old_last_fixes(session, now)
    assert {d: (t, round(a, 6), round(o, 6)) for d, (t, a, o) in new_last.items()} == \
        {d: (t, round(a, 6), round(o, 6)) for d, (t, a, o) in old_last.items()}, now


# ---------------- the demo: the kept facts answer as the scan did ----------------

def test_on_site_and_last_fixes_from_position_latest_equal_the_history_scan_on_the_demo(demo_db):
    """At the clock's moment the answer comes from position_latest alone; at earlier moments (replay) from the span
    of history before them; both as the old scan of every fix answered."""
    s = get_settings()
    with session_scope(get_engine(demo_db)) as session:
        now = load_clock(session).now()
        inputs = recent_fixes(session, s, now)
        assert inputs and all(isinstance(v, Presence) for v in inputs.values())  # no history read at all
        for moment in (now, now - dt.timedelta(minutes=7), from_wib(dt.datetime(2024, 11, 27, 8, 3)),
                       from_wib(dt.datetime(2024, 11, 27, 5, 12)), from_wib(dt.datetime(2024, 11, 27, 4, 40))):
            assert_board_as_before(session, s, moment)


def test_the_kept_facts_follow_the_simulator_batch_by_batch(tmp_path, monkeypatch):
    """A demo whose clock starts before dawn, moved forward step by step: after every step position_latest alone
    answers as the history scan does (arrivals, patrols between the cluster's TPS, trackers that die)."""
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    monkeypatch.setenv("OPS_DATABASE_URL", url)
    monkeypatch.setenv("OPS_CLOCK_START", "2024-11-27T04:50")
    reset_settings()
    from ops.bootstrap import init_database

    init_database(get_settings(), demo=True)
    s = get_settings().model_copy(update={"demo": True})
    engine = get_engine(url)
    seen: set[str] = set()
    for hhmm in ("05:12", "06:02", "06:40", "09:47", "11:20"):
        moment = from_wib(dt.datetime.combine(dt.date(2024, 11, 27), dt.time.fromisoformat(hhmm)))
        with session_scope(engine) as session:
            set_clock(session, moment, speed=0.0001)
        catch_up(s)  # every feed once from the demo source (`fetch simulator`)
        with session_scope(engine) as session:
            now = load_clock(session).now()
            assert all(isinstance(v, Presence) for v in recent_fixes(session, s, now).values())
            assert_board_as_before(session, s, now)
            seen |= set(officer_board(session, s, now)["status"])
    assert {"di_lokasi", "di_luar", "senyap"} <= seen


# ---------------- the ingest on a small operation, both databases ----------------

def small_operation(session) -> None:
    session.add_all([m.Region(code="16.10", name="Kab", level="kabupaten", parent_code=None, lat=-3.3, lon=104.7),
                     m.Region(code="16.10.04", name="Kec", level="kecamatan", parent_code="16.10", lat=-3.3, lon=104.7),
                     m.Region(code="16.10.04.2001", name="Desa", level="desa", parent_code="16.10.04", lat=-3.3,
                              lon=104.7),
                     m.Polsek(code="PS-X", name="Polsek X", hq_lat=-3.25, hq_lon=104.68)])
    session.flush()
    n = 0
    for cluster, places in POSTS.items():
        for lat, lon in places:
            n += 1
            session.add(m.Tps(code=f"16.10.04.2001.{n:03d}", desa_code="16.10.04.2001", kecamatan_code="16.10.04",
                              number=n, lat=lat, lon=lon, dpt=300, kerawanan="rawan", cluster_code=cluster))
    for dev, (nrp, cluster) in DEVICES.items():
        session.add(m.Personnel(nrp=nrp, name=f"Petugas {dev}", rank="BRIPKA", unit="Polsek X", polsek_code="PS-X",
                                role="PAM TPS", device_id=dev))
    session.flush()
    for dev, (nrp, cluster) in DEVICES.items():
        session.add(m.Assignment(nrp=nrp, cluster_code=cluster, tahapan="pemungutan",
                                 task="pam_tps" if cluster else "patroli"))


def fix(dev: str, at: dt.datetime, lat: float, lon: float) -> dict:
    return {"device_id": dev, "nrp": DEVICES[dev][0], "fix_time": at, "lat": lat, "lon": lon, "accuracy_m": 8.0,
            "speed_kmh": 0.0, "battery": 80.0}


@pytest.fixture
def operation(db_url):
    engine = get_engine(db_url)
    upgrade(engine)
    with session_scope(engine) as session:
        small_operation(session)
    return engine


def store(engine, records) -> int:
    with session_scope(engine) as session:
        return store_positions(session, records, source="traccar")


def test_a_resent_fix_and_a_duplicate_in_one_batch_are_stored_once(operation):
    a, b = fix("DEV-1", T0, -3.2, 104.65), fix("DEV-2", T0, -3.2, 104.65)
    assert store(operation, [a, b, dict(a)]) == 2  # the same fix twice in one batch
    later = fix("DEV-1", T0 + dt.timedelta(seconds=30), -3.2, 104.65)
    assert store(operation, [a, b, later]) == 1  # the tracker resends its last fix at every poll
    late = fix("DEV-2", T0 - dt.timedelta(minutes=3), -3.21, 104.66)
    assert store(operation, [late, b]) == 1  # an older fix that arrives late is new; its resent neighbour is not
    assert store(operation, [late]) == 0
    # A fix stored another way than the ingest (position_latest does not know it): the batch neither fails nor
    # stores it twice, on PostgreSQL through the staging table, on SQLite by INSERT OR IGNORE.
    sideways = fix("DEV-3", T0 + dt.timedelta(minutes=1), -3.3, 104.7)
    with session_scope(operation) as session:
        session.add(m.PositionEvent(recorded_at=T0, source="lain", **sideways))
    fresh = fix("DEV-3", T0 + dt.timedelta(minutes=2), -3.3, 104.7)
    assert store(operation, [sideways, fresh, fix("DEV-4", T0, -3.0, 104.0)]) == 2
    with session_scope(operation) as session:
        assert session.scalar(select(func.count()).select_from(m.PositionEvent)) == 7
        latest = {r.device_id: as_utc(r.fix_time) for r in session.scalars(select(m.PositionLatest))}
    assert latest == {"DEV-1": later["fix_time"], "DEV-2": T0, "DEV-3": fresh["fix_time"], "DEV-4": T0}


def kept_rows(engine) -> dict[str, tuple]:
    with session_scope(engine) as session:
        return {r.device_id: (as_utc(r.fix_time), r.lat, r.lon, r.post_rule, r.stay_since and as_utc(r.stay_since),
                              r.outside_at and as_utc(r.outside_at)) for r in session.scalars(select(m.PositionLatest))}


def test_the_facts_held_between_polls_give_way_to_any_other_writer(operation, monkeypatch):
    """On PostgreSQL the ingest holds the facts it wrote and reads position_latest again only when another transaction
    wrote it since, or its own did not commit; SQLite reads the table every poll. Either way the table ends as the
    history says: every fix inside its post, so each guard's stay began at the first poll."""
    reads = []
    read = position_ingest.kept
    monkeypatch.setattr(position_ingest, "kept", lambda session: reads.append(1) or read(session))
    postgres = operation.dialect.name == "postgresql"
    at = [T0 + dt.timedelta(seconds=30 * k) for k in range(6)]
    places = {dev: POSTS[c][0] if c else (-3.0, 104.0) for dev, (_, c) in DEVICES.items()}

    def poll(k: int) -> list[dict]:
        return [fix(dev, at[k], *places[dev]) for dev in DEVICES]
    store(operation, poll(0))
    store(operation, poll(1))
    assert len(reads) == (1 if postgres else 2)  # held after the first poll
    with session_scope(operation) as session:  # another writer takes a device's row away (a reset, a rebuild)
        session.execute(m.PositionLatest.__table__.delete().where(m.PositionLatest.device_id == "DEV-2"))
    store(operation, poll(2))
    assert len(reads) == (2 if postgres else 3)
    with session_scope(operation) as session:  # another writer changes a row in place
        session.execute(update(m.PositionLatest).where(m.PositionLatest.device_id == "DEV-1").values(post_rule="x"))
    store(operation, poll(3))
    assert len(reads) == (3 if postgres else 4)
    with pytest.raises(RuntimeError), session_scope(operation) as session:  # a poll whose transaction fails
        store_positions(session, poll(4), source="traccar")
        raise RuntimeError("the run fails after storing")
    assert len(reads) == (3 if postgres else 5)
    store(operation, poll(4))
    store(operation, poll(5))
    assert len(reads) == (4 if postgres else 7)  # its facts were not held: the next poll read the table
    s = get_settings()
    assert kept_rows(operation) == {
        dev: (at[5], *places[dev], post_rule(POSTS[c], s), at[0], None) if c else (at[5], *places[dev], None, None, None)
        for dev, (_, c) in DEVICES.items()}


@pytest.mark.parametrize("posts_for", [0.0, 300.0], ids=["posts-every-poll", "posts-kept"])
def test_position_latest_equals_the_history_after_random_batches(operation, posts_for, monkeypatch):
    """Random polls: fixes inside and outside the posts, resends, late fixes, duplicates in a batch, silences longer
    than the silent limit, and a post changed midway. After every batch position_latest holds each device's newest
    fix and facts that judge every later moment as the whole history would. With the posts kept between polls
    (posts-kept) the moved device's facts keep its old post until they are read again, and the reads take its
    history meanwhile; once they are read again, the next fix folds it afresh."""
    monkeypatch.setattr(position_ingest, "POSTS_FOR", posts_for)
    rng = random.Random(7)
    moved_at = None  # DEV-1's last fix before it moved
    s = get_settings()
    clock = {dev: T0 for dev in DEVICES}
    sent: list[dict] = []
    posts = {dev: POSTS.get(cluster, []) for dev, (_, cluster) in DEVICES.items()}
    for poll in range(30):
        batch = []
        for dev in DEVICES:
            if rng.random() < 0.15:
                clock[dev] += dt.timedelta(minutes=rng.choice([16, 25]))  # the tracker went silent a while
            for _ in range(rng.randint(0, 3)):
                clock[dev] += dt.timedelta(seconds=rng.choice([20, 30, 45, 60, 240]))
                place = rng.choice(posts[dev] or [(-3.0, 104.0)])
                far = rng.random() < 0.2
                batch.append(fix(dev, clock[dev], place[0] + (0.01 if far else rng.uniform(-0.0005, 0.0005)), place[1]))
            if rng.random() < 0.2:  # a fix that arrives after newer ones
                place = rng.choice(posts[dev] or [(-3.0, 104.0)])
                late = clock[dev] - dt.timedelta(seconds=rng.choice([7, 95, 700]))
                batch.append(fix(dev, late, place[0] + rng.choice([0.0, 0.01]), place[1]))
        if sent and rng.random() < 0.5:
            batch += [dict(rng.choice(sent)) for _ in range(3)]  # resends and late arrivals
        if batch and rng.random() < 0.3:
            batch.append(dict(batch[0]))  # the same fix twice in one batch
        if poll == 20:  # DEV-1 moves to the other cluster: its kept facts no longer answer for its post
            with session_scope(operation) as session:
                session.execute(update(m.Assignment).where(m.Assignment.nrp == "85010001").values(cluster_code="K2"))
            posts["DEV-1"] = POSTS["K2"]
            with session_scope(operation) as session:
                assert isinstance(recent_fixes(session, s, max(clock.values()))["DEV-1"], list)
        rng.shuffle(batch)
        unique_before = {(r["device_id"], r["fix_time"]) for r in sent}
        added = store(operation, batch)
        sent += batch
        assert added == len({(r["device_id"], r["fix_time"]) for r in sent}) - len(unique_before)
        with session_scope(operation) as session:
            history: dict[str, list] = defaultdict(list)
            for dev, t, lat, lon in session.execute(select(m.PositionEvent.device_id, m.PositionEvent.fix_time,
                                                           m.PositionEvent.lat, m.PositionEvent.lon)
                                                    .order_by(m.PositionEvent.fix_time)):
                history[dev].append((as_utc(t), lat, lon))
            kept = {r.device_id: r for r in session.scalars(select(m.PositionLatest))}
            assert set(kept) == set(history)
            for dev, fixes in history.items():
                row = kept[dev]
                assert (as_utc(row.fix_time), row.lat, row.lon) == fixes[-1]
                facts = Presence(as_utc(row.fix_time), row.lat, row.lon, row.post_rule, row.stay_since and
                                 as_utc(row.stay_since), row.outside_at and as_utc(row.outside_at))
                whole = fold(None, fixes, posts[dev], s)
                for minutes in (0, 1, 4, 5, 6, 9, 10, 11, 14, 15, 16):
                    now = fixes[-1][0] + dt.timedelta(minutes=minutes)
                    expected = judge(whole, now, s)
                    assert judge_on_site([f for f in fixes if f[0] > now - dt.timedelta(minutes=25)], posts[dev],
                                         now, s) == expected
                    if facts.rule == post_rule(posts[dev], s):  # else not yet refolded: the reads take the history
                        assert judge(facts, now, s) == expected, (poll, dev, now)
            # What the dashboard asks: every device at one moment, from the kept facts where they hold.
            for minutes in (0, 10, 16):
                now = max(f[-1][0] for f in history.values()) + dt.timedelta(minutes=minutes)
                asked = recent_fixes(session, s, now)
                for dev, fixes in history.items():
                    expected = judge(fold(None, fixes, posts[dev], s), now, s)
                    assert judge_on_site(asked.get(dev, []), posts[dev], now, s) == expected, (poll, dev, now)
                    assert isinstance(asked[dev], Presence) == (kept[dev].post_rule == post_rule(posts[dev], s))
            if moved_at is not None and "DEV-1" in kept and as_utc(kept["DEV-1"].fix_time) > moved_at:
                assert (kept["DEV-1"].post_rule == post_rule(POSTS["K2"], s)) == (posts_for == 0), poll
        if poll == 20:
            moved_at = max(clock.values())
    if posts_for:  # the posts are read again: the moved device's next fix folds it against its new post
        monkeypatch.setattr(position_ingest, "POSTS_FOR", 0.0)
        at = max(clock.values()) + dt.timedelta(seconds=30)
        store(operation, [fix("DEV-1", at, *POSTS["K2"][0])])
        with session_scope(operation) as session:
            row = session.get(m.PositionLatest, "DEV-1")
            assert row.post_rule == post_rule(POSTS["K2"], s)
            assert isinstance(recent_fixes(session, s, at)["DEV-1"], Presence)


def test_within_radius_answers_as_the_haversine_distance_does():
    """The flat shortcut decides only where it cannot err: fixes a hair inside and outside the radius, at every
    latitude, across the antimeridian, for narrow and wide radii."""
    rng = random.Random(11)
    cases = 0
    for _ in range(20000):
        pl, po = rng.uniform(-80, 80), rng.choice([rng.uniform(-180, 180), 179.9995, -179.9995])
        radius = rng.choice([0.05, 0.15, 0.3, 2.0, 10.0, 40.0])
        bearing = rng.uniform(0, 2 * math.pi)
        d = radius * rng.choice([0.5, 0.99, 0.9999, 1.0001, 1.01, 3.0])  # km from the place, along the bearing
        lat = pl + math.degrees(d / EARTH_RADIUS_KM) * math.cos(bearing)
        lon = po + math.degrees(d / EARTH_RADIUS_KM) * math.sin(bearing) / math.cos(math.radians(pl))
        lon = (lon + 180) % 360 - 180
        places = [(pl, po), (pl + rng.uniform(-0.05, 0.05), (po + rng.uniform(-0.05, 0.05) + 180) % 360 - 180)]
        exact = any(haversine_km(lat, lon, a, b) <= radius for a, b in places)
        assert within_radius(lat, lon, places, radius) == exact, (lat, lon, places, radius)
        cases += exact
    assert 5000 < cases < 15000  # both answers were asked for


def test_facts_kept_for_another_post_are_refused():
    s = get_settings()
    facts = fold(None, [(T0, -3.2, 104.65)], POSTS["K1"], s)
    assert judge_on_site(facts, POSTS["K1"], T0, s) == "di_luar"  # not held for the dwell time yet
    with pytest.raises(ValueError, match="another post"):
        judge_on_site(facts, POSTS["K2"], T0, s)


def test_traccar_may_be_polled_every_half_minute(demo_copy, monkeypatch):
    from ops.scheduler import build_scheduler

    monkeypatch.setenv("OPS_DEMO", "0")
    monkeypatch.setenv("OPS_TRACCAR_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("OPS_FEED_INTERVALS", '{"traccar": 0.5}')
    reset_settings()
    s = get_settings()
    assert s.feed_intervals["traccar"] == 0.5
    sched = build_scheduler(s, token="t")
    sched.start(paused=True)
    try:
        assert sched.get_job("feed:traccar").trigger.interval == dt.timedelta(seconds=30)
        assert sched.get_job("partitions:daily").trigger.interval == dt.timedelta(days=1)
    finally:
        sched.shutdown(wait=False)


def test_look_ups_of_more_trackers_than_a_statement_may_carry_answer_as_for_the_few(demo_db):
    """At the nation every tracker moves each minute (300,000): a look-up limited to that many devices is not one IN
    list, which PostgreSQL refuses past 65,535 parameters. Asked for the demo's trackers among 70,000 unknown ones,
    the kept facts and the newest fixes are those asked for the trackers alone."""
    from ops.db import one_of
    from ops.positions import kept, newest_fixes

    with session_scope(get_engine(demo_db)) as s:
        now = load_clock(s).now()
        real = set(s.scalars(select(m.Personnel.device_id).where(m.Personnel.device_id.is_not(None))))
        many = real | {f"TIDAK-ADA-{i:06d}" for i in range(70_000)}
        assert {d for part in one_of(s, m.Personnel.device_id, many)
                for d in s.scalars(select(m.Personnel.device_id).where(part))} == real
        assert kept(s, many) == kept(s, real) != {}
        assert newest_fixes(s, now, 24, many) == newest_fixes(s, now, 24, real) != {}
