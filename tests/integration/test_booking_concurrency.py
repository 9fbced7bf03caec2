"""Never overbook: many clients in several processes book the same few places at once."""

from __future__ import annotations

import multiprocessing as mp
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

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
                booking = equeue.book_trip(
                    uow(),
                    clock=clock,
                    trip_id=trip_id,
                    earliest=now,
                    latest=now + timedelta(hours=HOURS),
                    travel_minutes=30,
                    actor=Actor(exporter, ActorRole.EXPORTER),
                    idempotency=equeue.Idempotency("load", trip_id, "same-body"),
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
