"""Readiness checks (``GET /readyz``): the database answers, its schema is at the migrations' head, the MQTT
broker answers when devices are configured, and no periodic job of this process is past its lag bound.

Each check is a name and a function returning ``None`` (ok) or the reason it is not; a check that raises is
not ready with the exception's class as its reason (the details go to the log, not to the public answer).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, text

from cuakhau.adapters.db.migrate import current_revision, head_revision
from cuakhau.adapters.periodic import PeriodicRunner
from cuakhau.domain.clock import Clock
from cuakhau.services.ports.jobs import JobLeaseRepository

log = logging.getLogger("cuakhau.health")


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    probe: Callable[[], str | None]


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    reason: str | None = None


def run_checks(checks: Sequence[Check]) -> list[CheckResult]:
    results = []
    for check in checks:
        try:
            reason = check.probe()
        except Exception as exc:  # a probe that fails is a check not passed, never a 500
            log.warning("readiness check %s failed: %s", check.name, exc)
            reason = f"{check.name} unreachable ({type(exc).__name__})"
        results.append(CheckResult(check.name, reason is None, reason))
    return results


def database(engine: Engine) -> Check:
    def probe() -> str | None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None

    return Check("database", probe)


def migrations(engine: Engine) -> Check:
    def probe() -> str | None:
        current, head = current_revision(engine), head_revision()
        return None if current == head else f"schema at {current or 'no revision'}, migrations at {head}"

    return Check("migrations", probe)


def broker(host: str, port: int, *, timeout: float = 2.0) -> Check:
    """The MQTT broker accepts a TCP connection (a device listener could connect)."""

    def probe() -> str | None:
        with socket.create_connection((host, port), timeout=timeout):
            return None

    return Check("broker", probe)


def periodic(runner: PeriodicRunner, clock: Clock, *, periods: float = 3.0) -> Check:
    """No job of ``runner`` is behind by more than ``periods`` of its own period (lag = now - last run - period)."""

    def probe() -> str | None:
        if not runner.jobs:
            return None
        if not runner.running:
            return "the periodic runner is not running"
        now = clock.now()
        late = []
        lags = runner.lags(now)
        for job in runner.jobs:
            lag, bound = lags[job.name], job.period * periods
            if lag is not None and lag > bound:
                late.append(f"{job.name} {lag.total_seconds():.0f} s late (bound {bound.total_seconds():.0f} s)")
        return "; ".join(late) or None

    return Check("periodic", probe)


def leased_jobs(leases: JobLeaseRepository, clock: Clock, *, periods: float = 3.0) -> Check:
    """For a process that runs no job itself (``CUAKHAU_JOBS_IN_SERVER=false``: ``cuakhau worker`` processes run
    them): no job of the lease table, by whichever process ran it, is behind by more than ``periods`` of its period.
    A job that never ran is not judged (no worker has registered it yet)."""

    def probe() -> str | None:
        now = clock.now()
        late = []
        for state in leases.states():
            if state.last_started_at is None:
                continue
            lag, bound = now - state.last_started_at - state.period, state.period * periods
            if lag > bound:
                late.append(f"{state.name} {lag.total_seconds():.0f} s late (bound {bound.total_seconds():.0f} s)")
        return "; ".join(late) or None

    return Check("jobs", probe)
