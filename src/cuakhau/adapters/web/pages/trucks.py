"""One page per truck for the officers of its gate, the plate search that leads to it, and the actions on it.

``/gates/{gate_id}/trucks/{trip_id}`` shows everything recorded about one trip (``services/truck_file.py``): the
declaration and its cargo lines, the booking and its history, the customs channel and its reasons, certificate
findings, weighbridge readings against the declaration, device reads, stages, the other side's decisions, the
notifications sent and the audit trail. ``/gates/{gate_id}/trucks?plate=`` finds trucks by plate, whole or in part.

Actions, each the same use case and checks as its API twin:

* hold and release (``POST …/step``): ``POST /api/v1/trips/{trip_id}/transitions`` — ``access.check_transition``
  then ``trips.transition_trip`` (the lifecycle's rules: ``services/lifecycle.py``). A hold is confirmed first;
  its reason is one of the published reasons (``i18n/step_reasons.py``) with the officer's own words.
* customs' result (``POST …/customs``): ``POST /api/v1/trips/{trip_id}/customs/results`` —
  ``access.trip_in_scope(RECORD_CUSTOMS)`` then ``customs.record_customs_result``. Hold and reject are confirmed;
  each result has its own published reasons (a rejection is not a hold: ``step_reasons.RESULT_REASONS``).

A refusal is shown on the page as a sentence in the officer's language, with the API's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from cuakhau import i18n
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages.access import officer_at
from cuakhau.adapters.web.pages.i18n import translations
from cuakhau.adapters.web.pages.render import CSRF_FIELD, csrf_ok, language_of, render
from cuakhau.domain.accounts import Permission, Principal
from cuakhau.domain.errors import CuakhauError, InvalidInput
from cuakhau.domain.hs_terms import local_names
from cuakhau.domain.perishability import PROFILES
from cuakhau.domain.trip import TripAction, TripState, allowed_actions
from cuakhau.i18n import reasons, step_reasons
from cuakhau.services import access, customs, truck_file
from cuakhau.services import trips as trip_service
from cuakhau.services.context import ServiceContext
from cuakhau.services.gates import get_gate
from cuakhau.services.ports import TripSummary

router = APIRouter(include_in_schema=False)

#: The lifecycle steps this page takes (``TRANSITION_ROLES`` says who may).
STEPS = (TripAction.HOLD, TripAction.RELEASE)
#: Customs results that stop or turn back a truck: confirmed first.
CONFIRMED_RESULTS = ("hold", "reject")
RESULT_KINDS = ("release", "hold", "reject")
NOTICES = ("hold", "release", "customs")
_STATES = frozenset(s.value for s in TripState)
#: Whose account the audit trail names: an officer's (an exporter's, a device's or a rule's id means nothing there).
OFFICER_ROLES = frozenset({"customs", "quarantine", "border_guard", "gate_admin"})


def _text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _problem(request: Request, exc: CuakhauError) -> dict[str, Any]:
    """A refusal as the officer reads it: a trip's state or a step named in words, never as its code."""
    params = dict(exc.params)
    for name in ("state", "from_state"):
        if params.get(name) in _STATES:
            params[name] = {"code": f"trip.state.{params[name]}"}
    for name in ("result", "action"):
        if isinstance(params.get(name), str) and params[name] in step_reasons.ACTION_NAMES:
            params[name] = step_reasons.ACTION_NAMES[params[name]]
    return {"code": exc.code, "field": exc.field, "message": i18n.render(exc.code, language_of(request), params)}


def _page(
    request: Request,
    ctx: ServiceContext,
    principal: Principal,
    gate_id: str,
    trip_id: str,
    *,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    file = truck_file.truck_file(ctx.uow(read_only=True), clock=ctx.clock, gate_id=gate_id, trip_id=trip_id)
    lang = language_of(request)
    gate = file.gate

    def booking_why(reason: str | None, params: Any, slot_start: Any) -> str:
        return reasons.describe(reason, params or {}, slot_start=slot_start, language=lang, tz=gate.timezone)

    b = file.booking
    allowed = set(allowed_actions(file.trip.state))
    return render(
        request,
        "truck.html",
        status=status,
        tz=gate.timezone,
        file=file,
        gate=gate,
        booking_reason=booking_why(b.reason, b.reason_params, b.slot_start) if b else None,
        history_reasons=[
            booking_why(h.get("reason"), h.get("reason_params"), h.get("to_slot")) for h in file.booking_history
        ],
        hs_names={ln.hs.code: local_names(ln.hs.code, lang) for ln in file.shipment.lines},
        channel_reasons=_channel_reasons(file, lang),
        why=lambda reason: step_reasons.describe(reason, lang),
        hold_reasons=_choices(step_reasons.HOLD_REASONS, lang),
        release_reasons=_choices(step_reasons.RELEASE_REASONS, lang),
        reject_reasons=_choices(step_reasons.REJECT_REASONS, lang),
        may_hold=TripAction.HOLD in allowed and principal.may_take(TripAction.HOLD),
        may_release=TripAction.RELEASE in allowed and principal.may_take(TripAction.RELEASE),
        may_read_customs=principal.may(Permission.READ_CUSTOMS),
        may_record_customs=principal.may(Permission.RECORD_CUSTOMS) and not file.trip.is_terminal,
        officer_roles=OFFICER_ROLES,
        customs_results=customs.possible_results(file.trip.state),
        **extra,
    )


@router.get("/gates/{gate_id}/trucks", response_class=HTMLResponse)
def search_page(gate_id: str, request: Request, ctx: ContextDep) -> Response:
    """Trucks at the gate by plate (whole, any spelling, or a part of it); one match opens its page."""
    officer_at(request, gate_id)
    typed = request.query_params.get("plate", "")[:32]
    found: list[TripSummary] = []
    total, problem = 0, None
    if typed.strip():
        try:
            found, total = truck_file.find_trucks(ctx.uow(read_only=True), gate_id=gate_id, typed=typed)
        except CuakhauError as exc:
            if exc.http_status != 422:
                raise
            problem = _problem(request, exc)
        if len(found) == 1:
            return RedirectResponse(f"/gates/{gate_id}/trucks/{found[0].trip.id}", status_code=303)
    gate = get_gate(ctx.uow(read_only=True), gate_id)
    return render(
        request,
        "truck_search.html",
        status=422 if problem else 200,
        tz=gate.timezone,
        gate=gate,
        typed=typed,
        found=found,
        total=total,
        limit=truck_file.MAX_RESULTS,
        problem=problem,
    )


@router.get("/gates/{gate_id}/trucks/{trip_id}", response_class=HTMLResponse)
def truck_page(gate_id: str, trip_id: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = officer_at(request, gate_id)
    done = request.query_params.get("done")
    return _page(request, ctx, principal, gate_id, trip_id, done=done if done in NOTICES else None)


async def _form(request: Request) -> tuple[FormData, dict[str, str], bool]:
    form = await request.form()
    values = {k: v for k, v in form.multi_items() if isinstance(v, str) and k != CSRF_FIELD}
    token = form.get(CSRF_FIELD)
    return form, values, csrf_ok(request, token if isinstance(token, str) else None)


def _version(form: FormData) -> int | None:
    raw = _text(form, "expected_version", 12)
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput("request.invalid_type", field="expected_version", expected="integer")
    return int(raw)


@router.post("/gates/{gate_id}/trucks/{trip_id}/step", response_class=HTMLResponse)
async def step_submit(gate_id: str, trip_id: str, request: Request, ctx: ContextDep) -> Response:
    """Hold (confirmed first) or release: the trip's lifecycle step, as ``POST /trips/{id}/transitions``."""
    principal = officer_at(request, gate_id)
    form, values, token_ok = await _form(request)
    action = values.get("action", "")
    if not token_ok:
        problem = _problem(request, InvalidInput("page.csrf"))
        return _page(request, ctx, principal, gate_id, trip_id, status=403, problem=problem, values=values)
    # The API's checks, in the API's order: the trip must be visible, then the role must take this step.
    await run_in_threadpool(access.check_transition, ctx.uow(read_only=True), principal, trip_id, action)
    try:
        if action not in {s.value for s in STEPS}:
            raise InvalidInput("enum.invalid", field="action", value=action[:16], allowed=_names(STEPS, request))
        chosen = TripAction(action)
        reason = _reason(form, action, language_of(request))
        if chosen is TripAction.HOLD and reason is None:
            raise InvalidInput("trip.reason_required", field="reason_code", action=step_reasons.ACTION_NAMES[action])
        version = _version(form)
        if chosen is TripAction.HOLD and values.get("step") != "confirm":
            preview = {"action": action, "reason": reason, "carried": _carried(values)}
            return _page(request, ctx, principal, gate_id, trip_id, preview=preview, values=values)
        await run_in_threadpool(
            trip_service.transition_trip,
            ctx.uow(),
            clock=ctx.clock,
            trip_id=trip_id,
            action=action,
            actor=principal.as_actor(),
            reason=reason,
            expected_version=version,
        )
    except CuakhauError as exc:
        if exc.http_status in (401, 403):
            raise
        problem = _problem(request, exc)
        return _page(request, ctx, principal, gate_id, trip_id, status=exc.http_status, problem=problem, values=values)
    return RedirectResponse(f"/gates/{gate_id}/trucks/{quote(trip_id)}?done={action}", status_code=303)


@router.post("/gates/{gate_id}/trucks/{trip_id}/customs", response_class=HTMLResponse)
async def customs_submit(gate_id: str, trip_id: str, request: Request, ctx: ContextDep) -> Response:
    """Customs' result (release, hold, reject), as ``POST /trips/{id}/customs/results``; hold and reject confirmed."""
    principal = officer_at(request, gate_id)
    form, values, token_ok = await _form(request)
    if not token_ok:
        problem = _problem(request, InvalidInput("page.csrf"))
        return _page(request, ctx, principal, gate_id, trip_id, status=403, problem=problem, values=values)
    await run_in_threadpool(
        access.trip_in_scope, ctx.uow(read_only=True), principal, trip_id, Permission.RECORD_CUSTOMS
    )
    kind = values.get("kind", "")
    try:
        if kind not in RESULT_KINDS:
            raise InvalidInput("enum.invalid", field="kind", value=kind[:16], allowed=_names(RESULT_KINDS, request))
        reason = _reason(form, kind, language_of(request))
        if kind in CONFIRMED_RESULTS and values.get("step") != "confirm":
            if reason is None:
                raise InvalidInput("trip.reason_required", field="reason_code", action=step_reasons.ACTION_NAMES[kind])
            preview = {"kind": kind, "reason": reason, "carried": _carried(values)}
            return _page(request, ctx, principal, gate_id, trip_id, customs_preview=preview, values=values)
        await run_in_threadpool(
            customs.record_customs_result,
            ctx.uow(),
            clock=ctx.clock,
            trip_id=trip_id,
            kind=kind,
            actor=principal.as_actor(),
            reason=reason,
        )
    except CuakhauError as exc:
        if exc.http_status in (401, 403):
            raise
        problem = _problem(request, exc)
        return _page(request, ctx, principal, gate_id, trip_id, status=exc.http_status, problem=problem, values=values)
    return RedirectResponse(f"/gates/{gate_id}/trucks/{quote(trip_id)}?done=customs", status_code=303)


def _channel_reasons(file: truck_file.TruckFile, lang: str) -> list[str]:
    """The reasons behind the customs channel as sentences; the goods' perishability class by its name in the
    page's catalog (``domain/perishability.py`` labels), not its code."""
    if file.channel is None:
        return []
    labels = {kind.value: p.label for kind, p in PROFILES.items()}
    words = translations(lang)
    out = []
    for r in file.channel.reasons:
        params = dict(r.params)
        label = labels.get(str(params.get("perishability")))
        if label is not None:
            params["perishability"] = words.gettext(label)
        out.append(i18n.render(r.code, lang, params))
    return out


def _names(kinds: tuple[str, ...], request: Request) -> str:
    return "; ".join(step_reasons.ACTION_NAMES[k].get(language_of(request), k) for k in kinds)


def _choices(published: Mapping[str, Mapping[str, str]], lang: str) -> list[tuple[str, str]]:
    return [(code, step_reasons.label(code, lang)) for code in published]


def _reason(form: FormData, kind: str, lang: str) -> str | None:
    """The reason as the step keeps it: a code from the list published for ``kind`` (hold, release, reject) and
    the officer's words; a code from another list is refused, naming the choices as the officer reads them."""
    known = step_reasons.RESULT_REASONS[kind]
    code = _text(form, "reason_code", 32)
    if code and code not in known:
        allowed = "; ".join(text for _, text in _choices(known, lang))
        raise InvalidInput("enum.invalid", field="reason_code", value=code, allowed=allowed)
    return step_reasons.compose(code or None, _text(form, "reason_text"))


def _carried(values: dict[str, str]) -> list[tuple[str, str]]:
    """What the confirmation carries forward: the form as sent, but its step."""
    return [(k, v) for k, v in values.items() if k != "step"]
