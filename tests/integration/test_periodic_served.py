"""The periodic rules run in a served app (single-process install): the app's background runner requeues a truck
late at its lane and purges expired sessions, driven by the app's clock, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.adapters.periodic import PeriodicRunner
from cuakhau.bootstrap import create_app
from cuakhau.config import Settings
from cuakhau.domain.accounts import Role
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.devices import Checkpoint
from cuakhau.domain.trip import TripState
from cuakhau.services import accounts, lanes, periodic, trips
from cuakhau.services.context import ServiceContext
from cuakhau.services.periodic import JobContext
from tests.fixtures.factories import World
from tests.integration.test_gate_ops import ADMIN, GATE, dispatched, plate_of, read, state


def _eventually(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout}s: {what}")


def _tokens(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.auth_tokens)).scalar_one())


def test_a_served_app_requeues_late_trucks_and_purges_expired_sessions(
    ctx: ServiceContext, world: World, engine: Engine, database_url: str
) -> None:
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    late = dispatched(world)
    clock.advance(timedelta(minutes=2))
    assert read(ctx, plate_of(ctx, late), Checkpoint.YARD_ENTRY).outcome == "applied"
    called = lanes.call_forward(ctx.uow(), clock=clock, gate_id=GATE, direction="export", actor=ADMIN)
    assert [c.trip_id for c in called.calls] == [late] and state(ctx, late) is TripState.CALLED
    accounts.create_account(
        ctx.uow(),
        username="hoang.hau",
        password="vải thiều Lục Ngạn 2026",
        role=Role.EXPORTER,
        enterprise_id=world.exporter.id,
        clock=clock,
    )
    accounts.login(ctx.uow(), "hoang.hau", "vải thiều Lục Ngạn 2026", clock=clock)
    assert _tokens(engine) == 1

    settings = Settings(database_url=database_url, periodic_tick_seconds=0.05, notify_in_server=False)
    with TestClient(create_app(settings, clock=clock)) as served:
        assert served.get("/healthz").status_code == 200
        time.sleep(0.3)  # the runner's first round: nothing is late yet, the session is still valid
        assert state(ctx, late) is TripState.CALLED and _tokens(engine) == 1
        clock.advance(timedelta(minutes=21))  # the truck never reached its lane: past the 20-minute call
        _eventually(lambda: state(ctx, late) is TripState.ARRIVED, "the late truck requeued")
        assert _tokens(engine) == 1
        clock.advance(accounts.SESSION_TTL)  # the session expired; the hourly purge is due again
        _eventually(lambda: _tokens(engine) == 0, "the expired session purged")
    requeue = trips.timeline(ctx.uow(), late)[1][-1]
    assert requeue.action.value == "requeue" and "not at lane" in (requeue.reason or "")


def test_the_runners_jobs_commit_only_when_they_changed_something(
    ctx: ServiceContext, world: World, engine: Engine
) -> None:
    """Run every half minute in each process, a round with nothing to do writes nothing (no commit)."""
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    factory = SqlUnitOfWorkFactory(engine, ctx.nomenclature)
    commits: list[str] = []
    factory.after_commit = lambda: commits.append("commit")
    runner = PeriodicRunner(JobContext(factory, clock), periodic.jobs_served_by(None))
    assert runner.run_due() == {"lane_requeue": 0, "token_purge": 0, "holiday_closures": 0}
    assert commits == []
    accounts.create_account(
        ctx.uow(),
        username="hoang.hau",
        password="vải thiều Lục Ngạn 2026",
        role=Role.EXPORTER,
        enterprise_id=world.exporter.id,
        clock=clock,
    )
    accounts.login(ctx.uow(), "hoang.hau", "vải thiều Lục Ngạn 2026", clock=clock)
    clock.advance(accounts.SESSION_TTL + timedelta(hours=1))
    assert runner.run_due() == {"lane_requeue": 0, "token_purge": 1}  # the daily job is not due again
    assert commits == ["commit"]
