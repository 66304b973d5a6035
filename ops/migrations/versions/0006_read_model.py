"""read model

Every TPS's facts and readiness as the worker last computed them, the roll-ups per area, and snapshots for replay.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 13:06:54.660431
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('area_rollup',
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('tahapan', sa.String(length=12), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('parent_code', sa.String(length=24), nullable=True),
    sa.Column('tps', sa.Integer(), nullable=False),
    sa.Column('dinilai', sa.Integer(), nullable=False),
    sa.Column('siap', sa.Integer(), nullable=False),
    sa.Column('masalah', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', 'tahapan', name=op.f('pk_area_rollup'))
    )
    with op.batch_alter_table('area_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_area_rollup_parent', ['parent_code', 'tahapan'], unique=False)

    op.create_table('tps_snapshot',
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('taken_at', 'code', name=op.f('pk_tps_snapshot'))
    )
    op.create_table('tps_state',
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('kabupaten_code', sa.String(length=8), nullable=False),
    sa.Column('kecamatan_code', sa.String(length=12), nullable=False),
    sa.Column('desa_code', sa.String(length=16), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('skor_sebelum', sa.Float(), nullable=True),
    sa.Column('skor_pemungutan', sa.Float(), nullable=True),
    sa.Column('skor_sesudah', sa.Float(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('gathered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_tps_state'))
    )
    with op.batch_alter_table('tps_state', schema=None) as batch_op:
        batch_op.create_index('ix_tps_state_kabupaten', ['kabupaten_code'], unique=False)
        batch_op.create_index('ix_tps_state_kecamatan', ['kecamatan_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tps_state', schema=None) as batch_op:
        batch_op.drop_index('ix_tps_state_kecamatan')
        batch_op.drop_index('ix_tps_state_kabupaten')

    op.drop_table('tps_state')
    op.drop_table('tps_snapshot')
    with op.batch_alter_table('area_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_area_rollup_parent')

    op.drop_table('area_rollup')
