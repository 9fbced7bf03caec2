"""What the commands share: the consoles, the settings from the command line, the ``--database-url`` option."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from cuakhau.config import Settings

console = Console()
err_console = Console(stderr=True)


def settings_for(database_url: str | None, **extra: object) -> Settings:
    """The settings of the environment (CUAKHAU_…), overridden by the options given on the command line."""
    overrides: dict[str, object] = {k: v for k, v in extra.items() if v is not None}
    if database_url:
        overrides["database_url"] = database_url
    return Settings(**overrides)  # type: ignore[arg-type]


def print_json(data: Any) -> None:
    """One JSON document on stdout, nothing else (``--json``: for scripts); instants and decimals as strings."""
    import json

    print(json.dumps(data, default=str, ensure_ascii=False, indent=2))


#: ``--json``: print one JSON document on stdout instead of text for people.
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout (for scripts)")]

DbUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="Overrides CUAKHAU_DATABASE_URL (default: sqlite:///cuakhau.db)"),
]
