"""A request that cannot get the database in time answers 503 ``service.busy`` with Retry-After, never 500:
no pooled connection free within the pool timeout (both backends), and SQLite locked by another process's
writer past the busy timeout."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.migrate import upgrade
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.adapters.web.app import build_app
from cuakhau.domain.accounts import Role
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.hs import HsNomenclature
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import bearer, token_for

API = "/api/v1"
MESSAGES = {"vi": "quá tải", "zh": "系统繁忙", "en": "service is busy"}


def _context(engine: Engine, ctx: ServiceContext) -> ServiceContext:
    return ServiceContext(
        uow=SqlUnitOfWorkFactory(engine, ctx.nomenclature), clock=ctx.clock, nomenclature=ctx.nomenclature
    )


@pytest.fixture
def small_pool(database_url: str, engine: Engine) -> Iterator[Engine]:
    """One connection, and a short wait for it."""
    small = make_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.3)
    yield small
    small.dispose()


@pytest.mark.parametrize("language", ["vi", "zh", "en"])
def test_no_pooled_connection_free_in_time_is_503_busy_with_retry_after(
    small_pool: Engine, ctx: ServiceContext, language: str
) -> None:
    app = build_app(_context(small_pool, ctx))
    with TestClient(app, raise_server_exceptions=False) as client, small_pool.connect():  # the one connection, held
        r = client.get(f"{API}/gates", headers={"Accept-Language": language})
        assert r.status_code == 503, (r.status_code, r.text)
        assert r.headers["Retry-After"] == "2"
        error = r.json()["error"]
        assert error["code"] == "service.busy"
        assert MESSAGES[language] in error["message"] and "2" in error["message"]
        assert client.get("/healthz").status_code == 200  # liveness does not wait for the database
    with TestClient(app, raise_server_exceptions=False) as client:  # released: served again
        assert client.get(f"{API}/gates").status_code == 200


def test_sqlite_locked_by_another_writer_is_503_busy(
    tmp_path: Path, nomenclature: HsNomenclature, clock: ManualClock
) -> None:
    path = tmp_path / "locked.db"
    impatient = make_engine(f"sqlite:///{path}", sqlite_busy_timeout_ms=200)
    upgrade(impatient)
    here = ServiceContext(uow=SqlUnitOfWorkFactory(impatient, nomenclature), clock=clock, nomenclature=nomenclature)
    token = token_for(here, Role.SYSTEM_ADMIN)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        with TestClient(build_app(here), raise_server_exceptions=False, headers=bearer(token)) as client:
            assert client.get(f"{API}/auth/me").status_code == 200  # the token resolves (a read)
            other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            r = client.post(f"{API}/auth/logout", headers={"Accept-Language": "zh"})
            other.execute("ROLLBACK")
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"] == "2"
        assert r.json()["error"]["code"] == "service.busy" and MESSAGES["zh"] in r.json()["error"]["message"]
    finally:
        other.close()
        impatient.dispose()
