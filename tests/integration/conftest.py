from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cuakhau.adapters.web.app import build_app
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World


@pytest.fixture
def world(ctx: ServiceContext) -> World:
    return World(ctx)


@pytest.fixture
def client(ctx: ServiceContext) -> Iterator[TestClient]:
    with TestClient(build_app(ctx), raise_server_exceptions=False) as c:
        yield c
