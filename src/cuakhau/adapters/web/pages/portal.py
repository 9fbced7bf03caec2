"""The exporter portal: declare a trip with its cargo lines, book and reschedule, dispatch, follow each truck,
read what was sent.

The trip list shows each trip's next step and when (``services.outlook.next_steps``); a trip page shows what
remains of each slot and the limit that binds it, a waiting booking's place on the list and the slot to expect,
and — while a truck is booked — whether it may leave now, with its "leave by" time and one button to dispatch.
A change of window that would give up a held slot for the waiting list is shown first and asks to be confirmed.
``/portal/inbox`` lists the messages sent to the enterprise, newest first.

Forms post back to the same page. Every check and rule is the services': the pages call the same use cases as
the API (``services/authorized.py``: permission, then scope, then — for booking changes — the booking limit), so
a page allows, refuses and hides exactly what its API twin does (``tests/integration/test_page_api_parity.py``).
A refused form is shown again with the service's error in the reader's language, next to the field at fault.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cuakhau import i18n
from cuakhau.adapters.bounds import Day
from cuakhau.adapters.web import auth, batching
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages import trip_copy
from cuakhau.adapters.web.pages.access import signed_in
from cuakhau.adapters.web.pages.i18n import translations
from cuakhau.adapters.web.pages.render import csrf_ok, language_of, render
from cuakhau.domain import timebounds
from cuakhau.domain.accounts import Permission, Principal
from cuakhau.domain.booking import DEFAULT_RULES, Booking
from cuakhau.domain.errors import CuakhauError, InvalidInput, NotFound
from cuakhau.domain.gate import Direction, Gate
from cuakhau.domain.hs_terms import find_goods
from cuakhau.domain.shipment import Perishability
from cuakhau.domain.trip import TripState
from cuakhau.domain.values import IdentityDocumentKind
from cuakhau.i18n import reasons
from cuakhau.services import access, authorized, boards, equeue, fleet, outlook
from cuakhau.services.context import ServiceContext
from cuakhau.services.gates import list_gates
from cuakhau.services.ports import TripFilter

router = APIRouter(prefix="/portal", include_in_schema=False)

LINE_FIELDS = (
    "hs_code",
    "description",
    "net_kg",
    "gross_kg",
    "packages",
    "value",
    "currency",
    "perishability",
    "planting_area_code",
    "packing_house_code",
)
MAX_FORM_LINES = 10
DOCUMENT_KINDS = tuple(k.value for k in IdentityDocumentKind)


def _problem(request: Request, exc: CuakhauError) -> dict[str, Any]:
    return {"code": exc.code, "field": exc.field, "message": i18n.render(exc.code, language_of(request), exc.params)}


def _problems(request: Request, exc: CuakhauError) -> list[dict[str, Any]]:
    """Each problem of a refused declaration (``params["problems"]``), in the reader's language, for its field."""
    language = language_of(request)
    listed = exc.params.get("problems")
    if not isinstance(listed, list) or not listed:
        return [_problem(request, exc)]
    return [
        {"code": p["code"], "field": p.get("field"), "message": i18n.render(p["code"], language, p)} for p in listed
    ]


@router.get("", response_class=HTMLResponse)
def trips_page(
    request: Request, ctx: ContextDep, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0
) -> HTMLResponse:
    principal = signed_in(request)
    found, total = authorized.visible_trips(ctx, principal, TripFilter(), limit=50, offset=offset)
    gates = {g.id: g for g in list_gates(ctx.uow(read_only=True))}
    steps = outlook.next_steps(ctx.uow(read_only=True), clock=ctx.clock, trips=found)
    return render(request, "portal/trips.html", trips=found, total=total, offset=offset, gates=gates, steps=steps)


INBOX_PAGE = 20


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(
    request: Request, ctx: ContextDep, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0
) -> HTMLResponse:
    """Every message sent to the caller's enterprise about its trips, newest first, in the reader's language."""
    principal = signed_in(request)
    items, total = authorized.inbox(ctx, principal, limit=INBOX_PAGE, offset=offset)
    lang = language_of(request)
    texts = [_message(item, lang) for item in items]
    return render(
        request, "portal/inbox.html", items=items, texts=texts, total=total, offset=offset, page_size=INBOX_PAGE
    )


def _message(item: outlook.InboxItem, language: str) -> str | None:
    """The sentence a message carried, in the reader's language (never its code or raw times)."""
    n = item.sent.notification
    messages = n.payload.get("messages")
    if isinstance(messages, dict) and isinstance(messages.get(language), str):
        return str(messages[language])
    if n.kind == "called" and n.payload.get("lane") and item.gate is not None:
        come_by = n.payload.get("come_by")
        by = reasons.local_time(str(come_by), item.gate.timezone) if come_by else "—"
        return str(translations(language).gettext("Go to lane %(lane)s by %(time)s.")) % {
            "lane": n.payload["lane"],
            "time": by,
        }
    return None


# --- HS code lookup -------------------------------------------------------------------------------------------


@router.get("/hs", response_class=HTMLResponse)
def hs_lookup(
    request: Request, ctx: ContextDep, q: Annotated[str, Query(max_length=100)] = "", line: int = 0
) -> HTMLResponse:
    """HS codes by number or by words in vi/zh/en; a whole page without JavaScript, a fragment with it. Part of
    the declaration form: for those who may declare."""
    access.require_permission(signed_in(request), Permission.DECLARE)
    hits = find_goods(ctx.nomenclature, q, limit=20) if q.strip() else []
    template = "portal/_hs_results.html" if request.headers.get("x-fragment") else "portal/hs.html"
    return render(request, template, q=q, hits=hits, line=line)


# --- declare --------------------------------------------------------------------------------------------------


def _declare_form(
    request: Request, ctx: ContextDep, principal: Principal, values: dict[str, Any], **extra: Any
) -> HTMLResponse:
    vehicles = authorized.declarable_vehicles(ctx, principal)
    trailers = authorized.declarable_trailers(ctx, principal)
    gates = list_gates(ctx.uow(read_only=True))
    return render(
        request,
        "portal/declare.html",
        status=extra.pop("status", 200),
        values=values,
        vehicles=vehicles,
        trailers=trailers,
        gates=gates,
        directions=[d.value for d in Direction],
        perishabilities=[p.value for p in Perishability],
        document_kinds=DOCUMENT_KINDS,
        **extra,
    )


@router.get("/trips/new", response_class=HTMLResponse)
def declare_page(
    request: Request, ctx: ContextDep, again: Annotated[str | None, Query(max_length=64)] = None
) -> HTMLResponse:
    """The declaration form; ``?again=<trip id>``: pre-filled from that past trip (``pages/trip_copy.py``)."""
    principal = signed_in(request)
    values: dict[str, Any] = {"direction": "export", "consignee_country": "CN", "lines": [{"currency": "USD"}]}
    if again:
        copy = fleet.copy_of_trip(ctx, principal, again)
        busy = [_problem(request, e) for e in copy.busy]
        extra = {"problem": busy[0], "problems": busy} if busy else {}
        return _declare_form(request, ctx, principal, trip_copy.declaration_values(copy), copied=True, **extra)
    return _declare_form(request, ctx, principal, values)


def _lines(form: Any) -> list[dict[str, str]]:
    lines = []
    for i in range(MAX_FORM_LINES):
        row = {name: str(form.get(f"lines-{i}-{name}", "")).strip() for name in LINE_FIELDS}
        if i == 0 or any(v for k, v in row.items() if k not in ("currency", "perishability")):
            lines.append(row)
    return lines


def _shipment_lines(lines: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The form's cargo lines as the service takes them (a packages count that is not a whole number is passed on
    as it is, for the service to refuse with the line's other problems)."""
    out = []
    for row in lines:
        packages: int | str
        try:
            packages = int(row["packages"] or "0")
        except ValueError:
            packages = row["packages"][:20]
        out.append(
            {
                "hs_code": row["hs_code"],
                "description": row["description"],
                "net_kg": row["net_kg"],
                "gross_kg": row["gross_kg"],
                "packages": packages,
                "value": row["value"],
                "currency": row["currency"] or "USD",
                "perishability": row["perishability"] or None,
                "planting_area_code": row["planting_area_code"] or None,
                "packing_house_code": row["packing_house_code"] or None,
            }
        )
    return out


def _containers(raw: str) -> list[str]:
    """The form's container numbers: one a line, or separated by commas or semicolons."""
    return [c.strip() for c in raw.replace(";", "\n").replace(",", "\n").splitlines() if c.strip()]


def _declaration(ctx: ServiceContext, principal: Principal, values: dict[str, Any]) -> dict[str, Any]:
    """The declaration the form's values make, as ``authorized.declare_trip`` takes it; a driver's document
    nobody holds is reported with every other problem of the form."""
    found: list[CuakhauError] = []
    driver_id: str | None = None
    try:
        driver_id = authorized.driver_by_document(
            ctx,
            principal,
            kind=values.get("driver_document_kind", ""),
            number=values.get("driver_document", ""),
        ).id
    except (InvalidInput, NotFound) as exc:
        found.append(exc)
    return {
        "gate_id": values.get("gate_id", ""),
        "direction": values.get("direction", ""),
        "vehicle_id": values.get("vehicle_id", ""),
        "driver_id": driver_id,
        "trailer_id": values.get("trailer_id") or None,
        "containers": _containers(values.get("containers", "")),
        "errors": found,
        "shipment": {
            # a tenant declares for its own enterprise; staff who may declare name the exporter
            "exporter_id": principal.enterprise_id if principal.is_tenant else values.get("exporter_id", ""),
            "consignee_name": values.get("consignee_name", ""),
            "consignee_country": values.get("consignee_country", ""),
            "phytosanitary_certificate_no": values.get("phytosanitary_certificate_no") or None,
            "part_of": values.get("part_of", "").strip() or None,
            "lines": _shipment_lines(values["lines"]),
        },
        "actor": principal.as_actor(),
    }


def form_field(field: str | None) -> str:
    """The id of the form control a problem's field names (``shipment.lines[0].hs_code`` → ``lines-0-hs_code``)."""
    name = (field or "").removeprefix("shipment.")
    if name.startswith("containers"):
        return "containers"
    if name in ("driver_id", "driver_document"):
        return "driver_document"
    if name.startswith("lines["):
        index, _, rest = name[len("lines[") :].partition("]")
        return f"lines-{index}-{rest.lstrip('.').split('.')[0]}" if rest.strip(".") else f"lines-{index}-hs_code"
    return name.split(".")[0].split("[")[0]


@router.post("/trips/new/check")
async def declare_check(request: Request, ctx: ContextDep) -> JSONResponse:
    """Every problem of the declaration form as it stands, by the form control at fault: the declaration itself
    run as a dry run (nothing written), for ``static/portal.js`` to show each message next to its field as the
    form is filled in. ``{"fields": {control id: message}}``; the form still checks everything on submit."""
    principal = signed_in(request)
    access.require_permission(principal, Permission.DECLARE)
    form = await request.form()
    values: dict[str, Any] = {k: str(v)[:500] for k, v in form.items() if not k.startswith("lines-")}
    values["lines"] = _lines(form)
    if not csrf_ok(request, values.get("csrf_token")):
        return JSONResponse({"fields": {}}, status_code=403)
    fields: dict[str, str] = {}
    try:
        await run_in_threadpool(
            lambda: authorized.declare_trip(ctx, principal, dry_run=True, **_declaration(ctx, principal, values))
        )
    except CuakhauError as exc:
        for p in _problems(request, exc):
            key = form_field(p["field"])
            fields[key] = f"{fields[key]} {p['message']}" if key in fields else p["message"]
    return JSONResponse({"fields": fields})


@router.post("/trips/new", response_class=HTMLResponse)
async def declare_submit(request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    access.require_permission(principal, Permission.DECLARE)  # as the API: refused before the form is read
    form = await request.form()
    values: dict[str, Any] = {k: str(v)[:500] for k, v in form.items() if not k.startswith("lines-")}
    values["lines"] = _lines(form)
    if not csrf_ok(request, form.get("csrf_token") if isinstance(form.get("csrf_token"), str) else None):  # type: ignore[arg-type]
        return _declare_form(
            request, ctx, principal, values, status=403, problem=_problem(request, InvalidInput("page.csrf"))
        )
    if "add_line" in form and len(values["lines"]) < MAX_FORM_LINES:
        values["lines"].append({"currency": "USD"})
        return _declare_form(request, ctx, principal, values)
    try:
        trip = authorized.declare_trip(ctx, principal, **_declaration(ctx, principal, values))
    except CuakhauError as exc:
        problems = _problems(request, exc)
        return _declare_form(
            request, ctx, principal, values, status=exc.http_status, problem=_problem(request, exc), problems=problems
        )
    return RedirectResponse(f"/portal/trips/{trip.id}?declared=1", status_code=303)


# --- one trip: timeline, booking, reschedule ------------------------------------------------------------------


def _local(value: str, tz: ZoneInfo, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("request.invalid_type", field=field, expected="YYYY-MM-DDTHH:MM") from None
    timebounds.check_representable(parsed, field)
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


def _trip_page(
    request: Request,
    ctx: ServiceContext,
    principal: Principal,
    trip_id: str,
    *,
    day: date | None = None,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    view = authorized.trip_view(ctx, principal, trip_id)
    gate = view.gate
    now = ctx.clock.now()
    if day is None:
        anchor = view.booking.slot_start if view.booking and view.booking.slot_start else now
        day = gate.local(anchor).date()
    timebounds.check_readable_day(day, today=gate.local(now).date(), horizon=DEFAULT_RULES.horizon, field="day")
    _, slots = boards.day_capacity(
        ctx.uow(read_only=True), clock=ctx.clock, gate_id=gate.id, direction=view.trip.direction.value, day=day
    )
    # What remains for *this* truck: goods that need inspection also need an inspection place.
    inspected = view.booking.needs_inspection if view.booking else view.shipment.plant_product
    # Why the booking is where it is, and why each change happened: sentences in the reader's language.
    lang = language_of(request)

    def why(reason: str | None, params: Any, slot_start: datetime | None) -> str:
        return reasons.describe(reason, params or {}, slot_start=slot_start, language=lang, tz=gate.timezone)

    b = view.booking
    booking_reason = why(b.reason, b.reason_params, b.slot_start) if b else None
    history_reasons = [why(h.get("reason"), h.get("reason_params"), h.get("to_slot")) for h in view.history]
    defaults = _window_defaults(gate, b, now)
    waiting = outlook.waiting_outlook(ctx.uow(read_only=True), clock=ctx.clock, booking=b) if b else None
    step = outlook.next_step(view.trip, gate, b, waiting)
    # While the truck is booked: may it leave now? Every reason it may not, as sentences.
    dispatch = None
    if view.trip.state is TripState.BOOKED:
        problems = outlook.dispatch_check(ctx.uow(read_only=True), clock=ctx.clock, trip_id=view.trip.id)
        dispatch = [i18n.render(p.code, lang, {"field": p.field, **dict(p.params)}) for p in problems]
    return render(
        request,
        "portal/trip.html",
        status=status,
        tz=gate.timezone,
        view=view,
        gate=gate,
        day=day,
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        slots=[(s, s.for_truck(inspected)) for s in slots],
        inspected=inspected,
        booking_reason=booking_reason,
        history_reasons=history_reasons,
        waiting=waiting,
        step=step,
        dispatch=dispatch,
        values={**defaults, **extra.pop("values", {})},
        idempotency_key=secrets.token_urlsafe(16),
        **extra,
    )


def _window_defaults(gate: Gate, booking: Booking | None, now: datetime) -> dict[str, str]:
    """The booking form's window: a booking's own window (a change starts from what is booked), else from two
    hours ahead for twelve hours, in the gate's time."""
    if booking is not None and booking.is_open:
        earliest, latest = gate.local(booking.earliest), gate.local(booking.latest)
        travel = booking.travel_minutes
    else:
        earliest = gate.local(now + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
        latest, travel = earliest + timedelta(hours=12), 180
    return {
        "earliest": earliest.replace(tzinfo=None).isoformat(timespec="minutes"),
        "latest": latest.replace(tzinfo=None).isoformat(timespec="minutes"),
        "travel_minutes": str(travel),
    }


@router.get("/trips/{trip_id}", response_class=HTMLResponse)
def trip_page(
    trip_id: str, request: Request, ctx: ContextDep, day: Annotated[Day | None, Query()] = None
) -> HTMLResponse:
    principal = signed_in(request)
    notice = None
    for key in ("declared", "booked", "rescheduled", "dispatched"):
        if request.query_params.get(key):
            notice = key
    return _trip_page(request, ctx, principal, trip_id, day=day, notice=notice)


@router.post("/trips/{trip_id}/booking", response_class=HTMLResponse)
async def book_submit(trip_id: str, request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    form = await request.form()
    values = {k: str(v)[:200] for k, v in form.items()}
    # Read with the booking's permission: refused (403), or not found (404), exactly as the API refuses it.
    view = await run_in_threadpool(authorized.trip_view, ctx, principal, trip_id, Permission.BOOK)
    tz = view.gate.timezone
    if not csrf_ok(request, values.get("csrf_token")):
        problem = _problem(request, InvalidInput("page.csrf"))
        return _trip_page(request, ctx, principal, trip_id, status=403, values=values, problem=problem)
    # The same use cases as the API: the trip's visibility, then the booking limit, in the change's transaction.
    count = auth.booking_counter(request, principal, ctx)
    try:
        earliest = _local(values.get("earliest", ""), tz, "earliest")
        latest = _local(values.get("latest", ""), tz, "latest")
        if values.get("action") == "reschedule":
            if values.get("confirm") != "1" and view.booking is not None:
                preview = await run_in_threadpool(
                    outlook.preview_reschedule,
                    ctx.uow(read_only=True),
                    clock=ctx.clock,
                    booking=view.booking,
                    earliest=earliest,
                    latest=latest,
                )
                if preview.loses_slot:  # giving up a held slot for the waiting list: said first, then confirmed
                    return _trip_page(request, ctx, principal, trip_id, values=values, confirm=preview)
            await run_in_threadpool(
                authorized.reschedule,
                ctx,
                principal,
                trip_id=trip_id,
                earliest=earliest,
                latest=latest,
                actor=principal.as_actor(),
                count=count,
            )
            done = "rescheduled"
        else:
            try:
                travel = int(values.get("travel_minutes", "0") or "0")
            except ValueError:
                raise InvalidInput(
                    "booking.travel_minutes", field="travel_minutes", value=values.get("travel_minutes", "")[:20]
                ) from None
            body = {"earliest": earliest.isoformat(), "latest": latest.isoformat(), "travel_minutes": travel}
            booking = authorized.booking_request(
                principal,
                trip_id=trip_id,
                earliest=earliest,
                latest=latest,
                travel_minutes=travel,
                actor=principal.as_actor(),
                idempotency=equeue.Idempotency.of(f"book:{trip_id}", values.get("idempotency_key"), body),
                count=count,
            )
            await batching.book(request.app.state.booker, ctx, booking)
            done = "booked"
    except CuakhauError as exc:
        problem = _problem(request, exc)
        return _trip_page(request, ctx, principal, trip_id, status=exc.http_status, values=values, problem=problem)
    return RedirectResponse(f"/portal/trips/{trip_id}?{done}=1", status_code=303)


@router.post("/trips/{trip_id}/dispatch", response_class=HTMLResponse)
async def dispatch_submit(trip_id: str, request: Request, ctx: ContextDep) -> Response:
    """One tap: the truck leaves its origin now (the API's ``dispatch`` step, with the gating rule)."""
    principal = signed_in(request)
    form = await request.form()
    values = {k: str(v)[:200] for k, v in form.items()}
    await run_in_threadpool(authorized.trip_view, ctx, principal, trip_id, Permission.TRANSITION)
    if not csrf_ok(request, values.get("csrf_token")):
        problem = _problem(request, InvalidInput("page.csrf"))
        return _trip_page(request, ctx, principal, trip_id, status=403, problem=problem)
    try:
        version = int(values["version"]) if values.get("version", "").isdigit() else None
        await run_in_threadpool(authorized.dispatch, ctx, principal, trip_id=trip_id, expected_version=version)
    except CuakhauError as exc:
        return _trip_page(
            request,
            ctx,
            principal,
            trip_id,
            status=exc.http_status,
            problem=_problem(request, exc),
            problems=_problems(request, exc),
        )
    return RedirectResponse(f"/portal/trips/{trip_id}?dispatched=1", status_code=303)
