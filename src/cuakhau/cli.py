"""The ``cuakhau`` command: serve the API, migrate the database, run the demo."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from cuakhau.config import Settings

app = typer.Typer(help="cuakhau — cửa khẩu thông minh / 智慧口岸: smart border gates", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations)", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()
err_console = Console(stderr=True)


def _settings(database_url: str | None, **extra: object) -> Settings:
    overrides: dict[str, object] = {k: v for k, v in extra.items() if v is not None}
    if database_url:
        overrides["database_url"] = database_url
    return Settings(**overrides)  # type: ignore[arg-type]


DbUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="Overrides CUAKHAU_DATABASE_URL (default: sqlite:///cuakhau.db)"),
]


@db_app.command("upgrade")
def db_upgrade(
    database_url: DbUrl = None,
    revision: Annotated[str, typer.Option(help="Target revision")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from cuakhau.adapters.db.engine import make_engine
    from cuakhau.adapters.db.migrate import current_revision, upgrade

    settings = _settings(database_url)
    engine = make_engine(settings.database_url)
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

    engine = make_engine(_settings(database_url).database_url)
    try:
        console.print(f"current: {current_revision(engine) or '(empty)'}  head: {head_revision()}")
    finally:
        engine.dispose()


@app.command()
def serve(
    database_url: DbUrl = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000)")] = None,
    workers: Annotated[int, typer.Option(help="Server processes (PostgreSQL; SQLite wants one)", min=1, max=16)] = 1,
) -> None:
    """Serve the HTTP API (the schema must be migrated first: ``cuakhau db upgrade``)."""
    import uvicorn

    from cuakhau.adapters.db.engine import make_engine
    from cuakhau.adapters.db.migrate import current_revision, head_revision
    from cuakhau.bootstrap import create_app, server_options

    settings = _settings(database_url, host=host, port=port)
    engine = make_engine(settings.database_url)
    try:
        if current_revision(engine) != head_revision():
            err_console.print("[red]The database schema is not up to date: run `cuakhau db upgrade` first.[/red]")
            raise typer.Exit(2)
    finally:
        engine.dispose()
    if workers > 1:
        # Each worker process builds its own app from the environment (nothing is shared but the database).
        os.environ["CUAKHAU_DATABASE_URL"] = settings.database_url
        uvicorn.run(
            "cuakhau.bootstrap:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=workers,
            log_level=settings.log_level,
            timeout_graceful_shutdown=5,
            **server_options(settings, workers=workers),
        )
        return
    # Open live dashboards (server-sent events) must not hold a shutdown: they reconnect to the next server.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=5,
        **server_options(settings),
    )


@app.command()
def notify(
    database_url: DbUrl = None,
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due now, then exit")] = False,
) -> None:
    """Deliver the notification outbox in this process (with CUAKHAU_NOTIFY_IN_SERVER=false for `serve`)."""
    import signal
    import threading

    from cuakhau.bootstrap import bootstrap, notification_dispatcher

    platform = bootstrap(_settings(database_url))
    try:
        dispatcher = notification_dispatcher(platform)
        if once:
            report = dispatcher.run_once()
            console.print(f"sent {report.sent}, to retry {report.retried}, given up {report.failed}")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        dispatcher.start()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            dispatcher.stop()
    finally:
        platform.close()


@app.command()
def demo(
    db: Annotated[Path, typer.Option(help="SQLite file for the demo (recreated)")] = Path("cuakhau-demo.db"),
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    trips: Annotated[int, typer.Option(help="Trips to seed over the last 24 hours", min=10, max=20000)] = 400,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same day)")] = 2026,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API after seeding")] = True,
    at: Annotated[
        str | None,
        typer.Option(help="Seed the 24 hours before this ISO instant (e.g. 2026-06-02T15:00+07:00) instead of now"),
    ] = None,
) -> None:
    """Seed the five Vietnam–China road gate pairs and a day of trucks into a fresh SQLite file, then serve."""
    import uvicorn

    from cuakhau.adapters.db.migrate import upgrade
    from cuakhau.bootstrap import bootstrap, create_app, server_options
    from cuakhau.demo.accounts import DEMO_ACCOUNTS, DEMO_GATE, DEMO_PASSWORD
    from cuakhau.demo.seeding import seed_demo
    from cuakhau.domain.clock import ManualClock

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    settings = _settings(f"sqlite:///{db.resolve()}", host=host, port=port)
    platform = bootstrap(settings, clock=ManualClock(_instant(at, "--at")) if at else None)
    try:
        upgrade(platform.engine)
        with console.status("seeding gates, enterprises, vehicles, drivers and trips…"):
            summary = seed_demo(platform.context, trips=trips, seed=seed)
    finally:
        platform.close()
    console.print(f"[green]demo database ready[/green]: {db.resolve()}")
    for line in summary:
        console.print(f"  {line}")
    base = f"http://{host}:{port}"
    console.print("\nOpen:")
    for path, what in (
        ("/waits", "the public wait board (pages in vi / zh / en: ?lang=)"),
        ("/login", "log in: demo-exporter -> the exporter portal, demo-customs -> the Hữu Nghị dashboard (live)"),
        ("/docs", "interactive API documentation"),
        ("/openapi.json", "OpenAPI description"),
        ("/api/v1/gates", "the gates, their hours, closures and whether they are open now"),
        ("/api/v1/trips?gate_id=vn-huu-nghi&limit=20", "trips at Hữu Nghị, newest first (signed in)"),
        ("/api/v1/trips?state=held", "trucks on hold, with reasons in their timelines (signed in)"),
        (
            "/api/v1/gates/vn-huu-nghi/plan?date=YYYY-MM-DD",
            "a gate day's bookings, each with its rule and reason (gate staff)",
        ),
        ("/api/v1/booking-rules", "the published booking rules and perishability weights"),
        ("/api/v1/gates/vn-huu-nghi/yard", "the yard: occupancy, dwell, fees"),
        ("/api/v1/gates/vn-huu-nghi/review", "device reads waiting for an officer (low confidence, weight flags)"),
        ("/api/v1/gates/vn-huu-nghi/inspection-queues/quarantine_bay", "the quarantine bays' queue and forecast"),
        ("/api/v1/gates/vn-huu-nghi/holds", "trucks held, by agency, with reasons and laboratory samples"),
    ):
        console.print(f"  {base}{path}  — {what}")
    console.print(
        f"\n[bold red]DEMO ONLY[/bold red] accounts (password [bold]{DEMO_PASSWORD}[/bold]; "
        f"officers at {DEMO_GATE}) — log in with POST {base}/api/v1/auth/login:"
    )
    for username, role in DEMO_ACCOUNTS:
        console.print(f"  {username:<20} {role.value}")
    sys.stdout.flush()
    if serve_api:
        uvicorn.run(
            create_app(settings), host=host, port=port, log_level=settings.log_level, **server_options(settings)
        )


registry_app = typer.Typer(help="The plant registry (planting areas, packing houses)", no_args_is_help=True)
app.add_typer(registry_app, name="registry")


@registry_app.command("import")
def registry_import(
    file: Annotated[Path, typer.Argument(help="CSV: kind,code,holder,province,crops,status", exists=True)],
    database_url: DbUrl = None,
) -> None:
    """Replace the registry with FILE (all or nothing; a bad row is named by line and column)."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services.plant_registry import import_registry

    platform = bootstrap(_settings(database_url))
    try:
        counts = import_registry(platform.context.uow(), clock=platform.context.clock, text=file.read_text("utf-8"))
    finally:
        platform.close()
    console.print(f"[green]registry imported[/green]: {counts}")


gates_app = typer.Typer(help="The gates this installation serves", no_args_is_help=True)
app.add_typer(gates_app, name="gates")


@gates_app.command("install")
def gates_install(
    database_url: DbUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Install the five Vietnam–China road gate pairs and their yards (idempotent: run again, nothing changes)."""
    import json

    from rich.table import Table

    from cuakhau.bootstrap import bootstrap
    from cuakhau.services.installation import install_reference_gates

    platform = bootstrap(_settings(database_url))
    try:
        report = install_reference_gates(platform.context.uow, platform.context.clock)
    finally:
        platform.close()
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    table = Table(title="reference gates")
    for col in ("kind", "id", "outcome", "fields changed"):
        table.add_column(col)
    for item in report.items:
        table.add_row(item.kind, item.id, item.outcome.value, ", ".join(item.fields))
    console.print(table)
    console.print(f"added {report.added}, changed {report.changed}, unchanged {report.unchanged}")


@app.command()
def plan(
    gate_id: Annotated[str, typer.Argument(help="e.g. vn-huu-nghi")],
    day: Annotated[str | None, typer.Option("--date", help="The gate's local date (default: today there)")] = None,
    direction: Annotated[str, typer.Option(help="export or import")] = "export",
    replan: Annotated[bool, typer.Option("--replan/--no-replan", help="Re-plan the day first")] = False,
    policy: Annotated[str, typer.Option(help="optimal, priority or fcfs")] = "optimal",
    database_url: DbUrl = None,
) -> None:
    """Show a gate day's plan: each hour's capacity and the trucks booked into it, with the rule and reason."""
    from datetime import date as date_type

    from rich.table import Table

    from cuakhau.bootstrap import bootstrap
    from cuakhau.domain import timebounds
    from cuakhau.domain.booking import DEFAULT_RULES
    from cuakhau.domain.common import parse_enum
    from cuakhau.domain.gate import Direction
    from cuakhau.services import day_plans, equeue
    from cuakhau.services.gates import get_gate

    platform = bootstrap(_settings(database_url))
    ctx = platform.context
    try:
        flow = parse_enum(Direction, direction, field="direction")
        gate = get_gate(ctx.uow(read_only=True), gate_id)
        the_day = date_type.fromisoformat(day) if day else gate.local(ctx.clock.now()).date()
        # slot rows only for days that can be read (domain/timebounds.py): not for every date there is
        timebounds.check_readable_day(the_day, today=gate.local(ctx.clock.now()).date(), horizon=DEFAULT_RULES.horizon)
        if replan:
            result = equeue.replan(
                ctx.uow(), clock=ctx.clock, gate_id=gate.id, direction=flow.value, day=the_day, policy=policy
            )
            console.print(
                f"re-planned ({result.policy}): {result.moved} moved, {result.placed} placed, "
                f"{result.waiting} waiting, spoilage cost {result.cost}"
            )
        view = day_plans.day_plan(ctx.uow(), clock=ctx.clock, gate_id=gate.id, direction=flow.value, day=the_day)
    finally:
        platform.close()
    table = Table(title=f"{gate.names.get('en')} — {flow.value} — {the_day} ({gate.timezone.key})")
    for col in ("hour", "capacity", "booked", "inspection", "trucks (perishability · rule · reason)"):
        table.add_column(col)
    by_slot: dict[object, list[str]] = {}
    for b in view.bookings:
        by_slot.setdefault(b.slot_start, []).append(f"{b.trip_id[:8]} {b.perishability.value} · {b.rule} · {b.reason}")
    for s in view.slots:
        table.add_row(
            gate.local(s.starts_at).strftime("%H:%M"),
            str(s.capacity),
            str(s.booked),
            f"{s.booked_inspection}/{s.inspection_capacity}",
            "\n".join(by_slot.get(s.starts_at, [])[:6]) + (" …" if len(by_slot.get(s.starts_at, [])) > 6 else ""),
        )
    console.print(table)
    waiting = by_slot.get(None, [])
    console.print(f"waiting list: {len(waiting)}")


devices_app = typer.Typer(help="Gate devices over MQTT (docs/devices.md)", no_args_is_help=True)
app.add_typer(devices_app, name="devices")


@devices_app.command("listen")
def devices_listen(
    database_url: DbUrl = None,
    host: Annotated[str, typer.Option(help="MQTT broker host")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="MQTT broker port")] = 1883,
    gate: Annotated[str | None, typer.Option(help="Only this gate's devices (default: all)")] = None,
) -> None:
    """Apply device messages as they arrive (each exactly once), publishing barrier commands; Ctrl-C stops."""
    import signal
    import threading

    from cuakhau.adapters.devices.handler import ServiceDeviceHandler
    from cuakhau.adapters.devices.mqtt import DeviceListener
    from cuakhau.bootstrap import bootstrap

    platform = bootstrap(_settings(database_url))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with DeviceListener(ServiceDeviceHandler(platform.context), host=host, port=port, gate_id=gate) as listener:
            console.print(f"listening on mqtt://{host}:{port} for {gate or 'all gates'}")
            try:
                while not stop.wait(10):
                    s = listener.stats()
                    console.print(f"received {s.received}, applied {s.applied}, rejected {s.rejected}")
            except KeyboardInterrupt:
                pass
    finally:
        platform.close()


@devices_app.command("simulate")
def devices_simulate(
    plates: Annotated[list[str] | None, typer.Argument(help="Plates to read (default: made up)")] = None,
    host: Annotated[str, typer.Option(help="MQTT broker host")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="MQTT broker port")] = 1883,
    gate: Annotated[str, typer.Option(help="Gate id")] = "vn-huu-nghi",
    count: Annotated[int, typer.Option(help="Messages to publish", min=1, max=100_000)] = 100,
    seed: Annotated[int, typer.Option(help="Random seed")] = 1,
    rate: Annotated[float, typer.Option(help="Messages a second", min=0.1, max=10_000)] = 20.0,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the broker", min=0.5, max=600)] = 30.0,
) -> None:
    """Publish a realistic stream of plate reads, weighings and repeats for the demo (QoS 1)."""
    from cuakhau.adapters.devices.simulate import simulate_reads

    try:
        sent = simulate_reads(
            host, port, gate, plates or [], count=count, seed=seed, rate_per_s=rate, timeout_s=timeout
        )
    except ConnectionError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"[green]{sent} messages acknowledged by the broker[/green]")


accounts_app = typer.Typer(help="Accounts and API tokens (docs/security.md)", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")


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
) -> None:
    """Create an account. The password is asked for (twice) unless --password-stdin or --no-password."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services.accounts import create_account

    password: str | None
    if no_password:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    platform = bootstrap(_settings(database_url))
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
    console.print(f"[green]account created[/green]: {account.username} ({account.role.value}) id={account.id}")


@accounts_app.command("token")
def accounts_token(
    username: Annotated[str, typer.Argument(help="The account")],
    label: Annotated[str, typer.Option(help="What the token is for (shown in audits)")],
    database_url: DbUrl = None,
) -> None:
    """Issue an API token for USERNAME and print it once (only its hash is stored)."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services.accounts import account_by_username, issue_api_token

    platform = bootstrap(_settings(database_url))
    try:
        account = account_by_username(platform.context.uow(read_only=True), username)
        token = issue_api_token(platform.context.uow(), account.id, clock=platform.context.clock, label=label)
    finally:
        platform.close()
    err_console.print(f"API token for {account.username} ({account.role.value}); it is shown only now:")
    print(token)


@accounts_app.command("disable")
def accounts_disable(
    username: Annotated[str, typer.Argument(help="The account")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable it again instead")] = False,
    database_url: DbUrl = None,
) -> None:
    """Disable USERNAME and revoke its sessions and tokens (running servers drop them within the token cache TTL)."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services.accounts import set_account_active

    platform = bootstrap(_settings(database_url))
    try:
        account = set_account_active(platform.context.uow(), username, active=enable, clock=platform.context.clock)
    finally:
        platform.close()
    console.print(f"[green]account {'enabled' if enable else 'disabled'}[/green]: {account.username}")


exchange_app = typer.Typer(help="Cross-border exchange with the partner across the line (docs/exchange.md)")
exchange_app.info.no_args_is_help = True
app.add_typer(exchange_app, name="exchange")
peer_app = typer.Typer(help="Partners: where their inbox is, which gates they speak for, their public keys")
peer_app.info.no_args_is_help = True
exchange_app.add_typer(peer_app, name="peer")


def _print_key(key: Mapping[str, Any]) -> None:
    console.print(f"key id:     {key['key_id']}")
    console.print(f"public key: {key['public_key']}")
    console.print(f"give the partner: --key {key['key_id']}={key['public_key']}", soft_wrap=True)


@exchange_app.command("keygen")
def exchange_keygen(database_url: DbUrl = None) -> None:
    """Create this instance's signing key (if it has none) and print the public half for the partner."""
    from cuakhau.adapters.exchange.signing import Ed25519Scheme
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services import exchange, exchange_views

    platform = bootstrap(_settings(database_url))
    try:
        active = [k for k in exchange_views.keys(platform.context.uow(read_only=True)) if k["status"] == "active"]
        if active:
            console.print("[yellow]a signing key exists already (use `rotate` for a new one)[/yellow]")
            _print_key(active[-1])
            return
        _print_key(exchange.generate_key(platform.context.uow(), clock=platform.context.clock, scheme=Ed25519Scheme()))
    finally:
        platform.close()


@exchange_app.command("rotate")
def exchange_rotate(database_url: DbUrl = None) -> None:
    """A new signing key; older keys stay valid until revoked, so the partner can add the new one first."""
    from cuakhau.adapters.exchange.signing import Ed25519Scheme
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services import exchange

    platform = bootstrap(_settings(database_url))
    try:
        key = exchange.generate_key(platform.context.uow(), clock=platform.context.clock, scheme=Ed25519Scheme())
    finally:
        platform.close()
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

    platform = bootstrap(_settings(database_url))
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
    platform = bootstrap(_settings(database_url))
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
def exchange_peer_list(database_url: DbUrl = None) -> None:
    """Partners and their keys."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services import exchange_views

    platform = bootstrap(_settings(database_url))
    try:
        peers = exchange_views.peers(platform.context.uow(read_only=True))
    finally:
        platform.close()
    for p, keys in peers:
        console.print(f"{p['id']}  {p['inbox_url']}  gates={','.join(p['gates'])}")
        for k in keys:
            console.print(f"    {k['key_id']}  {k['status']}")


@exchange_app.command("health")
def exchange_health(
    database_url: DbUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Backlog, last delivery and failures per partner; messages received; refusals; open incidents."""
    import json

    from rich.table import Table

    from cuakhau.bootstrap import bootstrap
    from cuakhau.services import exchange

    platform = bootstrap(_settings(database_url))
    try:
        report = exchange.health(platform.context.uow(read_only=True), clock=platform.context.clock)
    finally:
        platform.close()
    if as_json:
        print(json.dumps(report, default=str, ensure_ascii=False, indent=2))
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
) -> None:
    """Run the sender alone (``cuakhau serve`` already runs it when CUAKHAU_EXCHANGE_ID is set); Ctrl-C stops."""
    import signal
    import threading

    from cuakhau.adapters.exchange.runtime import build_runtime
    from cuakhau.bootstrap import bootstrap

    platform = bootstrap(_settings(database_url))
    runtime = build_runtime(platform.settings, platform.context)
    if runtime.sender is None:
        platform.close()
        err_console.print("[red]set CUAKHAU_EXCHANGE_ID (and CUAKHAU_EXCHANGE_GATES) first[/red]")
        raise typer.Exit(2)
    try:
        if once:
            report = runtime.sender.run_once()
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


sim_app = typer.Typer(help="Digital twin: simulate gates under the production policies (docs/simulation.md)")
app.add_typer(sim_app, name="sim")


@sim_app.command("run")
def sim_run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML (examples: `cuakhau sim examples`)")],
    replications: Annotated[int | None, typer.Option(help="Replications per policy (default: the scenario's)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON")] = False,
    report: Annotated[Path | None, typer.Option(help="Write a self-contained HTML report here")] = None,
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores)", min=1, max=64)] = None,
) -> None:
    """Run SCENARIO: every policy, every replication; print the comparison with 95% confidence intervals."""
    import json

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from cuakhau.simulation.report import render_html
    from cuakhau.simulation.runner import HEADLINE, run_scenario
    from cuakhau.simulation.scenario import load_scenario

    loaded = load_scenario(scenario)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task(f"simulating {loaded.scenario.name}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = run_scenario(loaded.scenario, replications=replications, workers=workers, progress=progress)
    if report is not None:
        report.write_text(render_html(result), encoding="utf-8")
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{loaded.scenario.name} — {result.replications} replications, 95% CI")
    table.add_column("")
    for p in result.policies:
        table.add_column(p.name, justify="right")
    for metric, label in HEADLINE:
        table.add_row(
            label, *(f"{p.estimate(metric).mean:,.2f} ± {p.estimate(metric).half:,.2f}" for p in result.policies)
        )
    console.print(table)
    console.print(f"{result.seconds:.1f} s on {result.workers} process(es)" + (f"; report: {report}" if report else ""))


@sim_app.command("examples")
def sim_examples(
    write: Annotated[Path | None, typer.Option(help="Copy the example scenarios into this folder")] = None,
) -> None:
    """List the example scenarios shipped with cuakhau (and copy them out with --write)."""
    from cuakhau.simulation.scenario import example_scenarios

    for name, text in sorted(example_scenarios().items()):
        console.print(name)
        if write is not None:
            write.mkdir(parents=True, exist_ok=True)
            (write / name).write_text(text, encoding="utf-8")


def _instant(text: str, option: str) -> datetime:
    """An aware instant from the command line; a bad one is a known error naming the option."""
    from cuakhau.domain.clock import ensure_utc
    from cuakhau.domain.errors import InvalidInput

    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("time.invalid", field=option, value=text) from None
    return ensure_utc(parsed, field=option)


def _safe(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


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
