"""The ``cuakhau`` command: serve the API, migrate the database, run the demo."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

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
    from cuakhau.bootstrap import create_app

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
        )
        return
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level)


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
    from cuakhau.bootstrap import bootstrap, create_app
    from cuakhau.domain.clock import ManualClock
    from cuakhau.services.demo import seed_demo

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
        ("/docs", "interactive API documentation"),
        ("/openapi.json", "OpenAPI description"),
        ("/api/v1/gates", "the gates, their hours, closures and whether they are open now"),
        ("/api/v1/trips?gate_id=vn-huu-nghi&limit=20", "trips at Hữu Nghị, newest first"),
        ("/api/v1/trips?state=held", "trucks on hold, with reasons in their timelines"),
        ("/api/v1/gates/vn-huu-nghi/plan?date=YYYY-MM-DD", "a gate day's bookings, each with its rule and reason"),
        ("/api/v1/booking-rules", "the published booking rules and perishability weights"),
    ):
        console.print(f"  {base}{path}  — {what}")
    sys.stdout.flush()
    if serve_api:
        uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level)


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
    from cuakhau.domain.capacity import day_bounds
    from cuakhau.domain.common import parse_enum
    from cuakhau.domain.errors import require
    from cuakhau.domain.gate import Direction
    from cuakhau.services import equeue

    platform = bootstrap(_settings(database_url))
    ctx = platform.context
    try:
        flow = parse_enum(Direction, direction, field="direction")
        with ctx.uow(read_only=True) as uow:
            gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        the_day = date_type.fromisoformat(day) if day else gate.local(ctx.clock.now()).date()
        if replan:
            result = equeue.replan(
                ctx.uow(), clock=ctx.clock, gate_id=gate.id, direction=flow.value, day=the_day, policy=policy
            )
            console.print(
                f"re-planned ({result.policy}): {result.moved} moved, {result.placed} placed, "
                f"{result.waiting} waiting, spoilage cost {result.cost}"
            )
        with ctx.uow() as uow:
            equeue.ensure_slots(uow, gate, flow, [the_day])
            slots = uow.slots.between(gate.id, flow, *day_bounds(gate, the_day))
            bookings = uow.bookings.open_for_window(gate.id, flow, *day_bounds(gate, the_day))
            uow.commit()
    finally:
        platform.close()
    table = Table(title=f"{gate.names.get('en')} — {flow.value} — {the_day} ({gate.timezone.key})")
    for col in ("hour", "capacity", "booked", "inspection", "trucks (perishability · rule · reason)"):
        table.add_column(col)
    by_slot: dict[object, list[str]] = {}
    for b in bookings:
        by_slot.setdefault(b.slot_start, []).append(f"{b.trip_id[:8]} {b.perishability.value} · {b.rule} · {b.reason}")
    for s in slots:
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
