"""Gate operations over HTTP: the yard, the review queue, manual reads, the device log, call-forward, stage clocks.

Gate staff act only at their gates; a trip's stage clock and customs channel are read by its owner too. The
published rules (gate rules, the selectivity profile) are public.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from cuakhau import i18n
from cuakhau.adapters.bounds import Instant
from cuakhau.adapters.web.auth import PrincipalDep, actor_for
from cuakhau.adapters.web.deps import ContextDep, LanguageDep, PageDep
from cuakhau.adapters.web.schemas import ActorIn, Out, Strict, Text
from cuakhau.domain.accounts import Permission
from cuakhau.domain.callforward import DEFAULT_CALL_RULE
from cuakhau.domain.clock import ensure_utc
from cuakhau.domain.devices import Checkpoint
from cuakhau.domain.gate import Direction
from cuakhau.services import access, customs, gate_ops, lanes
from cuakhau.services.ports import DeviceRecord, ReviewItem

router = APIRouter(tags=["gate operations"])


class ManualReadIn(Strict):
    checkpoint: Checkpoint
    plate: Annotated[str, Field(min_length=1, max_length=32)]
    at: Instant | None = Field(default=None, description="When the truck passed (default: now; up to 7 days back)")
    note: Text | None = None
    actor: ActorIn | None = None
    override_reason: Text | None = Field(
        default=None,
        description="A lane entry or crossing while a side of the gate pair is closed (gate.closed): the reason",
    )


class ResolveIn(Strict):
    decision: Annotated[str, Field(pattern="^(apply|dismiss)$")]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    plate: Annotated[str | None, Field(max_length=32, description="The plate as the officer reads it")] = None
    actor: ActorIn | None = None


class CallForwardIn(Strict):
    direction: Direction
    actor: ActorIn | None = None
    override_reason: Text | None = Field(
        default=None, description="Call trucks while a side of the gate pair is closed (gate.closed): the reason"
    )


class OutcomeOut(Out):
    outcome: str
    trip_id: str | None
    review_id: str | None
    detail: str | None
    barrier_commands: list[dict[str, Any]]


class ReviewOut(Out):
    id: str
    gate_id: str
    kind: str
    status: str
    created_at: datetime
    device_id: str | None
    message_id: str | None
    checkpoint: str | None
    plate: str | None
    trip_id: str | None
    detail: dict[str, Any]
    text: str | None = Field(
        default=None, description="Why the read waits for an officer, in the reader's language (when its rule says)"
    )
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None


class DeviceRecordOut(Out):
    device_id: str
    message_id: str
    kind: str
    checkpoint: str | None
    plate: str | None
    origin: str
    at: datetime
    received_at: datetime
    outcome: str
    trip_id: str | None
    detail: str | None
    reconciled_by: str | None
    payload: dict[str, Any]


class YardTruckOut(Out):
    trip_id: str
    plate: str
    refrigerated: bool
    entered_at: datetime
    entry_origin: str
    dwell_minutes: int
    fee: str


class YardOut(Out):
    id: str
    names: dict[str, str]
    capacity: int
    occupancy: int
    tariff: dict[str, Any]
    trucks: list[YardTruckOut]


class CallOut(Out):
    trip_id: str
    lane: str
    position: int
    reason: str


class CallReportOut(Out):
    calls: list[CallOut]
    skipped: list[str]
    free_lanes: int
    waiting: int


class StageOut(Out):
    state: str
    agency: str
    actor_id: str
    started_at: datetime
    ended_at: datetime | None
    minutes: float


class DelaysOut(Out):
    gate_id: str
    since: datetime
    until: datetime
    trips: int
    hours_by_stage: dict[str, float]
    hours_by_agency: dict[str, float]


def _outcome(o: gate_ops.DeviceOutcome) -> OutcomeOut:
    return OutcomeOut(
        outcome=o.outcome,
        trip_id=o.trip_id,
        review_id=o.review_id,
        detail=o.detail,
        barrier_commands=[
            {"command_id": c.command_id, "device_id": c.device_id, "checkpoint": c.checkpoint.value, "plate": c.plate}
            for c in o.commands
        ],
    )


def _review(i: ReviewItem, language: str) -> ReviewOut:
    code = i.detail.get("code")
    return ReviewOut(**asdict(i), text=i18n.render(code, language, i.detail) if isinstance(code, str) else None)


def _record(r: DeviceRecord) -> DeviceRecordOut:
    return DeviceRecordOut(**{k: v for k, v in asdict(r).items() if k != "gate_id"})


@router.get("/gate-rules", summary="The published rules of gate operations: reads, weighbridge, call-forward")
def gate_rules() -> dict[str, Any]:
    return {"devices": gate_ops.DEFAULT_POLICY.as_dict(), "call_forward": DEFAULT_CALL_RULE.as_dict()}


@router.get("/gates/{gate_id}/yard", summary="Yards: capacity, occupancy, each truck's dwell and fee so far")
def yard(gate_id: str, ctx: ContextDep, principal: PrincipalDep) -> list[YardOut]:
    access.require_gate(principal, Permission.READ_GATE_OPS, gate_id)
    now = ctx.clock.now()
    return [
        YardOut(
            id=s.yard.id,
            names={"vi": s.yard.names.vi, "zh": s.yard.names.zh, "en": s.yard.names.en},
            capacity=s.yard.capacity,
            occupancy=s.occupancy,
            tariff=s.yard.tariff.as_dict(),
            trucks=[
                YardTruckOut(
                    trip_id=v.visit.trip_id,
                    plate=v.visit.plate,
                    refrigerated=v.visit.refrigerated,
                    entered_at=v.visit.entered_at,
                    entry_origin=v.entry_origin,
                    dwell_minutes=int(v.visit.dwell(now).total_seconds() // 60),
                    fee=str(fee),
                )
                for v, fee in s.trucks
            ],
        )
        for s in gate_ops.yard_status(ctx.uow(), clock=ctx.clock, gate_id=gate_id)
    ]


@router.get("/gates/{gate_id}/review", summary="The review queue: reads an officer must look at")
def review(
    gate_id: str,
    ctx: ContextDep,
    page: PageDep,
    principal: PrincipalDep,
    language: LanguageDep,
    status: Annotated[str | None, Query(pattern="^(open|resolved|dismissed)$")] = "open",
) -> dict[str, Any]:
    access.require_gate(principal, Permission.READ_GATE_OPS, gate_id)
    items, total = gate_ops.review_queue(ctx.uow(), gate_id, status, limit=page.limit, offset=page.offset)
    return {"items": [_review(i, language) for i in items], "total": total, "limit": page.limit, "offset": page.offset}


@router.post("/review/{item_id}/resolve", summary="Close a review item: apply it as a manual read, or dismiss it")
def resolve(
    item_id: str, body: ResolveIn, ctx: ContextDep, principal: PrincipalDep, language: LanguageDep
) -> dict[str, Any]:
    access.review_in_scope(ctx.uow(read_only=True), principal, item_id, Permission.OPERATE_GATE)
    item, outcome = gate_ops.resolve_review(
        ctx.uow(),
        clock=ctx.clock,
        item_id=item_id,
        actor=actor_for(principal, body.actor),
        decision=body.decision,
        reason=body.reason,
        plate=body.plate,
    )
    return {"item": _review(item, language), "outcome": _outcome(outcome) if outcome else None}


@router.post(
    "/gates/{gate_id}/manual-reads",
    status_code=201,
    summary="Record a passage by hand while a camera or the link is down (marked manual, reconciled later)",
)
def manual_read(gate_id: str, body: ManualReadIn, ctx: ContextDep, principal: PrincipalDep) -> OutcomeOut:
    access.require_gate(principal, Permission.OPERATE_GATE, gate_id)
    outcome = gate_ops.record_manual_read(
        ctx.uow(),
        clock=ctx.clock,
        gate_id=gate_id,
        checkpoint=body.checkpoint.value,
        plate=body.plate,
        actor=actor_for(principal, body.actor),
        at=ensure_utc(body.at, field="at") if body.at else None,
        note=body.note,
        override_reason=body.override_reason,
    )
    return _outcome(outcome)


@router.get("/gates/{gate_id}/device-log", summary="Device messages as received, newest first, with their outcome")
def device_log(gate_id: str, ctx: ContextDep, page: PageDep, principal: PrincipalDep) -> dict[str, Any]:
    access.require_gate(principal, Permission.READ_GATE_OPS, gate_id)
    records, total = gate_ops.device_log(ctx.uow(), gate_id, limit=page.limit, offset=page.offset)
    return {"items": [_record(r) for r in records], "total": total, "limit": page.limit, "offset": page.offset}


@router.post("/gates/{gate_id}/call-forward", summary="Call trucks from the yard to the free lanes now")
def call_forward(gate_id: str, body: CallForwardIn, ctx: ContextDep, principal: PrincipalDep) -> CallReportOut:
    access.require_gate(principal, Permission.CALL_FORWARD, gate_id)
    report = lanes.call_forward(
        ctx.uow(),
        clock=ctx.clock,
        gate_id=gate_id,
        direction=body.direction.value,
        actor=actor_for(principal, body.actor),
        override_reason=body.override_reason,
    )
    return CallReportOut(
        calls=[CallOut(trip_id=c.trip_id, lane=c.lane, position=c.position, reason=c.reason) for c in report.calls],
        skipped=report.skipped,
        free_lanes=report.free_lanes,
        waiting=report.waiting,
    )


@router.get("/trips/{trip_id}/stages", summary="The stage clock: time in each stage and which agency held the truck")
def stages(trip_id: str, ctx: ContextDep, principal: PrincipalDep) -> list[StageOut]:
    access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, Permission.READ_TRIP)
    return [
        StageOut(
            state=s.state.value,
            agency=s.agency,
            actor_id=s.actor_id,
            started_at=s.started_at,
            ended_at=s.ended_at,
            minutes=round(s.duration.total_seconds() / 60, 1),
        )
        for s in gate_ops.trip_stages(ctx.uow(), clock=ctx.clock, trip_id=trip_id)
    ]


@router.get("/gates/{gate_id}/delays", summary="Hours by stage and by agency over the trips declared in a period")
def delays(gate_id: str, since: Instant, until: Instant, ctx: ContextDep, principal: PrincipalDep) -> DelaysOut:
    access.require_gate(principal, Permission.READ_GATE_OPS, gate_id)
    start, end = ensure_utc(since, field="since"), ensure_utc(until, field="until")
    report = gate_ops.gate_delays(ctx.uow(), clock=ctx.clock, gate_id=gate_id, since=start, until=end)
    return DelaysOut(
        gate_id=gate_id,
        since=start,
        until=end,
        trips=report.trips,
        hours_by_stage=report.by_stage,
        hours_by_agency=report.by_agency,
    )


class CustomsResultIn(Strict):
    kind: Annotated[str, Field(pattern="^(release|hold|reject)$")]
    reason: Text | None = None
    actor: ActorIn | None = None


@router.get("/customs/profile", summary="The published selectivity profile: risk tables, target rates, sampling")
def customs_profile() -> dict[str, Any]:
    return customs.DEFAULT_PROFILE.to_dict()


@router.get("/trips/{trip_id}/customs", summary="The declaration's risk channel with its reasons, and the results")
def trip_customs(trip_id: str, ctx: ContextDep, language: LanguageDep, principal: PrincipalDep) -> dict[str, Any]:
    if principal.is_tenant:
        # The declarant sees its declaration's channel and the reasons: the published rule explains the wait.
        access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, Permission.READ_TRIP)
    else:
        access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, Permission.READ_CUSTOMS)
    decision, results = customs.get_channel(ctx.uow(), trip_id)
    return {
        "decision": None
        if decision is None
        else {
            **decision.to_dict(),
            "reasons": [
                {**r.to_dict(), "text": i18n.render(r.code, language, dict(r.params))} for r in decision.reasons
            ],
        },
        "results": [r.to_dict() for r in results],
    }


@router.post(
    "/trips/{trip_id}/customs/results",
    status_code=201,
    summary="Record customs' result (release, hold, reject): kept, and carried onto the trip",
)
def customs_result(trip_id: str, body: CustomsResultIn, ctx: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, Permission.RECORD_CUSTOMS)
    result, trip = customs.record_customs_result(
        ctx.uow(),
        clock=ctx.clock,
        trip_id=trip_id,
        kind=body.kind,
        actor=actor_for(principal, body.actor),
        reason=body.reason,
    )
    return {"result": result.to_dict(), "trip_state": trip.state.value}
