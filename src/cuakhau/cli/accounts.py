"""``cuakhau accounts``: accounts and API tokens."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cuakhau.cli._common import AsJson, DbUrl, console, err_console, print_json, settings_for

if TYPE_CHECKING:
    from cuakhau.domain.accounts import Account

accounts_app = typer.Typer(help="Accounts and API tokens (docs/security.md)", no_args_is_help=True)


@accounts_app.command("create")
def accounts_create(
    username: Annotated[str, typer.Argument(help="Lower-case letters, digits, . _ - @ (3–64)")],
    role: Annotated[
        str,
        typer.Option(
            help="exporter, driver, customs_officer, quarantine_officer, border_guard, gate_admin, counterpart "
            "or system_admin"
        ),
    ],
    enterprise: Annotated[str | None, typer.Option(help="Enterprise id (exporter, driver)")] = None,
    gate: Annotated[list[str] | None, typer.Option(help="Gate id; repeat for several (officers, counterpart)")] = None,
    driver: Annotated[str | None, typer.Option(help="Driver id (driver accounts)")] = None,
    locale: Annotated[str, typer.Option(help="vi, zh or en")] = "vi",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="A machine account that uses only API tokens (counterpart)")
    ] = False,
    database_url: DbUrl = None,
    as_json: AsJson = False,
) -> None:
    """Create an account. The password is asked for (twice) unless --password-stdin or --no-password."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services.accounts import create_account

    password = None if no_password else _read_password(password_stdin)
    platform = bootstrap(settings_for(database_url))
    try:
        account = create_account(
            platform.context.uow(),
            username=username,
            password=password,
            role=role,
            enterprise_id=enterprise,
            gate_codes=tuple(gate or ()),
            driver_id=driver,
            locale=locale,
            clock=platform.context.clock,
        )
    finally:
        platform.close()
    if as_json:
        print_json(_account_json(account))
        return
    console.print(f"[green]account created[/green]: {account.username} ({account.role.value}) id={account.id}")


@accounts_app.command("token")
def accounts_token(
    username: Annotated[str, typer.Argument(help="The account")],
    label: Annotated[str, typer.Option(help="What the token is for (shown in audits)")],
    database_url: DbUrl = None,
    as_json: AsJson = False,
) -> None:
    """Issue an API token for USERNAME and print it once (only its hash is stored)."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services.accounts import account_by_username, issue_api_token

    platform = bootstrap(settings_for(database_url))
    try:
        account = account_by_username(platform.context.uow(read_only=True), username)
        token = issue_api_token(platform.context.uow(), account.id, clock=platform.context.clock, label=label)
    finally:
        platform.close()
    if as_json:
        print_json({"username": account.username, "role": account.role.value, "label": label, "token": token})
        return
    err_console.print(f"API token for {account.username} ({account.role.value}); it is shown only now:")
    print(token)


@accounts_app.command("disable")
def accounts_disable(
    username: Annotated[str, typer.Argument(help="The account")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable it again instead")] = False,
    database_url: DbUrl = None,
    as_json: AsJson = False,
) -> None:
    """Disable USERNAME and revoke its sessions and tokens (running servers drop them within the token cache TTL)."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services.accounts import set_account_active

    platform = bootstrap(settings_for(database_url))
    try:
        account = set_account_active(platform.context.uow(), username, active=enable, clock=platform.context.clock)
    finally:
        platform.close()
    if as_json:
        print_json(_account_json(account))
        return
    console.print(f"[green]account {'enabled' if enable else 'disabled'}[/green]: {account.username}")


def _account_json(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "username": account.username,
        "role": account.role.value,
        "active": account.active,
        "enterprise_id": account.enterprise_id,
        "gates": sorted(account.gate_codes),
        "driver_id": account.driver_id,
        "locale": account.locale,
    }


@accounts_app.command("create-admin")
def accounts_create_admin(
    username: Annotated[str, typer.Argument(help="Lower-case letters, digits, . _ - @ (3–64)")],
    contact: Annotated[
        str | None, typer.Option(help="E-mail or phone where a password-reset link would be sent")
    ] = None,
    locale: Annotated[str, typer.Option(help="vi, zh or en")] = "vi",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
    database_url: DbUrl = None,
    as_json: AsJson = False,
) -> None:
    """Create a system administrator (the first one is made here; docs/deploy.md). The password is asked for
    (twice) unless --password-stdin."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.domain.accounts import Role
    from cuakhau.services.accounts import create_account

    password = _read_password(password_stdin)
    platform = bootstrap(settings_for(database_url))
    try:
        account = create_account(
            platform.context.uow(),
            username=username,
            password=password,
            role=Role.SYSTEM_ADMIN,
            locale=locale,
            contact=contact,
            clock=platform.context.clock,
        )
    finally:
        platform.close()
    if as_json:
        print_json(_account_json(account))
        return
    console.print(f"[green]system administrator created[/green]: {account.username}")


def _read_password(from_stdin: bool) -> str:
    """The new account's password: one line of standard input, or asked for twice at the terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
