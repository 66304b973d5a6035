"""assignment (nrp, shift) in place of (nrp): an officer's row of one shift

ops.duty._held reads the given officers' rows of the shift that holds the moment (a drilled page's officers, the
reserves around a drilled area). By nrp alone PostgreSQL fetched every shift's rows of each officer and filtered them
(16 a officer at the nation, 400,004 officers); by (nrp, shift) it reads the one it wants. The nrp prefix still
serves a look-up by officer alone, so the single-column index goes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 04:00:00
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assignment") as batch:
        batch.drop_index("ix_assignment_nrp")
        batch.create_index("ix_assignment_nrp_shift", ["nrp", "shift"])


def downgrade() -> None:
    with op.batch_alter_table("assignment") as batch:
        batch.drop_index("ix_assignment_nrp_shift")
        batch.create_index("ix_assignment_nrp", ["nrp"])
