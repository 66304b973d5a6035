"""Alembic environment: the engine comes from ops.db (config.attributes), never from an ini file."""
from alembic import context

from ops.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` run by hand: use the configured database
    from ops.db import get_engine
    engine = get_engine()

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite alters a table by copying it; with foreign keys enforced, dropping the old copy of a table that others
        # point at (incident <- incident_update) fails on a database that holds data. The pragma only takes effect
        # outside a transaction, so it is set before the migration's own transaction begins.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=sqlite)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
