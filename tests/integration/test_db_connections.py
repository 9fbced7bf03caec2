"""PostgreSQL connections: pools sized from the installation's budget, and PgBouncer in transaction mode.

The PgBouncer tests start a private ``pgbouncer`` (Debian package pgbouncer) on a free port of 127.0.0.1 in front
of the test database, with a temporary configuration; every wait is bounded.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy.exc
from pydantic import ValidationError
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.tables import metadata
from cuakhau.bootstrap import bootstrap
from cuakhau.config import Settings
from cuakhau.services.context import ServiceContext
from tests.conftest import DEMO_NOW, service_unavailable
from tests.fixtures.factories import World

PGBOUNCER = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/local/sbin")


# -- the budget --------------------------------------------------------------------------------------------------


def test_without_a_budget_the_pool_is_as_set() -> None:
    assert Settings().db_pool() == (20, 20)
    assert Settings(db_pool_size=5, db_max_overflow=1).db_pool() == (5, 1)


def test_a_budget_is_shared_equally_by_the_processes() -> None:
    # 90 connections for 3 processes: 30 each; the pool keeps what a process uses at once (8 request threads,
    # 1 booking thread, 2 background jobs), the rest is overflow.
    settings = Settings(db_connections_budget=90, db_processes=3)
    assert settings.db_pool() == (11, 19)
    assert sum(settings.db_pool()) * settings.db_processes <= 90
    # A small share is all pool: requests wait for a connection instead of opening one over the budget.
    assert Settings(db_connections_budget=10, db_processes=4).db_pool() == (2, 0)
    for budget, processes in ((100, 3), (97, 7), (40, 40), (1000, 1)):
        pool, overflow = Settings(db_connections_budget=budget, db_processes=processes).db_pool()
        assert pool >= 1 and overflow >= 0 and (pool + overflow) * processes <= budget


def test_a_budget_smaller_than_the_processes_is_refused() -> None:
    with pytest.raises(ValidationError, match="CUAKHAU_DB_PROCESSES=4"):
        Settings(db_connections_budget=3, db_processes=4)


def _backends(admin: Engine, database: str) -> int:
    with admin.connect() as conn:
        return int(
            conn.execute(text("select count(*) from pg_stat_activity where datname = :d"), {"d": database}).scalar_one()
        )


def _hold_all(engine: Engine, stack: ExitStack) -> int:
    """Check connections out of ``engine`` until its pool refuses one; they stay open until ``stack`` closes."""
    held = 0
    while held < 200:
        try:
            conn: Connection = stack.enter_context(engine.connect())
        except sqlalchemy.exc.TimeoutError:
            return held
        conn.execute(text("select 1"))
        held += 1
    raise AssertionError("the pool never refused a connection")


def test_three_processes_at_their_peak_stay_within_the_budget(postgres_url: str) -> None:
    """Three processes' pools, each drained to its limit, hold no more than the budget on the server (without a
    budget each would hold 40: 120, over PostgreSQL's default max_connections of 100)."""
    database = make_url(postgres_url).database
    assert database is not None
    admin = make_engine(postgres_url, pool_size=1, max_overflow=0)
    before = _backends(admin, database)
    settings = Settings(
        database_url=postgres_url, db_connections_budget=30, db_processes=3, db_pool_timeout_seconds=0.2
    )
    platforms = [bootstrap(settings) for _ in range(3)]
    try:
        with ExitStack() as stack:
            held = [_hold_all(p.engine, stack) for p in platforms]
            on_server = _backends(admin, database) - before
        assert held == [10, 10, 10]
        assert on_server == 30
    finally:
        for platform in platforms:
            platform.close()
        admin.dispose()


# -- PgBouncer ---------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Bouncer:
    """A private PgBouncer in transaction mode with two server connections, so that consecutive transactions of
    one client land on different server connections."""

    def __init__(self, directory: Path, target: str) -> None:
        assert PGBOUNCER is not None
        url = make_url(target)
        self.port = _free_port()
        self.user = url.username or "postgres"
        (directory / "users.txt").write_text(f'"{self.user}" ""\n')
        self.conf = directory / "pgbouncer.ini"
        self.conf.write_text(
            "[databases]\n"
            f"* = host={url.host or '127.0.0.1'} port={url.port or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {directory / 'users.txt'}\n"
            "pool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 50\n"
        )
        self.url = url.set(port=self.port, host="127.0.0.1").render_as_string(hide_password=False)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10) -> None:
        assert PGBOUNCER is not None
        command = [PGBOUNCER]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            command += ["-u", _unprivileged_user()]
        self.proc = subprocess.Popen([*command, str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise AssertionError(f"pgbouncer exited with {self.proc.returncode}: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"pgbouncer did not listen on {self.port} within {timeout} s") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc.stderr:
            self.proc.stderr.close()


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise AssertionError("no unprivileged user to run pgbouncer as")


@pytest.fixture
def bouncer(tmp_path: Path, postgres_url: str) -> Iterator[Bouncer]:
    if PGBOUNCER is None:
        service_unavailable("the pgbouncer binary is not installed (Debian package pgbouncer)")
    tmp_path.chmod(0o755)  # readable by the user PgBouncer runs as
    b = Bouncer(tmp_path, postgres_url)
    b.start()
    try:
        yield b
    finally:
        b.stop()


def _hammer(engine: Engine, *, threads: int = 4, rounds: int = 40) -> list[BaseException]:
    """The same parameterised queries, each in its own transaction, from several threads at once: psycopg
    prepares a query after 5 runs on one connection, and PgBouncer hands each transaction any server connection."""
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with engine.connect() as conn:
                for i in range(rounds):
                    with conn.begin():
                        got = conn.execute(
                            text("select cast(:a as int) + cast(:b as int)"), {"a": n, "b": i}
                        ).scalar_one()
                        assert got == n + i
                        conn.execute(text("select count(*) from pg_class where relpages >= :p"), {"p": i})
        except Exception as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    return errors


def test_behind_pgbouncer_prepared_statements_break_without_the_setting(bouncer: Bouncer) -> None:
    """The failure the setting prevents (psycopg's default prepare_threshold through transaction pooling)."""
    engine = make_engine(bouncer.url, pool_size=4, max_overflow=0)
    try:
        errors = _hammer(engine)
    finally:
        engine.dispose()
    assert errors, "expected psycopg's prepared statements to fail through PgBouncer in transaction mode"
    assert any("prepared statement" in str(e) for e in errors), [str(e)[:200] for e in errors]


def test_behind_pgbouncer_with_the_setting_queries_and_services_work(bouncer: Bouncer, postgres_url: str) -> None:
    from cuakhau.domain.clock import ManualClock

    settings = Settings(database_url=bouncer.url, db_pgbouncer=True, db_connections_budget=8, db_processes=1)
    platform = bootstrap(settings, clock=ManualClock(DEMO_NOW))
    try:
        assert _hammer(platform.engine) == []
        # The application itself through PgBouncer: declare and book trips while other transactions run.
        ctx: ServiceContext = platform.context
        world = World(ctx)
        background = threading.Thread(target=lambda: _hammer(platform.engine, threads=2, rounds=30))
        background.start()
        trips = [world.declare().id for _ in range(6)]
        booking = world.book(trips[0])
        background.join(60)
        assert len(set(trips)) == 6 and booking.trip_id == trips[0]
    finally:
        platform.close()
        cleanup = make_engine(postgres_url, pool_size=1, max_overflow=0)
        with cleanup.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
        cleanup.dispose()


def test_serve_refuses_more_workers_than_the_budget_counts(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from cuakhau.cli import app

    monkeypatch.setenv("CUAKHAU_DB_CONNECTIONS_BUDGET", "40")
    monkeypatch.setenv("CUAKHAU_DB_PROCESSES", "2")
    result = CliRunner().invoke(app, ["serve", "--database-url", sqlite_url, "--workers", "3"])
    assert result.exit_code == 2, result.output
    assert "CUAKHAU_DB_PROCESSES=2" in result.output
