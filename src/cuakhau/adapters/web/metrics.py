"""``/metrics`` and the request timing behind it (adapters/metrics.py; docs/operations.md, "Metrics").

The timing middleware labels each request with its route template as FastAPI matched it (never the raw path,
whose ids would make a series per trip), its method and status. ``/metrics`` needs no login; it answers only
clients in ``CUAKHAU_METRICS_ALLOWED_NETWORKS`` (the client as the trusted proxies name it), 403 otherwise.
"""

from __future__ import annotations

import time

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cuakhau.adapters.metrics import CONTENT_TYPE, Metrics
from cuakhau.adapters.web.auth import client_ip
from cuakhau.adapters.web.proxies import TrustedProxies
from cuakhau.domain.accounts import Forbidden

PATH = "/metrics"


class RequestTiming:
    """Pure ASGI middleware: one observation per HTTP request, after its answer has been sent."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.request(scope["method"], route_of(scope, status), status, time.perf_counter() - started)


def route_of(scope: Scope, status: int) -> str:
    """The matched route's template (``/api/v1/trips/{trip_id}``); ``unmatched`` for a path no route has,
    ``other`` for what a mounted app (the static files) answered."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        # a route of an included router has its path below the router's prefix (FastAPI 0.16x keeps the
        # router whole and says which one matched, with the prefixes of every level joined)
        included = (scope.get("fastapi") or {}).get("included_router")
        prefix = getattr(getattr(included, "include_context", None), "prefix", "")
        return f"{prefix}{path}" if isinstance(prefix, str) else path
    return "unmatched" if status == 404 else "other"


def install(app: FastAPI, metrics: Metrics, *, allowed_networks: str) -> None:
    allowed = TrustedProxies.of(allowed_networks)
    app.state.metrics = metrics
    app.add_middleware(RequestTiming, metrics=metrics)

    @app.get(PATH, include_in_schema=False)
    def scrape(request: Request) -> Response:
        if not allowed.trusts(client_ip(request)):
            raise Forbidden()
        return Response(metrics.render(), media_type=CONTENT_TYPE)
