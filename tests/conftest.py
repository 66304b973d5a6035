"""Fixtures: a fresh SQLite file per test or module, and PostgreSQL where a server answers (else a clear skip)."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ops import config as ops_config
from ops import db as ops_db
from ops import position_ingest
from ops.readmodel import held

ROOT = Path(__file__).resolve().parent.parent
FEEDS = ROOT / "tests" / "payloads"
PG_ADMIN_URL = os.environ.get("OPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reason() -> str | None:
    try:
        eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as e:  # any failure to reach the server means: skip, and say why
        return f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(e).__name__}); set OPS_TEST_POSTGRES_URL to run these"


PG_SKIP = _pg_reason()
if PG_SKIP and os.environ.get("OPS_TEST_REQUIRE_POSTGRES") == "1":
    raise RuntimeError(f"OPS_TEST_REQUIRE_POSTGRES=1 but {PG_SKIP}")


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch):
    """Each test starts from config/ops.toml with no OPS_* variables of the caller's shell."""
    for k in list(os.environ):
        if k.startswith("OPS_") and k != "OPS_TEST_POSTGRES_URL":
            monkeypatch.delenv(k)
    ops_config.reset_settings()
    ops_db.get_engine.cache_clear()
    position_ingest.forget_posts()  # a test's database may have the same address as the one before it
    held.forget()
    yield
    ops_config.reset_settings()
    ops_db.get_engine.cache_clear()


def _new_pg_database() -> tuple[str, callable]:
    name = f"posko_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)

    def drop():
        ops_db.get_engine.cache_clear()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url, drop


def make_db_url(kind: str, tmp_path: Path):
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'ops.db'}", lambda: None
    if PG_SKIP:
        pytest.skip(PG_SKIP)
    return _new_pg_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, monkeypatch):
    """An empty database of each kind, set as OPS_DATABASE_URL."""
    url, drop = make_db_url(request.param, tmp_path)
    monkeypatch.setenv("OPS_DATABASE_URL", url)
    ops_config.reset_settings()
    yield url
    ops_db.get_engine(url).dispose()
    drop()


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory) -> str:
    """One demo operation on SQLite shared by read-only tests (built once: about ten seconds)."""
    return _build_demo(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'ops.db'}")


def _build_demo(url: str) -> str:
    from ops.bootstrap import init_database

    old = os.environ.get("OPS_DATABASE_URL")
    os.environ["OPS_DATABASE_URL"] = url
    ops_config.reset_settings()
    try:
        # Without the briefings of past mornings (tests/test_demo_story.py builds those once): they take half a
        # minute and would be written into the project's briefing folder.
        init_database(ops_config.get_settings(), demo=True, briefings=False)
        # The shared demo stands still at its moment: a test run of twenty minutes must not find trackers fallen
        # silent and a different Perhatian list than the first test saw. Tests that need time to pass set the clock.
        from ops.models import OperationClockRow
        with ops_db.session_scope(ops_db.get_engine(url)) as s:
            s.get(OperationClockRow, 1).speed = 0.0
    finally:
        if old is None:
            os.environ.pop("OPS_DATABASE_URL", None)
        else:
            os.environ["OPS_DATABASE_URL"] = old
        ops_config.reset_settings()
    return url


@pytest.fixture(scope="session")
def demo_postgres():
    if PG_SKIP:
        pytest.skip(PG_SKIP)
    url, drop = _new_pg_database()
    yield _build_demo(url)
    ops_db.get_engine(url).dispose()
    drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_db(request, monkeypatch):
    """The demo operation on each kind of database, set as OPS_DATABASE_URL (treat as read-only)."""
    url = request.getfixturevalue("demo_sqlite" if request.param == "sqlite" else "demo_postgres")
    monkeypatch.setenv("OPS_DATABASE_URL", url)
    ops_config.reset_settings()
    return url


@pytest.fixture
def demo_copy(demo_sqlite, tmp_path, monkeypatch) -> str:
    """A private copy of the SQLite demo for tests that write."""
    import sqlite3

    dst = tmp_path / "ops.db"
    # The backup API copies a consistent snapshot, WAL included.
    with sqlite3.connect(demo_sqlite.removeprefix("sqlite:///")) as src, sqlite3.connect(dst) as out:
        src.backup(out)
    url = f"sqlite:///{dst}"
    monkeypatch.setenv("OPS_DATABASE_URL", url)
    ops_config.reset_settings()
    return url


def find_chromium() -> str | None:
    import shutil
    return os.environ.get("CHROMIUM") or next(
        (p for p in (shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")) if p), None)


# CI sets OPS_TEST_REQUIRE_CHROMIUM=1: there a missing browser fails the run instead of skipping its tests.
CHROMIUM_SKIP = None if find_chromium() else \
    "no Chromium (apt-get install chromium; scripts/test.sh does when run as root)"
if CHROMIUM_SKIP and os.environ.get("OPS_TEST_REQUIRE_CHROMIUM") == "1":
    raise RuntimeError("OPS_TEST_REQUIRE_CHROMIUM=1 but " + CHROMIUM_SKIP)


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_db_copy(request, tmp_path, monkeypatch) -> str:
    """A private, writable copy of the demo on each kind of database (PostgreSQL: a copy of the session's demo
    database made with CREATE DATABASE … TEMPLATE, which takes a second)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("demo_copy")
        return
    url, drop = copy_of_pg_demo(request.getfixturevalue("demo_postgres"))
    monkeypatch.setenv("OPS_DATABASE_URL", url)
    ops_config.reset_settings()
    yield url
    drop()


def copy_of_pg_demo(template: str) -> tuple[str, callable]:
    """A new database copied from the PostgreSQL demo `template` (CREATE DATABASE … TEMPLATE: a second), and the
    function that drops it (WITH FORCE: connections still open are ended)."""
    from sqlalchemy.engine import make_url

    ops_db.get_engine(template).dispose()  # a template must have no other connection
    name = f"posko_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    source = make_url(template).database
    with admin.connect() as c:
        # Another engine of this process (a page's cache keyed on another URL string) or a server a test started may
        # still hold a connection to the template: end them, it is only read from.
        c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d "
                       "AND pid <> pg_backend_pid()"), {"d": source})
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)

    def drop():
        ops_db.get_engine(url).dispose()
        ops_db.get_engine.cache_clear()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url, drop
