"""The schema is built by the real migrations, and the migrations match the tables the code uses."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from cuakhau.adapters.db.migrate import current_revision, head_revision
from cuakhau.adapters.db.tables import metadata


def test_database_is_at_head(engine: Engine) -> None:
    assert current_revision(engine) == head_revision() is not None


def test_migrations_match_the_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []
