"""The periodic table (services/periodic.py) and the runner of a server process (adapters/periodic.py)."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cuakhau.adapters import logs
from cuakhau.adapters.periodic import PeriodicRunner
from cuakhau.domain.clock import ManualClock
from cuakhau.services import periodic
from cuakhau.services.periodic import JOBS, Job, JobContext

START = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


def _context(clock: ManualClock, **adapters: Any) -> JobContext:
    return JobContext(uow=None, clock=clock, **adapters)  # type: ignore[arg-type]  # the jobs here use no database


def test_the_table_holds_every_periodic_rule_with_its_cadence_and_its_worker() -> None:
    table = {job.name: job for job in JOBS}
    assert {name: (job.period, job.served_by, job.needs) for name, job in table.items()} == {
        "notifications": (timedelta(seconds=2), "notify", ("notifier",)),
        "no_shows": (timedelta(seconds=2), "notify", ()),
        "lane_requeue": (timedelta(seconds=30), None, ()),
        "token_purge": (timedelta(hours=1), None, ()),
        "holiday_closures": (timedelta(days=1), None, ()),
        "exchange_links": (timedelta(seconds=30), "exchange", ("identity",)),
        "hotline_escalation": (timedelta(seconds=30), "exchange", ()),
        "public_board": (timedelta(seconds=10), "web", ("board",)),
    }
    assert len(table) == len(JOBS) and all(job.summary for job in JOBS)
    # the runner of a server process takes the two rules no other worker runs
    assert [job.name for job in periodic.jobs_served_by(None)] == ["lane_requeue", "token_purge", "holiday_closures"]
    assert [job.name for job in JOBS if job.per_process] == ["public_board"]
    assert table["lane_requeue"].run.__name__ == "_lane_requeue"


def test_the_runner_runs_a_due_job_once_per_period() -> None:
    clock = ManualClock(START)
    ran: list[tuple[str, datetime]] = []

    def job(name: str, minutes: int) -> Job:
        def run(ctx: JobContext) -> int:
            ran.append((name, ctx.clock.now()))
            return 1

        return Job(name, timedelta(minutes=minutes), run, name)

    runner = PeriodicRunner(_context(clock), [job("fast", 1), job("slow", 60)])
    assert runner.run_due() == {"fast": 1, "slow": 1}  # the first round runs every job at once
    assert runner.run_due() == {}  # nothing is due again before its period
    clock.advance(timedelta(seconds=59))
    assert runner.run_due() == {}
    clock.advance(timedelta(seconds=1))
    assert runner.run_due() == {"fast": 1}
    clock.advance(timedelta(minutes=59))
    assert runner.run_due() == {"fast": 1, "slow": 1}
    assert runner.runs == {"fast": 3, "slow": 2}
    assert runner.next_run("slow") == START + timedelta(hours=2)
    assert [name for name, _ in ran] == ["fast", "slow", "fast", "fast", "slow"]


def test_a_failing_job_is_logged_tried_a_period_later_and_never_stops_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(START)
    calls = {"broken": 0, "fine": 0}

    def broken(ctx: JobContext) -> int:
        calls["broken"] += 1
        raise RuntimeError("database unreachable")

    def fine(ctx: JobContext) -> int:
        calls["fine"] += 1
        return 0

    runner = PeriodicRunner(
        _context(clock), [Job("broken", timedelta(minutes=5), broken, ""), Job("fine", timedelta(minutes=5), fine, "")]
    )
    with caplog.at_level(logging.ERROR, logger="cuakhau.periodic"):
        assert runner.run_due() == {"fine": 0}
    assert "periodic job broken failed" in caplog.text
    assert runner.run_due() == {} and calls == {"broken": 1, "fine": 1}
    clock.advance(timedelta(minutes=5))
    runner.run_due()
    assert calls == {"broken": 2, "fine": 2} and runner.failures == {"broken": 2, "fine": 0}


def test_a_job_without_what_it_needs_is_refused_when_the_runner_is_built() -> None:
    with pytest.raises(ValueError, match="notifications"):
        PeriodicRunner(_context(ManualClock(START)), [periodic.NOTIFICATIONS])
    with pytest.raises(ValueError, match="tick_seconds"):
        PeriodicRunner(_context(ManualClock(START)), [], tick_seconds=0)


def test_each_run_of_a_job_logs_with_the_job_name_and_its_own_run_id() -> None:
    """docs/operations.md, "Logs": a job's lines carry ``job`` and a ``run_id`` new for every run."""
    clock = ManualClock(START)

    def broken(ctx: JobContext) -> int:
        logging.getLogger("cuakhau.periodic").warning("about to fail")
        raise RuntimeError("database unreachable")

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("cuakhau.periodic")
    logger.addHandler(handler)
    try:
        runner = PeriodicRunner(_context(clock), [Job("broken", timedelta(minutes=5), broken, "")])
        runner.run_due()
        clock.advance(timedelta(minutes=5))
        runner.run_due()
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 4 and {line["job"] for line in lines} == {"broken"}
    first, second = {line["run_id"] for line in lines[:2]}, {line["run_id"] for line in lines[2:]}
    assert len(first) == len(second) == 1 and first != second
    assert "database unreachable" in lines[1]["exc"]
