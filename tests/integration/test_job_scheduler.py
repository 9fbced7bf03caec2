"""The periodic jobs under leases on a real database (SQLite and PostgreSQL): two runners with their threads and
the system clock run each job once per period between them; one that dies (stops renewing, keeps its lease) is
replaced within the lease; the no-show rule writes nothing when nothing changed."""

from __future__ import annotations

import itertools
import json
import threading
import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from typer.testing import CliRunner

from cuakhau.adapters.clock import SystemClock
from cuakhau.adapters.db.jobs import SqlJobLeases
from cuakhau.adapters.periodic import PeriodicRunner
from cuakhau.bootstrap import create_app, server_jobs
from cuakhau.cli import app
from cuakhau.config import Settings
from cuakhau.services import periodic
from cuakhau.services.context import ServiceContext
from cuakhau.services.periodic import Job, JobContext

PERIOD = 0.4
TICK = 0.05
LEASE = 1.0


class Recorder:
    def __init__(self) -> None:
        self.runs: list[tuple[str, float, float]] = []  # (runner, start, end)
        self._lock = threading.Lock()

    def job(self, runner: str) -> Job:
        def run(ctx: JobContext) -> int:
            began = time.monotonic()
            time.sleep(0.01)
            with self._lock:
                self.runs.append((runner, began, time.monotonic()))
            return 0

        return Job("probe", timedelta(seconds=PERIOD), run, "counts its runs")


def _runner(ctx: ServiceContext, engine: Engine, job: Job, owner: str) -> PeriodicRunner:
    return PeriodicRunner(
        JobContext(ctx.uow, SystemClock()),
        [job],
        tick_seconds=TICK,
        leases=SqlJobLeases(engine),
        owner=owner,
        lease_seconds=LEASE,
    )


def test_two_runners_on_one_database_run_a_job_once_per_period(ctx: ServiceContext, engine: Engine) -> None:
    rec = Recorder()
    a, b = _runner(ctx, engine, rec.job("a"), "a"), _runner(ctx, engine, rec.job("b"), "b")
    a.start()
    b.start()
    began = time.monotonic()
    time.sleep(4.0)
    a.stop()
    b.stop()
    elapsed = time.monotonic() - began
    runs = sorted(rec.runs, key=lambda r: r[1])
    # once per period: 4 s / 0.4 s = 10 runs, give or take the tick; every process running it would make ~20
    assert elapsed / PERIOD - 2 <= len(runs) <= elapsed / PERIOD + 1, runs
    assert all(nxt[1] >= prev[2] for prev, nxt in itertools.pairwise(runs)), "never two at once"
    first = runs[0][1]
    early = [i for i, run in enumerate(runs) if run[1] < first + i * PERIOD - 0.05]
    assert not early, f"the n-th run starts no sooner than n periods after the first: {early}"
    state = SqlJobLeases(engine).states()[0]
    assert state.runs == len(runs) and state.owner is None, "a clean stop releases the lease"


def test_a_runner_that_dies_is_replaced_within_the_lease(ctx: ServiceContext, engine: Engine) -> None:
    rec = Recorder()
    a = _runner(ctx, engine, rec.job("a"), "a")
    a.start()
    deadline = time.monotonic() + 10
    while not rec.runs and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rec.runs, "the first runner ran the job"
    b = _runner(ctx, engine, rec.job("b"), "b")
    b.start()
    time.sleep(1.0)
    assert {r[0] for r in rec.runs} == {"a"}, "the live holder keeps its job"
    a.stop(release=False)  # dies: no more runs, no more renewals, the lease left in the table
    died = time.monotonic()
    deadline = died + 10
    while not any(r[0] == "b" for r in rec.runs) and time.monotonic() < deadline:
        time.sleep(0.01)
    b.stop()
    taken = [r[1] for r in rec.runs if r[0] == "b"]
    assert taken, "the other runner took the job over"
    assert taken[0] - died <= LEASE + 2 * TICK + 0.5, f"handed over after {taken[0] - died:.2f} s"


def test_the_no_show_rule_writes_nothing_when_nothing_changed(ctx: ServiceContext, engine: Engine) -> None:
    commits: list[object] = []

    def committed(conn: object) -> None:
        commits.append(conn)

    event.listen(engine, "commit", committed)
    try:
        assert periodic.NO_SHOWS.run(JobContext(ctx.uow, ctx.clock)) == 0
        assert periodic.HOTLINE_ESCALATION.run(JobContext(ctx.uow, ctx.clock)) == 0
    finally:
        event.remove(engine, "commit", committed)
    assert commits == [], "an idle round must not commit (two processes would roll each other back)"


def test_a_served_app_runs_the_periodic_jobs_under_leases_and_cuakhau_jobs_lists_them(
    engine: Engine, database_url: str
) -> None:
    settings = Settings(database_url=database_url, periodic_tick_seconds=0.05)
    assert settings.jobs_in_server, "in-process by default (single-process install)"
    expected = {"notifications", "no_shows", "lane_requeue", "token_purge", "holiday_closures", "hotline_escalation"}
    served = create_app(settings)
    with TestClient(served):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            ran = {s.name for s in SqlJobLeases(engine).states() if s.runs}
            if ran >= expected and served.state.public_board.cached.computations:
                break
            time.sleep(0.05)
    # the public board is this process's read model: its job ran here, outside the lease table
    assert served.state.public_board.cached.computations >= 1
    states = {s.name: s for s in SqlJobLeases(engine).states()}
    assert set(states) == expected and all(s.runs >= 1 and s.failures == 0 for s in states.values()), states
    assert all(s.owner is None for s in states.values()), "the app's shutdown released its leases"
    shown = CliRunner().invoke(app, ["jobs", "--json", "--database-url", database_url])
    assert shown.exit_code == 0, shown.output
    listed = {job["name"]: job for job in json.loads(shown.output)["jobs"]}
    assert set(listed) == expected
    assert listed["no_shows"]["period_seconds"] == 2.0 and listed["no_shows"]["runs"] >= 1
    assert {"last_run", "next_run", "duration_ms", "lag_ms", "failures"} <= set(listed["no_shows"])
    table = CliRunner().invoke(app, ["jobs", "--database-url", database_url])
    assert table.exit_code == 0 and "token_purge" in table.output


def test_the_server_runs_what_no_other_process_runs() -> None:
    names = lambda **kw: [job.name for job in server_jobs(Settings(**kw))]  # noqa: E731
    assert names() == [job.name for job in periodic.JOBS]
    assert names(jobs_in_server=False) == []
    assert "notifications" not in names(notify_in_server=False) and "no_shows" in names(notify_in_server=False)
    assert names(periodic_in_server=False) == [
        "notifications",
        "no_shows",
        "exchange_links",
        "hotline_escalation",
        "public_board",  # the server's own read model: no other process can refresh it
    ]
