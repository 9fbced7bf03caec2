"""The officer dashboard of one gate: a page, its JSON snapshot, and its live feed (server-sent events)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from cuakhau.adapters.web.auth import BEARER
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.live import LiveHub
from cuakhau.adapters.web.pages.access import officer_at
from cuakhau.adapters.web.pages.i18n import Formatter
from cuakhau.adapters.web.pages.render import environment, language_of, render, template_globals
from cuakhau.adapters.web.pages.views import SECTIONS, dashboard_json, iso
from cuakhau.services import boards
from cuakhau.services.context import ServiceContext
from cuakhau.services.gates import get_gate

router = APIRouter()

#: A stream ends after this long and the browser reconnects (EventSource does it by itself), so a server can shut
#: down without waiting on dashboards left open. On a quiet gate the hub sends a keep-alive every
#: ``LiveHub.keepalive_seconds`` (10 s), written as an SSE comment: the stream stays open, proxies see it alive, and a
#: closed connection is noticed.
MAX_STREAM_SECONDS = 600.0


def snapshot(ctx: ServiceContext, gate_id: str) -> tuple[str, dict[str, Any]]:
    board = boards.gate_dashboard(ctx.uow(read_only=True), clock=ctx.clock, gate_id=gate_id)
    return iso(board.computed_at) or "", dashboard_json(board)


#: One server-sent event as the OpenAPI description shows it: a snapshot or the changed sections, as JSON in ``data``.
SSE_EVENT = {
    "type": "object",
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"}},
    "required": ["data"],
}


def make_hub(ctx: ServiceContext) -> LiveHub:
    return LiveHub(
        lambda gate_id: snapshot(ctx, gate_id),
        lambda gate_id: boards.change_marker(ctx.uow(read_only=True), gate_id),
    )


def hub_of(request: Request) -> LiveHub:
    hub: LiveHub = request.app.state.live_hub
    return hub


@router.get("/gates/{gate_id}/dashboard", include_in_schema=False, response_class=HTMLResponse)
def dashboard_page(gate_id: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    officer_at(request, gate_id)
    computed_at, data = snapshot(ctx, gate_id)
    gate = get_gate(ctx.uow(read_only=True), gate_id)
    return render(
        request,
        "dashboard.html",
        tz=gate.timezone,
        gate=data["gate"],
        data=data,
        sections=SECTIONS,
        computed_at=computed_at,
        version=-1,
    )


# The JSON and the stream take the session cookie or a bearer token (pages.login.resolve): they declare the scheme.
@router.get(
    "/gates/{gate_id}/dashboard.json",
    tags=["dashboard"],
    summary="The gate dashboard as one snapshot",
    dependencies=[Depends(BEARER)],
)
def dashboard_snapshot(gate_id: str, request: Request, ctx: ContextDep) -> dict[str, Any]:
    officer_at(request, gate_id)
    computed_at, data = snapshot(ctx, gate_id)
    return {"computed_at": computed_at, "data": data}


def _sse(event: str, payload: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(payload, ensure_ascii=False, separators=(',', ':'))}\n\n"


@router.get(
    "/gates/{gate_id}/dashboard/events",
    tags=["dashboard"],
    dependencies=[Depends(BEARER)],
    summary="Live dashboard: a snapshot, then the sections that changed (text/event-stream)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {"schema": SSE_EVENT}}}},
)
async def dashboard_events(gate_id: str, request: Request, ctx: ContextDep) -> StreamingResponse:
    officer_at(request, gate_id)
    gate = get_gate(ctx.uow(read_only=True), gate_id)
    language = language_of(request)
    env = environment(language)
    fmt = Formatter(language)
    section = env.get_template("dashboard_section.html")
    extras = template_globals(request, language, gate.timezone)
    hub = hub_of(request)
    tz: ZoneInfo = gate.timezone

    def html(sections: dict[str, Any], whole: dict[str, Any]) -> dict[str, str]:
        return {
            name: section.render(name=name, data=value, gate=whole["gate"], **extras)
            for name, value in sections.items()
            if name in SECTIONS
        }

    async def stream() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        state: dict[str, Any] = {}
        feed = hub.subscribe(gate_id)
        ends = asyncio.get_running_loop().time() + MAX_STREAM_SECONDS
        try:
            while asyncio.get_running_loop().time() < ends:
                # Never cancel the feed's generator (a timeout around ``anext`` would close it, and the next
                # ``anext`` would end this stream): the hub itself sends keep-alives on a quiet gate.
                message = await anext(feed)
                if message["type"] == "keepalive":
                    if await request.is_disconnected():
                        return
                    yield ": keep-alive\n\n"
                    continue
                if message["type"] == "snapshot":
                    state = dict(message["data"])
                    rendered = html(state, state)
                else:
                    state.update(message["changed"])
                    rendered = html(message["changed"], state)
                text = fmt.datetime(_instant(message.get("computed_at")), tz, "medium")
                yield _sse(message["type"], {**message, "html": rendered, "computed_at_text": text})
        finally:
            await feed.aclose()  # type: ignore[attr-defined]

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no", "Content-Language": language},
    )


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
