"""Migration 0007 on a populated 0006 database (SQLite and PostgreSQL), and PostgreSQL's day partitions: made ahead
of the operation clock, rows waiting in the default moved into their day, expired days dropped whole."""
from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text

from ops import models as m
from ops.clock import as_utc, from_wib, set_clock
from ops.config import get_settings
from ops.db import alembic_config, get_engine, schema_revision, session_scope, upgrade
from ops.partitions import day_partitions, maintain, maintain_now

WIB_MIDNIGHT = from_wib(dt.datetime(2024, 11, 27, 0, 0))
EVENT_TABLES = {"position_event": "fix_time", "tps_status_event": "occurred_at"}


def populate_0005(engine) -> None:
    """A small operation as 0005 and 0006 kept it: fixes and status reports on both sides of a WIB midnight."""
    with session_scope(engine) as s:
        s.add_all([m.Region(code="16.10", name="Kab", level="kabupaten", parent_code=None, lat=-3.3, lon=104.7),
                   m.Region(code="16.10.04", name="Kec", level="kecamatan", parent_code="16.10", lat=-3.3, lon=104.7),
                   m.Region(code="16.10.04.2001", name="Desa", level="desa", parent_code="16.10.04", lat=-3.3,
                            lon=104.7)])
        s.flush()
        s.add(m.Tps(code="16.10.04.2001.001", desa_code="16.10.04.2001", kecamatan_code="16.10.04", number=1,
                    lat=-3.2, lon=104.65, dpt=300, kerawanan="rawan"))
        for i in (1, 2, 3):  # by the columns 0005 had (the ORM would name later ones)
            s.execute(m.Personnel.__table__.insert().values(nrp=f"8501000{i}", name=f"P{i}", rank="BRIPKA",
                                                            unit="Polsek", role="PAM TPS", bko=False,
                                                            device_id=f"DEV-{i}"))
    positions, statuses = m.PositionEvent.__table__, m.TpsStatusEvent.__table__
    with engine.begin() as c:
        for k in range(12):  # 23:00 to 00:50 WIB, every ten minutes
            at = WIB_MIDNIGHT + dt.timedelta(minutes=10 * k - 60)
            for i in (1, 2, 3):
                if i == 3 and k > 4:
                    continue  # DEV-3 stops before midnight
                c.execute(positions.insert().values(device_id=f"DEV-{i}", nrp=f"8501000{i}", fix_time=at,
                                                    recorded_at=at, lat=-3.2 + k / 1000, lon=104.65 + i / 1000,
                                                    accuracy_m=5.0, speed_kmh=None, battery=70.0 + k,
                                                    source="traccar"))
        for status, minutes in (("siap", -90), ("dibuka", 7 * 60), ("pemungutan", 7 * 60 + 5)):
            at = WIB_MIDNIGHT + dt.timedelta(minutes=minutes)
            c.execute(statuses.insert().values(tps_code="16.10.04.2001.001", status=status, occurred_at=at,
                                               recorded_at=at, source="operator", reporter="KPPS", note=None))


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of the event tables, times as UTC, in id order."""
    out = {}
    with engine.connect() as c:
        for table in EVENT_TABLES:
            t = m.Base.metadata.tables[table]
            rows = c.execute(select(t).order_by(t.c.id)).all()
            out[table] = [tuple(as_utc(v) if isinstance(v, dt.datetime) else v for v in r) for r in rows]
    return out


def test_migration_0007_carries_a_populated_0006_database(db_url):
    engine = get_engine(db_url)
    command.upgrade(alembic_config(engine), "0006")
    populate_0005(engine)
    before = snapshot(engine)
    upgrade(engine)
    assert schema_revision(engine) == "0013"  # 0007, then the roll-ups' counts, the area prefix indexes, 0010 to 0013
    assert snapshot(engine) == before
    newest = {}
    for row in before["position_event"]:
        dev, t, lat, lon = row[1], row[3], row[5], row[6]
        if dev not in newest or t > newest[dev][0]:
            newest[dev] = (t, lat, lon)
    with session_scope(engine) as s:
        latest = {r.device_id: (as_utc(r.fix_time), r.lat, r.lon) for r in s.scalars(select(m.PositionLatest))}
        assert latest == newest
        added = m.PositionEvent(device_id="DEV-1", nrp="85010001", fix_time=WIB_MIDNIGHT + dt.timedelta(hours=2),
                                recorded_at=WIB_MIDNIGHT, lat=-3.2, lon=104.65, source="traccar")
        s.add(added)
        s.flush()
        assert added.id > max(r[0] for r in before["position_event"])  # the identity goes on where serial stopped
    assert "ix_position_event_nrp" not in {i["name"] for i in inspect(engine).get_indexes("position_event")}
    if engine.dialect.name == "postgresql":
        with session_scope(engine) as s:
            for table, key in EVENT_TABLES.items():
                assert s.scalar(text(f"SELECT partstrat FROM pg_partitioned_table "
                                     f"WHERE partrelid = '{table}'::regclass")) == "r"
                assert s.scalar(text(f"SELECT count(*) FROM ONLY {table}_default")) == 0  # every row in its day
                pk = s.scalar(text(f"SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'pk_{table}'"))
                assert pk == f"PRIMARY KEY (id, {key})"
            assert set(day_partitions(s, "position_event")) == {dt.date(2024, 11, 26), dt.date(2024, 11, 27)}
            # 23:00 to 23:50 WIB on the 26th
            assert s.scalar(text("SELECT count(*) FROM position_event_p20241126")) == 17
    command.downgrade(alembic_config(engine), "0006")
    assert snapshot(engine)["tps_status_event"] == before["tps_status_event"]
    assert len(snapshot(engine)["position_event"]) == len(before["position_event"]) + 1
    upgrade(engine)
    assert schema_revision(engine) == "0013"  # 0007, then the roll-ups' counts, the area prefix indexes, 0010 to 0013


@pytest.fixture
def pg_url(monkeypatch):
    from conftest import PG_SKIP, _new_pg_database
    from ops.config import reset_settings

    if PG_SKIP:
        pytest.skip(PG_SKIP)
    url, drop = _new_pg_database()
    monkeypatch.setenv("OPS_DATABASE_URL", url)
    reset_settings()
    yield url
    get_engine(url).dispose()
    drop()


def test_partitions_are_made_ahead_and_expire_by_dropping_whole_days(pg_url, monkeypatch):
    monkeypatch.setenv("OPS_POSITION_RETENTION_DAYS", "3")
    monkeypatch.setenv("OPS_PARTITION_DAYS_AHEAD", "2")
    from ops.config import reset_settings

    reset_settings()
    s = get_settings()
    engine = get_engine(pg_url)
    upgrade(engine)
    populate_0005(engine)  # the same rows, written after the upgrade: they wait in the default partitions
    with session_scope(engine) as session:
        assert session.scalar(text("SELECT count(*) FROM ONLY position_event_default")) == 29
        now = from_wib(dt.datetime(2024, 11, 27, 10, 0))
        done = maintain(session, s, now)
        assert done.moved == 29 + 3 and not done.dropped
        days = {dt.date(2024, 11, d) for d in (26, 27, 28, 29)}  # yesterday, today and two days ahead
        assert set(day_partitions(session, "position_event")) == days
        assert set(day_partitions(session, "tps_status_event")) == days
        assert session.scalar(text("SELECT count(*) FROM ONLY position_event_default")) == 0
        assert session.scalar(text("SELECT count(*) FROM position_event_p20241127")) == 12
        assert not maintain(session, s, now).made  # made once
    with session_scope(engine) as session:  # five days on: the 26th and 27th are past the three days kept
        set_clock(session, from_wib(dt.datetime(2024, 12, 1, 10, 0)))
    done = maintain_now(s)
    assert done.dropped == ["position_event_p20241126", "position_event_p20241127"]
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.PositionEvent)) == 0
        assert session.scalar(select(func.count()).select_from(m.TpsStatusEvent)) == 3  # kept for the operation
        assert set(day_partitions(session, "position_event")) == {dt.date(2024, 11, d) for d in (28, 29, 30)} | {
            dt.date(2024, 12, d) for d in (1, 2, 3)}


def test_init_makes_the_partitions_of_the_demo_days(demo_postgres):
    with session_scope(get_engine(demo_postgres)) as session:
        days = day_partitions(session, "position_event")
        assert dt.date(2024, 11, 27) in days and dt.date(2024, 11, 27) + dt.timedelta(days=7) in days
        assert session.scalar(text("SELECT count(*) FROM ONLY position_event_default")) == 0
        assert session.scalar(text("SELECT count(*) FROM ONLY tps_status_event_default")) == 0
        assert session.scalar(text("SELECT count(*) FROM position_event_p20241127")) > 0


def test_a_reader_holding_the_table_makes_the_maintenance_wait_not_deadlock(pg_url):
    """A page's query locks a partitioned table, then its partitions. The maintenance takes the table first too, so a
    reader caught between the two finishes and the maintenance goes on after it (before, the maintenance held the
    default partition while it waited for the table, and PostgreSQL broke the cycle by failing one of them)."""
    import threading
    import time

    engine = get_engine(pg_url)
    upgrade(engine)
    populate_0005(engine)  # status reports waiting in the default partition: their days are to be made
    with session_scope(engine) as session:
        set_clock(session, from_wib(dt.datetime(2024, 11, 27, 10, 0)))
    outcome: dict = {}

    def maintenance() -> None:
        try:
            outcome["done"] = maintain_now(get_settings())
        except Exception as e:  # noqa: BLE001 - the test reports what went wrong
            outcome["error"] = e

    reader = engine.connect()
    try:
        reader.execute(text("LOCK TABLE ONLY tps_status_event IN ACCESS SHARE MODE"))  # the table, not yet its parts
        worker = threading.Thread(target=maintenance)
        worker.start()
        time.sleep(1.5)  # the maintenance is under way and waits for the reader
        assert reader.execute(text("SELECT count(*) FROM tps_status_event_default")).scalar() == 3
        reader.commit()
    finally:
        reader.close()
    worker.join(30)
    assert "error" not in outcome, outcome.get("error")
    assert "tps_status_event_p20241127" in outcome["done"].made and not outcome["done"].skipped


def test_a_maintenance_frozen_mid_transaction_lets_go_of_the_table(pg_url, monkeypatch):
    """A worker frozen (SIGSTOP, a paused VM) while its maintenance holds an event table locked: the server ends that
    transaction once it has idled past IDLE_TIMEOUT, so the next holder's feed can write again."""
    import time

    from ops import partitions
    from sqlalchemy.exc import DBAPIError

    monkeypatch.setattr(partitions, "IDLE_TIMEOUT", "1s")
    engine = get_engine(pg_url)
    upgrade(engine)
    frozen = session_scope(engine)
    session = frozen.__enter__()
    done = maintain(session, get_settings(), from_wib(dt.datetime(2024, 12, 20, 10, 0)))  # days to make: locks
    assert done.made
    time.sleep(2.5)  # frozen mid-transaction, holding the lock
    other = engine.connect()
    try:
        other.execute(text("SET lock_timeout = '3s'"))
        assert other.execute(text("SELECT count(*) FROM tps_status_event")).scalar() == 0  # not blocked
    finally:
        other.close()
    with pytest.raises(DBAPIError):  # the woken holder's transaction is gone: nothing of it is kept
        frozen.__exit__(None, None, None)
    with session_scope(engine) as s:
        assert dt.date(2024, 12, 20) not in day_partitions(s, "tps_status_event")
