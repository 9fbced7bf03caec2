"""Installing the reference gates (services/installation.py, ``cuakhau gates install``): idempotent, field by
field, on SQLite and PostgreSQL; a fresh database served after the command lists the ten gates."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.web.app import build_app
from cuakhau.cli import app as cli
from cuakhau.domain.gate import Closure, ClosureKind, OpeningPeriod
from cuakhau.reference.gates import reference_gates
from cuakhau.reference.yards import reference_yards
from cuakhau.services.context import ServiceContext
from cuakhau.services.installation import GATE_FIELDS, Outcome, install_reference_gates
from tests.fixtures.factories import World

GATE_IDS = {g.id for g in reference_gates()}


def _revisions(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {r.id: r.revision for r in conn.execute(select(t.gates.c.id, t.gates.c.revision))}


def test_installing_twice_adds_the_gates_once_and_then_changes_nothing(ctx: ServiceContext, engine: Engine) -> None:
    first = install_reference_gates(ctx.uow, ctx.clock)
    assert (first.added, first.changed, first.unchanged) == (20, 0, 0)
    assert {i.id for i in first.items if i.kind == "gate"} == GATE_IDS
    assert first.count(Outcome.ADDED, "yard") == 10
    with ctx.uow(read_only=True) as uow:
        installed = {g.id: g for g in uow.gates.all()}
    wanted = {g.id: g for g in reference_gates(years=(2026, 2027))}  # the clock's year and the next
    assert set(installed) == GATE_IDS
    for gate_id, gate in wanted.items():
        assert all(getattr(installed[gate_id], f) == getattr(gate, f) for f in GATE_FIELDS), gate_id
        assert len(installed[gate_id].closures) == len(gate.closures) > 0
    revisions = _revisions(engine)

    second = install_reference_gates(ctx.uow, ctx.clock)
    assert (second.added, second.changed, second.unchanged) == (0, 0, 20)
    assert all(i.fields == () for i in second.items)
    assert _revisions(engine) == revisions  # nothing written: no gate got a new revision
    with ctx.uow(read_only=True) as uow:
        assert sum(len(g.closures) for g in uow.gates.all()) == sum(len(g.closures) for g in wanted.values())


def test_a_changed_gate_is_reported_and_brought_back_to_the_reference(ctx: ServiceContext) -> None:
    gates = reference_gates(years=(2026, 2027))
    install_reference_gates(ctx.uow, ctx.clock, gates)
    tet = next(c for c in gates[0].closures if c.starts_at.year == 2027)
    suspension = Closure(
        datetime(2026, 6, 3, 1, 0, tzinfo=UTC),
        datetime(2026, 6, 3, 5, 0, tzinfo=UTC),
        "Mưa lũ / 暴雨 / flood",
        ClosureKind.SUSPENSION,
    )
    with ctx.uow() as uow:  # a board edits Hữu Nghị and its yard; one holiday closure was lifted
        huu_nghi = uow.gates.get("vn-huu-nghi")
        assert huu_nghi is not None
        uow.gates.update(
            replace(
                huu_nghi,
                province="Lang Son",
                lanes=huu_nghi.lanes[:-1],
                opening_hours=[OpeningPeriod(time(7, 0), time(22, 0))],
            )
        )
        closure_id = next(c.id for c in huu_nghi.closures if c.starts_at == tet.starts_at)
        assert closure_id is not None and uow.gates.remove_closure("vn-huu-nghi", closure_id)
        uow.gates.add_closure("vn-huu-nghi", suspension)
        uow.gates.set_inspection_capacity("vn-huu-nghi", 8, 25.0)
        [yard] = uow.yards.for_gate("vn-huu-nghi")
        uow.yards.update(replace(yard, capacity=650))
        uow.commit()

    report = install_reference_gates(ctx.uow, ctx.clock, gates)

    changed = {i.id: i.fields for i in report.items if i.outcome is Outcome.CHANGED}
    assert changed == {
        "vn-huu-nghi": ("province", "lanes", "opening_hours", "closures", "inspection"),
        "vn-huu-nghi:yard-1": ("capacity",),
    }
    assert (report.added, report.unchanged) == (0, 18)
    with ctx.uow(read_only=True) as uow:
        now = uow.gates.get("vn-huu-nghi")
        [yard] = uow.yards.for_gate("vn-huu-nghi")
    assert now is not None
    assert all(getattr(now, f) == getattr(gates[0], f) for f in GATE_FIELDS)
    assert yard == reference_yards(gates)[0]
    assert yard.tariff.fee_per_block == Decimal("150000")
    # the Tết closure is published again and the reference's quarantine bays (issue 14: the install owns the
    # inspection resources it lists); a closure the board published is kept
    kept = {(c.starts_at, c.kind, c.reason) for c in now.closures}
    assert (tet.starts_at, tet.kind, tet.reason) in kept
    assert (suspension.starts_at, suspension.kind, suspension.reason) in kept
    assert (now.inspection_bays, now.inspection_minutes) == (2, 30.0)
    again = install_reference_gates(ctx.uow, ctx.clock, gates)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 20)


def test_shorter_hours_installed_re_plan_the_booked_day(ctx: ServiceContext, world: World) -> None:
    """A reference that opens Hữu Nghị only in the afternoon moves the morning's booking out, and its holder is
    told, as when a board changes the hours."""
    trip = world.declare()
    booking = world.book(trip.id)
    gate = next(g for g in world.gates if g.id == "vn-huu-nghi")
    assert booking.slot_start is not None and gate.local(booking.slot_start).hour < 13
    afternoon = [
        replace(g, opening_hours=[OpeningPeriod(time(13, 0), time(19, 0))]) if g.id == gate.id else g
        for g in world.gates
    ]

    report = install_reference_gates(ctx.uow, ctx.clock, afternoon)

    assert [(i.id, i.fields) for i in report.items if i.outcome is Outcome.CHANGED] == [
        ("vn-huu-nghi", ("opening_hours",))
    ]
    with ctx.uow(read_only=True) as uow:
        moved = uow.bookings.latest_for_trip(trip.id)
    assert moved is not None and moved.slot_start != booking.slot_start
    assert moved.slot_start is None or gate.local(moved.slot_start).hour >= 13


def test_cli_gates_install_then_the_api_lists_the_ten_gates(ctx: ServiceContext, database_url: str) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["gates", "install", "--json", "--database-url", database_url])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["added"] == 20
    table = runner.invoke(cli, ["gates", "install", "--database-url", database_url], terminal_width=200)
    assert table.exit_code == 0, table.output
    assert "vn-huu-nghi" in table.output and "added 0, changed 0, unchanged 20" in table.output
    with TestClient(build_app(ctx), raise_server_exceptions=False) as anon:
        r = anon.get("/api/v1/gates")
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 10
    assert {g["id"] for g in r.json()["items"]} == GATE_IDS
