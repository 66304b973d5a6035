"""The one engine factory and session accessor; schema creation and upgrades go through Alembic."""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from sqlalchemy import ARRAY, Engine, any_, bindparam, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ops.config import PROJECT_ROOT, get_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseError(Exception):
    """The database cannot be used; the message says which URL and what to do."""


def resolve_url(url: str) -> str:
    """SQLite file paths are taken relative to the project folder, and their folder is created."""
    try:
        u = make_url(url)
    except ArgumentError as e:
        raise DatabaseError(f"OPS_DATABASE_URL {url!r} is not a database URL (e.g. sqlite:///data/ops.db).") from e
    if u.drivername.startswith("sqlite") and u.database and u.database != ":memory:":
        path = Path(u.database)
        if not path.is_absolute():
            path = PROJECT_ROOT / path
        path.parent.mkdir(parents=True, exist_ok=True)
        u = u.set(database=str(path))
    elif u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")  # the driver we ship
    return u.render_as_string(hide_password=False)


def safe_url(url: str) -> str:
    """The URL as a person may see it: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def is_outage(error: BaseException) -> bool:
    """The database did not answer (server down, port closed, connection cut), rather than refused a statement."""
    return isinstance(error, (OperationalError, InterfaceError)) or (
        isinstance(error, DBAPIError) and error.connection_invalidated)


def cause(error: BaseException) -> str:
    """The driver's own first line ('connection refused'), without SQLAlchemy's statement and help link."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def unreachable(url: str, error: BaseException) -> str:
    """The one line the CLI and the worker's log say when the database does not answer."""
    return f"Cannot connect to the database {safe_url(url)}: {cause(error)} (is the server running? check OPS_DATABASE_URL)"


def make_engine(url: str) -> Engine:
    resolved = resolve_url(url)
    args: dict[str, object] = {}
    if resolved.startswith("postgresql"):
        # A server that does not answer at all (a dropped network) fails in seconds instead of hanging a page or the
        # CLI.
        if "connect_timeout" not in resolved:
            args["connect_timeout"] = 10
        # Every time is an instant and shown in WIB by the code; a session in UTC has the driver hand times back with
        # datetime.timezone.utc, which pandas converts in C. Under the server's 'Etc/UTC' they come as ZoneInfo
        # objects, converted one by one: 2.7 s a million, 9 of the 59 s the nation's leg board took.
        if "options=" not in resolved:
            args["options"] = "-c timezone=UTC"
    try:
        engine = create_engine(resolved, pool_pre_ping=True, connect_args=args)
    except (ArgumentError, ImportError) as e:
        raise DatabaseError(f"Cannot use database URL {url!r}: {e}") from e
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # WAL lets the dashboard read while the worker writes; the busy timeout rides out short write locks.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    return engine


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    return make_engine(url or get_settings().database_url)


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError as e:
        raise DatabaseError(unreachable(engine.url.render_as_string(hide_password=False), e)) from e


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back whole on any error."""
    factory = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    with factory() as session:
        with session.begin():
            yield session


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command

    check_connection(engine)
    command.upgrade(alembic_config(engine), "head")


def schema_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("tps")


IN_CHUNK = 5000  # values per IN list when a lookup is limited to some codes (far below either driver's limit)


def in_chunks(values) -> list[list]:
    """`values` sorted and cut into IN lists of at most IN_CHUNK: a kabupaten's few thousand codes are looked up by
    their index, in as few statements as the drivers allow."""
    ordered = sorted(values)
    return [ordered[i:i + IN_CHUNK] for i in range(0, len(ordered), IN_CHUNK)]


def one_of(session: Session, column, values) -> list:
    """Conditions that together pick the rows whose `column` is one of `values`, one statement each: on PostgreSQL a
    single `= ANY(array)` (one parameter: the nation's 70,000 reserve trackers as IN lists cost seconds in building the
    statements alone), elsewhere the IN lists of in_chunks."""
    if session.get_bind().dialect.name == "postgresql":
        return [column == any_(bindparam(None, sorted(values), type_=ARRAY(column.type)))] if values else []
    return [column.in_(part) for part in in_chunks(values)]
