"""The exporter portal: declare a trip with its cargo lines, book and reschedule, follow each truck.

Forms post back to the same page; every rule is the services' (``services/trips.py``, ``services/equeue.py``): a
refused form is shown again with the service's error in the reader's language, next to the field at fault.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cuakhau import i18n
from cuakhau.adapters.bounds import Day
from cuakhau.adapters.web import auth
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages.access import PagePrincipal, exporter
from cuakhau.adapters.web.pages.render import csrf_ok, language_of, render
from cuakhau.domain import timebounds
from cuakhau.domain.booking import DEFAULT_RULES
from cuakhau.domain.errors import CuakhauError, InvalidInput
from cuakhau.domain.gate import Direction
from cuakhau.domain.hs_terms import find_goods
from cuakhau.domain.shipment import Perishability
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.domain.values import IdentityDocumentKind
from cuakhau.services import boards, equeue, portal
from cuakhau.services import trips as trip_service
from cuakhau.services.context import ServiceContext
from cuakhau.services.gates import list_gates

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


def actor_of(principal: PagePrincipal) -> Actor:
    """The account itself, as the accounts service records it (``Principal.as_actor``)."""
    as_actor = getattr(principal, "as_actor", None)
    return as_actor() if callable(as_actor) else Actor(principal.username, ActorRole.EXPORTER)


def _problem(request: Request, exc: CuakhauError) -> dict[str, Any]:
    return {"code": exc.code, "field": exc.field, "message": i18n.render(exc.code, language_of(request), exc.params)}


@router.get("", response_class=HTMLResponse)
def trips_page(
    request: Request, ctx: ContextDep, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0
) -> HTMLResponse:
    principal = exporter(request)
    assert principal.enterprise_id is not None
    found, total = portal.my_trips(
        ctx.uow(read_only=True), enterprise_id=principal.enterprise_id, limit=50, offset=offset
    )
    gates = {g.id: g for g in list_gates(ctx.uow(read_only=True))}
    return render(request, "portal/trips.html", trips=found, total=total, offset=offset, gates=gates)


# --- HS code lookup -------------------------------------------------------------------------------------------


@router.get("/hs", response_class=HTMLResponse)
def hs_lookup(
    request: Request, ctx: ContextDep, q: Annotated[str, Query(max_length=100)] = "", line: int = 0
) -> HTMLResponse:
    """HS codes by number or by words in vi/zh/en; a whole page without JavaScript, a fragment with it."""
    exporter(request)
    hits = find_goods(ctx.nomenclature, q, limit=20) if q.strip() else []
    template = "portal/_hs_results.html" if request.headers.get("x-fragment") else "portal/hs.html"
    return render(request, template, q=q, hits=hits, line=line)


# --- declare --------------------------------------------------------------------------------------------------


def _declare_form(
    request: Request, ctx: ContextDep, principal: PagePrincipal, values: dict[str, Any], **extra: Any
) -> HTMLResponse:
    assert principal.enterprise_id is not None
    vehicles = portal.my_vehicles(ctx.uow(read_only=True), enterprise_id=principal.enterprise_id)
    gates = list_gates(ctx.uow(read_only=True))
    return render(
        request,
        "portal/declare.html",
        status=extra.pop("status", 200),
        values=values,
        vehicles=vehicles,
        gates=gates,
        directions=[d.value for d in Direction],
        perishabilities=[p.value for p in Perishability],
        document_kinds=DOCUMENT_KINDS,
        **extra,
    )


@router.get("/trips/new", response_class=HTMLResponse)
def declare_page(request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = exporter(request)
    values: dict[str, Any] = {"direction": "export", "consignee_country": "CN", "lines": [{"currency": "USD"}]}
    return _declare_form(request, ctx, principal, values)


def _lines(form: Any) -> list[dict[str, str]]:
    lines = []
    for i in range(MAX_FORM_LINES):
        row = {name: str(form.get(f"lines-{i}-{name}", "")).strip() for name in LINE_FIELDS}
        if i == 0 or any(v for k, v in row.items() if k not in ("currency", "perishability")):
            lines.append(row)
    return lines


def _shipment_lines(lines: list[dict[str, str]]) -> list[dict[str, Any]]:
    out = []
    for i, row in enumerate(lines):
        try:
            packages = int(row["packages"] or "0")
        except ValueError:
            raise InvalidInput(
                "packages.not_positive", field=f"shipment.lines[{i}].packages", value=row["packages"][:20]
            ) from None
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


@router.post("/trips/new", response_class=HTMLResponse)
async def declare_submit(request: Request, ctx: ContextDep) -> Response:
    principal = exporter(request)
    assert principal.enterprise_id is not None
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
        driver = portal.driver_by_document(
            ctx.uow(read_only=True),
            kind=values.get("driver_document_kind", ""),
            number=values.get("driver_document", ""),
        )
        trip = trip_service.declare_trip(
            ctx.uow(),
            ctx.nomenclature,
            clock=ctx.clock,
            gate_id=values.get("gate_id", ""),
            direction=values.get("direction", ""),
            vehicle_id=values.get("vehicle_id", ""),
            driver_id=driver.id,
            shipment={
                "exporter_id": principal.enterprise_id,
                "consignee_name": values.get("consignee_name", ""),
                "consignee_country": values.get("consignee_country", ""),
                "phytosanitary_certificate_no": values.get("phytosanitary_certificate_no") or None,
                "lines": _shipment_lines(values["lines"]),
            },
            actor=actor_of(principal),
        )
    except CuakhauError as exc:
        return _declare_form(request, ctx, principal, values, status=422, problem=_problem(request, exc))
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
    principal: PagePrincipal,
    trip_id: str,
    *,
    day: date | None = None,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    assert principal.enterprise_id is not None
    view = portal.my_trip(
        ctx.uow(read_only=True), clock=ctx.clock, enterprise_id=principal.enterprise_id, trip_id=trip_id
    )
    gate = view.gate
    now = ctx.clock.now()
    if day is None:
        anchor = view.booking.slot_start if view.booking and view.booking.slot_start else now
        day = gate.local(anchor).date()
    timebounds.check_readable_day(day, today=gate.local(now).date(), horizon=DEFAULT_RULES.horizon, field="day")
    _, slots = boards.day_capacity(
        ctx.uow(read_only=True), gate_id=gate.id, direction=view.trip.direction.value, day=day
    )
    earliest = gate.local(now + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    defaults = {
        "earliest": earliest.isoformat(timespec="minutes"),
        "latest": (earliest + timedelta(hours=12)).isoformat(timespec="minutes"),
        "travel_minutes": "180",
    }
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
        slots=slots,
        values={**defaults, **extra.pop("values", {})},
        idempotency_key=secrets.token_urlsafe(16),
        **extra,
    )


@router.get("/trips/{trip_id}", response_class=HTMLResponse)
def trip_page(
    trip_id: str, request: Request, ctx: ContextDep, day: Annotated[Day | None, Query()] = None
) -> HTMLResponse:
    principal = exporter(request)
    notice = None
    for key in ("declared", "booked", "rescheduled"):
        if request.query_params.get(key):
            notice = key
    return _trip_page(request, ctx, principal, trip_id, day=day, notice=notice)


@router.post("/trips/{trip_id}/booking", response_class=HTMLResponse)
async def book_submit(trip_id: str, request: Request, ctx: ContextDep) -> Response:
    principal = exporter(request)
    assert principal.enterprise_id is not None
    form = await request.form()
    values = {k: str(v)[:200] for k, v in form.items()}
    view = portal.my_trip(
        ctx.uow(read_only=True), clock=ctx.clock, enterprise_id=principal.enterprise_id, trip_id=trip_id
    )
    tz = view.gate.timezone
    if not csrf_ok(request, values.get("csrf_token")):
        return _trip_page(
            request,
            ctx,
            principal,
            trip_id,
            status=403,
            values=values,
            problem=_problem(request, InvalidInput("page.csrf")),
        )
    try:
        earliest = _local(values.get("earliest", ""), tz, "earliest")
        latest = _local(values.get("latest", ""), tz, "latest")
        if values.get("action") == "reschedule":
            equeue.reschedule_booking(
                ctx.uow(), clock=ctx.clock, trip_id=trip_id, earliest=earliest, latest=latest, actor=actor_of(principal)
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
            # the same limit as the API's booking route: bots that grab slots to resell them are slowed down here too
            auth.limit_booking(request, principal, ctx)  # type: ignore[arg-type]
            equeue.book_trip(
                ctx.uow(),
                clock=ctx.clock,
                trip_id=trip_id,
                earliest=earliest,
                latest=latest,
                travel_minutes=travel,
                actor=actor_of(principal),
                idempotency=equeue.Idempotency.of(f"book:{trip_id}", values.get("idempotency_key"), body),
            )
            done = "booked"
    except CuakhauError as exc:
        return _trip_page(request, ctx, principal, trip_id, status=422, values=values, problem=_problem(request, exc))
    return RedirectResponse(f"/portal/trips/{trip_id}?{done}=1", status_code=303)
