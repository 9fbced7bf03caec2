"""How fast the boards are: the gate dashboard, its change marker, the public wait board, and live latency.

Seeds a demo database (``--trips``, default 2,000 over the last 24 h), then measures on SQLite (and PostgreSQL with
``--postgres URL``):

* one gate dashboard snapshot (the busiest gate, Hữu Nghị), median and p95 of 50;
* the change marker a live feed polls, median and p95 of 200;
* the public wait board (every gate, both directions), median of 20;
* commit-to-patch latency of the live feed in one process: 50 trip steps, each timed from the commit of the step
  to the patch reaching a subscriber (the commit hook wakes the feed); and the same with the hook off (polling
  every 0.5 s), as a device listener in another process would see it.

Usage::

    .venv/bin/python benchmarks/web_boards.py [--trips 2000] [--postgres postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cuakhau.adapters.db.migrate import upgrade
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.adapters.web.live import apply
from cuakhau.adapters.web.pages import dashboard
from cuakhau.bootstrap import bootstrap
from cuakhau.config import Settings
from cuakhau.demo.seeding import seed_demo
from cuakhau.domain.trip import Actor, ActorRole, TripState
from cuakhau.services import boards, trips
from cuakhau.services.context import ServiceContext
from cuakhau.services.ports import TripFilter

GATE = "vn-huu-nghi"


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def p95(xs: list[float]) -> float:
    return sorted(xs)[int(0.95 * (len(xs) - 1))]


async def latency(ctx: ServiceContext, *, hook: bool, steps: int) -> list[float]:
    hub = dashboard.make_hub(ctx)
    factory = ctx.uow
    assert isinstance(factory, SqlUnitOfWorkFactory)
    factory.after_commit = hub.poke if hook else None
    feed = hub.subscribe(GATE)
    state = apply({}, await anext(feed))
    with ctx.uow() as uow:
        found, _ = uow.trips.find(TripFilter(gate_id=GATE, state=TripState.DECLARED), limit=steps, offset=0)
    out = []
    for summary in found[:steps]:
        await asyncio.to_thread(
            trips.transition_trip,
            ctx.uow(),
            clock=ctx.clock,
            trip_id=summary.trip.id,
            action="cancel",
            actor=Actor("bench", ActorRole.GATE_ADMIN),
            reason="benchmark",
        )
        committed = time.perf_counter()
        message = await asyncio.wait_for(anext(feed), timeout=5)
        out.append((time.perf_counter() - committed) * 1000)
        state = apply(state, message)
    await feed.aclose()  # type: ignore[attr-defined]
    factory.after_commit = None
    return out


def run(url: str, trips_n: int, fresh: bool) -> None:
    platform = bootstrap(Settings(database_url=url))
    ctx = platform.context
    if fresh:
        upgrade(platform.engine)
        t = time.perf_counter()
        seed_demo(ctx, trips=trips_n)
        print(f"seeded {trips_n} trips in {time.perf_counter() - t:.1f} s")
    snap = timed(lambda: dashboard.snapshot(ctx, GATE), 50)
    mark = timed(lambda: boards.change_marker(ctx.uow(read_only=True), GATE), 200)
    board = timed(lambda: boards.public_waits(ctx.uow(read_only=True), clock=ctx.clock), 20)
    print(f"dashboard snapshot   median {statistics.median(snap):7.1f} ms   p95 {p95(snap):7.1f} ms")
    print(f"change marker        median {statistics.median(mark):7.2f} ms   p95 {p95(mark):7.2f} ms")
    print(f"public wait board    median {statistics.median(board):7.1f} ms   (10 gates x 2 directions)")
    for hook in (True, False):
        lat = asyncio.run(latency(ctx, hook=hook, steps=25))
        how = "commit hook" if hook else "polling 0.5 s"
        figures = f"median {statistics.median(lat):6.1f} ms  p95 {p95(lat):6.1f} ms  max {max(lat):6.1f} ms"
        print(f"commit -> patch ({how:13}) {figures}")
    platform.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trips", type=int, default=2000)
    parser.add_argument("--postgres", help="also run on this (empty, throwaway) PostgreSQL database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"== SQLite, {args.trips} trips")
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.trips, fresh=True)
    if args.postgres:
        print(f"== PostgreSQL, {args.trips} trips")
        run(args.postgres, args.trips, fresh=True)


if __name__ == "__main__":
    main()
