"""Gates: list, read (with hours, closures and whether it is open now) — public; publish a closure — the gate's
administrator or its counterpart system."""

from __future__ import annotations

from fastapi import APIRouter

from cuakhau.adapters.web.auth import PrincipalDep, actor_for
from cuakhau.adapters.web.deps import ContextDep, LanguageDep
from cuakhau.adapters.web.schemas import ClosureIn, GateListOut, GateOut, gate_out
from cuakhau.domain.accounts import Permission
from cuakhau.services import gates as svc
from cuakhau.services.access import require_gate

router = APIRouter(prefix="/gates", tags=["gates"])


@router.get("", summary="All gates with their counterparts, lanes, hours and closures")
def list_gates(ctx: ContextDep, lang: LanguageDep) -> GateListOut:
    now = ctx.clock.now()
    items = [gate_out(g, lang, now) for g in svc.list_gates(ctx.uow(read_only=True))]
    return GateListOut(items=items, total=len(items))


@router.get("/{gate_id}", summary="One gate")
def get_gate(gate_id: str, ctx: ContextDep, lang: LanguageDep) -> GateOut:
    return gate_out(svc.get_gate(ctx.uow(read_only=True), gate_id), lang, ctx.clock.now())


@router.post("/{gate_id}/closures", status_code=201, summary="Publish a closure (holiday or suspension)")
def add_closure(gate_id: str, body: ClosureIn, ctx: ContextDep, lang: LanguageDep, principal: PrincipalDep) -> GateOut:
    require_gate(principal, Permission.PUBLISH_CLOSURE, gate_id)
    svc.add_closure(
        ctx.uow(),
        clock=ctx.clock,
        gate_id=gate_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        reason=body.reason,
        kind=body.kind,
        actor=actor_for(principal, body.actor),
    )
    return gate_out(svc.get_gate(ctx.uow(read_only=True), gate_id), lang, ctx.clock.now())
