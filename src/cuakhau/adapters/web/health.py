"""``GET /healthz`` (the process answers; touches nothing else) and ``GET /readyz`` (every readiness check of
adapters/health.py passes: 200 with each check, or 503 ``service.not_ready`` in the one error shape, each check
in ``details`` and the failing ones named in ``params.failing``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from cuakhau import __version__
from cuakhau.adapters.health import Check, run_checks
from cuakhau.adapters.web import schemas
from cuakhau.adapters.web.errors import respond

#: Seconds a client (a load balancer) is asked to wait before asking again when not ready.
NOT_READY_RETRY_AFTER = 5


class HealthOut(BaseModel):
    status: str
    version: str


class CheckOut(BaseModel):
    name: str
    ok: bool
    reason: str | None = None


class ReadyOut(BaseModel):
    status: str
    version: str
    checks: list[CheckOut]


def install(app: FastAPI, checks: Sequence[Check]) -> None:
    @app.get("/healthz", tags=["ops"], summary="Liveness: the process answers (nothing else is checked)")
    async def healthz() -> HealthOut:
        return HealthOut(status="ok", version=__version__)

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="Readiness: database, migrations at head, MQTT broker (devices configured), periodic jobs on time",
        response_model=ReadyOut,
        responses=schemas.errors(503),
    )
    async def readyz(request: Request) -> Any:
        results = await anyio.to_thread.run_sync(run_checks, checks)
        out = [CheckOut(name=r.name, ok=r.ok, reason=r.reason) for r in results]
        failing = [r.name for r in results if not r.ok]
        if failing:
            response: JSONResponse = respond(
                request,
                503,
                "service.not_ready",
                params={"failing": ", ".join(failing)},
                details=[c.model_dump() for c in out],
            )
            response.headers["Retry-After"] = str(NOT_READY_RETRY_AFTER)
            return response
        return ReadyOut(status="ready", version=__version__, checks=out)
