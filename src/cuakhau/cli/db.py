"""``cuakhau db``: the database schema (Alembic migrations)."""

from __future__ import annotations

from typing import Annotated

import typer

from cuakhau.cli._common import DbUrl, console, settings_for

db_app = typer.Typer(help="Database schema (Alembic migrations)", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    database_url: DbUrl = None,
    revision: Annotated[str, typer.Option(help="Target revision")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from cuakhau.adapters.db.engine import make_engine
    from cuakhau.adapters.db.migrate import current_revision, upgrade

    settings = settings_for(database_url)
    engine = make_engine(settings.database_url, pool_size=1, max_overflow=0, pgbouncer=settings.db_pgbouncer)
    try:
        upgrade(engine, revision)
        console.print(
            f"[green]database at revision {current_revision(engine)}[/green] ({_safe(settings.database_url)})"
        )
    finally:
        engine.dispose()


@db_app.command("current")
def db_current(database_url: DbUrl = None) -> None:
    """Show the database's revision and the newest one this version knows."""
    from cuakhau.adapters.db.engine import make_engine
    from cuakhau.adapters.db.migrate import current_revision, head_revision

    settings = settings_for(database_url)
    engine = make_engine(settings.database_url, pool_size=1, max_overflow=0, pgbouncer=settings.db_pgbouncer)
    try:
        console.print(f"current: {current_revision(engine) or '(empty)'}  head: {head_revision()}")
    finally:
        engine.dispose()


def _safe(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
