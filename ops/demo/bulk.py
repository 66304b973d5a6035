"""Bulk writing for operations of a province or the nation: millions of rows, never one ORM object at a time.

PostgreSQL takes rows through COPY (psycopg's cursor.copy), several times faster than INSERT; other databases
(SQLite) through one executemany per large batch. Rows are tuples in the order of the columns named; the caller's
transaction holds them all.
"""
from __future__ import annotations

import json
from typing import Iterable

from sqlalchemy import JSON, func, select, text
from sqlalchemy.orm import Session

BATCH = 20_000


class BulkWriter:
    def __init__(self, session: Session):
        self.session = session
        self.connection = session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}

    def write(self, model, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        table = model.__table__
        n = self._copy(table, columns, rows) if self.postgres else self._insert(table, columns, rows)
        self.counts[table.name] = self.counts.get(table.name, 0) + n
        return n

    def _copy(self, table, columns, rows) -> int:
        as_json = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
        raw = self.connection.connection.driver_connection
        n = 0
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                if as_json:
                    row = list(row)
                    for i in as_json:
                        row[i] = None if row[i] is None else json.dumps(row[i], ensure_ascii=False)
                copy.write_row(row)
                n += 1
        return n

    def _insert(self, table, columns, rows) -> int:
        """One executemany per batch straight to the driver, each value through its column type's own bind
        processing (the stored form stays what the ORM writes), without building a statement per row."""
        dialect = self.connection.dialect
        process = [(i, p) for i, c in enumerate(columns)
                   if (p := table.c[c].type._cached_bind_processor(dialect)) is not None]
        sql = (f'INSERT INTO "{table.name}" ({", ".join(columns)}) '
               f'VALUES ({", ".join(dialect.paramstyle == "qmark" and "?" or "%s" for _ in columns)})')
        n, batch = 0, []
        for row in rows:
            if process:
                row = list(row)
                for i, p in process:
                    row[i] = p(row[i])
            batch.append(tuple(row))
            if len(batch) >= BATCH:
                self.connection.exec_driver_sql(sql, batch)
                n, batch = n + len(batch), []
        if batch:
            self.connection.exec_driver_sql(sql, batch)
            n += len(batch)
        return n

    def next_id(self, model) -> int:
        """The first free id of a table whose ids the caller assigns (it needs them before the rows exist)."""
        return (self.session.scalar(select(func.max(model.id))) or 0) + 1

    def sync_sequence(self, model) -> None:
        """After ids were given by hand: PostgreSQL's sequence must continue past them (SQLite takes max + 1)."""
        if self.postgres:
            name = model.__table__.name
            self.connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                         f"GREATEST((SELECT MAX(id) FROM \"{name}\"), 1))"))
