"""personnel.polres_code: the Polres an officer of no Polsek serves (a Polda's Polres units)

At a Polda every kabupaten/kota has its own Polres, and the planner plans each one over its own needs (its Posko, its
warehouse, its Polsek's patrols and reserves). A Polsek officer's Polres follows from the Polsek; a Polres unit's
officer (Sat Samapta, Sat Polairud) has none, so the roster names it by the kabupaten's code. Indexed: a drilled
kabupaten reads its Polres units by it (ops.duty.area_members).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 04:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("personnel") as batch:
        batch.add_column(sa.Column("polres_code", sa.String(length=20), nullable=True))
        batch.create_index("ix_personnel_polres_code", ["polres_code"])


def downgrade() -> None:
    with op.batch_alter_table("personnel") as batch:
        batch.drop_index("ix_personnel_polres_code")
        batch.drop_column("polres_code")
