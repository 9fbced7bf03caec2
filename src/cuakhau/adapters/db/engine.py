"""Engines for the two supported databases, each set up for safe concurrent writers.

SQLite: WAL journal, a busy timeout, foreign keys on, and write transactions opened with ``BEGIN IMMEDIATE``
so two processes queue for the write lock instead of failing half-way through a read-modify-write.
One pooled connection per process: measured here, more connections only add lock retries.
PostgreSQL: psycopg 3, pre-ping; concurrent writers are handled by row versions in the repositories. Behind
PgBouncer in transaction mode (``pgbouncer=True``) psycopg prepares no statements: a statement prepared on one
server connection would be missing on the next transaction's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as well and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 20,
    max_overflow: int = 20,
    pool_timeout: float | None = None,
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    pgbouncer: bool = False,
) -> Engine:
    """``pool_timeout``: seconds a request waits for a pooled connection before ``sqlalchemy.exc.TimeoutError``
    (answered 503 ``service.busy``); default 60 for SQLite's one connection, SQLAlchemy's 30 for PostgreSQL.
    ``sqlite_busy_timeout_ms``: how long SQLite waits for another process's write lock ("database is locked")."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,  # an error's text never carries a statement's values (docs/operations.md)
            pool_size=1,
            max_overflow=0,
            pool_timeout=60 if pool_timeout is None else pool_timeout,
            connect_args={"check_same_thread": False, "timeout": sqlite_busy_timeout_ms / 1000},
        )
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
        return engine
    return create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=30 if pool_timeout is None else pool_timeout,
        # psycopg 3 prepares a query server-side after 5 runs (prepare_threshold); None: never.
        connect_args={"prepare_threshold": None} if pgbouncer else {},
    )


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")
