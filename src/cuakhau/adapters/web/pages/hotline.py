"""The hotline with the other side of the gate pair, on a page: the incidents of this gate pair, raising one, and
acknowledging the other side's with an answer.

``/gates/{gate_id}/incidents`` lists the incidents raised by either side about this gate or the one across, with
their history. Raising one calls ``services/hotline.raise_incident`` and acknowledging one (its note is the
answer sent back across) ``services/hotline.acknowledge_incident`` — the use cases of the API's
``/api/v1/exchange/incidents`` routes, after the same checks (``Permission.EXCHANGE`` at the gate; an incident of
another gate pair reads as missing).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cuakhau.adapters.web.auth import actor_for
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages.access import signed_in
from cuakhau.adapters.web.pages.gate_ops import (
    attempt,
    carried,
    no_gate_then_refusal,
    posted,
    problem_of,
    status_of,
    text,
)
from cuakhau.adapters.web.pages.render import render
from cuakhau.domain.accounts import Permission, Principal
from cuakhau.domain.errors import Conflict, CuakhauError, NotFound
from cuakhau.domain.exchange import SELF, IncidentKind, Severity
from cuakhau.services import access, exchange, exchange_views, hotline
from cuakhau.services.context import ServiceContext
from cuakhau.services.gates import get_gate

router = APIRouter(include_in_schema=False)

#: The incidents one page reads (newest first) before keeping this gate pair's.
READ_LIMIT = 500
SHOWN = 50


def _identity(request: Request) -> exchange.Identity:
    identity: exchange.Identity | None = getattr(getattr(request.app.state, "exchange", None), "identity", None)
    if identity is None:
        raise Conflict("exchange.disabled", field="CUAKHAU_EXCHANGE_ID")
    return identity


def _wake(request: Request) -> None:
    runtime = getattr(request.app.state, "exchange", None)
    if runtime is not None:
        runtime.wake()


def _page(
    request: Request, ctx: ServiceContext, principal: Principal, gate_id: str, *, status: int = 200, **extra: Any
) -> HTMLResponse:
    gate = get_gate(ctx.uow(read_only=True), gate_id)
    pair = frozenset(g for g in (gate.id, gate.counterpart_id) if g)
    found, _ = exchange_views.incidents(ctx.uow(read_only=True), status=None, limit=READ_LIMIT)
    mine = [i for i in found if access.sees_exchange_record(i, pair)][:SHOWN]
    histories = {i["id"]: hotline.incident_history(ctx.uow(read_only=True), i["id"])[1] for i in mine}
    counterpart = get_gate(ctx.uow(read_only=True), gate.counterpart_id) if gate.counterpart_id else None
    return render(
        request,
        "gate_incidents.html",
        status=status,
        tz=gate.timezone,
        gate=gate,
        counterpart=counterpart,
        incidents=mine,
        histories=histories,
        self_origin=SELF,
        kinds=[k.value for k in IncidentKind if k is not IncidentKind.LINK_FAULT],
        severities=[s.value for s in Severity],
        may_act=principal.may(Permission.EXCHANGE),
        **extra,
    )


def _at_gate(request: Request, gate_id: str) -> Principal:
    principal = signed_in(request)
    access.require_gate(principal, Permission.EXCHANGE, gate_id)
    return principal


@router.get("/gates/{gate_id}/incidents", response_class=HTMLResponse)
def incidents_page(gate_id: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = _at_gate(request, gate_id)
    done = request.query_params.get("done")
    return _page(request, ctx, principal, gate_id, done=done if done in ("raised", "acknowledged") else None)


@router.post("/gates/{gate_id}/incidents", response_class=HTMLResponse)
async def incident_raise(gate_id: str, request: Request, ctx: ContextDep) -> Response:
    principal = _at_gate(request, gate_id)
    identity = _identity(request)  # no exchange configured: the API's answer (409), before anything else
    form, refused = await posted(request)
    if refused is None:
        _, refused = await attempt(
            lambda: hotline.raise_incident(
                ctx.uow(),
                clock=ctx.clock,
                identity=identity,
                gate_id=gate_id,
                kind=text(form, "kind", 24),
                severity=text(form, "severity", 8) or Severity.NORMAL.value,
                summary=text(form, "summary"),
                actor=actor_for(principal, None),
                trip_ref=text(form, "trip_ref", 64) or None,
            )
        )
    if refused is None:
        _wake(request)
        return RedirectResponse(f"/gates/{gate_id}/incidents?done=raised", status_code=303)
    return _refused(request, ctx, principal, gate_id, refused, values=dict(carried(form)), form_kind="raise")


@router.post("/gates/{gate_id}/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_acknowledge(gate_id: str, incident_id: str, request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    found = exchange_views.find_incident(ctx.uow(read_only=True), incident_id)
    access.exchange_record_in_scope(
        ctx.uow(read_only=True), principal, found, "exchange_incident", incident_id, Permission.EXCHANGE
    )
    gate = get_gate(ctx.uow(read_only=True), gate_id)
    if found is None or found["gate_id"] not in (gate.id, gate.counterpart_id):
        raise NotFound("exchange_incident", incident_id)  # another gate pair's reads as missing here
    identity = _identity(request)
    form, refused = await posted(request)
    if refused is None:
        _, refused = await attempt(
            lambda: hotline.acknowledge_incident(
                ctx.uow(),
                clock=ctx.clock,
                identity=identity,
                incident_id=incident_id,
                actor=actor_for(principal, None),
                note=text(form, "note"),
            )
        )
    if refused is None:
        _wake(request)
        return RedirectResponse(f"/gates/{gate_id}/incidents?done=acknowledged", status_code=303)
    values = dict(carried(form))
    return _refused(request, ctx, principal, gate_id, refused, values=values, form_kind=incident_id)


def _refused(
    request: Request, ctx: ServiceContext, principal: Principal, gate_id: str, exc: CuakhauError, **extra: Any
) -> HTMLResponse:
    no_gate_then_refusal(ctx, gate_id, exc)
    return _page(request, ctx, principal, gate_id, status=status_of(exc), problem=problem_of(request, exc), **extra)
