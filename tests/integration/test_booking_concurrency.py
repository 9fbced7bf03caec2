"""Never overbook: many clients in several processes book the same few places at once."""

from __future__ import annotations

import multiprocessing as mp
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.errors import Conflict
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import equeue
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World, fruit_line

PROCESSES = 4
EACH = 10
PER_HOUR = 2
HOURS = 3


def _booker(url: str, trip_ids: list[str], exporter: str, now: datetime, barrier: Any, results: Any) -> None:
    engine = make_engine(url)
    nomenclature = HsNomenclature.load_default()
    clock = ManualClock(now)
    uow = SqlUnitOfWorkFactory(engine, nomenclature)
    outcome: dict[str, str] = {}
    barrier.wait(timeout=60)
    for trip_id in trip_ids:
        for _ in range(2):  # a client retrying with the same key must not get two places
            try:
                booking = equeue.book(
                    uow(),
                    clock=clock,
                    request=equeue.BookingRequest(
                        trip_id=trip_id,
                        earliest=now,
                        latest=now + timedelta(hours=HOURS),
                        travel_minutes=30,
                        actor=Actor(exporter, ActorRole.EXPORTER),
                        idempotency=equeue.Idempotency("load", trip_id, "same-body"),
                    ),
                ).booking
                outcome[trip_id] = booking.status.value
            except Conflict as exc:
                outcome[trip_id] = exc.code
    engine.dispose()
    results.put(outcome)


@pytest.mark.parametrize("daily_quota", [None, 4], ids=["hourly", "daily_quota"])
def test_concurrent_bookings_never_overbook(
    ctx: ServiceContext, engine: Engine, database_url: str, daily_quota: int | None
) -> None:
    """Hourly places only, or also a daily quota of the counterpart below them (4 of the 6 places): every
    booking of the day then meets on the quota's row, and the races lost there must give nothing away."""
    world = World(ctx)
    equeue.declare_acceptance(
        ctx.uow(),
        clock=ctx.clock,
        gate_id="vn-huu-nghi",
        direction="export",
        day=ctx.clock.now().date(),
        daily_quota=daily_quota,
        hourly_quota=PER_HOUR,
        actor=Actor("cn", ActorRole.COUNTERPART),
    )
    dry = fruit_line(
        hs_code="400122",
        description="Cao su",
        perishability="dry_goods",
        planting_area_code=None,
        packing_house_code=None,
    )
    trip_ids = [
        world.declare(vehicle_id=world.new_truck(), shipment=world.shipment(lines=[dry])).id
        for _ in range(PROCESSES * EACH)
    ]
    spawn = mp.get_context("spawn")
    barrier, results = spawn.Barrier(PROCESSES), spawn.Queue()
    chunks = [trip_ids[i::PROCESSES] for i in range(PROCESSES)]
    procs = [
        spawn.Process(target=_booker, args=(database_url, chunk, world.exporter.id, ctx.clock.now(), barrier, results))
        for chunk in chunks
    ]
    for p in procs:
        p.start()
    outcomes: dict[str, str] = {}
    for _ in procs:
        outcomes.update(results.get(timeout=240))
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0

    assert set(outcomes) == set(trip_ids)
    assert set(outcomes.values()) <= {"active", "waiting"}
    with engine.connect() as conn:
        over = conn.execute(select(func.count()).select_from(t.slots).where(t.slots.c.booked > t.slots.c.capacity))
        assert over.scalar_one() == 0
        active = conn.execute(
            select(t.bookings.c.slot_start, func.count())
            .where(t.bookings.c.status == "active")
            .group_by(t.bookings.c.slot_start)
        ).all()
        held = {r.starts_at: r.booked for r in conn.execute(select(t.slots)) if r.booked}
        assert {slot: n for slot, n in active} == held  # counters agree with the bookings, slot by slot
        places = PER_HOUR * HOURS if daily_quota is None else daily_quota
        assert sum(n for _, n in active) == places  # every place used, none twice
        quota = conn.execute(select(t.day_quotas.c.quota, t.day_quotas.c.booked)).all()
        assert quota == ([] if daily_quota is None else [(daily_quota, daily_quota)])
        per_trip = conn.execute(select(t.bookings.c.trip_id, func.count()).group_by(t.bookings.c.trip_id)).all()
        assert all(n == 1 for _, n in per_trip) and len(per_trip) == len(trip_ids)  # retries made no duplicates


@pytest.mark.postgres
def test_a_connection_lost_at_the_commit_is_a_retryable_error_and_books_nothing(
    postgres_url: str, nomenclature: HsNomenclature, clock: ManualClock
) -> None:
    """PostgreSQL drops the session just as the booking sends its writes, place and COMMIT (one pipeline): the
    caller gets SQLAlchemy's lost-connection error (the web layer's 503), nothing was booked, and the retry with
    the same idempotency key books once on a fresh connection."""
    from sqlalchemy import text

    from cuakhau.adapters.db.uow import SqlUnitOfWork
    from cuakhau.services.ports import Place, Take

    engine = make_engine(postgres_url)
    admin = make_engine(postgres_url)

    class DroppedAtCommit(SqlUnitOfWork):
        """Its session is terminated once the booking's writes are queued in the pipeline, before the place."""

        def commit_taking(self, place: Place) -> Take:
            assert self._conn is not None
            pid = self._conn.connection.dbapi_connection.info.backend_pid
            send_take = self.slots.send_take

            def dropped_then_send(cursor: Any, place: Place) -> None:
                with admin.connect() as conn:
                    conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                send_take(cursor, place)

            self.slots.send_take = dropped_then_send  # type: ignore[method-assign]
            return super().commit_taking(place)

    factory = SqlUnitOfWorkFactory(engine, nomenclature)
    ctx = ServiceContext(uow=factory, clock=clock, nomenclature=nomenclature)
    try:
        world = World(ctx)
        trip_id = world.declare().id
        hour = clock.now().replace(minute=0, second=0, microsecond=0)

        def book(uow: Any) -> equeue.BookingResult:
            return equeue.book(
                uow,
                clock=clock,
                request=equeue.BookingRequest(
                    trip_id=trip_id,
                    earliest=hour,
                    latest=hour + timedelta(hours=6),
                    travel_minutes=60,
                    actor=Actor(world.exporter.id, ActorRole.EXPORTER),
                    idempotency=equeue.Idempotency("lost", trip_id, "same-body"),
                ),
            )

        with pytest.raises(OperationalError) as lost:
            book(DroppedAtCommit(engine, nomenclature))
        assert lost.value.connection_invalidated
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(t.bookings)).scalar_one() == 0
            assert conn.execute(select(func.coalesce(func.sum(t.slots.c.booked), 0))).scalar_one() == 0
        again = book(factory())
        assert again.booking.status.value == "active" and not again.replayed
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(t.bookings)).scalar_one() == 1
            assert conn.execute(select(func.sum(t.slots.c.booked))).scalar_one() == 1
    finally:
        with engine.begin() as conn:
            for table in reversed(t.metadata.sorted_tables):
                conn.execute(table.delete())
        engine.dispose()
        admin.dispose()
