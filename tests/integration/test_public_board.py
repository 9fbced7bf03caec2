"""The public wait board is a read model of the server process (services/boards.py ``PublicBoard``): the
``public_board`` job computes it, requests are served the last board with its age, and while it is stale exactly
one request recomputes it as every other one is answered at once with the previous board (it used to recompute
under a process-wide lock, so under load every request recomputed while the others queued)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.domain.clock import ManualClock
from cuakhau.domain.devices import Checkpoint
from cuakhau.services import boards, periodic
from cuakhau.services.context import ServiceContext
from cuakhau.services.periodic import JobContext
from tests.fixtures.factories import World
from tests.integration.test_gate_ops import GATE, dispatched, plate_of, read

READERS = 8


class Counted:
    """``boards.public_waits`` counted; once ``hold`` is cleared, a computation waits for it (a slow board)."""

    def __init__(self) -> None:
        self.calls = 0
        self.entered = threading.Event()
        self.hold = threading.Event()
        self.hold.set()
        self._real = boards.public_waits

    def __call__(self, *args: Any, **kwargs: Any) -> list[boards.GateWaits]:
        self.calls += 1
        self.entered.set()
        assert self.hold.wait(20)
        return self._real(*args, **kwargs)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counted:
    counter = Counted()
    monkeypatch.setattr(boards, "public_waits", counter)
    return counter


def waiting(body: dict[str, Any]) -> int:
    gate = next(g for g in body["gates"] if g["id"] == GATE)
    return int(next(d for d in gate["directions"] if d["direction"] == "export")["trucks_waiting"])


def test_while_stale_one_request_recomputes_and_the_others_get_the_last_board_at_once(
    ctx: ServiceContext, world: World, anon: TestClient, counted: Counted
) -> None:
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    first = anon.get("/api/v1/public/waits").json()
    assert counted.calls == 1 and first["age_seconds"] == 0
    clock.advance(timedelta(seconds=20))  # stale now (no job runs in this app)
    counted.entered.clear()
    counted.hold.clear()  # the next computation is slow
    try:
        with ThreadPoolExecutor(READERS) as pool:
            recomputing = pool.submit(anon.get, "/api/v1/public/waits")
            assert counted.entered.wait(10)
            others = [pool.submit(anon.get, "/api/v1/public/waits") for _ in range(READERS - 1)]
            served = [f.result(timeout=10).json() for f in others]  # answered while the computation runs
            assert counted.calls == 2
            assert {(b["computed_at"], b["age_seconds"]) for b in served} == {(first["computed_at"], 20)}
            counted.hold.set()
            fresh = recomputing.result(timeout=10).json()
    finally:
        counted.hold.set()  # never leave a request hanging, even when an assertion failed
    assert fresh["age_seconds"] == 0 and fresh["computed_at"] != first["computed_at"]
    assert counted.calls == 2  # N concurrent stale requests: one recomputation
    page = anon.get("/waits?lang=vi")
    assert page.status_code == 200 and counted.calls == 2  # the page reads the same board


def test_the_job_refreshes_the_board_and_requests_compute_nothing(
    ctx: ServiceContext, world: World, app: FastAPI, anon: TestClient, counted: Counted
) -> None:
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    board = app.state.public_board = boards.PublicBoard(ctx.uow, clock)
    job = JobContext(ctx.uow, clock, board=board)
    assert periodic.PUBLIC_BOARD.runnable(job) and not periodic.PUBLIC_BOARD.runnable(JobContext(ctx.uow, clock))
    ran = clock.now()
    assert periodic.PUBLIC_BOARD.run(job) == 0 and counted.calls == 1  # the job computes; nothing is written
    before = anon.get("/api/v1/public/waits").json()
    read(ctx, plate_of(ctx, dispatched(world)), Checkpoint.YARD_ENTRY)  # a truck arrives
    clock.advance(ran + timedelta(seconds=7) - clock.now())  # the arrival itself took the clock on a little
    body = anon.get(f"/api/v1/public/waits?gate_id={GATE}").json()
    assert counted.calls == 1  # requests read the board: nothing computed per request
    assert body["age_seconds"] == 7 and body["computed_at"] == before["computed_at"] and waiting(body) == 0
    assert anon.get("/api/v1/public/waits").headers["cache-control"] == "public, max-age=8"
    clock.advance(timedelta(seconds=3))  # the job's next run, 10 s after the last
    periodic.PUBLIC_BOARD.run(job)
    body = anon.get(f"/api/v1/public/waits?gate_id={GATE}").json()
    assert counted.calls == 2 and body["age_seconds"] == 0 and waiting(body) == 1
    assert set(body) == {"computed_at", "age_seconds", "method", "gates"}  # the feed's shape is unchanged
