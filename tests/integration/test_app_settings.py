"""Settings that shape a server process: its thread pool and its database pool come from ``CUAKHAU_*``."""

from __future__ import annotations

import anyio.to_thread
from fastapi.testclient import TestClient

from cuakhau.bootstrap import create_app
from cuakhau.config import Settings


def test_the_process_runs_as_many_handlers_at_once_as_configured(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url, notify_in_server=False, worker_threads=3)
    app = create_app(settings)
    with TestClient(app) as client:

        def tokens() -> float:
            return anyio.to_thread.current_default_thread_limiter().total_tokens

        assert client.portal.call(tokens) == 3  # type: ignore[union-attr]
        assert client.get("/healthz").status_code == 200
    assert Settings().worker_threads == 8  # the default: a few per core, not FastAPI's 40


def test_postgresql_pools_as_many_connections_as_configured() -> None:
    from cuakhau.bootstrap import bootstrap

    platform = bootstrap(Settings(database_url="postgresql://u@127.0.0.1:9/none", db_pool_size=7, db_max_overflow=3))
    try:
        pool = platform.engine.pool
        assert (pool.size(), pool._max_overflow) == (7, 3)  # type: ignore[attr-defined]
    finally:
        platform.close()
