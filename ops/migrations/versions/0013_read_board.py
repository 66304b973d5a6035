"""read_board: whole-operation tables the worker makes once a minute (ops.readmodel.boards)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 20:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('read_board',
                    sa.Column('name', sa.String(length=40), nullable=False),
                    sa.Column('moment', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('versions', sa.String(length=400), nullable=False),
                    sa.Column('payload', sa.LargeBinary(), nullable=False),
                    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('name', name=op.f('pk_read_board')))


def downgrade() -> None:
    op.drop_table('read_board')
