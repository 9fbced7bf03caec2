"""The public wait board (HTML) and its JSON API — no account needed, like CBP's border wait times."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages.render import render
from cuakhau.adapters.web.pages.views import iso, waits_json
from cuakhau.services import boards
from cuakhau.services.context import ServiceContext
from cuakhau.services.gates import get_gate

router = APIRouter()

#: The board is recomputed at most this often; every figure says when it was computed.
CACHE_SECONDS = 15


class BoardCache:
    """The last computed board, shared by every reader of this process for ``CACHE_SECONDS``."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._value: tuple[datetime, list[boards.GateWaits]] | None = None

    def get(self, ctx: ServiceContext) -> tuple[datetime, list[boards.GateWaits]]:
        now = ctx.clock.now()
        with self._lock:
            value = self._value
            if value is None or not (value[0] <= now < value[0] + timedelta(seconds=self.seconds)):
                value = self._value = (now, boards.public_waits(ctx.uow(read_only=True), clock=ctx.clock))
            return value


def _cache(request: Request) -> BoardCache:
    cache = getattr(request.app.state, "board_cache", None)
    if cache is None:
        cache = request.app.state.board_cache = BoardCache()
    return cache


def _payload(request: Request, ctx: ServiceContext, gate_id: str | None) -> dict[str, Any]:
    computed_at, waits = _cache(request).get(ctx)
    if gate_id is not None:
        get_gate(ctx.uow(read_only=True), gate_id)  # unknown gate: 404 in the usual error shape
        waits = [w for w in waits if w.gate.id == gate_id]
    now = ctx.clock.now()
    return {
        "computed_at": iso(computed_at),
        "age_seconds": max(0, round((now - computed_at).total_seconds())),
        "method": "expected = max(trucks ahead / measured crossings per open hour, median time of recent trucks); "
        "range from the 90 % Poisson interval of throughput and the quartiles of recent trucks; "
        "laid over the hours both sides are open",
        "gates": [waits_json(w, now=now) for w in waits],
    }


@router.get("/api/v1/public/waits", tags=["public"], summary="Trucks waiting and expected waits, every gate")
def public_waits(
    request: Request,
    response: Response,
    ctx: ContextDep,
    gate_id: Annotated[str | None, Query(max_length=64, description="Only this gate")] = None,
) -> dict[str, Any]:
    payload = _payload(request, ctx, gate_id)
    # Caches and proxies may keep it as long as the server does; the figure carries its own age.
    response.headers["Cache-Control"] = f"public, max-age={max(0, CACHE_SECONDS - payload['age_seconds'])}"
    return payload


@router.get("/waits", include_in_schema=False, response_class=HTMLResponse)
def waits_page(request: Request, ctx: ContextDep) -> HTMLResponse:
    payload = _payload(request, ctx, None)
    return render(
        request,
        "waits.html",
        gates=payload["gates"],
        computed_at=payload["computed_at"],
        cache_seconds=_cache(request).seconds,
    )
