"""Two processes writing at once lose nothing and corrupt nothing, on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing as mp
from collections import Counter
from typing import Any

from sqlalchemy import Engine, func, select, text

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.errors import IllegalTransition
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World

HAPPY_PATH = ["dispatch", "arrive", "call", "inspect", "clear", "cross"]
NEW_TRIPS_EACH = 25


def _worker(
    url: str, name: str, world: dict[str, Any], shared: list[str], barrier: Any, results: Any
) -> None:  # runs in a child process
    engine = make_engine(url)
    nomenclature = HsNomenclature.load_default()
    clock = ManualClock(world["now"])  # the same business time as the parent's bookings
    ctx = ServiceContext(uow=SqlUnitOfWorkFactory(engine, nomenclature), clock=clock, nomenclature=nomenclature)
    actor = Actor(f"officer-{name}", ActorRole.CUSTOMS)
    applied: Counter[str] = Counter()
    declared: list[str] = []
    barrier.wait(timeout=60)
    for i in range(NEW_TRIPS_EACH):
        trip = trips.declare_trip(  # a truck, a driver and a shipment are on one open trip at a time: each its own
            ctx.uow(),
            nomenclature,
            clock=ctx.clock,
            gate_id="vn-huu-nghi",
            direction="export",
            vehicle_id=world["trucks"][name][i],
            driver_id=world["drivers"][name][i],
            shipment={**world["shipment"], "phytosanitary_certificate_no": f"VN-PC-{name.upper()}-{i:04d}"},
        )
        declared.append(trip.id)
        # interleave: race the other process on the shared trips
        for trip_id in shared[i % len(shared) :: 5]:
            for action in HAPPY_PATH:
                try:
                    trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=trip_id, action=action, actor=actor)
                    applied[f"{trip_id}:{action}"] += 1
                except IllegalTransition:
                    pass  # the other process took this step first
    for trip_id in shared:  # finish whatever is left
        for action in HAPPY_PATH:
            try:
                trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=trip_id, action=action, actor=actor)
                applied[f"{trip_id}:{action}"] += 1
            except IllegalTransition:
                pass
    engine.dispose()
    results.put((name, declared, dict(applied)))


def test_two_processes_writing_at_once(ctx: ServiceContext, engine: Engine, database_url: str) -> None:
    world = World(ctx)
    shared = [world.declare().id for _ in range(10)]
    for trip_id in shared:
        assert world.book(trip_id).status.value == "active"
    with engine.connect() as conn:
        trips_before = conn.execute(select(func.count()).select_from(t.trips)).scalar_one()

    spawn = mp.get_context("spawn")
    barrier = spawn.Barrier(2)
    results = spawn.Queue()
    ids = {
        "trucks": {n: [world.new_truck() for _ in range(NEW_TRIPS_EACH)] for n in ("a", "b")},
        "drivers": {n: [world.new_driver() for _ in range(NEW_TRIPS_EACH)] for n in ("a", "b")},
        "shipment": world.shipment(),
        "now": ctx.clock.now(),
    }
    procs = [spawn.Process(target=_worker, args=(database_url, n, ids, shared, barrier, results)) for n in ("a", "b")]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0

    declared = [tid for _, d, _ in outcomes for tid in d]
    applied: Counter[str] = Counter()
    for _, _, a in outcomes:
        applied.update(a)

    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t.trips)).scalar_one()
        assert total == trips_before + 2 * NEW_TRIPS_EACH  # nothing lost
        assert len(set(declared)) == 2 * NEW_TRIPS_EACH
        for trip_id in shared:
            # every step applied exactly once across both processes
            assert [applied[f"{trip_id}:{a}"] for a in HAPPY_PATH] == [1] * len(HAPPY_PATH)
            state, version = conn.execute(
                select(t.trips.c.state, t.trips.c.version).where(t.trips.c.id == trip_id)
            ).one()
            events = conn.execute(
                select(t.trip_events.c.seq, t.trip_events.c.action, t.trip_events.c.to_state)
                .where(t.trip_events.c.trip_id == trip_id)
                .order_by(t.trip_events.c.seq)
            ).all()
            assert state == "crossed" and version == 8
            assert [e.seq for e in events] == list(range(1, 9))
            assert [e.action for e in events] == ["declare", "book", *HAPPY_PATH]
        # every trip's version equals its number of events: no half-written step anywhere
        mismatched = conn.execute(
            select(func.count())
            .select_from(t.trips)
            .where(
                t.trips.c.version
                != select(func.count()).where(t.trip_events.c.trip_id == t.trips.c.id).scalar_subquery()
            )
        ).scalar_one()
        assert mismatched == 0
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
