"""The gate administration page: hours and exception days, closures, lanes, yards, bays, the counterpart's
acceptance, and the recent changes.

Every form posts to one address with the kind of change and a step. ``preview`` runs the change as a dry run
(``services/gate_admin.py``: re-planned, then rolled back) and shows how many bookings would move and how many
would go to the waiting list, with a button to confirm; ``confirm`` applies it (re-planned, holders told, audited)
and comes back to the page. The API twin is ``POST /api/v1/gates/{gate_id}/changes``: the same use case, the same
checks (``tests/integration/test_page_api_parity.py``). Times are read and shown in the gate's local time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from cuakhau import i18n
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages.access import signed_in
from cuakhau.adapters.web.pages.render import CSRF_FIELD, csrf_ok, language_of, render
from cuakhau.domain import timebounds
from cuakhau.domain.accounts import Principal
from cuakhau.domain.errors import CuakhauError, InvalidInput
from cuakhau.domain.gate import ClosureKind, Direction, OpeningPeriod
from cuakhau.domain.inspection import ResourceKind
from cuakhau.services import gate_admin as svc
from cuakhau.services.context import ServiceContext

router = APIRouter(include_in_schema=False)

HOUR_ROWS = 3
WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)


def _text(form: FormData, name: str, limit: int = 600) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _int(form: FormData, name: str, *, optional: bool = False) -> int | None:
    raw = _text(form, name, 20)
    if not raw and optional:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput("request.invalid_type", field=name, expected="integer") from None


def _number(form: FormData, name: str) -> float:
    try:
        return float(_text(form, name, 20).replace(",", "."))
    except ValueError:
        raise InvalidInput("request.invalid_type", field=name, expected="number") from None


def _time(form: FormData, name: str) -> time:
    try:
        return time.fromisoformat(_text(form, name, 8))
    except ValueError:
        raise InvalidInput("request.invalid_type", field=name, expected="HH:MM") from None


def _day(form: FormData, name: str) -> date:
    try:
        day = date.fromisoformat(_text(form, name, 10))
    except ValueError:
        raise InvalidInput("request.invalid_type", field=name, expected="YYYY-MM-DD") from None
    timebounds.check_representable(day, name)
    return day


def _local(form: FormData, name: str, tz: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(_text(form, name, 20))
    except ValueError:
        raise InvalidInput("request.invalid_type", field=name, expected="YYYY-MM-DDTHH:MM") from None
    timebounds.check_representable(parsed, name)
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


def _weekly(form: FormData) -> svc.WeeklyHours:
    periods = []
    for i in range(HOUR_ROWS):
        if not _text(form, f"hours-{i}-opens"):
            continue
        days = frozenset(int(d) for d in form.getlist(f"hours-{i}-days") if isinstance(d, str) and d.isdigit())
        if not days:
            raise InvalidInput("gate.weekdays", field=f"hours-{i}-days", value=[])
        periods.append(OpeningPeriod(_time(form, f"hours-{i}-opens"), _time(form, f"hours-{i}-closes"), days))
    return svc.WeeklyHours(periods)


def _special(form: FormData) -> svc.SpecialHours:
    day, mode = _day(form, "day"), _text(form, "mode")
    if mode == "weekly":
        return svc.SpecialHours(day, None)
    if mode == "closed":
        return svc.SpecialHours(day, [])
    return svc.SpecialHours(day, [OpeningPeriod(_time(form, "opens"), _time(form, "closes"))])


def parse_change(form: FormData, tz: Any) -> svc.GateChange:
    """The change a form asks for; bad input names the form's field."""
    kind = _text(form, "change", 24)
    parsers: dict[str, Callable[[], svc.GateChange]] = {
        "hours": lambda: _weekly(form),
        "special_hours": lambda: _special(form),
        "closure": lambda: svc.NewClosure(
            _local(form, "starts_at", tz),
            _local(form, "ends_at", tz),
            _text(form, "reason_vi"),
            _text(form, "reason_zh"),
            _text(form, "reason_en"),
            _text(form, "closure_kind", 16) or ClosureKind.SUSPENSION.value,
        ),
        "lift_closure": lambda: svc.LiftClosure(_text(form, "closure_id", 64)),
        "lane": lambda: svc.LaneState(_text(form, "code", 16), _text(form, "open") == "1"),
        "yard": lambda: svc.YardCapacity(_text(form, "yard_id", 64), _int(form, "capacity") or 0),
        "inspection": lambda: svc.InspectionCapacity(
            _text(form, "resource", 24), _int(form, "capacity") or 0, _number(form, "service_minutes")
        ),
        "acceptance": lambda: svc.Acceptance(
            _text(form, "direction", 8),
            _day(form, "day"),
            _int(form, "daily_quota", optional=True),
            _int(form, "hourly_quota", optional=True),
            _text(form, "reason") or None,
        ),
    }
    if kind not in parsers:
        raise InvalidInput("enum.invalid", field="change", value=kind[:24], allowed=", ".join(parsers))
    return parsers[kind]()


def _page(
    request: Request, ctx: ServiceContext, principal: Principal, gate_id: str, *, status: int = 200, **extra: Any
) -> HTMLResponse:
    view = svc.admin_view(ctx.uow(read_only=True), clock=ctx.clock, principal=principal, gate_id=gate_id)
    gate = view.gate
    now = ctx.clock.now()
    return render(
        request,
        "gate_admin.html",
        status=status,
        tz=gate.timezone,
        view=view,
        gate=gate,
        closures=[c for c in gate.closures if c.ends_at > now],
        weekly=svc.periods_json(gate.opening_hours),
        special=[
            (d, svc.periods_json(p)) for d, p in sorted(gate.special_hours.items()) if d >= gate.local(now).date()
        ],
        weekdays=WEEKDAYS,
        hour_rows=HOUR_ROWS,
        directions=[d.value for d in Direction],
        resources=[k.value for k in ResourceKind],
        closure_kinds=[k.value for k in ClosureKind],
        today=gate.local(now).date(),
        **extra,
    )


@router.get("/gates/{gate_id}/admin", response_class=HTMLResponse)
def admin_page(gate_id: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = signed_in(request)
    done = request.query_params.get("done")
    return _page(request, ctx, principal, gate_id, done=done if done in set(svc.ChangeKind) else None)


@router.post("/gates/{gate_id}/admin", response_class=HTMLResponse)
async def admin_submit(gate_id: str, request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    form = await request.form()
    # What the confirmation carries forward: the form as sent, but its step and token.
    carried = [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k not in (CSRF_FIELD, "step")]
    values = {k: v for k, v in carried}
    kind = values.get("change", "")
    token = form.get(CSRF_FIELD)
    if not csrf_ok(request, token if isinstance(token, str) else None):
        problem = _problem(request, InvalidInput("page.csrf"))
        return _page(request, ctx, principal, gate_id, status=403, problem=problem, values=values, form_kind=kind)
    confirm = form.get("step") == "confirm"
    try:
        view = await run_in_threadpool(
            svc.admin_view, ctx.uow(read_only=True), clock=ctx.clock, principal=principal, gate_id=gate_id
        )
        change = parse_change(form, view.gate.timezone)
        outcome = await run_in_threadpool(
            svc.change_gate,
            ctx.uow(),
            clock=ctx.clock,
            principal=principal,
            gate_id=gate_id,
            change=change,
            dry_run=not confirm,
        )
    except CuakhauError as exc:
        if exc.http_status in (401, 403):
            raise
        problem = _problem(request, exc)
        return _page(
            request, ctx, principal, gate_id, status=exc.http_status, problem=problem, values=values, form_kind=kind
        )
    if confirm:
        return RedirectResponse(f"/gates/{gate_id}/admin?done={outcome.kind.value}", status_code=303)
    return _page(request, ctx, principal, gate_id, preview=outcome, carried=carried, values=values, form_kind=kind)


def _problem(request: Request, exc: CuakhauError) -> dict[str, Any]:
    return {"code": exc.code, "field": exc.field, "message": i18n.render(exc.code, language_of(request), exc.params)}
