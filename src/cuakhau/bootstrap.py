"""Composition root: settings -> engine -> unit of work -> services -> the web app."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from cuakhau.adapters import health
from cuakhau.adapters.clock import SystemClock
from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.jobs import SqlJobLeases
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.adapters.exchange.runtime import build_runtime
from cuakhau.adapters.metrics import Metrics
from cuakhau.adapters.notify import build_notifier
from cuakhau.adapters.notify.dispatcher import NotificationDispatcher
from cuakhau.adapters.periodic import PeriodicRunner
from cuakhau.adapters.web.app import Background, build_app
from cuakhau.adapters.web.auth import Security
from cuakhau.adapters.web.batching import BookingBatcher
from cuakhau.adapters.web.proxies import TrustedProxies
from cuakhau.adapters.web.server import HttpLimits, protocol_class, protocol_path
from cuakhau.config import Settings
from cuakhau.domain.clock import Clock
from cuakhau.domain.hs import HsNomenclature
from cuakhau.services import boards, equeue, ops_metrics, periodic
from cuakhau.services.context import ServiceContext
from cuakhau.services.exchange import Identity


@dataclass(slots=True)
class Platform:
    settings: Settings
    engine: Engine
    context: ServiceContext

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None) -> Platform:
    settings = settings or Settings()
    pool_size, max_overflow = settings.db_pool()
    engine = make_engine(
        settings.database_url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        pgbouncer=settings.db_pgbouncer,
    )
    nomenclature = HsNomenclature.load_default()
    context = ServiceContext(
        uow=SqlUnitOfWorkFactory(engine, nomenclature),
        clock=clock or SystemClock(),
        nomenclature=nomenclature,
    )
    return Platform(settings=settings, engine=engine, context=context)


def notification_dispatcher(platform: Platform) -> NotificationDispatcher:
    """The dispatcher of the outbox, with the notifier the settings name."""
    return NotificationDispatcher(
        platform.context, build_notifier(platform.settings), poll_seconds=platform.settings.notify_poll_seconds
    )


def periodic_runner(
    platform: Platform,
    *,
    jobs: Sequence[periodic.Job] | None = None,
    identity: Identity | None = None,
    metrics: Metrics | None = None,
    board: boards.PublicBoard | None = None,
) -> PeriodicRunner:
    """The runner of the periodic jobs under leases (services/periodic.py; the ``scheduled_jobs`` table): every
    job of the table it can run (``exchange_links`` needs the exchange identity, ``public_board`` a server's
    board), or ``jobs``; each run counted in ``metrics`` when given."""
    context, settings = platform.context, platform.settings
    job_context = periodic.JobContext(
        context.uow,
        context.clock,
        notifier=build_notifier(settings),
        identity=identity,
        link_fault_after=timedelta(seconds=settings.exchange_link_fault_seconds),
        board=board,
    )
    chosen = [job for job in (periodic.JOBS if jobs is None else jobs) if job.runnable(job_context)]
    return PeriodicRunner(
        job_context,
        chosen,
        tick_seconds=settings.periodic_tick_seconds,
        leases=SqlJobLeases(platform.engine),
        lease_seconds=max(settings.jobs_lease_seconds, 3 * settings.periodic_tick_seconds),
        observe=None if metrics is None else metrics.job_ran_observer(),
    )


def server_jobs(settings: Settings) -> list[periodic.Job]:
    """The jobs a server process runs (``CUAKHAU_JOBS_IN_SERVER``, narrowed by the two older settings)."""
    if not settings.jobs_in_server:
        return []
    return [
        job
        for job in periodic.JOBS
        if (settings.notify_in_server or job is not periodic.NOTIFICATIONS)
        and (settings.periodic_in_server or job.served_by is not None)
    ]


def metrics(platform: Platform) -> Metrics:
    """The process's Prometheus metrics (adapters/metrics.py), following the platform's database pool."""
    context = platform.context
    made = Metrics(
        directory=platform.settings.metrics_dir,
        snapshot=lambda: ops_metrics.snapshot(context.uow(read_only=True)),
    )
    made.watch_pool(platform.engine)
    return made


def booking_batcher(platform: Platform) -> BookingBatcher:
    """Books the booking requests waiting at one moment together (adapters/web/batching.py)."""
    context, settings = platform.context, platform.settings
    return BookingBatcher(
        lambda requests: equeue.book(context.uow(), clock=context.clock, request=requests),
        max_batch=settings.booking_batch_max,
        threads=settings.booking_threads,
    )


def server_options(settings: Settings, *, workers: int = 1) -> dict[str, Any]:
    """uvicorn's options for serving: the HTTP protocol guarded against slow and idle clients
    (adapters/web/server.py), the keep-alive timeout and the trusted proxies. Worker processes (``workers > 1``)
    import the protocol class by name and read its limits from the environment, as they build the app."""
    limits = HttpLimits.from_settings(settings)
    # X-Forwarded-For only from CUAKHAU_TRUSTED_PROXIES (uvicorn's own default would trust 127.0.0.1)
    proxies = TrustedProxies.of(settings.trusted_proxies)
    return {
        "http": protocol_path() if workers > 1 else protocol_class(limits),
        "timeout_keep_alive": settings.http_keep_alive_seconds,
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies.forwarded_allow_ips,
    }


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The app factory (``uvicorn --factory cuakhau.bootstrap:create_app``)."""
    platform = bootstrap(settings, clock=clock)
    measured = metrics(platform)
    settings = platform.settings
    security = Security.build(
        rate_login_username=settings.rate_login_username,
        rate_login_ip=settings.rate_login_ip,
        rate_booking=settings.rate_booking,
        token_cache_seconds=settings.token_cache_seconds,
        session_hours=settings.session_hours,
        cookie_secure=settings.cookie_secure,
        rate_login_account=settings.rate_login_account,
        redis_url=settings.redis_url,
        redis_key_prefix=settings.redis_key_prefix,
        trusted_proxies=settings.trusted_proxies,
        public_url=settings.public_url,
        rate_reset_ip=settings.rate_reset_ip,
        rate_reset_username=settings.rate_reset_username,
        rate_join_ip=settings.rate_join_ip,
    )
    exchange = build_runtime(platform.settings, platform.context)
    background: list[Background] = []
    if exchange.sender is not None:
        exchange.sender.hotline_sweeps = False  # the periodic jobs' runner (here or in `cuakhau worker`) does it
        background.append(exchange.sender)  # the exchange: deliver to the partner
    readiness = [health.database(platform.engine), health.migrations(platform.engine)]
    if settings.mqtt_host:
        readiness.append(health.broker(settings.mqtt_host, settings.mqtt_port))
    jobs = server_jobs(settings)
    # the public wait board of this process: refreshed by the public_board job, read by every request
    board = boards.PublicBoard(platform.context.uow, platform.context.clock)
    if jobs:
        # the periodic jobs, notifications included, under leases: one process runs each (services/periodic.py)
        runner = periodic_runner(platform, jobs=jobs, identity=exchange.identity, metrics=measured, board=board)
        background.append(runner)
        readiness.append(health.periodic(runner, platform.context.clock, periods=settings.ready_lag_periods))
    else:  # `cuakhau worker` processes run the jobs: judge their lag from the lease table
        leases = SqlJobLeases(platform.engine)
        readiness.append(health.leased_jobs(leases, platform.context.clock, periods=settings.ready_lag_periods))
    booker = booking_batcher(platform) if settings.booking_batch else None
    if booker is not None:
        background.append(booker)
    app = build_app(
        platform.context,
        max_body_bytes=settings.max_body_bytes,
        background=background,
        security=security,
        threads=settings.worker_threads,
        booker=booker,
        readiness=readiness,
        metrics=measured,
        metrics_allowed_networks=settings.metrics_allowed_networks,
    )
    app.state.platform = platform
    app.state.exchange = exchange
    app.state.public_board = board
    return app
