"""``/healthz`` answers while the process lives, whatever the database does; ``/readyz`` answers 200 with each
check when the database answers, its schema is at head, the MQTT broker answers (when devices are configured)
and no periodic job is past its lag bound, and 503 ``service.not_ready`` naming each failing check otherwise,
on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from cuakhau.adapters import health
from cuakhau.adapters.db.migrate import head_revision
from cuakhau.adapters.periodic import PeriodicRunner
from cuakhau.adapters.web.app import build_app
from cuakhau.bootstrap import create_app
from cuakhau.config import Settings
from cuakhau.domain.clock import ManualClock
from cuakhau.services.context import ServiceContext
from cuakhau.services.periodic import Job, JobContext
from tests.integration.test_mqtt_listener import Broker, broker  # noqa: F401 (the fixture)

ERROR_KEYS = {"code", "message", "field", "params", "details"}


def _settings(database_url: str, **extra: Any) -> Settings:
    return Settings(database_url=database_url, notify_in_server=False, periodic_tick_seconds=0.05, **extra)


def _checks(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in body["checks"]}


def _not_ready(r: Any, *failing: str) -> dict[str, dict[str, Any]]:
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"] == "5"
    error = r.json()["error"]
    assert set(error) == ERROR_KEYS and error["code"] == "service.not_ready"
    assert error["params"]["failing"] == ", ".join(failing)
    for name in failing:
        assert name in error["message"]
    checks = {c["name"]: c for c in error["details"]}
    assert sorted(n for n, c in checks.items() if not c["ok"]) == sorted(failing)
    assert all(checks[n]["reason"] for n in failing)
    return checks


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_ready_lists_each_check(database_url: str, engine: Engine, clock: ManualClock) -> None:
    with TestClient(create_app(_settings(database_url), clock=clock)) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        r = client.get("/readyz")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "ready"
        assert _checks(body) == {
            "database": {"name": "database", "ok": True, "reason": None},
            "migrations": {"name": "migrations", "ok": True, "reason": None},
            "periodic": {"name": "periodic", "ok": True, "reason": None},
        }


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_database_unreachable_is_not_ready_but_alive(backend: str, tmp_path: Path, clock: ManualClock) -> None:
    # SQLite cannot open a directory as its file; nothing listens on port 9 for PostgreSQL.
    url = f"sqlite:///{tmp_path}" if backend == "sqlite" else "postgresql://cuakhau@127.0.0.1:9/none"
    # jobs in `cuakhau worker` processes: their lag is read from the lease table, unreachable too
    settings = Settings(database_url=url, notify_in_server=False, jobs_in_server=False, booking_batch=False)
    with TestClient(create_app(settings, clock=clock), raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200  # the process answers
        checks = _not_ready(client.get("/readyz", headers={"Accept-Language": "vi"}), "database", "migrations", "jobs")
        assert checks["database"]["reason"] == "database unreachable (OperationalError)"


@pytest.fixture
def one_revision_behind(engine: Engine) -> Iterator[str]:
    """The database's schema stamped one migration before head (put back afterwards)."""
    from alembic.script import ScriptDirectory

    from cuakhau.adapters.db.migrate import alembic_config

    head = head_revision()
    assert head is not None
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head).down_revision
    assert isinstance(previous, str)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
    try:
        yield previous
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})


def test_migrations_not_at_head_is_not_ready(database_url: str, one_revision_behind: str, clock: ManualClock) -> None:
    with TestClient(create_app(_settings(database_url), clock=clock)) as client:
        checks = _not_ready(client.get("/readyz"), "migrations")
        assert one_revision_behind in checks["migrations"]["reason"]
        assert str(head_revision()) in checks["migrations"]["reason"]


def test_a_job_past_its_lag_bound_is_not_ready(ctx: ServiceContext, clock: ManualClock) -> None:
    """A job stuck in its run (its thread blocked): its lag grows with the clock until it passes 3 periods."""
    release, started = threading.Event(), threading.Event()

    def stuck(_ctx: JobContext) -> int:
        started.set()
        release.wait(10)
        return 0

    job = Job("stuck", timedelta(seconds=30), stuck, "blocks until released")
    runner = PeriodicRunner(JobContext(ctx.uow, clock), [job], tick_seconds=0.02)
    app = build_app(ctx, background=[runner], readiness=[health.periodic(runner, clock)])
    with TestClient(app) as client:
        assert started.wait(5)
        clock.advance(timedelta(seconds=120))  # lag 90 s: at the bound (3 x 30 s), not past it
        assert client.get("/readyz").status_code == 200
        clock.advance(timedelta(seconds=1))
        checks = _not_ready(client.get("/readyz"), "periodic")
        assert checks["periodic"]["reason"] == "stuck 91 s late (bound 90 s)"
        release.set()  # the job finishes; the runner runs it again at once (it is due): on time again
        deadline = time.monotonic() + 5
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the job never caught up"
            time.sleep(0.02)


def test_broker_down_when_devices_are_configured_is_not_ready(
    database_url: str, engine: Engine, clock: ManualClock
) -> None:
    settings = _settings(database_url, mqtt_host="127.0.0.1", mqtt_port=_closed_port())
    with TestClient(create_app(settings, clock=clock)) as client:
        checks = _not_ready(client.get("/readyz"), "broker")
        assert checks["broker"]["reason"] == "broker unreachable (ConnectionRefusedError)"


def test_the_broker_going_down_and_up_is_followed(
    database_url: str,
    engine: Engine,
    clock: ManualClock,
    broker: Broker,  # noqa: F811 (the fixture imported)
) -> None:
    """A broker of the test's own (not the machine's): ready, stopped -> not ready naming it, back -> ready."""
    settings = _settings(database_url, mqtt_host="127.0.0.1", mqtt_port=broker.port)
    with TestClient(create_app(settings, clock=clock)) as client:
        r = client.get("/readyz")
        assert r.status_code == 200, r.text
        assert _checks(r.json())["broker"] == {"name": "broker", "ok": True, "reason": None}
        broker.stop()
        _not_ready(client.get("/readyz"), "broker")
        broker.start()
        assert client.get("/readyz").status_code == 200
