"""``cuakhau registry``: the plant registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cuakhau.cli._common import AsJson, DbUrl, console, print_json, settings_for

registry_app = typer.Typer(help="The plant registry (planting areas, packing houses)", no_args_is_help=True)


@registry_app.command("import")
def registry_import(
    file: Annotated[Path, typer.Argument(help="CSV: kind,code,holder,province,crops,status", exists=True)],
    database_url: DbUrl = None,
    as_json: AsJson = False,
) -> None:
    """Replace the registry with FILE (all or nothing; a bad row is named by line and column)."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services.plant_registry import import_registry

    platform = bootstrap(settings_for(database_url))
    try:
        counts = import_registry(platform.context.uow(), clock=platform.context.clock, text=file.read_text("utf-8"))
    finally:
        platform.close()
    if as_json:
        print_json(counts)
        return
    console.print(f"[green]registry imported[/green]: {counts}")
