"""``cuakhau serve``, ``notify`` and ``demo``: the processes that run the platform."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from cuakhau.cli._common import AsJson, DbUrl, console, err_console, print_json, settings_for


def serve(
    database_url: DbUrl = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000)")] = None,
    workers: Annotated[int, typer.Option(help="Server processes (PostgreSQL; SQLite wants one)", min=1, max=16)] = 1,
) -> None:
    """Serve the HTTP API (the schema must be migrated first: ``cuakhau db upgrade``)."""
    import uvicorn

    from cuakhau.adapters import logs
    from cuakhau.adapters.db.engine import make_engine
    from cuakhau.adapters.db.migrate import current_revision, head_revision
    from cuakhau.bootstrap import create_app, server_options

    settings = settings_for(database_url, host=host, port=port)
    log_config = logs.configure(settings)  # and uvicorn's, in each worker process
    engine = make_engine(settings.database_url, pool_size=1, max_overflow=0, pgbouncer=settings.db_pgbouncer)
    try:
        if current_revision(engine) != head_revision():
            err_console.print("[red]The database schema is not up to date: run `cuakhau db upgrade` first.[/red]")
            raise typer.Exit(2)
    finally:
        engine.dispose()
    if settings.db_connections_budget and workers > settings.db_processes:
        err_console.print(
            f"[red]--workers {workers} exceeds CUAKHAU_DB_PROCESSES={settings.db_processes}: the connection budget "
            "would be overdrawn (docs/operations.md, Database connections).[/red]"
        )
        raise typer.Exit(2)
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
            log_config=log_config,
            access_log=False,  # one access line per request, ours: cuakhau.access
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
        log_config=log_config,
        access_log=False,  # one access line per request, ours: cuakhau.access
        timeout_graceful_shutdown=5,
        **server_options(settings),
    )


def notify(
    database_url: DbUrl = None,
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due now, then exit")] = False,
    as_json: AsJson = False,
) -> None:
    """Deliver the notification outbox in this process (with CUAKHAU_NOTIFY_IN_SERVER=false for `serve`); `cuakhau
    worker` runs it with the other periodic jobs, under leases."""
    import signal
    import threading

    from cuakhau.adapters import logs
    from cuakhau.bootstrap import bootstrap, notification_dispatcher

    settings = settings_for(database_url)
    logs.configure(settings)
    platform = bootstrap(settings)
    try:
        # the no-show rule is a periodic job run under leases (`serve` or `cuakhau worker`), not here
        dispatcher = notification_dispatcher(platform)
        dispatcher.mark_no_shows = False
        if once:
            report = dispatcher.run_once()
            if as_json:
                print_json({"sent": report.sent, "retried": report.retried, "failed": report.failed})
                return
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

    from cuakhau.adapters import logs
    from cuakhau.adapters.db.migrate import upgrade
    from cuakhau.bootstrap import bootstrap, create_app, server_options
    from cuakhau.demo.accounts import DEMO_ACCOUNTS, DEMO_GATE, DEMO_PASSWORD
    from cuakhau.demo.seeding import seed_demo
    from cuakhau.domain.clock import ManualClock

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    settings = settings_for(f"sqlite:///{db.resolve()}", host=host, port=port)
    log_config = logs.configure(settings, default="console")
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
            create_app(settings),
            host=host,
            port=port,
            log_level=settings.log_level,
            log_config=log_config,
            access_log=False,  # one access line per request, ours: cuakhau.access
            **server_options(settings),
        )


def _instant(text: str, option: str) -> datetime:
    """An aware instant from the command line; a bad one is a known error naming the option."""
    from cuakhau.domain.clock import ensure_utc
    from cuakhau.domain.errors import InvalidInput

    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("time.invalid", field=option, value=text) from None
    return ensure_utc(parsed, field=option)
