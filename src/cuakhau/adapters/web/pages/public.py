"""The public wait board (HTML) and its JSON API — no account needed, like CBP's border wait times."""

from __future__ import annotations

import threading
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

#: The board is computed again at most this often (``boards.BOARD_FRESH_FOR``; the ``public_board`` job refreshes
#: it every 10 s); every figure says when it was computed.
CACHE_SECONDS = int(boards.BOARD_FRESH_FOR.total_seconds())
_MAKING = threading.Lock()


def _board(request: Request, ctx: ServiceContext) -> boards.PublicBoard:
    """The process's board (``bootstrap.create_app`` makes it and gives it to the job); an app built without one
    (tests, an embedding) makes its own, which its readers then refresh (once for all of them)."""
    board: boards.PublicBoard | None = getattr(request.app.state, "public_board", None)
    if board is None:
        with _MAKING:
            board = getattr(request.app.state, "public_board", None)
            if board is None:
                board = request.app.state.public_board = boards.PublicBoard(ctx.uow, ctx.clock)
    return board


def _payload(request: Request, ctx: ServiceContext, gate_id: str | None) -> dict[str, Any]:
    board = _board(request, ctx).read()  # never computed per request: the last board, with its age
    computed_at, waits = board.computed_at, board.value
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
        cache_seconds=CACHE_SECONDS,
    )
