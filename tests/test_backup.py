"""`backup` and `restore` as a person runs them: the demo operation out to a file and back into another database,
compared table by table (row count and a checksum of every row), on SQLite and on PostgreSQL."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from ops import models as m
from ops.clock import utcnow
from ops.config import get_settings, reset_settings
from ops.db import get_engine, session_scope, upgrade
from ops.lease import try_lease

from conftest import ROOT, _new_pg_database


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPS_")}
    return subprocess.run([sys.executable, "-m", "ops", *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**env, "OPS_DATABASE_URL": url})


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Per table: the number of rows and a checksum of all of them in primary-key order."""
    out = {}
    with session_scope(get_engine(url)) as s:
        for table in m.Base.metadata.sorted_tables:
            rows = s.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = (len(rows), hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest())
    return out


def restored_equal(source: str, target: str, tmp_path) -> None:
    dump = tmp_path / "posko.backup"
    r = cli(source, "backup", "--out", str(dump))
    assert r.returncode == 0, r.stderr
    assert dump.stat().st_size > 100_000 and not list(tmp_path.glob("*.part"))
    r = cli(target, "restore", str(dump))
    assert r.returncode == 0, r.stderr
    want, got = fingerprint(source), fingerprint(target)
    assert want["tps"][0] == 667 and want["tps_status_event"][0] > 0
    assert got == want


def test_sqlite_backup_restores_the_same_operation(demo_copy, tmp_path):
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    restored_equal(demo_copy, target, tmp_path)


def test_postgresql_backup_restores_the_same_operation(demo_postgres, tmp_path):
    target, drop = _new_pg_database()
    try:
        restored_equal(demo_postgres, target, tmp_path)
    finally:
        get_engine(target).dispose()
        drop()


def test_restore_refuses_to_overwrite_data_without_yes(demo_copy, tmp_path):
    dump = tmp_path / "posko.backup"
    assert cli(demo_copy, "backup", "--out", str(dump)).returncode == 0
    target = f"sqlite:///{tmp_path / 'other.db'}"
    assert cli(target, "init").returncode == 0  # the region alone is data
    with session_scope(get_engine(target)) as s:
        s.add(m.AuditLog(at=utcnow(), actor="x", action="tanda", entity="uji"))
    r = cli(target, "restore", str(dump))
    assert r.returncode == 1 and "--yes" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    with session_scope(get_engine(target)) as s:
        assert s.scalar(select(m.AuditLog.action).where(m.AuditLog.actor == "x")) == "tanda"  # untouched
    r = cli(target, "restore", str(dump), "--yes")
    assert r.returncode == 0, r.stderr
    assert fingerprint(target) == fingerprint(demo_copy)


def test_restore_refuses_while_a_scheduler_holds_the_lease_and_a_backup_of_the_other_kind(demo_copy, tmp_path,
                                                                                           monkeypatch):
    dump = tmp_path / "posko.backup"
    assert cli(demo_copy, "backup", "--out", str(dump)).returncode == 0
    target = f"sqlite:///{tmp_path / 'live.db'}"
    monkeypatch.setenv("OPS_DATABASE_URL", target)
    reset_settings()
    upgrade(get_engine(target))
    assert try_lease(get_settings(), "worker@posko:1")
    r = cli(target, "restore", str(dump), "--yes")
    assert r.returncode == 1 and "worker@posko:1" in r.stderr and "stop the worker" in r.stderr
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    r = cli(target, "restore", str(not_a_backup), "--yes")
    assert r.returncode == 1 and "not a backup" in r.stderr
    r = cli("postgresql+psycopg://postgres@127.0.0.1:1/x", "restore", str(dump), "--yes")
    assert r.returncode == 1 and "sqlite backup" in r.stderr and "Traceback" not in r.stderr
