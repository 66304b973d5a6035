"""A consistent snapshot of the operation's database, and back.

SQLite: the online backup API copies a consistent snapshot while the worker and the server keep running, and a restore
goes back through the same API into the live file, in one step that readers never see half done (no file swapped
under an open connection, no WAL left behind). PostgreSQL: `pg_dump` in its custom format, and
`pg_restore --clean --if-exists` in a single transaction, so a failed restore leaves the database as it was.
"""
from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import URL, make_url

from ops import models as m
from ops.config import Settings
from ops.db import check_connection, get_engine, resolve_url, safe_url, session_scope, upgrade
from ops.lease import live_holder

SQLITE_MAGIC, PG_MAGIC = b"SQLite format 3\x00", b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: str  # sqlite, postgresql
    size: int


def _url(settings: Settings) -> URL:
    return make_url(resolve_url(settings.database_url))


def _kind(url: URL) -> str:
    if url.get_backend_name() in ("sqlite", "postgresql"):
        return url.get_backend_name()
    raise BackupError(f"backup knows SQLite and PostgreSQL, not {url.get_backend_name()} ({safe_url(str(url))})")


def backup(settings: Settings, out: str | Path) -> BackupResult:
    """Write a snapshot of the database to `out` (under a temporary name until it is complete)."""
    url = _url(settings)
    kind = _kind(url)
    check_connection(get_engine(settings.database_url))
    path = Path(out).resolve()
    if not path.parent.is_dir():
        raise BackupError(f"folder {path.parent} does not exist")
    part = path.with_name(path.name + ".part")
    try:
        if kind == "sqlite":
            _sqlite_copy(url.database, str(part))
        else:
            _pg_tool("pg_dump", url, "--format=custom", f"--file={part}")
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return BackupResult(path, kind, path.stat().st_size)


def has_data(settings: Settings) -> bool:
    """Whether the target holds anything a restore would overwrite (any row in any of the operation's tables)."""
    engine = get_engine(settings.database_url)
    present = set(inspect(engine).get_table_names())
    with session_scope(engine) as s:
        return any(s.scalar(select(func.count()).select_from(select(t).limit(1).subquery()))
                   for t in m.Base.metadata.sorted_tables if t.name in present)


def restore(settings: Settings, file: str | Path, overwrite: bool) -> str:
    """Replace the database's content with the backup `file`; returns the kind restored.

    Refuses when the target holds data and `overwrite` is not given, when the backup is of the other kind of
    database, and while a scheduler holds the lease (its writes would mix with the restored data)."""
    path = Path(file)
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    url = _url(settings)
    kind = _kind(url)
    found = _backup_kind(path)
    if found != kind:
        raise BackupError(f"{path.name} is {'a ' + found + ' backup' if found else 'not a backup of this program'}; "
                          f"the database {safe_url(str(url))} is {kind}")
    engine = get_engine(settings.database_url)
    check_connection(engine)
    if inspect(engine).has_table(m.SchedulerLease.__tablename__) and (holder := live_holder(settings)):
        raise BackupError(f"{holder} holds the scheduler lease: stop the worker (and a server with "
                          "run_scheduler_in_app) first, then restore")
    if not overwrite and has_data(settings):
        raise BackupError(f"{safe_url(str(url))} already holds data; add --yes to replace it with {path.name}")
    if kind == "sqlite":
        _check_sqlite(path)
        _sqlite_copy(str(path), url.database)
    else:
        _pg_tool("pg_restore", url, "--clean", "--if-exists", "--no-owner", "--single-transaction", str(path))
    engine.dispose()  # pooled connections still see the old schema's catalog
    upgrade(engine)  # a backup from an older version is brought to this version's schema
    return kind


def _sqlite_copy(source: str, target: str) -> None:
    """The online backup API: a consistent snapshot of `source`, written into `target` as one transaction."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _backup_kind(path: Path) -> str | None:
    with path.open("rb") as f:
        head = f.read(16)
    return "sqlite" if head.startswith(SQLITE_MAGIC) else "postgresql" if head.startswith(PG_MAGIC) else None


def _check_sqlite(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as e:
        raise BackupError(f"{path.name} cannot be read as SQLite ({e}); nothing was changed") from e
    finally:
        conn.close()
    if ok != "ok":
        raise BackupError(f"{path.name} is damaged ({ok}); nothing was changed")
    if "alembic_version" not in tables:
        raise BackupError(f"{path.name} is a SQLite file but not a Posko database; nothing was changed")


def find_pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest under /usr/lib/postgresql/*/bin (Debian's layout)."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if versions:
        return versions[-1]
    raise BackupError(f"{name} not found on PATH or under /usr/lib/postgresql/*/bin: install the PostgreSQL client "
                      "(postgresql-client, the server's major version or newer)")


def _pg_tool(name: str, url: URL, *args: str) -> None:
    # The password travels in the environment, not on the command line where `ps` would show it.
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run([find_pg_tool(name), f"--dbname={target}", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
        raise BackupError(f"{name} failed: {lines[0] if lines else f'exit {done.returncode}'}")
