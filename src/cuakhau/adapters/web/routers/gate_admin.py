"""Gate administration over the API: one change at a time (hours, an exception day, a closure or its lifting, a
lane, a yard, inspection bays, the counterpart's acceptance), tried first with ``dry_run`` — how many bookings
would move, how many to the waiting list, nothing written — then applied and audited; and the audit list.

The gate's administration pages (``pages/gate_admin.py``) call the same use case (``services/gate_admin.py``).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cuakhau.adapters.bounds import AwareInstant, Day
from cuakhau.adapters.web.auth import PrincipalDep
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.schemas import Out, Short, Strict
from cuakhau.domain.gate import OpeningPeriod
from cuakhau.services import gate_admin as svc

router = APIRouter(prefix="/gates", tags=["gates"])

Reason = Annotated[str, Field(max_length=svc.MAX_REASON)]
Quota = Annotated[int, Field(ge=0, le=svc.MAX_QUOTA)]


class PeriodIn(Strict):
    opens: time = Field(description="Local time of the gate, HH:MM")
    closes: time = Field(description="Local time; at or before ``opens``: runs past midnight")
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default=[1, 2, 3, 4, 5, 6, 7], min_length=1, max_length=7, description="ISO weekdays, 1 = Monday"
    )

    def period(self) -> OpeningPeriod:
        return OpeningPeriod(self.opens, self.closes, frozenset(self.weekdays))


class HoursIn(Strict):
    kind: Literal["hours"]
    periods: list[PeriodIn] = Field(max_length=14)


class SpecialHoursIn(Strict):
    kind: Literal["special_hours"]
    day: Day = Field(description="The gate's local date")
    periods: list[PeriodIn] | None = Field(
        max_length=14, description="The day's hours; [] closed all day; null: back to the weekly hours"
    )


class ClosureChangeIn(Strict):
    kind: Literal["closure"]
    starts_at: AwareInstant
    ends_at: AwareInstant
    reason_vi: Reason = Field(description="The reason in Vietnamese (required)")
    reason_zh: Reason = Field(description="The reason in Chinese (required)")
    reason_en: Reason = ""
    closure_kind: Annotated[str, Field(max_length=16)] = "suspension"


class LiftClosureIn(Strict):
    kind: Literal["lift_closure"]
    closure_id: Annotated[str, Field(min_length=1, max_length=64)]


class LaneIn(Strict):
    kind: Literal["lane"]
    code: Annotated[str, Field(min_length=1, max_length=16)]
    open: bool


class YardIn(Strict):
    kind: Literal["yard"]
    yard_id: Annotated[str, Field(min_length=1, max_length=64)]
    capacity: Annotated[int, Field(ge=1, le=svc.MAX_YARD)]


class InspectionIn(Strict):
    kind: Literal["inspection"]
    resource: Annotated[str, Field(max_length=24, description="customs_bay, quarantine_bay or laboratory")]
    capacity: Annotated[int, Field(ge=0, le=1000)]
    service_minutes: Annotated[float, Field(ge=1, le=14 * 24 * 60)]


class AcceptanceChangeIn(Strict):
    kind: Literal["acceptance"]
    direction: Annotated[str, Field(max_length=8)]
    day: Day
    daily_quota: Quota | None = None
    hourly_quota: Quota | None = None
    reason: Reason | None = None


ChangeBody = Annotated[
    HoursIn | SpecialHoursIn | ClosureChangeIn | LiftClosureIn | LaneIn | YardIn | InspectionIn | AcceptanceChangeIn,
    Field(discriminator="kind"),
]


class GateChangeIn(Strict):
    dry_run: bool = Field(default=False, description="Count the bookings the change would move; write nothing")
    change: ChangeBody


class GateChangeOut(Out):
    kind: str
    dry_run: bool
    moved: int = Field(description="Bookings moved to another slot")
    waitlisted: int = Field(description="Bookings sent to the waiting list")
    before: dict[str, Any]
    after: dict[str, Any]
    change_id: str | None = Field(description="The audit record; null in a dry run")
    at: datetime


class AuditOut(Out):
    id: str
    kind: str
    actor_id: Short
    actor_role: str
    at: datetime
    before: dict[str, Any]
    after: dict[str, Any]
    moved: int
    waitlisted: int


class AuditListOut(Out):
    items: list[AuditOut]


def to_change(body: BaseModel) -> svc.GateChange:
    """The use case's change from a validated request body."""
    if isinstance(body, HoursIn):
        return svc.WeeklyHours([p.period() for p in body.periods])
    if isinstance(body, SpecialHoursIn):
        periods = None if body.periods is None else [p.period() for p in body.periods]
        return svc.SpecialHours(body.day, periods)
    if isinstance(body, ClosureChangeIn):
        return svc.NewClosure(
            body.starts_at, body.ends_at, body.reason_vi, body.reason_zh, body.reason_en, body.closure_kind
        )
    if isinstance(body, LiftClosureIn):
        return svc.LiftClosure(body.closure_id)
    if isinstance(body, LaneIn):
        return svc.LaneState(body.code, body.open)
    if isinstance(body, YardIn):
        return svc.YardCapacity(body.yard_id, body.capacity)
    if isinstance(body, InspectionIn):
        return svc.InspectionCapacity(body.resource, body.capacity, body.service_minutes)
    assert isinstance(body, AcceptanceChangeIn)
    return svc.Acceptance(body.direction, body.day, body.daily_quota, body.hourly_quota, body.reason)


def outcome_out(o: svc.Outcome) -> GateChangeOut:
    return GateChangeOut(
        kind=o.kind.value,
        dry_run=o.dry_run,
        moved=o.moved,
        waitlisted=o.waitlisted,
        before=o.before,
        after=o.after,
        change_id=o.change_id,
        at=o.at,
    )


@router.post("/{gate_id}/changes", summary="Change a gate's hours, closures, lanes, yards, bays or acceptance")
def change_gate(gate_id: str, body: GateChangeIn, ctx: ContextDep, principal: PrincipalDep) -> GateChangeOut:
    """With ``dry_run`` the change is re-planned and rolled back: the answer counts the bookings it would move.
    Without, it is applied, the bookings it affects re-planned (their holders told) and the change audited."""
    outcome = svc.change_gate(
        ctx.uow(),
        clock=ctx.clock,
        principal=principal,
        gate_id=gate_id,
        change=to_change(body.change),
        dry_run=body.dry_run,
    )
    return outcome_out(outcome)


@router.get("/{gate_id}/changes", summary="A gate's audited changes, newest first")
def list_changes(
    gate_id: str,
    ctx: ContextDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditListOut:
    rows = svc.recent_changes(ctx.uow(read_only=True), principal=principal, gate_id=gate_id, limit=limit)
    return AuditListOut(items=[AuditOut(**r) for r in rows])
