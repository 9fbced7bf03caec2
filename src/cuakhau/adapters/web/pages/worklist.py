"""A worklist per role at a gate: what needs this officer now, stage by stage, in the published order, live.

The page, its JSON snapshot and its live feed (server-sent events) follow the dashboard's (``pages/dashboard.py``):
one :class:`~cuakhau.adapters.web.live.LiveHub` of its own computes every role's worklist once per gate and
change, and each viewer is sent the HTML of their own role's section. Every row links to the truck's page.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from cuakhau.adapters.web.auth import BEARER
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.live import LiveHub
from cuakhau.adapters.web.pages import dashboard
from cuakhau.adapters.web.pages.access import officer_at
from cuakhau.adapters.web.pages.i18n import Formatter
from cuakhau.adapters.web.pages.render import environment, language_of, render, template_globals
from cuakhau.adapters.web.pages.views import iso, worklists_json
from cuakhau.domain.accounts import Principal
from cuakhau.services import boards, worklists
from cuakhau.services.context import ServiceContext
from cuakhau.services.gates import get_gate

router = APIRouter()


def snapshot(ctx: ServiceContext, gate_id: str) -> tuple[str, dict[str, Any]]:
    found = worklists.gate_worklists(ctx.uow(read_only=True), clock=ctx.clock, gate_id=gate_id)
    return iso(found.computed_at) or "", worklists_json(found)


def make_hub(ctx: ServiceContext) -> LiveHub:
    return LiveHub(
        lambda gate_id: snapshot(ctx, gate_id),
        lambda gate_id: boards.change_marker(ctx.uow(read_only=True), gate_id),
    )


def _role(principal: Principal) -> str:
    return worklists.role_of(principal.role).value


def _sections(role: str) -> tuple[str, ...]:
    """The snapshot's sections a viewer of ``role`` is shown: their stages, and the gate administration's queues."""
    return (role, "reviews", "incidents") if role == "gate_admin" else (role,)


@router.get("/gates/{gate_id}/worklist", include_in_schema=False, response_class=HTMLResponse)
def worklist_page(gate_id: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = officer_at(request, gate_id)
    computed_at, data = snapshot(ctx, gate_id)
    gate = get_gate(ctx.uow(read_only=True), gate_id)
    role = _role(principal)
    return render(
        request,
        "worklist.html",
        tz=gate.timezone,
        gate={"id": gate.id, "name": {"vi": gate.names.vi, "zh": gate.names.zh, "en": gate.names.en}},
        role=role,
        data=data,
        sections=_sections(role),
        computed_at=computed_at,
    )


@router.get(
    "/gates/{gate_id}/worklist.json",
    tags=["dashboard"],
    summary="Every role's worklist at the gate, in the published order",
    dependencies=[Depends(BEARER)],
)
def worklist_snapshot(gate_id: str, request: Request, ctx: ContextDep) -> dict[str, Any]:
    officer_at(request, gate_id)
    computed_at, data = snapshot(ctx, gate_id)
    return {"computed_at": computed_at, "data": data}


@router.get(
    "/gates/{gate_id}/worklist/events",
    tags=["dashboard"],
    dependencies=[Depends(BEARER)],
    summary="Live worklists: a snapshot, then the roles whose lists changed (text/event-stream)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {"schema": dashboard.SSE_EVENT}}}},
)
async def worklist_events(gate_id: str, request: Request, ctx: ContextDep) -> StreamingResponse:
    principal = officer_at(request, gate_id)
    gate = get_gate(ctx.uow(read_only=True), gate_id)
    language = language_of(request)
    fmt = Formatter(language)
    section = environment(language).get_template("worklist_section.html")
    extras = template_globals(request, language, gate.timezone)
    shown = _sections(_role(principal))
    hub: LiveHub = request.app.state.worklist_hub
    where = {"id": gate.id}

    def html(changed: dict[str, Any]) -> dict[str, str]:
        return {
            name: section.render(name=name, data=value, gate=where, **extras)
            for name, value in changed.items()
            if name in shown
        }

    async def stream() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        feed = hub.subscribe(gate_id)
        ends = asyncio.get_running_loop().time() + dashboard.MAX_STREAM_SECONDS
        try:
            while asyncio.get_running_loop().time() < ends:
                message = await anext(feed)
                if message["type"] == "keepalive":
                    if await request.is_disconnected():
                        return
                    yield ": keep-alive\n\n"
                    continue
                changed = message["data"] if message["type"] == "snapshot" else message["changed"]
                rendered = html(changed)
                if message["type"] == "patch" and not rendered:
                    continue  # another role's list moved: nothing for this viewer
                text = fmt.datetime(dashboard._instant(message.get("computed_at")), gate.timezone, "medium")
                payload = {
                    "type": message["type"],
                    "version": message["version"],
                    "computed_at": message.get("computed_at"),
                    "computed_at_text": text,
                    "html": rendered,
                }
                yield dashboard._sse(message["type"], payload)
        finally:
            await feed.aclose()  # type: ignore[attr-defined]

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no", "Content-Language": language},
    )
