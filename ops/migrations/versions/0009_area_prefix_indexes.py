"""indexes for reading one area by its code prefix (PostgreSQL)

A drilled area is read with `code LIKE '16.10.%'` (ops.region.in_area). A plain btree index serves that only under the
C collation; on PostgreSQL these pattern-ops indexes serve it under any collation, so that a kabupaten of the nation
reads its own rows, not the country's (1.8 million legs, 823,220 TPS, 354,603 stakeholders). SQLite needs none: a
Polres database is small, and its LIKE is case-insensitive anyway.

- logistics_leg.kecamatan_code: a drilled page's legs and boats (logistics.leg_board(area=)).
- tps.kecamatan_code: a drilled area's TPS by kecamatan (officer_board, coordination's desa).
- tps.code: a drilled area's TPS by their own code (queries.tps_summary, queries.tps_points).
- stakeholder.kecamatan_code, coordination_activity.kecamatan_code: a drilled Koordinasi page.
- incident.kecamatan_code: an area's incidents (incidents.incident_table(area=), readmodel.area_headline).
- region.code: an area's boundaries and names (queries.boundaries).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 19:00:00
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

INDEXES = [("ix_logistics_leg_kecamatan_prefix", "logistics_leg", "kecamatan_code"),
           ("ix_tps_kecamatan_prefix", "tps", "kecamatan_code"),
           ("ix_tps_code_prefix", "tps", "code"),
           ("ix_stakeholder_kecamatan_prefix", "stakeholder", "kecamatan_code"),
           ("ix_coordination_activity_kecamatan_prefix", "coordination_activity", "kecamatan_code"),
           ("ix_incident_kecamatan_prefix", "incident", "kecamatan_code"),
           ("ix_region_code_prefix", "region", "code")]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, column in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column} varchar_pattern_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _, _ in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
