"""``cuakhau exchange``: the cross-border exchange with the partner across the line."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from cuakhau.cli._common import AsJson, DbUrl, console, err_console, print_json, settings_for

exchange_app = typer.Typer(help="Cross-border exchange with the partner across the line (docs/exchange.md)")
exchange_app.info.no_args_is_help = True
peer_app = typer.Typer(help="Partners: where their inbox is, which gates they speak for, their public keys")
peer_app.info.no_args_is_help = True
exchange_app.add_typer(peer_app, name="peer")


def _print_key(key: Mapping[str, Any]) -> None:
    console.print(f"key id:     {key['key_id']}")
    console.print(f"public key: {key['public_key']}")
    console.print(f"give the partner: --key {key['key_id']}={key['public_key']}", soft_wrap=True)


def _key_json(key: Mapping[str, Any]) -> dict[str, Any]:
    return {"key_id": key["key_id"], "public_key": key["public_key"], "status": key.get("status", "active")}


@exchange_app.command("keygen")
def exchange_keygen(database_url: DbUrl = None, as_json: AsJson = False) -> None:
    """Create this instance's signing key (if it has none) and print the public half for the partner."""
    from cuakhau.adapters.exchange.signing import Ed25519Scheme
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services import exchange, exchange_views

    platform = bootstrap(settings_for(database_url))
    try:
        active = [k for k in exchange_views.keys(platform.context.uow(read_only=True)) if k["status"] == "active"]
        if active:
            if as_json:
                print_json({**_key_json(active[-1]), "created": False})
                return
            console.print("[yellow]a signing key exists already (use `rotate` for a new one)[/yellow]")
            _print_key(active[-1])
            return
        key = exchange.generate_key(platform.context.uow(), clock=platform.context.clock, scheme=Ed25519Scheme())
        if as_json:
            print_json({**_key_json(key), "created": True})
            return
        _print_key(key)
    finally:
        platform.close()


@exchange_app.command("rotate")
def exchange_rotate(database_url: DbUrl = None, as_json: AsJson = False) -> None:
    """A new signing key; older keys stay valid until revoked, so the partner can add the new one first."""
    from cuakhau.adapters.exchange.signing import Ed25519Scheme
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services import exchange

    platform = bootstrap(settings_for(database_url))
    try:
        key = exchange.generate_key(platform.context.uow(), clock=platform.context.clock, scheme=Ed25519Scheme())
    finally:
        platform.close()
    if as_json:
        print_json({**_key_json(key), "created": True})
        return
    _print_key(key)
    console.print("new messages are signed with this key; revoke the old one once the partner has added it")


@exchange_app.command("revoke")
def exchange_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (ed25519:…)")],
    peer: Annotated[str | None, typer.Option(help="Revoke a partner's key instead of one of ours")] = None,
    database_url: DbUrl = None,
) -> None:
    """Revoke a key: ours (no longer used to sign) or a partner's (its messages are refused from now on)."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.domain.exchange import SELF
    from cuakhau.services import exchange

    platform = bootstrap(settings_for(database_url))
    try:
        exchange.revoke_key(platform.context.uow(), clock=platform.context.clock, key_id=key_id, owner=peer or SELF)
    finally:
        platform.close()
    console.print(f"[green]revoked[/green] {key_id} ({peer or 'our own'})")


@peer_app.command("add")
def exchange_peer_add(
    peer_id: Annotated[str, typer.Argument(help="The partner's id, e.g. cn-youyiguan")],
    url: Annotated[str, typer.Option(help="Its inbox, e.g. http://10.0.0.2:8000/api/v1/exchange/inbox")],
    gate: Annotated[list[str], typer.Option(help="A gate it speaks for (repeat)")],
    key: Annotated[list[str] | None, typer.Option(help="KEY_ID=PUBLIC_KEY of the partner (repeat)")] = None,
    name: Annotated[str | None, typer.Option(help="A readable name")] = None,
    database_url: DbUrl = None,
) -> None:
    """Add or update a partner (adding keys never removes older ones: that is `revoke --peer`)."""
    from cuakhau.adapters.exchange.signing import Ed25519Scheme
    from cuakhau.bootstrap import bootstrap
    from cuakhau.domain.errors import InvalidInput
    from cuakhau.services import exchange

    keys: list[tuple[str, str]] = []
    for item in key or []:
        key_id, _, public = item.rpartition("=")
        if not key_id or not Ed25519Scheme().public_key_valid(public):
            raise InvalidInput("exchange.public_key", field="--key")
        keys.append((key_id, public))
    platform = bootstrap(settings_for(database_url))
    try:
        exchange.add_peer(
            platform.context.uow(),
            clock=platform.context.clock,
            peer_id=peer_id,
            inbox_url=url,
            gates=gate,
            keys=keys,
            name=name,
        )
    finally:
        platform.close()
    console.print(f"[green]partner {peer_id}[/green] at {url} for {', '.join(gate)} ({len(keys)} key(s) added)")


@peer_app.command("list")
def exchange_peer_list(database_url: DbUrl = None, as_json: AsJson = False) -> None:
    """Partners and their keys."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services import exchange_views

    platform = bootstrap(settings_for(database_url))
    try:
        peers = exchange_views.peers(platform.context.uow(read_only=True))
    finally:
        platform.close()
    if as_json:
        print_json([{**dict(p), "keys": [dict(k) for k in keys]} for p, keys in peers])
        return
    for p, keys in peers:
        console.print(f"{p['id']}  {p['inbox_url']}  gates={','.join(p['gates'])}")
        for k in keys:
            console.print(f"    {k['key_id']}  {k['status']}")


@exchange_app.command("health")
def exchange_health(
    database_url: DbUrl = None,
    as_json: AsJson = False,
) -> None:
    """Backlog, last delivery and failures per partner; messages received; refusals; open incidents."""
    from rich.table import Table

    from cuakhau.bootstrap import bootstrap
    from cuakhau.services import exchange

    platform = bootstrap(settings_for(database_url))
    try:
        report = exchange.health(platform.context.uow(read_only=True), clock=platform.context.clock)
    finally:
        platform.close()
    if as_json:
        print_json(report)
        return
    table = Table(title="cross-border exchange")
    for col in (
        "partner",
        "backlog",
        "oldest (s)",
        "delivered",
        "last delivery",
        "failing",
        "last error",
        "received",
        "held",
    ):
        table.add_column(col, no_wrap=col == "partner")
    for p in report["peers"]:
        table.add_row(
            p["peer_id"],
            str(p["backlog"]),
            str(p["oldest_pending_age_s"]),
            str(p["delivered"]),
            str(p["last_delivery"] or "-"),
            str(p["failing"]),
            (p["last_error"] or "-")[:60],
            str(p["received"]),
            str(p["held"]),
        )
    console.print(table)
    console.print(f"signing keys: {', '.join(k['key_id'] + ' ' + k['status'] for k in report['keys']) or 'none'}")
    console.print(f"refusals: {report['refusals'] or 'none'}   open incidents: {report['open_incidents']}")


@exchange_app.command("run")
def exchange_run(
    database_url: DbUrl = None,
    once: Annotated[bool, typer.Option("--once", help="One round, then exit")] = False,
    as_json: AsJson = False,
) -> None:
    """Run the sender alone (``cuakhau serve`` already runs it when CUAKHAU_EXCHANGE_ID is set); Ctrl-C stops."""
    import signal
    import threading

    from cuakhau.adapters import logs
    from cuakhau.adapters.exchange.runtime import build_runtime
    from cuakhau.bootstrap import bootstrap

    settings = settings_for(database_url)
    logs.configure(settings)
    platform = bootstrap(settings)
    runtime = build_runtime(platform.settings, platform.context)
    if runtime.sender is None:
        platform.close()
        err_console.print("[red]set CUAKHAU_EXCHANGE_ID (and CUAKHAU_EXCHANGE_GATES) first[/red]")
        raise typer.Exit(2)
    try:
        if once:
            report = runtime.sender.run_once()
            if as_json:
                print_json({"delivered": report.delivered, "retried": report.retried})
                return
            console.print(f"delivered {report.delivered}, to retry {report.retried}")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        runtime.sender.start()
        try:
            while not stop.wait(1):
                pass
        except KeyboardInterrupt:
            pass
        runtime.sender.stop()
    finally:
        platform.close()


@exchange_app.command("schemas")
def exchange_schemas(
    out: Annotated[Path, typer.Option(help="Directory for the JSON Schema files")] = Path("docs/exchange"),
) -> None:
    """Write the JSON Schema of the envelope and of every message body."""
    from cuakhau.adapters.exchange.messages import write_schemas

    for path in write_schemas(out):
        console.print(str(path))


@exchange_app.command("demo")
def exchange_demo(
    directory: Annotated[Path, typer.Option("--dir", help="Where the two SQLite files go (recreated)")] = Path(
        "cuakhau-exchange-demo"
    ),
    vn_port: Annotated[int, typer.Option(help="Port of the Hữu Nghị (VN) side")] = 8010,
    cn_port: Annotated[int, typer.Option(help="Port of the Youyiguan (CN) side")] = 8020,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="Keep both sides serving afterwards")] = True,
) -> None:
    """Run both sides of Hữu Nghị – Youyiguan: a manifest crosses, a decision comes back, a closure re-plans."""
    from cuakhau.demo.exchange import run_pair_demo

    run_pair_demo(directory, vn_port=vn_port, cn_port=cn_port, serve=serve_api, say=console.print)
