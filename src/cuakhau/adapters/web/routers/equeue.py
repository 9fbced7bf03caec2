"""The electronic queue over HTTP: book, follow, reschedule, cancel; slots, plans, acceptance, no-shows.

Slots with their remaining capacity and the booking rules are public. Booking changes are the trip's
owner's (or the gate administrator's) and are rate-limited per account; the day plan is gate staff's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from cuakhau import i18n
from cuakhau.adapters.bounds import Day, Instant
from cuakhau.adapters.web import batching
from cuakhau.adapters.web.auth import PrincipalDep, actor_for, booking_counter
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.schemas import ActorIn, Out, Strict, Text, errors
from cuakhau.domain.accounts import Permission
from cuakhau.domain.booking import DEFAULT_RULES, Booking
from cuakhau.domain.errors import CuakhauError, InvalidInput
from cuakhau.domain.gate import Gate
from cuakhau.domain.perishability import PROFILES
from cuakhau.i18n import reasons
from cuakhau.services import access, authorized, day_plans, equeue
from cuakhau.services.gates import get_gate

router = APIRouter(tags=["e-queue"])

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Required: a retry with the same key returns the same booking"),
]


class BookingIn(Strict):
    earliest: Instant = Field(description="Earliest arrival at the gate (with time zone)")
    latest: Instant = Field(description="Latest acceptable arrival")
    travel_minutes: int = Field(ge=0, le=7 * 24 * 60, description="Driving time from the origin to the gate")
    actor: ActorIn | None = None


class RescheduleIn(Strict):
    earliest: Instant
    latest: Instant
    actor: ActorIn | None = None


class CancelIn(Strict):
    actor: ActorIn | None = None
    reason: Text


class ReplanIn(Strict):
    direction: Annotated[str, Field(max_length=8)]
    date: Day = Field(description="The gate's local date: three years back up to the booking horizon")
    policy: Annotated[str, Field(max_length=16)] = "optimal"
    actor: ActorIn | None = None


class AcceptanceIn(Strict):
    direction: Annotated[str, Field(max_length=8)]
    date: Day = Field(description="The gate's local date: yesterday up to the booking horizon")
    daily_quota: int | None = None
    hourly_quota: int | None = None
    reason: Text | None = None
    actor: ActorIn | None = None


class BookingOut(Out):
    id: str
    trip_id: str
    gate_id: str
    direction: str
    status: str
    earliest: datetime
    latest: datetime
    slot_start: datetime | None
    slot_start_local: datetime | None
    must_leave_by: datetime | None = Field(description="Latest departure from the origin that makes the slot")
    perishability: str
    needs_inspection: bool
    rule: str | None = Field(description="The published rule that placed it: fcfs, optimal, waiting_list …")
    reason: str | None
    reason_params: dict[str, Any]
    reason_text: dict[str, str] = Field(
        description="Why the booking is where it is: a sentence in vi, zh and en (the cause of a move named), "
        "times in the gate's local time with its offset"
    )
    changes: int
    history: list[dict[str, Any]] = Field(default_factory=list)


class SlotOut(Out):
    starts_at: datetime
    starts_local: datetime
    capacity: int
    booked: int
    remaining: int = Field(description="Places a truck whose goods need no inspection can still book (0: refused)")
    remaining_inspection: int = Field(
        description="Places a truck whose goods need inspection can still book: also bounded by inspection places"
    )
    limit: str | None = Field(
        description="When nothing remains, the limit that binds: hour_over, closed, slot_full, inspection_full, "
        "daily_quota"
    )
    limit_inspection: str | None = Field(description="The same for a truck whose goods need inspection")
    capacity_limit: str = Field(
        description="What sets the hour's capacity: own_lanes, counterpart_lanes, counterpart_quota, closed_here, "
        "closed_there"
    )
    inspection_capacity: int
    booked_inspection: int


class DayPlanOut(Out):
    gate_id: str
    direction: str
    date: date
    policy: str
    moved: int
    placed: int
    waiting: int
    spoilage_cost: int


def day_plan_out(p: equeue.DayPlan) -> DayPlanOut:
    return DayPlanOut(
        gate_id=p.gate_id,
        direction=p.direction.value,
        date=p.day,
        policy=p.policy,
        moved=p.moved,
        placed=p.placed,
        waiting=p.waiting,
        spoilage_cost=p.cost,
    )


def booking_out(b: Booking, tz_gate: Gate, history: list[dict[str, Any]] | None = None) -> BookingOut:
    return BookingOut(
        id=b.id,
        trip_id=b.trip_id,
        gate_id=b.gate_id,
        direction=b.direction.value,
        status=b.status.value,
        earliest=b.earliest,
        latest=b.latest,
        slot_start=b.slot_start,
        slot_start_local=tz_gate.local(b.slot_start) if b.slot_start else None,
        must_leave_by=b.must_leave_by(),
        perishability=b.perishability.value,
        needs_inspection=b.needs_inspection,
        rule=b.rule,
        reason=b.reason,
        reason_params=dict(b.reason_params),
        reason_text=equeue.booking_messages(b, tz_gate),
        changes=b.changes,
        history=[_change_out(h, tz_gate) for h in history or []],
    )


def _change_out(change: dict[str, Any], gate: Gate) -> dict[str, Any]:
    """One recorded change: times in the gate's local time with its offset, and its reason as sentences."""
    out = {k: (gate.local(v).isoformat() if isinstance(v, datetime) else v) for k, v in change.items()}
    out["reason_text"] = {
        language: reasons.describe(
            change.get("reason"),
            change.get("reason_params") or {},
            slot_start=change.get("to_slot"),
            language=language,
            tz=gate.timezone,
        )
        for language in i18n.LANGUAGES
    }
    return out


@router.post(
    "/trips/{trip_id}/booking",
    status_code=201,
    summary="Book a slot (or join the waiting list)",
    responses={200: {"model": BookingOut, "description": "A retry with the same Idempotency-Key"}, **errors(429)},
)
async def book(
    trip_id: str,
    body: BookingIn,
    ctx: ContextDep,
    request: Request,
    response: Response,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> BookingOut:
    # No I/O until the booking itself: the permission is checked on the event loop; the trip's visibility, then
    # the booking limit, inside the booking's transaction (equeue.check_caller). A request without its key reads
    # the trip's visibility first, so that someone else's trip is not found rather than missing a key.
    try:
        idempotency = equeue.Idempotency.of(f"book:{trip_id}", idempotency_key, body.model_dump(mode="json"))
    except InvalidInput:
        await run_in_threadpool(access.trip_in_scope, ctx.uow(read_only=True), principal, trip_id, Permission.BOOK)
        raise
    booking = authorized.booking_request(
        principal,
        trip_id=trip_id,
        earliest=body.earliest,
        latest=body.latest,
        travel_minutes=body.travel_minutes,
        actor=actor_for(principal, body.actor),
        idempotency=idempotency,
        count=booking_counter(request, principal, ctx),
    )
    measured = getattr(request.app.state, "metrics", None)
    try:
        result = await batching.book(request.app.state.booker, ctx, booking)
    except CuakhauError as refused:
        if measured is not None:
            measured.booking_refused(refused.code)
        raise
    if measured is not None and not result.replayed:
        measured.booked(result.booking.status.value)
    if result.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return booking_out(result.booking, result.gate)


@router.get("/trips/{trip_id}/booking", summary="The trip's booking with every change and its reason")
def get_booking(trip_id: str, ctx: ContextDep, principal: PrincipalDep) -> BookingOut:
    access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, Permission.READ_TRIP)
    booking, history = equeue.get_booking(ctx.uow(read_only=True), trip_id)
    return booking_out(booking, get_gate(ctx.uow(read_only=True), booking.gate_id), history)


@router.patch("/trips/{trip_id}/booking", summary="Reschedule into a new window (limited edits)", responses=errors(429))
def reschedule(
    trip_id: str, body: RescheduleIn, ctx: ContextDep, request: Request, principal: PrincipalDep
) -> BookingOut:
    booking = authorized.reschedule(
        ctx,
        principal,
        trip_id=trip_id,
        earliest=body.earliest,
        latest=body.latest,
        actor=actor_for(principal, body.actor),
        count=booking_counter(request, principal, ctx),
    )
    return booking_out(booking, get_gate(ctx.uow(read_only=True), booking.gate_id))


@router.post(
    "/trips/{trip_id}/booking/cancel",
    summary="Cancel the booking and the trip; the place is passed on",
    responses=errors(429),
)
def cancel(trip_id: str, body: CancelIn, ctx: ContextDep, request: Request, principal: PrincipalDep) -> BookingOut:
    authorized.cancel(
        ctx,
        principal,
        trip_id=trip_id,
        actor=actor_for(principal, body.actor),
        reason=body.reason,
        count=booking_counter(request, principal, ctx),
    )
    booking, history = equeue.get_booking(ctx.uow(read_only=True), trip_id)
    return booking_out(booking, get_gate(ctx.uow(read_only=True), booking.gate_id), history)


@router.get("/gates/{gate_id}/slots", summary="A gate day's slots with capacity and what remains")
def slots(
    gate_id: str,
    ctx: ContextDep,
    day: Annotated[Day, Query(alias="date", description="The gate's local date (three years back to the horizon)")],
    direction: Annotated[str, Query(max_length=8)] = "export",
) -> list[SlotOut]:
    # The route is public: slot rows are made only for days that can be booked (services/day_plans.py).
    gate, rows = day_plans.public_slots(ctx.uow(), clock=ctx.clock, gate_id=gate_id, direction=direction, day=day)
    return [
        SlotOut(
            starts_at=r.starts_at,
            starts_local=gate.local(r.starts_at),
            capacity=r.capacity,
            booked=r.booked,
            remaining=r.plain.places,
            remaining_inspection=r.inspected.places,
            limit=r.plain.limit.value if r.plain.limit and not r.plain.places else None,
            limit_inspection=r.inspected.limit.value if r.inspected.limit and not r.inspected.places else None,
            capacity_limit=r.capacity_limit,
            inspection_capacity=r.inspection_capacity,
            booked_inspection=r.booked_inspection,
        )
        for r in rows
    ]


@router.get("/gates/{gate_id}/plan", summary="A gate day's bookings: slot, rule and reason for each truck")
def day_plan(
    gate_id: str,
    ctx: ContextDep,
    principal: PrincipalDep,
    day: Annotated[Day, Query(alias="date", description="The gate's local date (three years back to the horizon)")],
    direction: Annotated[str, Query(max_length=8)] = "export",
) -> list[BookingOut]:
    access.require_gate(principal, Permission.READ_GATE_OPS, gate_id)
    gate, bookings = day_plans.day_bookings(
        ctx.uow(read_only=True), clock=ctx.clock, gate_id=gate_id, direction=direction, day=day
    )
    bookings.sort(key=lambda b: (b.slot_start is None, b.slot_start or b.earliest, b.requested_seq))
    return [booking_out(b, gate) for b in bookings]


@router.post("/gates/{gate_id}/plan", summary="Re-plan a gate day under a published policy")
def replan(gate_id: str, body: ReplanIn, ctx: ContextDep, principal: PrincipalDep) -> DayPlanOut:
    access.require_gate(principal, Permission.ADMINISTER_GATE, gate_id)
    result = equeue.replan(
        ctx.uow(),
        clock=ctx.clock,
        gate_id=gate_id,
        direction=body.direction,
        day=body.date,
        policy=body.policy,
        actor=actor_for(principal, body.actor),
    )
    return day_plan_out(result)


@router.post("/gates/{gate_id}/acceptance", summary="The counterpart declares its acceptance (daily or hourly quota)")
def acceptance(gate_id: str, body: AcceptanceIn, ctx: ContextDep, principal: PrincipalDep) -> list[DayPlanOut]:
    access.require_gate(principal, Permission.DECLARE_ACCEPTANCE, gate_id)
    plans = equeue.declare_acceptance(
        ctx.uow(),
        clock=ctx.clock,
        gate_id=gate_id,
        direction=body.direction,
        day=body.date,
        daily_quota=body.daily_quota,
        hourly_quota=body.hourly_quota,
        actor=actor_for(principal, body.actor),
        reason=body.reason,
    )
    return [day_plan_out(p) for p in plans]


class RulesOut(BaseModel):
    rules: dict[str, Any]
    perishability_weights: dict[str, int]
    policies: list[str]


@router.get("/booking-rules", summary="The published booking rules and perishability weights")
def rules() -> RulesOut:
    return RulesOut(
        rules=DEFAULT_RULES.as_dict(),
        perishability_weights={kind.value: p.weight for kind, p in PROFILES.items()},
        policies=sorted(equeue.POLICIES),
    )


@router.post("/queue/no-shows", summary="Apply the no-show rule now (also runs in the background)")
def no_shows(ctx: ContextDep, principal: PrincipalDep) -> dict[str, int]:
    access.require_permission(principal, Permission.MARK_NO_SHOWS)
    return {"no_shows": equeue.mark_no_shows(ctx.uow(), clock=ctx.clock)}


class StandbyIn(Strict):
    reach_minutes: int = Field(
        ge=0, le=12 * 60, description="How soon the truck can be at the gate (ignored when it is already in the yard)"
    )
    date: Day | None = Field(default=None, description="The gate's local date to stand by for (default: today)")


class StandbyOut(Out):
    trip_id: str
    gate_id: str
    direction: str
    date: date
    reach_minutes: int
    status: str
    joined_at: datetime


class StandbyPlaceOut(Out):
    position: int = Field(description="1: offered the next freed place it can reach")
    trip_id: str
    perishability: str
    slot_start: datetime | None
    slot_start_local: datetime | None
    reach_minutes: int
    at_gate: bool
    joined_at: datetime
    joined_local: datetime


@router.post(
    "/trips/{trip_id}/standby",
    status_code=201,
    summary="Stand by for a freed place: the truck can be at the gate within reach_minutes",
    responses=errors(429),
)
def join_standby(
    trip_id: str, body: StandbyIn, ctx: ContextDep, request: Request, principal: PrincipalDep
) -> StandbyOut:
    access.require_permission(principal, Permission.BOOK)
    row = equeue.join_standby(
        ctx.uow(),
        clock=ctx.clock,
        trip_id=trip_id,
        reach_minutes=body.reach_minutes,
        day=body.date,
        may_see=principal.can_see_trip,
        count=booking_counter(request, principal, ctx),
    )
    return StandbyOut(
        trip_id=row.trip_id,
        gate_id=row.gate_id,
        direction=row.direction.value,
        date=date.fromisoformat(row.day),
        reach_minutes=row.reach_minutes,
        status=row.status,
        joined_at=row.joined_at,
    )


@router.delete(
    "/trips/{trip_id}/standby",
    status_code=204,
    summary="Leave the standby list (the booking stays)",
    responses=errors(429),
)
def leave_standby(trip_id: str, ctx: ContextDep, request: Request, principal: PrincipalDep) -> Response:
    access.require_permission(principal, Permission.BOOK)
    equeue.leave_standby(
        ctx.uow(),
        clock=ctx.clock,
        trip_id=trip_id,
        may_see=principal.can_see_trip,
        count=booking_counter(request, principal, ctx),
    )
    return Response(status_code=204)


@router.get("/gates/{gate_id}/standby", summary="A gate day's standby list in the order freed places are offered")
def standby_list(
    gate_id: str,
    ctx: ContextDep,
    principal: PrincipalDep,
    day: Annotated[Day, Query(alias="date", description="The gate's local date")],
    direction: Annotated[str, Query(max_length=8)] = "export",
) -> list[StandbyPlaceOut]:
    access.require_gate(principal, Permission.READ_GATE_OPS, gate_id)
    gate, places = equeue.standby_list(ctx.uow(read_only=True), gate_id=gate_id, direction=direction, day=day)
    return [
        StandbyPlaceOut(
            position=p.position,
            trip_id=p.trip_id,
            perishability=p.perishability,
            slot_start=p.slot_start,
            slot_start_local=gate.local(p.slot_start) if p.slot_start else None,
            reach_minutes=p.reach_minutes,
            at_gate=p.at_gate,
            joined_at=p.joined_at,
            joined_local=gate.local(p.joined_at),
        )
        for p in places
    ]
