"""Two real ``cuakhau worker`` processes on PostgreSQL: one runs the periodic jobs, the other waits; ``kill -9`` the
one running them and the other takes them over within the lease (bounded in time; 127.0.0.1 only)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.jobs import SqlJobLeases
from cuakhau.services.ports.jobs import JobState

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

LEASE = 3.0
FREQUENT = ("notifications", "no_shows")  # every 2 s


@contextmanager
def worker(cwd: Path, env: dict[str, str], name: str) -> Iterator[subprocess.Popen[bytes]]:
    with open(cwd / f"{name}.log", "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cuakhau", "worker"], cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)


def jobs(cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    shown = subprocess.run(
        [sys.executable, "-m", "cuakhau", "jobs", "--json"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    return {job["name"]: job for job in json.loads(shown.stdout)["jobs"]}


def pid_of(owner: str | None) -> int | None:
    return None if owner is None else int(owner.split(":")[1])


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


def test_killing_the_worker_that_runs_the_jobs_hands_them_to_the_other(tmp_path: Path, postgres_url: str) -> None:
    env = {
        **os.environ,
        "CUAKHAU_DATABASE_URL": postgres_url,
        "CUAKHAU_JOBS_LEASE_SECONDS": str(LEASE),
        "CUAKHAU_PERIODIC_TICK_SECONDS": "0.2",
    }
    engine = make_engine(postgres_url)
    try:
        with ExitStack() as stack:
            one = stack.enter_context(worker(tmp_path, env, "one"))
            two = stack.enter_context(worker(tmp_path, env, "two"))
            # each job runs in one of the two (which one: whichever claimed it first)
            held = wait_for(
                lambda: (s := jobs(tmp_path, env)) and all(s.get(n, {}).get("runs", 0) >= 2 for n in FREQUENT) and s,
                60,
                "the frequent jobs ran twice",
            )
            owners = {n: pid_of(held[n]["owner"]) for n in FREQUENT}
            assert set(owners.values()) <= {one.pid, two.pid}, held
            holder, other = (one, two) if owners["no_shows"] == one.pid else (two, one)
            time.sleep(3)
            steady = jobs(tmp_path, env)
            assert {n: pid_of(steady[n]["owner"]) for n in FREQUENT} == owners, "the live holders keep their jobs"
            assert all(steady[n]["failures"] == 0 for n in FREQUENT), steady
            # each frequent job ran once per 2 s between the two readings, not once per process
            for n in FREQUENT:
                span = datetime.fromisoformat(steady[n]["last_run"]) - datetime.fromisoformat(held[n]["last_run"])
                ran, every_2s = steady[n]["runs"] - held[n]["runs"], span.total_seconds() / 2
                assert every_2s - 1 <= ran <= every_2s + 1, (n, held[n], steady[n])

            holder.kill()  # kill -9: no release, its leases stay until they expire
            holder.wait(timeout=10)
            killed = datetime.now(UTC)
            began = time.monotonic()

            def taken() -> dict[str, JobState] | None:
                s = {state.name: state for state in SqlJobLeases(engine).states()}
                ok = all(
                    pid_of(s[n].owner) == other.pid and (s[n].last_started_at or killed) > killed for n in FREQUENT
                )
                return s if ok else None

            after = wait_for(taken, 30, "the other worker took the frequent jobs")
            handover = time.monotonic() - began
            # the lease (3 s) plus a tick (0.2 s), plus the 2 s period if the job was not due yet, plus slack
            assert handover <= LEASE + 2 + 1, f"handed over after {handover:.1f} s"
            assert other.poll() is None
            print(f"handover {handover:.2f} s; lag {[after[n].last_lag_ms for n in FREQUENT]} ms")
    finally:
        with engine.begin() as conn:
            conn.execute(delete(t.scheduled_jobs))
        engine.dispose()
