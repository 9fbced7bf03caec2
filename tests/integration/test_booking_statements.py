"""The booking path stays lean: how many SQL statements a booking costs, on SQLite and PostgreSQL.

Not a timing test (those live in benchmarks/): a count, which does not depend on the machine. Each statement
is a round trip to the database and a share of the server's CPU; docs/benchmarks.md has the measurements that
these bounds keep. Also: the per-process gate cache never serves a gate older than the database's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event

from cuakhau.domain.booking import BookingStatus
from cuakhau.domain.gate import Closure
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import equeue, gates
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World, dry_line

DRY = dry_line()
# Statements per booking, COMMIT left out (and BEGIN on PostgreSQL: psycopg sends it without a cursor).
# PostgreSQL: one read — the trip with everything the rules need and the window's slots — then one write:
# the booking, its change record, its notification and its idempotency key (and, when it gets a place, the
# trip's update and its event) as one statement. With a place, that write goes with the place's two updates
# and the COMMIT in one round trip, psycopg's pipeline (``UnitOfWork.commit_taking``; the place's updates go
# through psycopg itself, so this count does not see them). Before this count was kept, a booking cost about
# 20. SQLite: each insert on its own (no round trip to save), BEGIN IMMEDIATE goes through a cursor, and the
# place is taken with conditional updates before the commit.
MOST = {
    ("postgresql", "waiting"): 2,
    ("postgresql", "active"): 2,
    ("postgresql", "replay"): 2,
    ("sqlite", "waiting"): 6,
    ("sqlite", "active"): 11,
    ("sqlite", "replay"): 3,
}


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split()[0] if statement.split() else statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def book(ctx: ServiceContext, world: World, trip_id: str, now: datetime, key: str) -> equeue.BookingResult:
    return equeue.book(
        ctx.uow(),
        clock=ctx.clock,
        request=equeue.BookingRequest(
            trip_id=trip_id,
            earliest=now + timedelta(hours=2),
            latest=now + timedelta(hours=4),
            travel_minutes=60,
            actor=Actor(world.exporter.id, ActorRole.EXPORTER),
            idempotency=equeue.Idempotency("book", key, "same-body"),
        ),
    )


def test_a_booking_issues_few_statements(ctx: ServiceContext, engine: Engine) -> None:
    world = World(ctx)
    now = ctx.clock.now()
    equeue.declare_acceptance(
        ctx.uow(),
        clock=ctx.clock,
        gate_id="vn-huu-nghi",
        direction="export",
        day=(now + timedelta(hours=2)).date(),
        daily_quota=None,
        hourly_quota=1,
        actor=Actor("cn", ActorRole.COUNTERPART),
    )
    trips = [world.declare(vehicle_id=world.new_truck(), shipment=world.shipment(lines=[DRY])).id for _ in range(3)]
    book(ctx, world, trips[0], now, "warm-up")  # creates the day's slots and fills the gate cache
    dialect = engine.dialect.name
    with counted(engine) as placed:
        first = book(ctx, world, trips[1], now, "placed")
    with counted(engine) as waiting:
        second = book(ctx, world, trips[2], now, "waiting")
    with counted(engine) as replay:
        again = book(ctx, world, trips[2], now, "waiting")
    assert first.booking.status is BookingStatus.ACTIVE
    assert second.booking.status is BookingStatus.WAITING
    assert again.replayed and again.booking.id == second.booking.id
    assert len(placed) <= MOST[(dialect, "active")], placed
    assert len(waiting) <= MOST[(dialect, "waiting")], waiting
    assert len(replay) <= MOST[(dialect, "replay")], replay
    # What the statements wrote is all there: the change record, the trip's event, the notifications.
    _, history = equeue.get_booking(ctx.uow(read_only=True), trips[1])
    assert [h["status"] for h in history] == ["active"]
    with ctx.uow(read_only=True) as uow:
        assert [e.action.value for e in uow.trips.events(trips[1])][-1] == "book"
        kinds = {r["booking_id"]: r["kind"] for r in uow.outbox.recent(10)}
    assert kinds[first.booking.id] == "slot_assigned" and kinds[second.booking.id] == "waitlisted"


def test_a_batch_of_bookings_shares_its_reads(ctx: ServiceContext, engine: Engine) -> None:
    """Eight requests booked together (``book`` of many): the facts, the keys and the slots are read once for
    all (three statements), then each booking's writes (one statement each on PostgreSQL, the place's updates
    and the COMMIT going with the last, in the pipeline) — against two statements a booking one by one."""
    world = World(ctx)
    now = ctx.clock.now()
    trips = [world.declare(vehicle_id=world.new_truck(), shipment=world.shipment(lines=[DRY])).id for _ in range(9)]
    book(ctx, world, trips[0], now, "warm-up")  # creates the day's slots and fills the gate cache
    requests = [
        equeue.BookingRequest(
            trip_id=trip_id,
            earliest=now + timedelta(hours=2),
            latest=now + timedelta(hours=4),
            travel_minutes=60,
            actor=Actor(world.exporter.id, ActorRole.EXPORTER),
            idempotency=equeue.Idempotency(f"book:{trip_id}", "batch", "same-body"),
        )
        for trip_id in trips[1:]
    ]
    with counted(engine) as statements:
        results = equeue.book(ctx.uow(), clock=ctx.clock, request=requests)
    assert all(isinstance(r, equeue.BookingResult) and r.booking.status is BookingStatus.ACTIVE for r in results)
    if engine.dialect.name == "postgresql":
        assert len(statements) <= 3 + len(requests), statements
    with ctx.uow(read_only=True) as uow:
        kinds = {r["booking_id"]: r["kind"] for r in uow.outbox.recent(20)}
        for r in results:
            assert isinstance(r, equeue.BookingResult)
            assert kinds[r.booking.id] == "slot_assigned"
            assert [e.action.value for e in uow.trips.events(r.booking.trip_id)][-1] == "book"


def test_a_new_closure_is_seen_at_once_despite_the_gate_cache(ctx: ServiceContext) -> None:
    World(ctx)  # the reference gates
    now = ctx.clock.now()
    before = gates.get_gate(ctx.uow(read_only=True), "vn-huu-nghi")  # cached now
    closure = gates.add_closure(
        ctx.uow(),
        clock=ctx.clock,
        gate_id="vn-huu-nghi",
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=4),
        reason="kiểm tra / 检查",
        kind="suspension",
        actor=Actor("admin", ActorRole.GATE_ADMIN),
    )
    after = gates.get_gate(ctx.uow(read_only=True), "vn-huu-nghi")
    assert closure.id not in {c.id for c in before.closures}
    assert closure.id in {c.id for c in after.closures}
    # A change rolled back is never served from the cache.
    with ctx.uow() as uow:
        uow.gates.add_closure("vn-huu-nghi", Closure(now + timedelta(days=5), now + timedelta(days=6), "x"))
        assert len(uow.gates.get("vn-huu-nghi").closures) == len(after.closures) + 1  # type: ignore[union-attr]
        uow.rollback()
    assert len(gates.get_gate(ctx.uow(read_only=True), "vn-huu-nghi").closures) == len(after.closures)
