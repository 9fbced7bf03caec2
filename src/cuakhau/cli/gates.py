"""``cuakhau gates`` and ``cuakhau plan``: the gates this installation serves and a gate day's plan."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cuakhau.cli._common import AsJson, DbUrl, console, err_console, print_json, settings_for
from cuakhau.domain.errors import InvalidInput

if TYPE_CHECKING:
    from cuakhau.services.day_plans import DayPlan
    from cuakhau.services.installation import InstallReport

gates_app = typer.Typer(help="The gates this installation serves", no_args_is_help=True)


Lang = Annotated[
    str | None,
    typer.Option("--lang", help="vi, zh or en: the language of errors (default: CUAKHAU_DEFAULT_LANGUAGE)"),
]


def _print_report(report: InstallReport, title: str, as_json: bool) -> None:
    from rich.table import Table

    if as_json:
        print_json(report.as_dict())
        return
    table = Table(title=title)
    for col in ("kind", "id", "outcome", "fields changed"):
        table.add_column(col)
    for item in report.items:
        table.add_row(item.kind, item.id, item.outcome.value, ", ".join(item.fields))
    console.print(table)
    console.print(f"added {report.added}, changed {report.changed}, unchanged {report.unchanged}")


@gates_app.command("install")
def gates_install(
    database_url: DbUrl = None,
    as_json: AsJson = False,
) -> None:
    """Install the five Vietnam–China road gate pairs, their yards and inspection bays (idempotent: run again,
    nothing changes; a value changed in the database is brought back and reported)."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services.installation import install_reference_gates

    platform = bootstrap(settings_for(database_url))
    try:
        report = install_reference_gates(platform.context.uow, platform.context.clock)
    finally:
        platform.close()
    _print_report(report, "reference gates", as_json)


@gates_app.command("export")
def gates_export(
    gate: Annotated[list[str] | None, typer.Option("--gate", help="Only this gate (repeatable)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="yaml or json")] = "yaml",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout)")] = None,
    database_url: DbUrl = None,
    lang: Lang = None,
) -> None:
    """Write the installed gates' configuration (docs/gate-config.md) for `cuakhau gates import`."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services import gate_config_file, installation

    settings = settings_for(database_url)
    language = lang or settings.default_language
    with _errors_in(language):
        if fmt not in ("yaml", "json"):
            raise InvalidInput(
                "gateconf.not_one_of", field="--format", source="--format", line=0, value=fmt, allowed="yaml, json"
            )
        platform = bootstrap(settings)
        try:
            ctx = platform.context
            setups = installation.export(ctx.uow(read_only=True), gate or [])
            text = gate_config_file.dump(setups, "json" if fmt == "json" else "yaml", now=ctx.clock.now())
        finally:
            platform.close()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@gates_app.command("import")
def gates_import(
    file: Annotated[Path, typer.Argument(help="A gate configuration file (.yaml, .yml or .json)")],
    fmt: Annotated[str | None, typer.Option("--format", help="yaml or json (default: from the file's name)")] = None,
    database_url: DbUrl = None,
    lang: Lang = None,
    as_json: AsJson = False,
) -> None:
    """Apply a gate configuration file in one transaction (any error: nothing written) and report what changed."""
    from cuakhau.bootstrap import bootstrap
    from cuakhau.services import gate_config_file, installation

    settings = settings_for(database_url)
    language = lang or settings.default_language
    with _errors_in(language):
        kind = fmt or ("json" if file.suffix.lower() == ".json" else "yaml")
        if kind not in ("yaml", "json"):
            raise InvalidInput(
                "gateconf.not_one_of", field="--format", source="--format", line=0, value=kind, allowed="yaml, json"
            )
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput("gateconf.unreadable", field="file", source=str(file), message=str(exc)[:200]) from None
        setups = gate_config_file.read(text, "json" if kind == "json" else "yaml", source=file.name)
        platform = bootstrap(settings)
        try:
            report = installation.install(platform.context.uow, platform.context.clock, setups)
        finally:
            platform.close()
    _print_report(report, file.name, as_json)


@contextmanager
def _errors_in(language: str) -> Iterator[None]:
    """A known error as one line in ``language`` on stderr, exit status 2."""
    from cuakhau.domain.errors import CuakhauError

    try:
        yield
    except CuakhauError as exc:
        from rich.markup import escape

        from cuakhau import i18n

        lang = language if language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
        err_console.print(f"[red]{escape(i18n.render(exc.code, lang, {'field': exc.field, **exc.params}))}[/red]")
        raise typer.Exit(2) from None


def plan(
    gate_id: Annotated[str, typer.Argument(help="e.g. vn-huu-nghi")],
    day: Annotated[str | None, typer.Option("--date", help="The gate's local date (default: today there)")] = None,
    direction: Annotated[str, typer.Option(help="export or import")] = "export",
    replan: Annotated[bool, typer.Option("--replan/--no-replan", help="Re-plan the day first")] = False,
    policy: Annotated[str, typer.Option(help="optimal, priority or fcfs")] = "optimal",
    database_url: DbUrl = None,
    as_json: AsJson = False,
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

    platform = bootstrap(settings_for(database_url))
    ctx = platform.context
    try:
        flow = parse_enum(Direction, direction, field="direction")
        gate = get_gate(ctx.uow(read_only=True), gate_id)
        the_day = date_type.fromisoformat(day) if day else gate.local(ctx.clock.now()).date()
        # slot rows only for days that can be read (domain/timebounds.py): not for every date there is
        timebounds.check_readable_day(the_day, today=gate.local(ctx.clock.now()).date(), horizon=DEFAULT_RULES.horizon)
        replanned = None
        if replan:
            result = equeue.replan(
                ctx.uow(), clock=ctx.clock, gate_id=gate.id, direction=flow.value, day=the_day, policy=policy
            )
            replanned = {
                "policy": result.policy,
                "moved": result.moved,
                "placed": result.placed,
                "waiting": result.waiting,
                "cost": result.cost,
            }
            if not as_json:
                console.print(
                    f"re-planned ({result.policy}): {result.moved} moved, {result.placed} placed, "
                    f"{result.waiting} waiting, spoilage cost {result.cost}"
                )
        view = day_plans.day_plan(ctx.uow(), clock=ctx.clock, gate_id=gate.id, direction=flow.value, day=the_day)
    finally:
        platform.close()
    if as_json:
        print_json(_plan_json(view, gate.timezone.key, replanned))
        return
    table = Table(title=f"{gate.names.get('en')} — {flow.value} — {the_day} ({gate.timezone.key})")
    for col in ("hour", "capacity", "booked", "inspection", "left", "trucks (perishability · rule · reason)"):
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
            f"{s.remaining} ({s.remaining_inspection} insp.)",
            "\n".join(by_slot.get(s.starts_at, [])[:6]) + (" …" if len(by_slot.get(s.starts_at, [])) > 6 else ""),
        )
    console.print(table)
    waiting = by_slot.get(None, [])
    console.print(f"waiting list: {len(waiting)}")


def _plan_json(view: DayPlan, timezone: str, replanned: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "gate_id": view.gate.id,
        "direction": view.direction.value,
        "date": view.day.isoformat(),
        "timezone": timezone,
        "replanned": replanned,
        "slots": [
            {
                "starts_at": s.starts_at.isoformat(),
                "ends_at": s.ends_at.isoformat(),
                "capacity": s.capacity,
                "booked": s.booked,
                "inspection_capacity": s.inspection_capacity,
                "booked_inspection": s.booked_inspection,
                "remaining": s.remaining,
                "remaining_inspection": s.remaining_inspection,
            }
            for s in view.slots
        ],
        "bookings": [
            {
                "id": b.id,
                "trip_id": b.trip_id,
                "status": b.status.value,
                "slot_start": b.slot_start.isoformat() if b.slot_start else None,
                "perishability": b.perishability.value,
                "needs_inspection": b.needs_inspection,
                "rule": b.rule,
                "reason": b.reason,
            }
            for b in view.bookings
        ],
    }
