"""Issue 15's installation, for real: two ``cuakhau serve`` processes and two ``cuakhau worker`` processes on one
PostgreSQL database, one metrics directory, JSON logs. Every job runs in one process at a time; ``kill -9`` of
the worker holding a job hands it to the other; ``/readyz`` follows the jobs' lag from the lease table (not ready
once no worker runs them, ready again when one does); ``/metrics`` of either server counts the workers' runs; each
server's log lines carry the request id given (bounded in time; 127.0.0.1 only)."""

from __future__ import annotations

import json
import os
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.jobs import SqlJobLeases
from tests.e2e.conftest import free_port, running
from tests.e2e.test_worker_failover import pid_of, wait_for, worker

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

LEASE = 3.0
JOB = "no_shows"  # every 2 s


def job_runs(server: httpx2.Client, job: str) -> float:
    text = server.get("/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "cuakhau_job_runs_total" and sample.labels.get("job") == job:
                return float(sample.value)
    return 0.0


def ready(server: httpx2.Client) -> tuple[int, dict[str, Any]]:
    answer = server.get("/readyz", headers={"Accept-Language": "en"})
    return answer.status_code, answer.json()


def test_two_servers_and_two_workers_on_one_database(tmp_path: Path, postgres_url: str) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        "CUAKHAU_DATABASE_URL": postgres_url,
        "CUAKHAU_JOBS_IN_SERVER": "false",
        "CUAKHAU_JOBS_LEASE_SECONDS": str(LEASE),
        "CUAKHAU_PERIODIC_TICK_SECONDS": "0.2",
        "CUAKHAU_READY_LAG_PERIODS": "3",
        "CUAKHAU_METRICS_DIR": str(metrics_dir),
        "CUAKHAU_LOG_FORMAT": "json",
        "CUAKHAU_BOOKING_BATCH": "false",
    }
    leases = SqlJobLeases(engine := make_engine(postgres_url))
    try:
        with ExitStack() as stack:
            ports = [free_port(), free_port()]
            servers = [
                stack.enter_context(running(["serve", "--port", str(p)], cwd=tmp_path, port=p, env=env)) for p in ports
            ]
            workers = [stack.enter_context(worker(tmp_path, {**os.environ, **env}, n)) for n in ("one", "two")]

            def ran_twice() -> Any:
                states = {s.name: s for s in leases.states()}
                return states if JOB in states and states[JOB].runs >= 2 else None

            states = wait_for(ran_twice, 60, f"{JOB} ran twice")
            # one process at a time: the job has one owner, one of the two workers
            holder_pid = pid_of(states[JOB].owner)
            assert holder_pid in {w.pid for w in workers}
            for server in servers:
                status, body = ready(server)
                assert status == 200, body
                assert any(c["name"] == "jobs" and c["ok"] for c in body["checks"]), body
            # the metrics directory adds up the workers' runs: either server shows them
            assert wait_for(lambda: job_runs(servers[0], JOB) >= 2, 20, "runs counted in /metrics")
            assert abs(job_runs(servers[0], JOB) - job_runs(servers[1], JOB)) <= 1

            # kill -9 the holder: the other worker takes the job within the lease (plus a period and a tick)
            holder = next(w for w in workers if w.pid == holder_pid)
            other = next(w for w in workers if w.pid != holder_pid)
            before = job_runs(servers[0], JOB)
            holder.kill()
            holder.wait(timeout=10)
            began = time.monotonic()
            wait_for(
                lambda: pid_of({s.name: s for s in leases.states()}[JOB].owner) == other.pid,
                LEASE + 2 + 5,
                "the other worker took the job",
            )
            handover = time.monotonic() - began
            assert handover <= LEASE + 2 + 1.5, f"handed over after {handover:.1f} s"
            assert wait_for(lambda: job_runs(servers[1], JOB) > before, 10, "the new holder's runs in /metrics")
            assert ready(servers[0])[0] == 200

            # no worker left: /readyz names the late jobs after three periods (2 s each), in the one error shape
            other.terminate()
            other.wait(timeout=20)

            def not_ready() -> Any:
                status, body = ready(servers[1])
                return body if status == 503 else None

            body = wait_for(not_ready, 20, "/readyz not ready with no worker")
            assert body["error"]["code"] == "service.not_ready" and "jobs" in body["error"]["message"], body
            with worker(tmp_path, {**os.environ, **env}, "three"):
                wait_for(lambda: ready(servers[1])[0] == 200, 20, "/readyz ready again with a worker back")

            # logs: each server writes JSON lines; the request id given comes back and is on the request's line
            answer = servers[0].get("/api/v1/gates", headers={"X-Request-ID": "ops-e2e-7f3a"})
            assert answer.headers["x-request-id"] == "ops-e2e-7f3a"
        log = (tmp_path / f"server-{ports[0]}.log").read_text(encoding="utf-8")
        lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        assert any(line.get("request_id") == "ops-e2e-7f3a" for line in lines), lines[-5:]
    finally:
        with engine.begin() as conn:
            conn.execute(delete(t.scheduled_jobs))
        engine.dispose()
