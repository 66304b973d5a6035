"""Schema, migrations and model round-trips on SQLite and PostgreSQL."""
import datetime as dt

from sqlalchemy import inspect, select

from ops import models as m
from ops.clock import UTC, as_utc
from ops.config import get_settings
from ops.db import get_engine, schema_revision, session_scope, upgrade


def test_migrations_upgrade_an_empty_database_and_are_idempotent(db_url):
    engine = get_engine(db_url)
    assert not inspect(engine).get_table_names()
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"region", "tps", "personnel", "assignment", "logistics_leg", "tps_status_event", "position_event",
            "incident", "coordination_activity", "feed_run", "audit_log"} <= tables
    head = schema_revision(engine)
    upgrade(engine)
    assert schema_revision(engine) == head


def test_models_round_trip(db_url):
    engine = get_engine(db_url)
    upgrade(engine)
    when = dt.datetime(2024, 11, 27, 0, 5, tzinfo=UTC)
    with session_scope(engine) as s:
        s.add(m.Region(code="16.10", name="Kab", level="kabupaten", parent_code=None, lat=-3.4, lon=104.6,
                       boundary={"type": "Polygon", "coordinates": [[[104, -3], [105, -3], [105, -4], [104, -3]]]}))
        s.add(m.Region(code="16.10.04", name="Indralaya", level="kecamatan", parent_code="16.10", lat=-3.2, lon=104.6))
        s.add(m.Region(code="16.10.04.2001", name="Desa", level="desa", parent_code="16.10.04", lat=-3.2, lon=104.6))
        s.add(m.Polsek(code="PS-X", name="Polsek X", hq_lat=-3.2, hq_lon=104.6))
        s.flush()
        s.add(m.Tps(code="16.10.04.2001.001", desa_code="16.10.04.2001", kecamatan_code="16.10.04", number=1,
                    address="Balai Desa", lat=-3.21, lon=104.61, dpt=450, kerawanan="rawan",
                    indikator=["rawan banjir", "akses hanya jalur sungai"], akses="sungai", polsek_code="PS-X",
                    distance_km=12.5, travel_min=50, verification="terverifikasi", verified_by="Bag Ops",
                    verified_at=when))
        s.add(m.Personnel(nrp="85010001", name="Rudi", rank="AIPDA", unit="Polsek X", polsek_code="PS-X",
                          role="PAM TPS", bko=False, device_id="POLRES-OI-0001"))
        s.flush()
        s.add(m.TpsStatusEvent(tps_code="16.10.04.2001.001", status="dibuka", occurred_at=when, recorded_at=when,
                               source="radio", reporter="Ketua KPPS", note="tepat waktu"))
        s.add(m.PositionEvent(device_id="POLRES-OI-0001", nrp="85010001", fix_time=when, recorded_at=when,
                              lat=-3.21, lon=104.61, accuracy_m=6.0, speed_kmh=0.0, battery=78.0, source="traccar"))
    with session_scope(engine) as s:
        t = s.get(m.Tps, "16.10.04.2001.001")
        assert t.indikator == ["rawan banjir", "akses hanya jalur sungai"]
        assert as_utc(t.verified_at) == when
        ev = s.scalars(select(m.TpsStatusEvent)).one()
        assert (ev.status, ev.reporter) == ("dibuka", "Ketua KPPS")
        r = s.get(m.Region, "16.10")
        assert r.boundary["type"] == "Polygon"
        assert s.get(m.Personnel, "85010001").device_id == "POLRES-OI-0001"


def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = get_engine(url)
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_a_failed_transaction_leaves_nothing(db_url):
    engine = get_engine(db_url)
    upgrade(engine)
    try:
        with session_scope(engine) as s:
            s.add(m.Polsek(code="PS-A", name="A", hq_lat=0, hq_lon=0))
            s.flush()
            raise RuntimeError("crash mid-write")
    except RuntimeError:
        pass
    with session_scope(engine) as s:
        assert s.scalars(select(m.Polsek)).all() == []
    assert get_settings().database_url == db_url
