"""Gate operations on pages: call trucks forward, resolve the device reads waiting in review, record a read by hand.

Each action calls the same use case as its API twin (``routers/gate_ops.py``) after the same check:

* ``/gates/{gate_id}/call-forward`` — ``services/lanes.call_forward`` (strict: refused with ``gate.closed`` while
  either side of the pair is shut; an officer may override with a reason, after a confirmation);
* ``/gates/{gate_id}/review`` — the review queue; each item is applied as read, applied with a corrected plate,
  or dismissed with a reason (``services/gate_ops.resolve_review``; a dismissal is confirmed first);
* ``/gates/{gate_id}/manual-read`` — a passage recorded by hand while a camera is down
  (``services/gate_ops.record_manual_read``; a passage while the pair is shut needs a reason and a confirmation).

A refusal is shown as a sentence in the officer's language next to the field at fault, with the API's status.
Times are read and shown in the gate's local time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from cuakhau import i18n
from cuakhau.adapters.web.auth import actor_for
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages.access import officer_at, signed_in
from cuakhau.adapters.web.pages.render import CSRF_FIELD, csrf_ok, language_of, render
from cuakhau.domain import timebounds
from cuakhau.domain.accounts import Permission, Principal
from cuakhau.domain.devices import Checkpoint
from cuakhau.domain.errors import CuakhauError, InvalidInput, NotFound
from cuakhau.domain.gate import Direction, Gate
from cuakhau.services import access, gate_ops, lanes
from cuakhau.services.context import ServiceContext
from cuakhau.services.gates import get_gate

router = APIRouter(include_in_schema=False)

T = TypeVar("T")
REVIEW_PAGE = 50


def text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def local_instant(form: FormData, name: str, gate: Gate) -> datetime | None:
    """A ``datetime-local`` field read in the gate's time zone; None when left empty."""
    raw = text(form, name, 20)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("request.invalid_type", field=name, expected="YYYY-MM-DDTHH:MM") from None
    timebounds.check_representable(parsed, name)
    return parsed.replace(tzinfo=gate.timezone) if parsed.tzinfo is None else parsed


def problem_of(request: Request, exc: CuakhauError) -> dict[str, Any]:
    return {"code": exc.code, "field": exc.field, "message": i18n.render(exc.code, language_of(request), exc.params)}


def carried(form: FormData) -> list[tuple[str, str]]:
    """What a confirmation carries forward: the form as sent, but its step and token."""
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k not in (CSRF_FIELD, "step")]


async def posted(request: Request) -> tuple[FormData, CuakhauError | None]:
    """The form, and a refusal when its CSRF token does not match the cookie."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not csrf_ok(request, token if isinstance(token, str) else None):
        return form, InvalidInput("page.csrf")
    return form, None


async def attempt(call: Callable[[], T]) -> tuple[T | None, CuakhauError | None]:
    """Run a use case in the thread pool: its result, or the refusal to show (401/403 go to the error page)."""
    try:
        return await run_in_threadpool(call), None
    except CuakhauError as exc:
        if exc.http_status in (401, 403):
            raise
        return None, exc


def no_gate_then_refusal(ctx: ServiceContext, gate_id: str, refused: CuakhauError | None) -> None:
    """A refusal of a gate that does not exist is answered as the API does (the use case's own refusal), not with
    the page's ``gate.not_found`` when it reads the gate to show the form again."""
    if refused is None:
        return
    try:
        get_gate(ctx.uow(read_only=True), gate_id)
    except NotFound:
        raise refused from None


def status_of(exc: CuakhauError | None) -> int:
    return 403 if exc is not None and exc.code == "page.csrf" else (exc.http_status if exc else 200)


# --- call forward ------------------------------------------------------------------------------------------------


def _call_page(
    request: Request, ctx: ServiceContext, principal: Principal, gate_id: str, *, status: int = 200, **extra: Any
) -> HTMLResponse:
    gate = get_gate(ctx.uow(read_only=True), gate_id)
    return render(
        request,
        "gate_call_forward.html",
        status=status,
        tz=gate.timezone,
        gate=gate,
        directions=[d.value for d in Direction],
        may_call=principal.may(Permission.CALL_FORWARD),
        **extra,
    )


@router.get("/gates/{gate_id}/call-forward", response_class=HTMLResponse)
def call_forward_page(gate_id: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = officer_at(request, gate_id)
    return _call_page(request, ctx, principal, gate_id)


@router.post("/gates/{gate_id}/call-forward", response_class=HTMLResponse)
async def call_forward_submit(gate_id: str, request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    access.require_gate(principal, Permission.CALL_FORWARD, gate_id)
    form, refused = await posted(request)
    values = dict(carried(form))
    reason = text(form, "override_reason") or None
    if refused is None and reason is not None and form.get("step") != "confirm":
        # Calling trucks while a side is shut costs them hours if it is a mistake: confirm first.
        return _call_page(request, ctx, principal, gate_id, confirm=carried(form), values=values)
    report = None
    if refused is None:
        report, refused = await attempt(
            lambda: lanes.call_forward(
                ctx.uow(),
                clock=ctx.clock,
                gate_id=gate_id,
                direction=text(form, "direction", 16),
                actor=actor_for(principal, None),
                override_reason=reason,
            )
        )
    no_gate_then_refusal(ctx, gate_id, refused)
    problem = problem_of(request, refused) if refused else None
    closed = refused is not None and refused.code == "gate.closed"
    return _call_page(
        request,
        ctx,
        principal,
        gate_id,
        status=status_of(refused),
        report=report,
        problem=problem,
        values=values,
        offer_override=closed,
    )


# --- the review queue ----------------------------------------------------------------------------------------


def _review_page(
    request: Request, ctx: ServiceContext, principal: Principal, gate_id: str, *, status: int = 200, **extra: Any
) -> HTMLResponse:
    gate = get_gate(ctx.uow(read_only=True), gate_id)
    shown = request.query_params.get("status", "open")
    shown = shown if shown in ("open", "resolved", "dismissed") else "open"
    items, total = gate_ops.review_queue(ctx.uow(read_only=True), gate_id, shown, limit=REVIEW_PAGE, offset=0)
    return render(
        request,
        "gate_review.html",
        status=status,
        tz=gate.timezone,
        gate=gate,
        items=items,
        total=total,
        shown=shown,
        may_act=principal.may(Permission.OPERATE_GATE),
        **extra,
    )


@router.get("/gates/{gate_id}/review", response_class=HTMLResponse)
def review_page(gate_id: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = officer_at(request, gate_id)
    done = request.query_params.get("done")
    return _review_page(request, ctx, principal, gate_id, done=done if done in ("apply", "dismiss") else None)


@router.post("/gates/{gate_id}/review/{item_id}", response_class=HTMLResponse)
async def review_submit(gate_id: str, item_id: str, request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    if access.review_in_scope(ctx.uow(read_only=True), principal, item_id, Permission.OPERATE_GATE) != gate_id:
        raise NotFound("review_item", item_id)  # an item of another gate reads as missing here, as over the API
    form, refused = await posted(request)
    decision = text(form, "decision", 16)
    values = dict(carried(form))
    extra: dict[str, Any] = {"values": values, "item_id": item_id}
    if refused is None and decision == "dismiss" and form.get("step") != "confirm":
        if not text(form, "reason"):
            refused = InvalidInput("reason.required", field="reason")
        else:  # a dismissed read is never applied: confirm first
            return _review_page(request, ctx, principal, gate_id, confirm=carried(form), **extra)
    if refused is None:
        _, refused = await attempt(
            lambda: gate_ops.resolve_review(
                ctx.uow(),
                clock=ctx.clock,
                item_id=item_id,
                actor=actor_for(principal, None),
                decision=decision,
                reason=text(form, "reason"),
                plate=text(form, "plate", 32) or None,
            )
        )
    if refused is None:
        return RedirectResponse(f"/gates/{gate_id}/review?done={decision}", status_code=303)
    no_gate_then_refusal(ctx, gate_id, refused)
    problem = problem_of(request, refused)
    return _review_page(request, ctx, principal, gate_id, status=status_of(refused), problem=problem, **extra)


# --- a read by hand --------------------------------------------------------------------------------------------


def _manual_page(
    request: Request, ctx: ServiceContext, principal: Principal, gate_id: str, *, status: int = 200, **extra: Any
) -> HTMLResponse:
    gate = get_gate(ctx.uow(read_only=True), gate_id)
    return render(
        request,
        "gate_manual_read.html",
        status=status,
        tz=gate.timezone,
        gate=gate,
        checkpoints=[c.value for c in Checkpoint],
        may_act=principal.may(Permission.OPERATE_GATE),
        local_now=gate.local(ctx.clock.now()).strftime("%Y-%m-%dT%H:%M"),
        **extra,
    )


@router.get("/gates/{gate_id}/manual-read", response_class=HTMLResponse)
def manual_read_page(gate_id: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = officer_at(request, gate_id)
    return _manual_page(request, ctx, principal, gate_id)


@router.post("/gates/{gate_id}/manual-read", response_class=HTMLResponse)
async def manual_read_submit(gate_id: str, request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    access.require_gate(principal, Permission.OPERATE_GATE, gate_id)
    form, refused = await posted(request)
    values = dict(carried(form))
    reason = text(form, "override_reason") or None
    if refused is None and reason is not None and form.get("step") != "confirm":
        # Letting a truck through while a side is shut: confirm first.
        return _manual_page(request, ctx, principal, gate_id, confirm=carried(form), values=values)
    outcome = None
    if refused is None:

        def record() -> gate_ops.DeviceOutcome:
            at = local_instant(form, "at", get_gate(ctx.uow(read_only=True), gate_id)) if text(form, "at") else None
            return gate_ops.record_manual_read(
                ctx.uow(),
                clock=ctx.clock,
                gate_id=gate_id,
                checkpoint=text(form, "checkpoint", 24),
                plate=text(form, "plate", 32),
                actor=actor_for(principal, None),
                at=at,
                note=text(form, "note", 500) or None,
                override_reason=reason,
            )

        outcome, refused = await attempt(record)
    no_gate_then_refusal(ctx, gate_id, refused)
    problem = problem_of(request, refused) if refused else None
    closed = refused is not None and refused.code == "gate.closed"
    return _manual_page(
        request,
        ctx,
        principal,
        gate_id,
        status=status_of(refused),
        outcome=outcome,
        problem=problem,
        values=values if outcome is None else None,
        offer_override=closed,
    )
