"""Booking requests that arrive together (``equeue.book`` of many) get what one-by-one booking gives them, on
SQLite and PostgreSQL: the same slots in the same first-come order, the same errors, the same waiting list;
a batch the database refuses is kept nowhere and its requests are booked one by one; never an overbooked slot."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.tables import metadata
from cuakhau.adapters.db.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from cuakhau.domain.booking import BookingStatus
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.errors import Conflict, CuakhauError, InvalidInput, NotFound
from cuakhau.domain.gate import Direction
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.trip import Actor, ActorRole, Trip
from cuakhau.services import equeue
from cuakhau.services.context import ServiceContext
from cuakhau.services.equeue import BookingRequest, BookingResult
from cuakhau.services.ports import Place
from tests.fixtures.factories import World, dry_line

GATE = "vn-huu-nghi"


def hour(ctx: ServiceContext) -> datetime:
    return ctx.clock.now().replace(minute=0, second=0, microsecond=0)


def per_slot(ctx: ServiceContext, places: int, hours: int = 6) -> None:
    """Every slot of the next ``hours`` with room for ``places`` trucks (the slots are created first)."""
    start = hour(ctx)
    with ctx.uow() as uow:
        gate = uow.gates.get(GATE)
        assert gate is not None
        equeue.ensure_slots(uow, gate, Direction.EXPORT, equeue.local_days(gate, start, start + timedelta(hours=hours)))
        for h in range(hours):
            uow.slots.set_capacity(GATE, Direction.EXPORT, start + timedelta(hours=h), places, places)
        uow.commit()


def request(world: World, trip_id: str, *, key: str | None = None, hours: int = 6, **over: object) -> BookingRequest:
    start = hour(world.ctx)
    fields: dict[str, object] = {
        "trip_id": trip_id,
        "earliest": start,
        "latest": start + timedelta(hours=hours),
        "travel_minutes": 60,
        "actor": Actor(world.exporter.id, ActorRole.EXPORTER),
        "idempotency": equeue.Idempotency(f"book:{trip_id}", key or f"k-{trip_id}", "h"),
    }
    fields.update(over)
    return BookingRequest(**fields)  # type: ignore[arg-type]


# Dry goods: a request that finds no room just waits (a perishable one would re-plan the day first).
DRY = dry_line()


def trips_on_own_trucks(world: World, n: int) -> list[str]:
    return [world.declare(vehicle_id=world.new_truck(), shipment=world.shipment(lines=[DRY])).id for _ in range(n)]


def slots_of(results: list[BookingResult | CuakhauError], start: datetime) -> list[int | str]:
    out: list[int | str] = []
    for r in results:
        if isinstance(r, BaseException):
            out.append(type(r).__name__)
        elif r.booking.slot_start is None:
            out.append(r.booking.status.value)
        else:
            out.append(int((r.booking.slot_start - start) / timedelta(hours=1)))
    return out


def one_by_one(ctx: ServiceContext, requests: list[BookingRequest]) -> list[BookingResult | CuakhauError]:
    out: list[BookingResult | CuakhauError] = []
    for r in requests:
        try:
            out.append(
                equeue.book(
                    ctx.uow(),
                    clock=ctx.clock,
                    request=equeue.BookingRequest(
                        trip_id=r.trip_id,
                        earliest=r.earliest,
                        latest=r.latest,
                        travel_minutes=r.travel_minutes,
                        actor=r.actor,
                        idempotency=r.idempotency,
                        may_see=r.may_see,
                    ),
                )
            )
        except CuakhauError as exc:
            out.append(exc)
    return out


def overbooked(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(t.slots.c.booked > t.slots.c.capacity)).scalar_one())


def counters_match(engine: Engine) -> bool:
    with engine.connect() as conn:
        held = conn.execute(select(func.coalesce(func.sum(t.slots.c.booked), 0))).scalar_one()
        active = conn.execute(
            select(func.count()).select_from(t.bookings).where(t.bookings.c.status == BookingStatus.ACTIVE.value)
        ).scalar_one()
        return int(held) == int(active)


@pytest.mark.parametrize("together", [True, False], ids=["batch", "one-by-one"])
def test_first_come_order_and_the_waiting_list(
    ctx: ServiceContext, world: World, engine: Engine, together: bool
) -> None:
    per_slot(ctx, 2, hours=3)
    reqs = [request(world, trip, hours=3) for trip in trips_on_own_trucks(world, 8)]
    results = equeue.book(ctx.uow(), clock=ctx.clock, request=reqs) if together else one_by_one(ctx, reqs)
    # two places an hour for three hours, in the order of the requests; the last two wait
    assert slots_of(results, hour(ctx)) == [0, 0, 1, 1, 2, 2, "waiting", "waiting"]
    assert overbooked(engine) == 0 and counters_match(engine)
    if together:  # booked at one instant, first come stays first for later re-plans
        seqs = [r.booking.requested_seq for r in results[:6] if isinstance(r, BookingResult)]
        assert len(seqs) == 6 and seqs == sorted(set(seqs))


def test_each_request_gets_what_booking_it_alone_gives(ctx: ServiceContext, world: World, engine: Engine) -> None:
    per_slot(ctx, 3)
    a, b, c, d, e = trips_on_own_trucks(world, 5)
    world.book(e, key="earlier")  # e's key is then a replay
    reqs = [
        request(world, a),
        request(world, "no-such-trip"),
        request(world, b, hours=0),  # a window too narrow
        request(world, a, key="second-for-a"),  # a second request for a trip of the batch
        request(world, c, may_see=lambda scope: scope.trip_id != c),  # a trip the caller may not see
        request(world, e, idempotency=equeue.Idempotency("test", "earlier", "h")),  # as world.book sent it
        request(world, d, travel_minutes=-1),
        request(world, b),
    ]
    results = equeue.book(ctx.uow(), clock=ctx.clock, request=reqs)
    kinds = [type(r).__name__ if isinstance(r, BaseException) else "booked" for r in results]
    assert kinds == [
        "booked",
        "NotFound",
        "InvalidInput",
        "Conflict",
        "NotFound",
        "booked",
        "InvalidInput",
        "booked",
    ]
    assert isinstance(results[1], NotFound) and isinstance(results[4], NotFound)
    assert isinstance(results[2], InvalidInput) and results[2].code == "time.end_before_start"
    assert isinstance(results[3], Conflict) and results[3].code == "booking.exists"
    assert isinstance(results[6], InvalidInput) and results[6].code == "booking.travel_minutes"
    replay = results[5]
    assert isinstance(replay, BookingResult) and replay.replayed
    assert overbooked(engine) == 0 and counters_match(engine)


def test_two_trips_of_one_truck_in_a_batch(ctx: ServiceContext, world: World, engine: Engine) -> None:
    # One active booking per vehicle: the database refuses the batch, and booking one by one tells the second.
    per_slot(ctx, 5)
    declared = world.declare(shipment=world.shipment(lines=[DRY]))
    # A truck on an open trip is refused at declaration now: its second open trip is one declared before that rule,
    # written here directly, as tests/integration/test_equeue.py does.
    legacy = Trip.declare(
        gate_id=declared.gate_id,
        direction=declared.direction,
        vehicle_id=declared.vehicle_id,
        driver_id=declared.driver_id,
        shipment_id=world.declare(shipment=world.shipment(lines=[DRY])).shipment_id,
        actor=Actor(world.exporter.id, ActorRole.EXPORTER),
        clock=ctx.clock,
    )
    with ctx.uow() as uow:
        uow.trips.add(legacy)
        uow.commit()
    first, second = declared.id, legacy.id
    other = trips_on_own_trucks(world, 1)[0]
    results = equeue.book(
        ctx.uow(), clock=ctx.clock, request=[request(world, first), request(world, second), request(world, other)]
    )
    assert isinstance(results[0], BookingResult) and isinstance(results[2], BookingResult)
    assert isinstance(results[1], Conflict)
    assert overbooked(engine) == 0 and counters_match(engine)


@pytest.fixture
def pg(postgres_url: str, nomenclature: HsNomenclature, clock: ManualClock) -> Iterator[tuple[ServiceContext, World]]:
    """A context on the session's PostgreSQL database only (these races need a second writer), emptied after."""
    engine = make_engine(postgres_url)
    ctx = ServiceContext(uow=SqlUnitOfWorkFactory(engine, nomenclature), clock=clock, nomenclature=nomenclature)
    try:
        yield ctx, World(ctx)
    finally:
        with engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
        engine.dispose()


def engine_of(ctx: ServiceContext) -> Engine:
    factory = ctx.uow
    assert isinstance(factory, SqlUnitOfWorkFactory)
    return factory.engine


class _TakenMeanwhile(SqlUnitOfWork):
    """Another process takes the last places of the hour the batch chose, between its read and its commit —
    on the batch's first ``times`` tries."""

    times = 1
    tries = 0

    def commit_placing(self, record):  # type: ignore[no-untyped-def]
        engine = self._engine
        _TakenMeanwhile.tries += 1
        if _TakenMeanwhile.tries > self.times:
            return super().commit_placing(record)

        def record_then_fill() -> list[Place]:
            places = list(record())
            with engine.begin() as conn:  # another connection: the other process
                conn.execute(
                    t.slots.update()
                    .where(t.slots.c.gate_id == GATE, t.slots.c.starts_at == places[0].starts_at)
                    .values(booked=t.slots.c.capacity)
                )
            return places

        return super().commit_placing(record_then_fill)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("refusals", "expected"),
    [
        (1, [1, 1, 2, 2]),  # retried on a fresh read: the batch books around the hour taken
        (2, [2, 2, "waiting", "waiting"]),  # refused again (the next hour taken too): booked one by one
    ],
)
def test_a_batch_refused_by_the_database_keeps_nothing(
    pg: tuple[ServiceContext, World], refusals: int, expected: list[int | str]
) -> None:
    ctx, world = pg
    engine = engine_of(ctx)
    per_slot(ctx, 2, hours=3)
    reqs = [request(world, trip, hours=3) for trip in trips_on_own_trucks(world, 4)]
    _TakenMeanwhile.times, _TakenMeanwhile.tries = refusals, 0
    results = equeue.book(_TakenMeanwhile(engine, ctx.nomenclature), clock=ctx.clock, request=reqs)
    assert slots_of(results, hour(ctx)) == expected
    assert _TakenMeanwhile.tries == min(refusals + 1, equeue.BATCH_ATTEMPTS)
    with engine.connect() as conn:  # one key per request: nothing of a refused try was kept
        assert conn.execute(select(func.count()).select_from(t.idempotency_keys)).scalar_one() == 4
    assert overbooked(engine) == 0


@pytest.mark.postgres
def test_concurrent_batches_never_overbook(pg: tuple[ServiceContext, World]) -> None:
    ctx, world = pg
    engine = engine_of(ctx)
    per_slot(ctx, 2, hours=3)  # six places for twenty requests from four threads
    trips = trips_on_own_trucks(world, 20)
    batches = [[request(world, trip, hours=3) for trip in trips[i::4]] for i in range(4)]
    results: list[list[BookingResult | CuakhauError]] = [[] for _ in batches]
    barrier = threading.Barrier(len(batches))

    def run(k: int) -> None:
        barrier.wait()
        results[k] = equeue.book(ctx.uow(), clock=ctx.clock, request=batches[k])

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(batches))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    flat = [r for rs in results for r in rs]
    assert len(flat) == 20 and not any(isinstance(r, BaseException) for r in flat)
    active = [r for r in flat if isinstance(r, BookingResult) and r.booking.status is BookingStatus.ACTIVE]
    assert len(active) == 6
    assert overbooked(engine) == 0 and counters_match(engine)


def test_concurrent_requests_through_the_api(
    client: TestClient, app: FastAPI, ctx: ServiceContext, world: World, engine: Engine
) -> None:
    """Sixteen exporters' requests at once: answered each with its own booking (or its replay), through the
    batcher the server uses, with the slots' counters equal to the active bookings."""
    per_slot(ctx, 3)
    trips = trips_on_own_trucks(world, 16)
    start = hour(ctx)
    body = {
        "earliest": start.isoformat(),
        "latest": (start + timedelta(hours=6)).isoformat(),
        "travel_minutes": 60,
        "actor": {"id": world.exporter.id, "role": "exporter"},
    }

    def post(trip_id: str) -> tuple[int, dict[str, object], str | None]:
        r = client.post(f"/api/v1/trips/{trip_id}/booking", json=body, headers={"Idempotency-Key": f"k-{trip_id}"})
        return r.status_code, r.json(), r.headers.get("Idempotent-Replayed")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, trips + trips[:4]))  # the first four sent twice (a client's retry)
    bookings: dict[str, set[object]] = {}
    for (status, out, replayed), trip_id in zip(answers, trips + trips[:4], strict=True):
        assert status in (200, 201), out
        assert out["trip_id"] == trip_id and out["status"] == "active"
        assert (status == 200) == (replayed == "true")
        bookings.setdefault(trip_id, set()).add(out["id"])
    assert all(len(ids) == 1 for ids in bookings.values())  # a retry answers the booking made, never a second
    starts = sorted(datetime.fromisoformat(str(out["slot_start"])) for _, out, _ in answers[:16])
    assert starts == [start + timedelta(hours=h // 3) for h in range(16)]  # three an hour, earliest first
    booker = app.state.booker
    assert booker.requests == 20
    assert overbooked(engine) == 0 and counters_match(engine)
