"""Alembic environment: runs on the connection handed over by :func:`cuakhau.adapters.db.migrate.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # plain `alembic` command line, e.g. `alembic revision --autogenerate`
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite:///cuakhau.db")
    with engine.begin() as conn:
        _run(conn)
