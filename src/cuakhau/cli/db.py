"""``cuakhau db``: the database schema (Alembic migrations)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cuakhau.cli._common import AsJson, DbUrl, console, err_console, print_json, settings_for

db_app = typer.Typer(help="Database schema (Alembic migrations), backup and restore", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    database_url: DbUrl = None,
    revision: Annotated[str, typer.Option(help="Target revision")] = "head",
    as_json: AsJson = False,
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from cuakhau.adapters.db.engine import make_engine
    from cuakhau.adapters.db.migrate import current_revision, head_revision, upgrade

    settings = settings_for(database_url)
    engine = make_engine(settings.database_url, pool_size=1, max_overflow=0, pgbouncer=settings.db_pgbouncer)
    try:
        upgrade(engine, revision)
        if as_json:
            print_json({"revision": current_revision(engine), "head": head_revision()})
            return
        console.print(
            f"[green]database at revision {current_revision(engine)}[/green] ({_safe(settings.database_url)})"
        )
    finally:
        engine.dispose()


@db_app.command("current")
def db_current(database_url: DbUrl = None, as_json: AsJson = False) -> None:
    """Show the database's revision and the newest one this version knows."""
    from cuakhau.adapters.db.engine import make_engine
    from cuakhau.adapters.db.migrate import current_revision, head_revision

    settings = settings_for(database_url)
    engine = make_engine(settings.database_url, pool_size=1, max_overflow=0, pgbouncer=settings.db_pgbouncer)
    try:
        current, head = current_revision(engine), head_revision()
        if as_json:
            print_json({"current": current, "head": head, "at_head": current == head})
            return
        console.print(f"current: {current or '(empty)'}  head: {head}")
    finally:
        engine.dispose()


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write")],
    database_url: DbUrl = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (path, size, revision, counts)")] = False,
) -> None:
    """Back the database up into FILE while it serves: SQLite's online backup API (a consistent snapshot, checked
    with integrity_check), or pg_dump -Fc for PostgreSQL."""
    from cuakhau.adapters.db import backup

    url = settings_for(database_url).database_url
    try:
        source = backup.sqlite_path(url)
        if source is not None:
            info = backup.backup_sqlite(source, file, force=force).as_dict()
        else:
            backup.backup_postgres(url, file, force=force)
            info = {"path": str(file), "size": file.stat().st_size, "revision": _revision(url), "counts": None}
    except backup.BackupError as exc:
        err_console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    _report("backup written", info, as_json)


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="The backup file to restore")],
    database_url: DbUrl = None,
    force: Annotated[
        bool, typer.Option("--force", help="SQLite: overwrite an existing database (stop the server first)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Restore FILE into the database of --database-url: for SQLite a new file (an existing one only with --force),
    for PostgreSQL an empty database made with createdb (pg_restore)."""
    from cuakhau.adapters.db import backup

    url = settings_for(database_url).database_url
    try:
        target = backup.sqlite_path(url)
        if target is not None:
            info = backup.restore_sqlite(file, target, force=force).as_dict()
        else:
            backup.restore_postgres(file, url)
            info = {"database": _safe(url), "revision": _revision(url)}
    except backup.BackupError as exc:
        err_console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    _report("restored", info, as_json)


def _revision(url: str) -> str | None:
    from cuakhau.adapters.db.engine import make_engine
    from cuakhau.adapters.db.migrate import current_revision

    engine = make_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def _report(title: str, info: dict[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return
    console.print(f"[green]{title}[/green]: " + ", ".join(f"{k}={v}" for k, v in info.items()))


def _safe(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
