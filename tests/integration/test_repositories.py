"""Repositories map every field both ways, keep decimals and times exact, and guard row versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cuakhau.domain.clock import ManualClock
from cuakhau.domain.errors import ConcurrentUpdate
from cuakhau.domain.trip import Actor, ActorRole, TripAction
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World, fruit_line


def test_reference_gates_round_trip(ctx: ServiceContext, world: World) -> None:
    with ctx.uow(read_only=True) as uow:
        loaded = {g.id: g for g in uow.gates.all()}
    for gate in world.gates:
        got = loaded[gate.id]
        assert got.names == gate.names
        assert got.lanes == gate.lanes
        assert got.opening_hours == gate.opening_hours
        assert [(c.starts_at, c.ends_at, c.reason, c.kind) for c in got.closures] == [
            (c.starts_at, c.ends_at, c.reason, c.kind) for c in sorted(gate.closures, key=lambda c: c.starts_at)
        ]
        assert (got.locode, got.counterpart_id, got.country) == (
            gate.locode,
            gate.counterpart_id,
            gate.country,
        )


def test_shipment_keeps_exact_decimals_and_text(ctx: ServiceContext, world: World) -> None:
    trip = world.declare(
        shipment=world.shipment(
            lines=[
                fruit_line(net_kg="18000.125", gross_kg="19500.1250", value="123456789012.34"),
                fruit_line(
                    hs_code="0810.60",
                    description="Sầu riêng Ri6 / 榴莲",
                    perishability=None,
                    planting_area_code=None,
                    packing_house_code=None,
                ),
            ]
        )
    )
    with ctx.uow(read_only=True) as uow:
        shipment = uow.shipments.get(trip.shipment_id)
    assert shipment is not None
    first, second = shipment.lines
    assert first.net_kg == Decimal("18000.125") and first.value == Decimal("123456789012.34")
    assert second.hs.code == "081060" and second.perishability.value == "fresh_produce"
    assert second.description == "Sầu riêng Ri6 / 榴莲"
    assert shipment.net_kg == Decimal("18000.125") + Decimal("18000")


def test_times_come_back_aware_and_equal(ctx: ServiceContext, world: World, clock: ManualClock) -> None:
    clock.set(datetime(2026, 2, 16, 23, 59, 59, 123456, tzinfo=UTC))
    trip = world.declare()
    with ctx.uow(read_only=True) as uow:
        loaded = uow.trips.get(trip.id)
        [event] = uow.trips.events(trip.id)
    assert loaded is not None and loaded.declared_at == clock.now()
    assert loaded.declared_at.tzinfo is not None
    assert event.at == clock.now()


def test_a_stale_trip_cannot_overwrite_a_newer_one(ctx: ServiceContext, world: World, clock: ManualClock) -> None:
    trip = world.declare()
    officer = Actor("c1", ActorRole.CUSTOMS)
    with ctx.uow(read_only=True) as uow:
        stale = uow.trips.get(trip.id)
    assert stale is not None
    with ctx.uow() as uow:
        fresh = uow.trips.get(trip.id)
        assert fresh is not None
        fresh.apply(TripAction.BOOK, actor=officer, clock=clock)
        uow.trips.save(fresh)
        uow.commit()
    clock.advance(timedelta(minutes=1))
    stale.apply(TripAction.CANCEL, actor=officer, clock=clock, reason="changed plans")
    with pytest.raises(ConcurrentUpdate), ctx.uow() as uow:
        uow.trips.save(stale)
        uow.commit()
    with ctx.uow(read_only=True) as uow:
        assert uow.trips.get(trip.id).state.value == "booked"  # type: ignore[union-attr]
        assert [e.action.value for e in uow.trips.events(trip.id)] == ["declare", "book"]


def test_uncommitted_work_is_rolled_back(ctx: ServiceContext, world: World) -> None:
    trip = world.declare()
    with ctx.uow() as uow:
        loaded = uow.trips.get(trip.id)
        assert loaded is not None
        loaded.apply(TripAction.BOOK, actor=Actor("c1", ActorRole.CUSTOMS), clock=ctx.clock)
        uow.trips.save(loaded)
        # no commit
    with ctx.uow(read_only=True) as uow:
        assert uow.trips.get(trip.id).state.value == "declared"  # type: ignore[union-attr]
