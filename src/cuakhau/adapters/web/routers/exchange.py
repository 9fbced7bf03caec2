"""The cross-border exchange over HTTP: the inbox other side posts to, and this side's views and actions.

``POST /exchange/inbox`` is authenticated by the message's Ed25519 signature, not by a user account.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from cuakhau.adapters.exchange.runtime import ExchangeRuntime, accept
from cuakhau.adapters.web.deps import ContextDep, PageDep
from cuakhau.adapters.web.schemas import ERRORS, ActorIn, Strict, Text
from cuakhau.domain.errors import Conflict, require
from cuakhau.domain.exchange import SELF
from cuakhau.domain.gate import Closure, ClosureKind, Direction
from cuakhau.services import exchange, hotline

router = APIRouter(prefix="/exchange", responses=ERRORS, tags=["exchange"])

Token = Annotated[str, Field(min_length=1, max_length=64)]


def _runtime(request: Request) -> ExchangeRuntime:
    runtime: ExchangeRuntime | None = getattr(request.app.state, "exchange", None)
    if runtime is None:
        raise Conflict("exchange.disabled", field="CUAKHAU_EXCHANGE_ID")
    return runtime


def _identity(request: Request) -> exchange.Identity:
    identity = _runtime(request).identity
    if identity is None:
        raise Conflict("exchange.disabled", field="CUAKHAU_EXCHANGE_ID")
    return identity


@router.post("/inbox", summary="Receive one signed message from the partner across the line")
async def inbox(request: Request, ctx: ContextDep) -> dict[str, Any]:
    raw = await request.body()
    # the database work runs in the thread pool, like the synchronous routes: the event loop stays free
    receipt = await run_in_threadpool(accept, ctx, _runtime(request), raw)
    return {"id": receipt.message_id, "status": receipt.status, "applied": list(receipt.applied)}


@router.get("/health", summary="Backlog, last delivery and failures per partner; refusals; open incidents")
def health(ctx: ContextDep, request: Request) -> dict[str, Any]:
    identity = getattr(getattr(request.app.state, "exchange", None), "identity", None)
    report = exchange.health(ctx.uow(read_only=True), clock=ctx.clock)
    report["partner_id"] = identity.partner_id if identity else None
    report["gates"] = sorted(identity.gates) if identity else []
    return report


@router.get("/keys", summary="Our public keys (a partner adds them with `cuakhau exchange peer add`)")
def keys(ctx: ContextDep, request: Request) -> dict[str, Any]:
    with ctx.uow(read_only=True) as uow:
        own = uow.exchange.keys(SELF)
    return {
        "partner_id": _identity(request).partner_id,
        "keys": [{k: v for k, v in key.items() if k != "private_key"} for key in own],
    }


class ClosureIn(Strict):
    starts_at: datetime
    ends_at: datetime
    reason: Text
    kind: Literal["holiday", "suspension"] = "suspension"


class AcceptanceIn(Strict):
    date: date
    direction: Literal["import", "export"] = "import"
    daily_quota: int | None = None
    hourly_quota: int | None = None
    reason: Text | None = None


class PeriodIn(Strict):
    opens: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    closes: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(default=[1, 2, 3, 4, 5, 6, 7], min_length=1)


class CapacityIn(Strict):
    gate_id: Token
    closures: list[ClosureIn] = Field(default_factory=list, max_length=100)
    lifted: list[Token] = Field(default_factory=list, max_length=100)
    acceptance: list[AcceptanceIn] = Field(default_factory=list, max_length=60)
    hours: list[PeriodIn] | None = Field(default=None, max_length=14)
    actor: ActorIn


@router.post("/capacity", status_code=201, summary="Declare our gate's closures, acceptance or hours (sent across)")
def declare_capacity(body: CapacityIn, ctx: ContextDep, request: Request) -> dict[str, Any]:
    envelope = exchange.declare_capacity(
        ctx.uow(),
        clock=ctx.clock,
        identity=_identity(request),
        gate_id=body.gate_id,
        actor=body.actor.to_domain(),
        closures=[Closure(c.starts_at, c.ends_at, c.reason, ClosureKind(c.kind)) for c in body.closures],
        lifted=body.lifted,
        acceptance=[
            exchange.AcceptanceIn(a.date, Direction(a.direction), a.daily_quota, a.hourly_quota, a.reason)
            for a in body.acceptance
        ],
        hours=exchange.parse_hours([p.model_dump() for p in body.hours]) if body.hours is not None else None,
    )
    _runtime(request).wake()
    return {"message_id": envelope["id"], "body": envelope["body"]}


class ManifestIn(Strict):
    trip_id: Token


@router.post("/manifests", status_code=201, summary="Send a trip's pre-arrival manifest to the gate across")
def submit_manifest(body: ManifestIn, ctx: ContextDep, request: Request) -> dict[str, Any]:
    envelope = exchange.submit_manifest(ctx.uow(), clock=ctx.clock, identity=_identity(request), trip_id=body.trip_id)
    _runtime(request).wake()
    return {"message_id": envelope["id"], "trip_ref": envelope["trip_ref"], "seq": envelope["seq"]}


@router.get("/manifests", summary="Manifests sent (way=out) and announced to us (way=in), newest first")
def list_manifests(
    ctx: ContextDep,
    page: PageDep,
    way: Annotated[Literal["in", "out"] | None, Query()] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> dict[str, Any]:
    with ctx.uow(read_only=True) as uow:
        items, total = uow.exchange.manifests(way=way, status=status, limit=page.limit, offset=page.offset)
    return {"items": items, "total": total}


@router.get("/manifests/{trip_ref}", summary="One manifest and its status")
def get_manifest(trip_ref: str, ctx: ContextDep) -> dict[str, Any]:
    with ctx.uow(read_only=True) as uow:
        return require(uow.exchange.find_manifest(trip_ref), "exchange_manifest", trip_ref, field="trip_ref")


class DecisionIn(Strict):
    decision: Literal["accepted", "held", "returned"]
    reasons: list[Text] = Field(default_factory=list, max_length=20)
    actor: ActorIn


@router.post("/manifests/{trip_ref}/decision", status_code=201, summary="Decide on an announced truck (sent back)")
def decide(trip_ref: str, body: DecisionIn, ctx: ContextDep, request: Request) -> dict[str, Any]:
    envelope = exchange.decide(
        ctx.uow(),
        clock=ctx.clock,
        identity=_identity(request),
        trip_ref=trip_ref,
        decision=body.decision,
        reasons=body.reasons,
        actor=body.actor.to_domain(),
    )
    _runtime(request).wake()
    return {"message_id": envelope["id"], "seq": envelope["seq"]}


class CrossingIn(Strict):
    actor: ActorIn


@router.post("/manifests/{trip_ref}/crossing", status_code=201, summary="Confirm the announced truck crossed in")
def confirm_crossing(trip_ref: str, body: CrossingIn, ctx: ContextDep, request: Request) -> dict[str, Any]:
    envelope = exchange.confirm_crossing(
        ctx.uow(), clock=ctx.clock, identity=_identity(request), trip_ref=trip_ref, actor=body.actor.to_domain()
    )
    _runtime(request).wake()
    return {"message_id": envelope["id"], "seq": envelope["seq"]}


class IncidentIn(Strict):
    gate_id: Token
    kind: Annotated[str, Field(max_length=24)]
    severity: Annotated[str, Field(max_length=8)] = "normal"
    summary: Text
    trip_ref: Token | None = None
    actor: ActorIn


@router.post("/incidents", status_code=201, summary="Raise a hotline incident (sent across, to be acknowledged)")
def raise_incident(body: IncidentIn, ctx: ContextDep, request: Request) -> dict[str, Any]:
    incident = hotline.raise_incident(
        ctx.uow(),
        clock=ctx.clock,
        identity=_identity(request),
        gate_id=body.gate_id,
        kind=body.kind,
        severity=body.severity,
        summary=body.summary,
        trip_ref=body.trip_ref,
        actor=body.actor.to_domain(),
    )
    _runtime(request).wake()
    return incident


@router.get("/incidents", summary="Hotline incidents raised by either side, newest first")
def list_incidents(
    ctx: ContextDep, page: PageDep, status: Annotated[Literal["open", "acknowledged"] | None, Query()] = None
) -> dict[str, Any]:
    with ctx.uow(read_only=True) as uow:
        items, total = uow.exchange.incidents(status=status, limit=page.limit, offset=page.offset)
    return {"items": items, "total": total}


@router.get("/incidents/{incident_id}", summary="One incident with its history (raised, received, escalated …)")
def get_incident(incident_id: str, ctx: ContextDep) -> dict[str, Any]:
    incident, events = hotline.incident_history(ctx.uow(read_only=True), incident_id)
    return {**incident, "history": events}


class AckIn(Strict):
    note: Text = ""
    actor: ActorIn


@router.post("/incidents/{incident_id}/acknowledge", summary="Acknowledge the other side's incident")
def acknowledge(incident_id: str, body: AckIn, ctx: ContextDep, request: Request) -> dict[str, Any]:
    incident = hotline.acknowledge_incident(
        ctx.uow(),
        clock=ctx.clock,
        identity=_identity(request),
        incident_id=incident_id,
        actor=body.actor.to_domain(),
        note=body.note,
    )
    _runtime(request).wake()
    return incident


@router.get("/refusals", summary="Messages refused (unsigned, forged, replayed, out of scope …), newest first")
def refusals(ctx: ContextDep, page: PageDep) -> dict[str, Any]:
    with ctx.uow(read_only=True) as uow:
        items, total = uow.exchange.refusals(limit=page.limit, offset=page.offset)
    return {"items": items, "total": total}
