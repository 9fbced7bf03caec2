"""The inspection page of a gate: bays, the laboratory and phytosanitary certificates, for customs and quarantine.

``GET /gates/{gate_id}/inspections`` shows each bay's and the laboratory's queue in the published order
(perishables first, then the earlier request) with when each job should start and end, the trucks that can be
sent to a bay now, and the latest certificate check of the trucks at the gate with its findings as sentences.

Every form posts to ``POST /gates/{gate_id}/inspections`` with an ``action``; each runs the access check and the
use case of its API twin (``routers/inspections.py``, ``routers/trips.py``), with the signed-in account as the
actor, so the page can do exactly what the API lets the same account do:

* ``send`` — ``POST /trips/{id}/inspections`` (customs to a customs bay, quarantine to a quarantine bay);
* ``finish`` — ``POST /inspections/{id}/outcome`` (pass, sample, hold, reject);
* ``lab`` — ``POST /inspections/{id}/lab-result`` (quarantine);
* ``accept`` — ``POST /phytosanitary-checks/{id}/accept`` (quarantine, with its reason);
* ``refuse`` — the certificate is refused: the truck is rejected (``POST /trips/{id}/transitions``, ``reject``).

What costs a truck hours (a hold, a sample, a rejection, a failed laboratory result, a refused certificate) is
asked twice: the first post shows what will happen and a button to confirm. A refusal is shown on the page as a
sentence in the officer's language, with the API's status. The same forms for one truck are a partial template
(``inspections/_truck_actions.html``; :func:`truck_actions` builds its context) for the truck page.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from cuakhau import i18n
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages.access import officer_at, signed_in
from cuakhau.adapters.web.pages.render import CSRF_FIELD, csrf_ok, language_of, render
from cuakhau.domain.accounts import Permission, Principal
from cuakhau.domain.errors import CuakhauError, InvalidInput
from cuakhau.domain.inspection import OUTCOMES, QUEUE_RULE, Outcome, ResourceKind
from cuakhau.domain.trip import ActorRole
from cuakhau.services import access, inspection_desk, inspections, trips
from cuakhau.services.context import ServiceContext

router = APIRouter(include_in_schema=False)

ACTIONS = ("send", "finish", "lab", "accept", "refuse")
#: Where a form may send the officer back to: a local path of this site (the truck page, this page).
LOCAL_PATH = re.compile(r"^/(?!/)[A-Za-z0-9/_.-]{0,200}$")
#: Outcomes of ``finish`` and ``lab`` that stop a truck for hours or for good: confirmed before they are saved.
COSTLY = frozenset({Outcome.SAMPLE.value, Outcome.HOLD.value, Outcome.REJECT.value})


def _text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def capabilities(principal: Principal) -> dict[str, Any]:
    """Which forms to show the principal (the use cases decide; this only keeps refusals off the page)."""
    role = principal.as_actor().role
    admin = principal.is_admin
    return {
        "send": [k.value for k in inspection_desk.BAYS if admin or inspections.ROLE[k] is role],
        "finish": [k.value for k in inspection_desk.BAYS if admin or inspections.ROLE[k] is role],
        "lab": admin or role is ActorRole.QUARANTINE,
        "certificate": admin or role is ActorRole.QUARANTINE,
    }


def _outcomes() -> dict[str, list[str]]:
    order = [o.value for o in Outcome]
    return {k.value: [o for o in order if Outcome(o) in OUTCOMES[k]] for k in ResourceKind}


def truck_actions(ctx: ServiceContext, principal: Principal, trip_id: str, *, back: str) -> dict[str, Any]:
    """The context of ``inspections/_truck_actions.html`` for one truck the principal may see.

    ``back``: where the forms return after an action (the truck page's own path). The caller renders the partial
    with these names in its context: ``inspection`` (the truck's jobs, samples and certificate checks),
    ``inspection_can``, ``inspection_outcomes`` and ``inspection_back``.
    """
    access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, Permission.READ_TRIP)
    return {
        "inspection": inspection_desk.truck_desk(ctx.uow(read_only=True), trip_id),
        "inspection_can": capabilities(principal),
        "inspection_outcomes": _outcomes(),
        "inspection_back": back,
    }


def _page(
    request: Request, ctx: ServiceContext, principal: Principal, gate_id: str, *, status: int = 200, **extra: Any
) -> HTMLResponse:
    desk = inspection_desk.desk(ctx.uow(read_only=True), clock=ctx.clock, gate_id=gate_id)
    plates = {r.job.id: r.truck.plate for q in desk.queues.values() for r in q.rows if r.truck}
    plates |= {c.truck.trip_id: c.truck.plate for c in desk.certificates}
    return render(
        request,
        "inspections.html",
        status=status,
        tz=desk.gate.timezone,
        gate=desk.gate,
        desk=desk,
        plates=plates,
        kinds=[k.value for k in ResourceKind],
        rule=QUEUE_RULE,
        inspection_can=capabilities(principal),
        inspection_outcomes=_outcomes(),
        inspection_back=f"/gates/{gate_id}/inspections",
        **extra,
    )


@router.get("/gates/{gate_id}/inspections", response_class=HTMLResponse)
def inspections_page(gate_id: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = officer_at(request, gate_id)
    done = request.query_params.get("done")
    return _page(request, ctx, principal, gate_id, done=done if done in ACTIONS else None)


def act(ctx: ServiceContext, principal: Principal, action: str, form: FormData) -> None:
    """One action, through its API twin's check and use case (the object decides, as in the API: the page's gate
    is only where the officer comes back to)."""
    actor = principal.as_actor()
    reason = _text(form, "reason") or None
    if action == "send":
        trip_id = _text(form, "trip_id", 64)
        access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, Permission.INSPECT)
        kind = _text(form, "kind", 24)
        inspections.request_inspection(
            ctx.uow(), clock=ctx.clock, trip_id=trip_id, kind=kind, actor=actor, reason=reason
        )
    elif action in ("finish", "lab"):
        job_id = _text(form, "job_id", 64)
        permission = Permission.INSPECT if action == "finish" else Permission.RECORD_QUARANTINE
        access.job_in_scope(ctx.uow(read_only=True), principal, job_id, permission)
        record = inspections.finish_inspection if action == "finish" else inspections.record_lab_result
        record(
            ctx.uow(), clock=ctx.clock, job_id=job_id, outcome=_text(form, "outcome", 16), actor=actor, reason=reason
        )
    elif action == "accept":
        check_id = _text(form, "check_id", 64)
        access.check_in_scope(ctx.uow(read_only=True), principal, check_id, Permission.RECORD_QUARANTINE)
        inspections.accept_certificate(ctx.uow(), clock=ctx.clock, check_id=check_id, actor=actor, reason=reason or "")
    elif action == "refuse":
        trip_id = _text(form, "trip_id", 64)
        access.check_transition(ctx.uow(read_only=True), principal, trip_id, "reject")
        trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=trip_id, action="reject", actor=actor, reason=reason)
    else:
        raise InvalidInput("enum.invalid", field="action", value=action[:24], allowed=", ".join(ACTIONS))


def costly(action: str, form: FormData) -> bool:
    return action == "refuse" or (action in ("finish", "lab") and _text(form, "outcome", 16) in COSTLY)


@router.post("/gates/{gate_id}/inspections", response_class=HTMLResponse)
async def inspections_submit(gate_id: str, request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    form = await request.form()
    carried = [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k not in (CSRF_FIELD, "step")]
    values = dict(carried)
    action = values.get("action", "")
    back = values.get("back", "")
    back = back if LOCAL_PATH.match(back) else f"/gates/{gate_id}/inspections"
    token = form.get(CSRF_FIELD)
    if not csrf_ok(request, token if isinstance(token, str) else None):
        return await _refused(request, ctx, principal, gate_id, InvalidInput("page.csrf"), values, status=403)
    try:
        if costly(action, form) and form.get("step") != "confirm":
            # Asked twice: the checks run first (a refusal now, not after the confirmation), then the question.
            await run_in_threadpool(_precheck, ctx, principal, action, form)
            page = await run_in_threadpool(
                _page, request, ctx, principal, gate_id, confirm=values, carried=carried, values=values
            )
            return page
        await run_in_threadpool(act, ctx, principal, action, form)
    except CuakhauError as exc:
        if exc.http_status in (401, 403):
            raise
        return await _refused(request, ctx, principal, gate_id, exc, values, status=exc.http_status)
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}done={action}", status_code=303)


def _precheck(ctx: ServiceContext, principal: Principal, action: str, form: FormData) -> None:
    """Before asking to confirm: the access check of the action, and the reason every costly step needs."""
    if action == "refuse":
        trip_id = _text(form, "trip_id", 64)
        access.check_transition(ctx.uow(read_only=True), principal, trip_id, "reject")
    else:
        job_id = _text(form, "job_id", 64)
        permission = Permission.INSPECT if action == "finish" else Permission.RECORD_QUARANTINE
        access.job_in_scope(ctx.uow(read_only=True), principal, job_id, permission)
    if not _text(form, "reason"):
        raise InvalidInput("inspection.reason_required", field="reason")


async def _refused(
    request: Request,
    ctx: ServiceContext,
    principal: Principal,
    gate_id: str,
    exc: CuakhauError,
    values: dict[str, str],
    *,
    status: int,
) -> HTMLResponse:
    problem = {"code": exc.code, "field": exc.field, "message": i18n.render(exc.code, language_of(request), exc.params)}
    try:
        officer_at(request, gate_id)
    except CuakhauError as denied:  # not someone who works this gate's page: the refusal alone, as the API's
        raise (denied if status == 403 else exc) from None
    page: HTMLResponse = await run_in_threadpool(
        _page, request, ctx, principal, gate_id, status=status, problem=problem, values=values
    )
    return page
