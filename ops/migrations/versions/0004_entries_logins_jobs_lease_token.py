"""entries, logins, jobs, lease token

One-time entry keys (an entry saved twice is one record), failed requests per feed run (partial runs), login
attempts (throttling, lockout), the job queue of the worker, the lease token that fences a scheduler that lost its lease.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 11:18:42.549240
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('progress', sa.String(length=200), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_requested_at'), ['requested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_state'), ['state'], unique=False)

    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('session_key', sa.String(length=64), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_session_at', ['session_key', 'at'], unique=False)
        batch_op.create_index('ix_login_attempt_user_at', ['username', 'at'], unique=False)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('coordination_activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_key', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_coordination_activity_entry_key'), ['entry_key'])

    with op.batch_alter_table('feed_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_key', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_incident_entry_key'), ['entry_key'])

    with op.batch_alter_table('incident_update', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_key', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_incident_update_entry_key'), ['entry_key'])

    with op.batch_alter_table('scheduler_lease', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=40), server_default='', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('scheduler_lease', schema=None) as batch_op:
        batch_op.drop_column('token')

    with op.batch_alter_table('incident_update', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_incident_update_entry_key'), type_='unique')
        batch_op.drop_column('entry_key')

    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_incident_entry_key'), type_='unique')
        batch_op.drop_column('entry_key')

    with op.batch_alter_table('feed_run', schema=None) as batch_op:
        batch_op.drop_column('failed')

    with op.batch_alter_table('coordination_activity', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_coordination_activity_entry_key'), type_='unique')
        batch_op.drop_column('entry_key')

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('changed_at')

    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_user_at')
        batch_op.drop_index('ix_login_attempt_session_at')

    op.drop_table('login_attempt')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_state'))
        batch_op.drop_index(batch_op.f('ix_job_requested_at'))

    op.drop_table('job')
