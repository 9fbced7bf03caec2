from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.adapters.metrics import Metrics
from cuakhau.adapters.web.app import build_app
from cuakhau.adapters.web.batching import BookingBatcher
from cuakhau.domain.accounts import Role
from cuakhau.services import equeue, ops_metrics
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import bearer, token_for
from tests.fixtures.factories import World

#: ``as_role(role, enterprise_id=..., gates=[...], driver_id=...)`` -> a client authenticated as that account.
RoleClient = Callable[..., TestClient]


@pytest.fixture
def world(ctx: ServiceContext) -> World:
    return World(ctx)


@pytest.fixture
def app(ctx: ServiceContext) -> Iterator[FastAPI]:
    """The API as served: bookings go through the booking batcher (adapters/web/batching.py); requests are timed
    and ``/metrics`` answers the loopback only (adapters/web/metrics.py)."""
    booker = BookingBatcher(lambda requests: equeue.book(ctx.uow(), clock=ctx.clock, request=requests))
    metrics = Metrics(snapshot=lambda: ops_metrics.snapshot(ctx.uow(read_only=True)))
    yield build_app(ctx, booker=booker, metrics=metrics)
    booker.stop()


@pytest.fixture
def anon(app: FastAPI) -> Iterator[TestClient]:
    """The public: no token."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def client(ctx: ServiceContext, app: FastAPI) -> Iterator[TestClient]:
    """A ``system_admin`` integration client: may do everything and may name the actor in a body."""
    token = token_for(ctx, Role.SYSTEM_ADMIN)
    with TestClient(app, raise_server_exceptions=False, headers=bearer(token)) as c:
        yield c


@pytest.fixture
def as_role(ctx: ServiceContext, app: FastAPI) -> RoleClient:
    def make(role: Role | str, **binding: object) -> TestClient:
        token = token_for(ctx, role, **binding)  # type: ignore[arg-type]
        return TestClient(app, raise_server_exceptions=False, headers=bearer(token))

    return make
