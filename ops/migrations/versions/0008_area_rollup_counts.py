"""area roll-ups carry the headline's counts

area_rollup.angka: per area, the counts the headline makes over TPS (opened, counting, finished, trouble reported,
guards required / assigned / on site, ballot boxes at the TPS and back at the PPK, deliveries late), summed upwards
like the readiness counts, so that a province's or the nation's headline reads a few rows instead of its TPS. Rows
written before this revision have none until the worker's next full refresh (the read model is rebuilt then).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 15:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('area_rollup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('angka', sa.JSON(), nullable=True))
    # The read model is derived: dropping its meta row makes the worker rebuild it (and the counts) on its next minute.
    op.execute("DELETE FROM operation_meta WHERE key = 'readmodel'")


def downgrade() -> None:
    with op.batch_alter_table('area_rollup', schema=None) as batch_op:
        batch_op.drop_column('angka')
