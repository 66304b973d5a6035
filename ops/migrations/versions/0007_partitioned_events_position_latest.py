"""event tables partitioned by day on PostgreSQL; position_latest

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 09:00:00

PostgreSQL: position_event (by fix_time) and tps_status_event (by occurred_at) become tables partitioned by range, one
partition per WIB day and a default partition for whatever falls outside the days made (ops.partitions makes the days
ahead and drops the expired ones). A partitioned table's primary key must hold the partition key, so it is (id, time),
with `id` an identity that stays unique on its own. The existing rows move into a partition per day they cover.
Not partitioned: logistics_event, incident_update, alert_event — few rows (a handful per leg, incident or item), read by
their parent over the whole operation so that no partition would ever be skipped; incident_update's one-time entry key
and the outbox's reference to alert_event.id need uniqueness a partitioned table cannot give without the time.

Both databases: position_latest (one row per device: newest fix and the on-site facts, ops.presence), filled with each
device's newest fix (its facts are folded by the ingest on the next fix, and read from the history until then), and
no more index on position_event.nrp (no query reads positions by officer).

This file is frozen: it must not import the application, whose code moves on.
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

WIB = "+07"
LATEST_COLUMNS = "device_id, nrp, fix_time, recorded_at, lat, lon, accuracy_m, speed_kmh, battery, source"

TABLES = {
    "position_event": ("fix_time", "bigint", """
        device_id varchar(40) NOT NULL,
        nrp varchar(20),
        fix_time timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        lat float8 NOT NULL,
        lon float8 NOT NULL,
        accuracy_m float8,
        speed_kmh float8,
        battery float8,
        source varchar(40) NOT NULL,
        CONSTRAINT uq_position_event_fix UNIQUE (device_id, fix_time),
        CONSTRAINT fk_position_event_nrp_personnel FOREIGN KEY (nrp) REFERENCES personnel (nrp)""",
                       {"ix_position_event_time": "fix_time"},
                       ("uq_position_event_fix",), ("ix_position_event_time", "ix_position_event_nrp")),
    "tps_status_event": ("occurred_at", "integer", """
        tps_code varchar(24) NOT NULL,
        status varchar(24) NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        source varchar(40) NOT NULL,
        reporter varchar(120),
        note text,
        CONSTRAINT uq_tps_status_event_report UNIQUE (tps_code, status, occurred_at, source),
        CONSTRAINT fk_tps_status_event_tps_code_tps FOREIGN KEY (tps_code) REFERENCES tps (code)""",
                         {"ix_tps_status_event_tps_time": "tps_code, occurred_at"},
                         ("uq_tps_status_event_report",), ("ix_tps_status_event_tps_time",)),
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table, (key, id_type, body, indexes, unique, old_indexes) in TABLES.items():
            _partition(bind, table, key, id_type, body, indexes, unique, old_indexes)
    else:
        with op.batch_alter_table('position_event', schema=None) as batch_op:
            batch_op.drop_index('ix_position_event_nrp')
    op.create_table('position_latest',
    sa.Column('device_id', sa.String(length=40), nullable=False),
    sa.Column('nrp', sa.String(length=20), nullable=True),
    sa.Column('fix_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('speed_kmh', sa.Float(), nullable=True),
    sa.Column('battery', sa.Float(), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('post_rule', sa.String(length=16), nullable=True),
    sa.Column('stay_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outside_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_position_latest'))
    )
    if bind.dialect.name == "postgresql":
        # Every poll rewrites the row of every device that reported: room left in each page lets PostgreSQL update it
        # in place (HOT), without a new entry in the primary key's index.
        bind.exec_driver_sql("ALTER TABLE position_latest SET (fillfactor = 70)")
    bind.exec_driver_sql(
        f"INSERT INTO position_latest ({LATEST_COLUMNS}) SELECT {LATEST_COLUMNS} FROM ("
        f"SELECT {LATEST_COLUMNS}, row_number() OVER (PARTITION BY device_id ORDER BY fix_time DESC) AS rn "
        f"FROM position_event) newest WHERE rn = 1")


def downgrade() -> None:
    op.drop_table('position_latest')
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table, (key, id_type, body, indexes, unique, old_indexes) in TABLES.items():
            _unpartition(bind, table, id_type, body, indexes, unique, old_indexes)
    else:
        with op.batch_alter_table('position_event', schema=None) as batch_op:
            batch_op.create_index('ix_position_event_nrp', ['nrp'], unique=False)


def _partition(bind, table: str, key: str, id_type: str, body: str, indexes: dict, unique: tuple,
               old_indexes: tuple) -> None:
    old = f"{table}_0005"
    _set_aside(bind, table, old, (f"pk_{table}",) + unique, old_indexes)
    bind.exec_driver_sql(f"CREATE TABLE {table} (id {id_type} GENERATED BY DEFAULT AS IDENTITY, {body}, "
                         f"CONSTRAINT pk_{table} PRIMARY KEY (id, {key})) PARTITION BY RANGE ({key})")
    for name, columns in indexes.items():
        bind.exec_driver_sql(f"CREATE INDEX {name} ON {table} ({columns})")
    bind.exec_driver_sql(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    days = bind.exec_driver_sql(
        f"SELECT DISTINCT ({key} AT TIME ZONE 'Asia/Jakarta')::date FROM {old} ORDER BY 1").scalars().all()
    for day in days:
        bind.exec_driver_sql(
            f"CREATE TABLE {table}_p{day:%Y%m%d} PARTITION OF {table} FOR VALUES FROM ('{day} 00:00:00{WIB}') "
            f"TO ('{day + dt.timedelta(days=1)} 00:00:00{WIB}')")
    _move_rows(bind, old, table)


def _unpartition(bind, table: str, id_type: str, body: str, indexes: dict, unique: tuple, old_indexes: tuple
                 ) -> None:
    old = f"{table}_0006"
    _set_aside(bind, table, old, (f"pk_{table}",) + unique, tuple(indexes))
    bind.exec_driver_sql(f"CREATE TABLE {table} (id serial NOT NULL, {body}, CONSTRAINT pk_{table} PRIMARY KEY (id))")
    for name in old_indexes:
        columns = {"ix_position_event_time": "fix_time", "ix_position_event_nrp": "nrp",
                   "ix_tps_status_event_tps_time": "tps_code, occurred_at"}[name]
        bind.exec_driver_sql(f"CREATE INDEX {name} ON {table} ({columns})")
    _move_rows(bind, old, table)


def _set_aside(bind, table: str, old: str, constraints: tuple, indexes: tuple) -> None:
    """Rename a table and what is named after it (its key constraints, its id sequence) and drop its other indexes,
    so that the new table can take the names; the old one goes once its rows have moved."""
    bind.exec_driver_sql(f"ALTER TABLE {table} RENAME TO {old}")
    for name in constraints:
        bind.exec_driver_sql(f"ALTER TABLE {old} RENAME CONSTRAINT {name} TO {name}_old")
    for name in indexes:
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    seq = bind.exec_driver_sql(f"SELECT pg_get_serial_sequence('{old}', 'id')").scalar()
    if seq:
        bind.exec_driver_sql(f"ALTER SEQUENCE {seq} RENAME TO {old}_id_seq")


def _move_rows(bind, old: str, table: str) -> None:
    columns = [r[0] for r in bind.exec_driver_sql(
        f"SELECT attname FROM pg_attribute WHERE attrelid = '{old}'::regclass AND attnum > 0 AND NOT attisdropped "
        f"ORDER BY attnum")]
    names = ", ".join(columns)
    bind.exec_driver_sql(f"INSERT INTO {table} ({names}) SELECT {names} FROM {old}")
    bind.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
    bind.exec_driver_sql(f"DROP TABLE {old} CASCADE")
