"""The metrics the periodic runner and the device handler report (adapters/metrics.py), in-process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from cuakhau.adapters.metrics import Metrics
from cuakhau.adapters.periodic import PeriodicRunner
from cuakhau.domain.clock import ManualClock
from cuakhau.services.periodic import Job, JobContext

START = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = b"".join(generate_latest(r) for r in metrics.registries()).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_job_runs_failures_and_lag_are_counted() -> None:
    clock = ManualClock(START)
    metrics = Metrics()

    def boom(_ctx: JobContext) -> int:
        raise RuntimeError("down")

    jobs = [Job("ok", timedelta(minutes=1), lambda _ctx: 0, "ok"), Job("bad", timedelta(minutes=1), boom, "bad")]
    runner = PeriodicRunner(
        JobContext(uow=None, clock=clock),  # type: ignore[arg-type]  # the jobs here use no database
        jobs,
        observe=lambda job, s, lag, failed: metrics.job_ran(job, seconds=s, lag_seconds=lag, failed=failed),
    )
    runner.run_due()
    clock.advance(timedelta(minutes=1, seconds=40))  # due after a minute, run 40 s late
    runner.run_due()
    got = samples(metrics)
    assert got[("cuakhau_job_runs_total", (("job", "ok"),))] == 2
    assert got[("cuakhau_job_runs_total", (("job", "bad"),))] == 2
    assert got[("cuakhau_job_failures_total", (("job", "bad"),))] == 2
    assert ("cuakhau_job_failures_total", (("job", "ok"),)) not in got
    assert got[("cuakhau_job_lag_seconds", (("job", "ok"),))] == 40
    assert got[("cuakhau_job_duration_seconds_count", (("job", "bad"),))] == 2


def test_a_failing_observer_does_not_stop_a_job() -> None:
    def observe(*_: object) -> None:
        raise RuntimeError("metrics broken")

    runner = PeriodicRunner(
        JobContext(uow=None, clock=ManualClock(START)),  # type: ignore[arg-type]
        [Job("ok", timedelta(minutes=1), lambda _ctx: 3, "ok")],
        observe=observe,
    )
    assert runner.run_due() == {"ok": 3}


def test_booking_outcomes_are_labelled_placed_waiting_or_refused_with_the_code() -> None:
    metrics = Metrics()
    metrics.booked("active")
    metrics.booked("waiting")
    metrics.booking_refused("booking.exists")
    got = samples(metrics)
    assert got[("cuakhau_bookings_total", (("code", ""), ("outcome", "placed")))] == 1
    assert got[("cuakhau_bookings_total", (("code", ""), ("outcome", "waiting")))] == 1
    assert got[("cuakhau_bookings_total", (("code", "booking.exists"), ("outcome", "refused")))] == 1


def test_the_grafana_dashboard_names_only_metrics_a_scrape_gives() -> None:
    import json
    import re
    from pathlib import Path

    from cuakhau.domain.gate import Direction
    from cuakhau.domain.trip import TripState
    from cuakhau.services.ops_metrics import OpsSnapshot, PartnerBacklog

    snap = OpsSnapshot(
        trips={("vn-huu-nghi", Direction.EXPORT, TripState.ARRIVED): 2},
        outbox={"pending": 1},
        exchange={"cn-youyiguan": PartnerBacklog(pending=1, failing=0, oldest_pending=None)},
    )
    metrics = Metrics(snapshot=lambda: snap)
    metrics.request("GET", "/", 200, 0.01)
    metrics.booked("active")
    metrics.device_message("applied")
    metrics.job_ran("token_purge", seconds=0.1, lag_seconds=0, failed=True)
    metrics.pool_size.set(1)
    text = metrics.render().decode()
    given = {s.name for f in text_string_to_metric_families(text) for s in f.samples}
    path = Path(__file__).resolve().parents[2] / "deploy" / "grafana-cuakhau.json"
    exprs = [t["expr"] for p in json.loads(path.read_text("utf-8"))["panels"] for t in p["targets"]]
    named = {name for e in exprs for name in re.findall(r"cuakhau_[a-z_]+", e)}
    assert len(named) >= 10 and named <= given, sorted(named - given)


def test_the_pool_gauges_follow_checkouts_and_checkins() -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import QueuePool

    engine = create_engine("sqlite://", poolclass=QueuePool, pool_size=4, max_overflow=0)
    metrics = Metrics()
    metrics.watch_pool(engine)
    first, second = engine.connect(), engine.connect()
    assert samples(metrics)[("cuakhau_db_pool_checked_out", ())] == 2
    first.close()
    assert samples(metrics)[("cuakhau_db_pool_checked_out", ())] == 1
    second.close()
    got = samples(metrics)
    assert got[("cuakhau_db_pool_checked_out", ())] == 0 and got[("cuakhau_db_pool_size", ())] == 4
    engine.dispose()
