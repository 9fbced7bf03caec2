"""The ``cuakhau`` command: serve the API, migrate the database, run the demo."""

from __future__ import annotations

import sys

import typer

from cuakhau.cli import accounts, db, devices, exchange, gates, registry, server, sim, worker
from cuakhau.cli._common import console, err_console

app = typer.Typer(help="cuakhau — cửa khẩu thông minh / 智慧口岸: smart border gates", no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        from cuakhau import __version__

        console.print(f"cuakhau {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit", callback=_version, is_eager=True
    ),
) -> None:
    """cuakhau — cửa khẩu thông minh / 智慧口岸: smart border gates"""


# The commands, then the groups: `cuakhau --help` lists them in this order.
app.command()(server.serve)
app.command()(server.notify)
app.command()(worker.worker)
app.command()(worker.jobs)
app.command()(server.demo)
app.command()(gates.plan)
app.add_typer(db.db_app, name="db")
app.add_typer(registry.registry_app, name="registry")
app.add_typer(gates.gates_app, name="gates")
app.add_typer(devices.devices_app, name="devices")
app.add_typer(accounts.accounts_app, name="accounts")
app.add_typer(exchange.exchange_app, name="exchange")
app.add_typer(sim.sim_app, name="sim")


def main() -> None:
    from cuakhau.domain.errors import CuakhauError

    try:
        app()
    except CuakhauError as exc:
        # A known error is one red line, not a traceback.
        from rich.markup import escape

        from cuakhau import i18n

        where = f" [{exc.field}]" if exc.field else ""
        line = f"{exc.code}{where}: {i18n.render(exc.code, 'en', exc.params)}"
        err_console.print(f"[red]{escape(line)}[/red]")
        sys.exit(2)
