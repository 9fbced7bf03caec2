"""The FastAPI app, built from a :class:`ServiceContext` (see :func:`cuakhau.bootstrap.create_app`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from cuakhau import __version__
from cuakhau.adapters.health import Check
from cuakhau.adapters.metrics import Metrics
from cuakhau.adapters.web import auth, errors, headers, health, openapi, requestid
from cuakhau.adapters.web import metrics as web_metrics
from cuakhau.adapters.web.batching import BookingBatcher
from cuakhau.adapters.web.limits import BodySizeLimit, JsonShapeLimit
from cuakhau.adapters.web.pages import setup as pages
from cuakhau.adapters.web.routers import (
    equeue,
    exchange,
    gate_admin,
    gate_ops,
    gates,
    inspections,
    onboarding,
    parties,
    shipments,
    trips,
)
from cuakhau.services.context import ServiceContext

API_PREFIX = "/api/v1"

DESCRIPTION = """
cuakhau — cửa khẩu thông minh / 智慧口岸 — runs road-freight border crossings between Vietnam and China.

Authenticate with `Authorization: Bearer <token>` (from `POST /api/v1/auth/login`, or an API token issued
with `cuakhau accounts token`); the public reads gates, hours, closures, slots and published rules without one.

Every error has one shape: `{"error": {"code", "message", "field", "params", "details"}}`. The `code` is
stable; the `message` follows `Accept-Language` (`vi`, `zh` or `en`). Times are ISO 8601; `*_local` fields
are in the gate's own time zone (Vietnam UTC+7, China UTC+8).
"""


class Background(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float = 10.0) -> None: ...


def build_app(
    context: ServiceContext,
    *,
    max_body_bytes: int = 1024 * 1024,
    background: Sequence[Background] = (),
    security: auth.Security | None = None,
    threads: int | None = None,
    booker: BookingBatcher | None = None,
    readiness: Sequence[Check] = (),
    metrics: Metrics | None = None,
    metrics_allowed_networks: str = "127.0.0.1,::1",
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if threads is not None:  # the pool that runs the plain (database) handlers of this process's loop
            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        for job in background:
            job.start()
        try:
            yield
        finally:
            for job in background:
                job.stop()
            if metrics is not None:
                metrics.process_exited()

    app = FastAPI(
        lifespan=lifespan,
        title="cuakhau",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # served from packaged assets by pages.apidocs, under the pages' CSP
        redoc_url=None,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.context = context
    app.state.security = security or auth.Security()
    app.state.booker = booker  # None: each booking on its own in the thread pool
    errors.install(app)
    # JSON too deep or too big is refused before it is parsed (the inbox checks its own, to log the refusal);
    # the size limit, added last, runs first.
    app.add_middleware(JsonShapeLimit, exempt=frozenset({f"{API_PREFIX}/exchange/inbox"}))
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    if metrics is not None:  # timing outside the limits, so that their refusals are timed too
        web_metrics.install(app, metrics, allowed_networks=metrics_allowed_networks)
    headers.install(app)  # security headers on every answer, 500s included (outside every middleware)
    requestid.install(app)  # X-Request-ID and the logging context of the request (outside the headers)
    for router in (
        auth.router,
        gates.router,
        gate_admin.router,
        parties.router,
        shipments.router,
        trips.router,
        equeue.router,
        gate_ops.router,
        inspections.router,
        exchange.router,
        onboarding.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    pages.install(app, context)  # HTML pages, the public wait board and its JSON API, live dashboards
    openapi.install(app)  # the bearer scheme and every error answer, read off the routes

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    health.install(app, readiness)  # /healthz (the process answers) and /readyz (adapters/health.py)

    return app
