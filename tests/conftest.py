"""Shared fixtures. Integration tests run on both SQLite and a real PostgreSQL.

PostgreSQL is looked for at ``CUAKHAU_TEST_POSTGRES_URL`` (default: the project machines' server at
127.0.0.1:5432, trust auth, database ``test``). Each test session creates its own database there and drops it
afterwards. Redis (the shared rate limits) at ``CUAKHAU_TEST_REDIS_URL`` (default 127.0.0.1:6379): each test
gets its own key prefix, whose keys are deleted afterwards. Where no server answers those tests are skipped with
the reason, unless ``CUAKHAU_REQUIRE_SERVICES=1`` (set by CI), which turns that skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from cuakhau.adapters.db.engine import make_engine, normalise_url
from cuakhau.adapters.db.migrate import upgrade
from cuakhau.adapters.db.tables import metadata
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.hs import HsNomenclature
from cuakhau.services.context import ServiceContext

POSTGRES_URL = os.environ.get("CUAKHAU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CUAKHAU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_SERVICES = os.environ.get("CUAKHAU_REQUIRE_SERVICES") == "1"

#: A Tuesday morning in the lychee season, 08:00 in Lạng Sơn.
DEMO_NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


def service_unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (CUAKHAU_REQUIRE_SERVICES=1 forbids skipping)", pytrace=False)
    pytest.skip(reason)


def _postgres_admin() -> Engine | None:
    engine = create_engine(
        normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception:
        engine.dispose()
        return None
    return engine


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    admin = _postgres_admin()
    if admin is None:
        service_unavailable(f"no PostgreSQL answers at {make_url(normalise_url(POSTGRES_URL)).render_as_string()}")
    assert admin is not None
    name = f"cuakhau_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    url = make_url(normalise_url(POSTGRES_URL)).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "cuakhau-test.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest) -> str:
    """Every integration test runs once per backend."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture(scope="session")
def session_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(session_engine: Engine) -> Iterator[Engine]:
    """The session's engine, emptied after each test (the schema stays, built by the real migrations)."""
    yield session_engine
    with session_engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(scope="session")
def nomenclature() -> HsNomenclature:
    return HsNomenclature.load_default()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DEMO_NOW)


@pytest.fixture
def ctx(engine: Engine, nomenclature: HsNomenclature, clock: ManualClock) -> ServiceContext:
    return ServiceContext(uow=SqlUnitOfWorkFactory(engine, nomenclature), clock=clock, nomenclature=nomenclature)


@dataclass(frozen=True)
class RedisSpace:
    """A Redis URL and a key prefix of this test's own (``CUAKHAU_REDIS_URL``, ``CUAKHAU_REDIS_KEY_PREFIX``)."""

    url: str
    prefix: str

    def stored_keys(self) -> list[str]:
        client = redis.Redis.from_url(self.url, socket_timeout=3)
        try:
            return sorted(k.decode() for k in client.scan_iter(match=f"{self.prefix}:*"))
        finally:
            client.close()


@pytest.fixture
def redis_space() -> Iterator[RedisSpace]:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=3, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        service_unavailable(f"no Redis answers at {REDIS_URL} ({exc})")
    space = RedisSpace(REDIS_URL, f"cuakhau-test-{uuid.uuid4().hex[:12]}")
    try:
        yield space
    finally:
        for key in client.scan_iter(match=f"{space.prefix}:*"):
            client.delete(key)
        client.close()
