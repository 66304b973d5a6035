"""Alembic environment: the engine comes from ops.db (config.attributes), never from an ini file."""
from alembic import context

from ops.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` run by hand: use the configured database
    from ops.db import get_engine
    engine = get_engine()

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
