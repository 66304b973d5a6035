"""position_latest_mark: which transaction last wrote position_latest

The ingest read every device's kept facts from position_latest at every poll, a tenth of its time with 10,000
trackers, though it is their only writer while it runs. It now holds the facts it wrote and reads the table again only
when position_latest_mark names another transaction. On PostgreSQL a statement trigger keeps the mark: it fires before
any INSERT, UPDATE, DELETE or TRUNCATE of position_latest, from any client, so no writer can forget it, and before the
rows change, so that a writer waits on the mark's row lock (which the ingest holds through its transaction) before it
holds any row of the table. SQLite gets the table without a trigger: there the ingest reads the facts every poll.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 17:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('position_latest_mark',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('txid', sa.BigInteger(), nullable=True),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_position_latest_mark')))
    op.execute("INSERT INTO position_latest_mark (id, txid) VALUES (1, NULL)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE FUNCTION position_latest_marked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE position_latest_mark SET txid = txid_current() WHERE id = 1;
    RETURN NULL;
END $$""")
        op.execute("CREATE TRIGGER position_latest_mark BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
                   "ON position_latest FOR EACH STATEMENT EXECUTE FUNCTION position_latest_marked()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER position_latest_mark ON position_latest")
        op.execute("DROP FUNCTION position_latest_marked()")
    op.drop_table('position_latest_mark')
