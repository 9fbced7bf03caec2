"""The lease logic of the periodic jobs (adapters/periodic.py with the ``scheduled_jobs`` table), driven by a manual
clock: runners sharing one table run each job once per period, in one runner at a time; a runner that stops
renewing hands its jobs over when its lease expires, and not before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.jobs import SqlJobLeases
from cuakhau.adapters.periodic import PeriodicRunner
from cuakhau.domain.clock import ManualClock
from cuakhau.services.periodic import Job, JobContext

START = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)
LEASE = 10.0


@pytest.fixture
def leases(tmp_path: Path) -> SqlJobLeases:
    engine: Engine = create_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    t.scheduled_jobs.create(engine)
    return SqlJobLeases(engine)


class Counting:
    def __init__(self) -> None:
        self.ran: list[tuple[str, datetime]] = []

    def job(self, name: str, seconds: float, *, fail: bool = False) -> Job:
        def run(ctx: JobContext) -> int:
            self.ran.append((name, ctx.clock.now()))
            if fail:
                raise RuntimeError("database unreachable")
            return 1

        return Job(name, timedelta(seconds=seconds), run, name)


def _runner(clock: ManualClock, jobs: list[Job], leases: SqlJobLeases, owner: str) -> PeriodicRunner:
    ctx = JobContext(uow=None, clock=clock)  # type: ignore[arg-type]  # the jobs here use no database
    return PeriodicRunner(ctx, jobs, leases=leases, owner=owner, lease_seconds=LEASE)


def test_two_runners_on_one_table_run_each_job_once_per_period(leases: SqlJobLeases) -> None:
    clock, count = ManualClock(START), Counting()
    jobs = [count.job("fast", 2), count.job("slow", 30)]
    a, b = _runner(clock, jobs, leases, "a"), _runner(clock, jobs, leases, "b")
    for second in range(60):
        a.run_due()
        b.run_due()
        if second % 3 == 0:
            a.renew()
            b.renew()
        clock.advance(timedelta(seconds=1))
    fast = [at for name, at in count.ran if name == "fast"]
    assert len(fast) == 30 and len({at for at in fast}) == 30, "once per 2 s over 60 s, never twice at once"
    assert [at for name, at in count.ran if name == "slow"] == [START, START + timedelta(seconds=30)]
    assert a.runs == {"fast": 30, "slow": 2} and b.runs == {"fast": 0, "slow": 0}, "the first to claim keeps it"
    states = {s.name: s for s in leases.states()}
    assert states["fast"].owner == "a" and states["fast"].runs == 30 and states["fast"].failures == 0
    assert states["fast"].next_run_at == START + timedelta(seconds=60)
    assert states["fast"].last_started_at == START + timedelta(seconds=58)
    assert states["fast"].last_lag_ms == 0.0 and states["fast"].last_changed == 1
    assert states["fast"].last_duration_ms is not None and states["fast"].last_duration_ms >= 0


def test_a_runner_that_stops_renewing_hands_over_when_its_lease_expires_and_not_before(
    leases: SqlJobLeases,
) -> None:
    clock, count = ManualClock(START), Counting()
    jobs = [count.job("fast", 2)]
    a, b = _runner(clock, jobs, leases, "a"), _runner(clock, jobs, leases, "b")
    assert a.run_due() == {"fast": 1}
    assert b.run_due() == {}
    # `a` dies: no more runs, no more renewals. Its lease ran until START + 10 s.
    clock.advance(timedelta(seconds=9))
    assert b.run_due() == {}, "the job is overdue, but a's lease has not expired"
    clock.advance(timedelta(seconds=1, microseconds=1))
    assert b.run_due() == {"fast": 1}, "taken over once the lease expired"
    state = leases.states()[0]
    assert state.owner == "b" and state.runs == 2
    assert state.last_lag_ms == pytest.approx(8000.001), "due at +2 s, run at +10 s: the lag is recorded"
    # `a` comes back: it finds the job taken and does not run it
    clock.advance(timedelta(seconds=2))
    assert a.run_due() == {} and b.run_due() == {"fast": 1}


def test_renewal_keeps_the_lease_of_a_live_runner_past_the_lease_length(leases: SqlJobLeases) -> None:
    clock, count = ManualClock(START), Counting()
    a, b = _runner(clock, [count.job("slow", 60)], leases, "a"), _runner(clock, [count.job("slow", 60)], leases, "b")
    a.run_due()
    for _ in range(20):  # 60 s of heartbeats every 3 s
        clock.advance(timedelta(seconds=3))
        assert a.renew() == 1
        assert b.run_due() == {}
    assert a.run_due() == {"slow": 1} and [at for _, at in count.ran] == [START, START + timedelta(seconds=60)]


def test_a_clean_stop_releases_the_leases_at_once(leases: SqlJobLeases) -> None:
    clock, count = ManualClock(START), Counting()
    a, b = _runner(clock, [count.job("fast", 2)], leases, "a"), _runner(clock, [count.job("fast", 2)], leases, "b")
    a.run_due()
    assert a.release() == 1
    clock.advance(timedelta(seconds=2))
    assert b.run_due() == {"fast": 1}


def test_a_failing_job_counts_its_failures_and_keeps_its_schedule(leases: SqlJobLeases) -> None:
    clock, count = ManualClock(START), Counting()
    a = _runner(clock, [count.job("broken", 5, fail=True)], leases, "a")
    assert a.run_due() == {}
    clock.advance(timedelta(seconds=5))
    assert a.run_due() == {}
    state = leases.states()[0]
    assert (state.runs, state.failures, state.last_changed) == (2, 2, None)
    assert state.last_error == "RuntimeError: database unreachable"
    assert state.next_run_at == START + timedelta(seconds=10)


def test_a_run_whose_lease_was_taken_meanwhile_records_nothing(leases: SqlJobLeases) -> None:
    clock = ManualClock(START)
    leases.register("job", timedelta(seconds=2))
    assert leases.claim("job", "a", now=START, until=START + timedelta(seconds=10)) is not None
    later = START + timedelta(seconds=11)
    assert leases.claim("job", "b", now=later, until=later + timedelta(seconds=10)) is not None
    assert not leases.finish(
        "job",
        "a",
        started=START,
        finished=later,
        lag=None,
        next_run=START + timedelta(seconds=2),
        until=later + timedelta(seconds=10),
        changed=0,
        error=None,
    )
    assert leases.states()[0].runs == 0 and clock.now() == START


def test_the_lease_must_outlast_three_ticks() -> None:
    with pytest.raises(ValueError, match="lease_seconds"):
        PeriodicRunner(JobContext(uow=None, clock=ManualClock(START)), [], tick_seconds=5, lease_seconds=10)  # type: ignore[arg-type]
