"""``cuakhau worker`` runs the periodic jobs under leases; ``cuakhau jobs`` shows how they run."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from cuakhau.cli._common import DbUrl, console, settings_for


def worker(database_url: DbUrl = None) -> None:
    """Run every periodic job (notifications, no-shows, lane requeue, token purge, the exchange's link checks)
    under leases: start several for fail-over, and serve with CUAKHAU_JOBS_IN_SERVER=false."""
    import signal
    import threading

    from cuakhau.adapters import logs
    from cuakhau.adapters.exchange.runtime import identity_of
    from cuakhau.bootstrap import bootstrap, metrics, periodic_runner

    settings = settings_for(database_url)
    logs.configure(settings)
    platform = bootstrap(settings)
    try:
        # each run counted into CUAKHAU_METRICS_DIR, where the servers' /metrics add them up (docs/operations.md)
        measured = metrics(platform) if settings.metrics_dir else None
        runner = periodic_runner(platform, identity=identity_of(settings), metrics=measured)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        console.print(f"worker {runner.owner}: {', '.join(job.name for job in runner.jobs)}")
        runner.start()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            runner.stop()
            if measured is not None:
                measured.process_exited()
    finally:
        platform.close()


def _when(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()


def _short(instant: datetime | None) -> str:
    return "-" if instant is None else instant.strftime("%Y-%m-%d %H:%M:%S")


def jobs(
    database_url: DbUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
) -> None:
    """Each periodic job: who holds it, its last run, next run, duration, lag and failures."""
    from rich.table import Table

    from cuakhau.adapters.db.jobs import SqlJobLeases
    from cuakhau.bootstrap import bootstrap

    platform = bootstrap(settings_for(database_url))
    try:
        states = SqlJobLeases(platform.engine).states()
        now = platform.context.clock.now()
    finally:
        platform.close()
    rows = [
        {
            "name": s.name,
            "period_seconds": s.period.total_seconds(),
            "owner": s.owner,
            "lease_expires_at": _when(s.lease_expires_at),
            "lease_live": s.lease_expires_at is not None and s.lease_expires_at > now,
            "last_run": _when(s.last_started_at),
            "next_run": _when(s.next_run_at),
            "duration_ms": s.last_duration_ms,
            "lag_ms": s.last_lag_ms,
            "last_changed": s.last_changed,
            "runs": s.runs,
            "failures": s.failures,
            "last_error": s.last_error,
        }
        for s in states
    ]
    if as_json:
        typer.echo(json.dumps({"at": now.isoformat(), "jobs": rows}, ensure_ascii=False))
        return
    if not rows:
        console.print("no periodic job has run on this database yet")
        return
    table = Table()
    table.add_column("job", no_wrap=True)
    for heading in ("period", "owner", "last run", "next run", "ms", "lag ms", "runs", "failures"):
        table.add_column(heading)
    for state, row in zip(states, rows, strict=True):
        table.add_row(
            str(row["name"]),
            f"{row['period_seconds']:g} s",
            str(row["owner"] or "-") + ("" if row["lease_live"] else " (expired)" if row["owner"] else ""),
            _short(state.last_started_at),
            _short(state.next_run_at),
            "-" if row["duration_ms"] is None else f"{row['duration_ms']:.1f}",
            "-" if row["lag_ms"] is None else f"{row['lag_ms']:.0f}",
            str(row["runs"]),
            str(row["failures"]),
        )
    console.print(table)
