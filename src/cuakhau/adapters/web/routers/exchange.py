"""The cross-border exchange over HTTP: the inbox other side posts to, and this side's views and actions.

``POST /exchange/inbox`` is authenticated by the message's Ed25519 signature, not by a user account. Every
other route is for this side's gate staff: they see and act on the exchange of their own gate pairs; a manifest
or incident of another gate pair reads as missing. An exporter may send its own trip's manifest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from cuakhau.adapters.bounds import Day, Instant
from cuakhau.adapters.exchange.runtime import ExchangeRuntime, accept
from cuakhau.adapters.web.auth import PrincipalDep, actor_for
from cuakhau.adapters.web.deps import ContextDep, PageDep
from cuakhau.adapters.web.schemas import ActorIn, Strict, Text, errors
from cuakhau.domain.accounts import Permission, Principal
from cuakhau.domain.errors import Conflict
from cuakhau.domain.exchange import SELF
from cuakhau.domain.gate import Closure, ClosureKind, Direction
from cuakhau.services import access, exchange, exchange_views, hotline

router = APIRouter(prefix="/exchange", tags=["exchange"])

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


#: Lists are filtered by the caller's gate pairs in Python; this bounds what one request reads.
LIST_LIMIT = 5000


def _manifest(ctx: ContextDep, principal: Principal, trip_ref: str) -> dict[str, Any]:
    found = exchange_views.find_manifest(ctx.uow(read_only=True), trip_ref)
    return access.exchange_record_in_scope(
        ctx.uow(read_only=True), principal, found, "exchange_manifest", trip_ref, Permission.EXCHANGE
    )


def _incident(ctx: ContextDep, principal: Principal, incident_id: str) -> dict[str, Any]:
    found = exchange_views.find_incident(ctx.uow(read_only=True), incident_id)
    return access.exchange_record_in_scope(
        ctx.uow(read_only=True), principal, found, "exchange_incident", incident_id, Permission.EXCHANGE
    )


def _page(ctx: ContextDep, principal: Principal, items: Sequence[Mapping[str, Any]], page: Any) -> dict[str, Any]:
    gates = access.exchange_gates(ctx.uow(read_only=True), principal)
    mine = [i for i in items if access.sees_exchange_record(i, gates)]
    return {"items": mine[page.offset : page.offset + page.limit], "total": len(mine)}


@router.post(
    "/inbox",
    summary="Receive one signed message from the partner across the line",
    # Read raw (the signature covers the bytes); refused 401 unsigned or forged, 403 out of scope, 409 replayed.
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
    responses=errors(400, 401, 403, 409, 413, 422),
)
async def inbox(request: Request, ctx: ContextDep) -> dict[str, Any]:
    raw = await request.body()
    # the database work runs in the thread pool, like the synchronous routes: the event loop stays free
    receipt = await run_in_threadpool(accept, ctx, _runtime(request), raw)
    return {"id": receipt.message_id, "status": receipt.status, "applied": list(receipt.applied)}


@router.get("/health", summary="Backlog, last delivery and failures per partner; refusals; open incidents")
def health(ctx: ContextDep, request: Request, principal: PrincipalDep) -> dict[str, Any]:
    access.require_permission(principal, Permission.EXCHANGE)
    identity = getattr(getattr(request.app.state, "exchange", None), "identity", None)
    report = exchange.health(ctx.uow(read_only=True), clock=ctx.clock)
    report["partner_id"] = identity.partner_id if identity else None
    report["gates"] = sorted(identity.gates) if identity else []
    return report


@router.get(
    "/keys",
    summary="Our public keys (a partner adds them with `cuakhau exchange peer add`)",
    responses=errors(409),  # exchange.disabled: this server has no exchange identity
)
def keys(ctx: ContextDep, request: Request, principal: PrincipalDep) -> dict[str, Any]:
    access.require_permission(principal, Permission.EXCHANGE)
    own = exchange_views.keys(ctx.uow(read_only=True), SELF)
    return {
        "partner_id": _identity(request).partner_id,
        "keys": own,
    }


class ClosureIn(Strict):
    starts_at: Instant
    ends_at: Instant
    reason: Text
    kind: Literal["holiday", "suspension"] = "suspension"


class AcceptanceIn(Strict):
    date: Day
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
    actor: ActorIn | None = None


@router.post("/capacity", status_code=201, summary="Declare our gate's closures, acceptance or hours (sent across)")
def declare_capacity(body: CapacityIn, ctx: ContextDep, request: Request, principal: PrincipalDep) -> dict[str, Any]:
    access.require_gate(principal, Permission.ADMINISTER_GATE, body.gate_id)
    envelope = exchange.declare_capacity(
        ctx.uow(),
        clock=ctx.clock,
        identity=_identity(request),
        gate_id=body.gate_id,
        actor=actor_for(principal, body.actor),
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
def submit_manifest(body: ManifestIn, ctx: ContextDep, request: Request, principal: PrincipalDep) -> dict[str, Any]:
    access.require_permission(principal, Permission.DECLARE if principal.is_tenant else Permission.EXCHANGE)
    access.trip_in_scope(ctx.uow(read_only=True), principal, body.trip_id, Permission.READ_TRIP)
    envelope = exchange.submit_manifest(ctx.uow(), clock=ctx.clock, identity=_identity(request), trip_id=body.trip_id)
    _runtime(request).wake()
    return {"message_id": envelope["id"], "trip_ref": envelope["trip_ref"], "seq": envelope["seq"]}


@router.get("/manifests", summary="Manifests sent (way=out) and announced to us (way=in), newest first")
def list_manifests(
    ctx: ContextDep,
    page: PageDep,
    principal: PrincipalDep,
    way: Annotated[Literal["in", "out"] | None, Query()] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> dict[str, Any]:
    access.require_permission(principal, Permission.EXCHANGE)
    items, _ = exchange_views.manifests(ctx.uow(read_only=True), way=way, status=status, limit=LIST_LIMIT)
    return _page(ctx, principal, items, page)


@router.get("/manifests/{trip_ref}", summary="One manifest and its status")
def get_manifest(trip_ref: str, ctx: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    return _manifest(ctx, principal, trip_ref)


class DecisionIn(Strict):
    decision: Literal["accepted", "held", "returned"]
    reasons: list[Text] = Field(default_factory=list, max_length=20)
    actor: ActorIn | None = None


@router.post("/manifests/{trip_ref}/decision", status_code=201, summary="Decide on an announced truck (sent back)")
def decide(
    trip_ref: str, body: DecisionIn, ctx: ContextDep, request: Request, principal: PrincipalDep
) -> dict[str, Any]:
    _manifest(ctx, principal, trip_ref)
    envelope = exchange.decide(
        ctx.uow(),
        clock=ctx.clock,
        identity=_identity(request),
        trip_ref=trip_ref,
        decision=body.decision,
        reasons=body.reasons,
        actor=actor_for(principal, body.actor),
    )
    _runtime(request).wake()
    return {"message_id": envelope["id"], "seq": envelope["seq"]}


class CrossingIn(Strict):
    actor: ActorIn | None = None


@router.post("/manifests/{trip_ref}/crossing", status_code=201, summary="Confirm the announced truck crossed in")
def confirm_crossing(
    trip_ref: str, body: CrossingIn, ctx: ContextDep, request: Request, principal: PrincipalDep
) -> dict[str, Any]:
    _manifest(ctx, principal, trip_ref)
    envelope = exchange.confirm_crossing(
        ctx.uow(),
        clock=ctx.clock,
        identity=_identity(request),
        trip_ref=trip_ref,
        actor=actor_for(principal, body.actor),
    )
    _runtime(request).wake()
    return {"message_id": envelope["id"], "seq": envelope["seq"]}


class IncidentIn(Strict):
    gate_id: Token
    kind: Annotated[str, Field(max_length=24)]
    severity: Annotated[str, Field(max_length=8)] = "normal"
    summary: Text
    trip_ref: Token | None = None
    actor: ActorIn | None = None


@router.post("/incidents", status_code=201, summary="Raise a hotline incident (sent across, to be acknowledged)")
def raise_incident(body: IncidentIn, ctx: ContextDep, request: Request, principal: PrincipalDep) -> dict[str, Any]:
    access.require_gate(principal, Permission.EXCHANGE, body.gate_id)
    incident = hotline.raise_incident(
        ctx.uow(),
        clock=ctx.clock,
        identity=_identity(request),
        gate_id=body.gate_id,
        kind=body.kind,
        severity=body.severity,
        summary=body.summary,
        trip_ref=body.trip_ref,
        actor=actor_for(principal, body.actor),
    )
    _runtime(request).wake()
    return dict(incident)


@router.get("/incidents", summary="Hotline incidents raised by either side, newest first")
def list_incidents(
    ctx: ContextDep,
    page: PageDep,
    principal: PrincipalDep,
    status: Annotated[Literal["open", "acknowledged"] | None, Query()] = None,
) -> dict[str, Any]:
    access.require_permission(principal, Permission.EXCHANGE)
    items, _ = exchange_views.incidents(ctx.uow(read_only=True), status=status, limit=LIST_LIMIT)
    return _page(ctx, principal, items, page)


@router.get("/incidents/{incident_id}", summary="One incident with its history (raised, received, escalated …)")
def get_incident(incident_id: str, ctx: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    _incident(ctx, principal, incident_id)
    incident, events = hotline.incident_history(ctx.uow(read_only=True), incident_id)
    return {**incident, "history": events}


class AckIn(Strict):
    note: Text = ""
    actor: ActorIn | None = None


@router.post("/incidents/{incident_id}/acknowledge", summary="Acknowledge the other side's incident")
def acknowledge(
    incident_id: str, body: AckIn, ctx: ContextDep, request: Request, principal: PrincipalDep
) -> dict[str, Any]:
    _incident(ctx, principal, incident_id)
    incident = hotline.acknowledge_incident(
        ctx.uow(),
        clock=ctx.clock,
        identity=_identity(request),
        incident_id=incident_id,
        actor=actor_for(principal, body.actor),
        note=body.note,
    )
    _runtime(request).wake()
    return dict(incident)


@router.get("/refusals", summary="Messages refused (unsigned, forged, replayed, out of scope …), newest first")
def refusals(ctx: ContextDep, page: PageDep, principal: PrincipalDep) -> dict[str, Any]:
    access.require_permission(principal, Permission.EXCHANGE)
    items, total = exchange_views.refusals(ctx.uow(read_only=True), limit=page.limit, offset=page.offset)
    return {"items": items, "total": total}
