"""Onboarding pages: ask to join, decide requests, an enterprise's users, change, forget and set a password.

Each form posts back to its page and calls the same use case as its API twin (``routers/onboarding.py``), with
the same rate limits; a refused form is shown again with the service's sentence, next to the field at fault.
Asking to join, forgetting a password and setting one by link need no account.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cuakhau import i18n
from cuakhau.adapters.web import auth
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages.access import signed_in
from cuakhau.adapters.web.pages.render import csrf_ok, language_of, render
from cuakhau.adapters.web.routers.onboarding import limit_join, limit_reset
from cuakhau.domain.accounts import INVITABLE_ROLES
from cuakhau.domain.errors import CuakhauError, InvalidInput
from cuakhau.domain.onboarding import DocumentKind, JoinStatus
from cuakhau.domain.parties import EnterpriseRole
from cuakhau.services import accounts, onboarding

router = APIRouter(include_in_schema=False)

JOIN_FIELDS = ("name_vi", "name_zh", "country", "tax_id", "contact_name", "contact", "admin_username", "address")
ROLES = tuple(r.value for r in EnterpriseRole)
DOCUMENTS = tuple(d.value for d in DocumentKind)


def _problem(request: Request, exc: CuakhauError) -> dict[str, Any]:
    return {"code": exc.code, "field": exc.field, "message": i18n.render(exc.code, language_of(request), exc.params)}


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v)[:500] for k, v in form.items() if isinstance(v, str)}


def _csrf(request: Request, form: dict[str, str]) -> None:
    if not csrf_ok(request, form.get("csrf_token")):
        raise InvalidInput("page.csrf", field="csrf_token")


# --- ask to join ----------------------------------------------------------------------------------------------


@router.get("/join", response_class=HTMLResponse)
def join_page(request: Request) -> HTMLResponse:
    return render(request, "onboarding/join.html", form={}, roles=ROLES, documents=DOCUMENTS)


@router.post("/join", response_class=HTMLResponse)
async def join_submit(request: Request, ctx: ContextDep) -> HTMLResponse:
    form = await _form(request)
    try:
        _csrf(request, form)
        limit_join(request, ctx)
        await run_in_threadpool(
            onboarding.submit_join_request,
            ctx.uow(),
            clock=ctx.clock,
            **{k: form.get(k, "") for k in JOIN_FIELDS},
            roles=[r for r in ROLES if form.get(f"role_{r}")],
            documents={d: form.get(f"doc_{d}", "") for d in DOCUMENTS},
            locale=language_of(request),
        )
    except CuakhauError as exc:
        return render(
            request,
            "onboarding/join.html",
            status=exc.http_status,
            form=form,
            roles=ROLES,
            documents=DOCUMENTS,
            problem=_problem(request, exc),
        )
    return render(request, "onboarding/done.html", status=201, done="join")


# --- requests to decide ---------------------------------------------------------------------------------------


@router.get("/admin/join-requests", response_class=HTMLResponse)
def requests_page(request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = signed_in(request)
    pending, _total = onboarding.join_requests(ctx.uow(read_only=True), principal, status=JoinStatus.PENDING)
    return render(request, "onboarding/requests.html", requests=pending)


@router.post("/admin/join-requests/{request_id}", response_class=HTMLResponse)
async def decide_submit(request_id: str, request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    form = await _form(request)
    _csrf(request, form)
    if form.get("action") == "approve":
        await run_in_threadpool(
            onboarding.approve_join_request,
            ctx.uow(),
            clock=ctx.clock,
            principal=principal,
            request_id=request_id,
            link_base=auth.link_base(request),
        )
    else:
        await run_in_threadpool(
            onboarding.refuse_join_request,
            ctx.uow(),
            clock=ctx.clock,
            principal=principal,
            request_id=request_id,
            reason=form.get("reason", ""),
        )
    return RedirectResponse("/admin/join-requests", status_code=303)


# --- an enterprise's users ------------------------------------------------------------------------------------


def _users(request: Request, ctx: ContextDep, status: int = 200, **extra: Any) -> HTMLResponse:
    principal = signed_in(request)
    users = onboarding.enterprise_users(ctx.uow(read_only=True), principal)
    roles = sorted(r.value for r in INVITABLE_ROLES)
    return render(request, "onboarding/users.html", status=status, users=users, roles=roles, **extra)


@router.get("/enterprise/users", response_class=HTMLResponse)
def users_page(request: Request, ctx: ContextDep) -> HTMLResponse:
    return _users(request, ctx)


@router.post("/enterprise/users", response_class=HTMLResponse)
async def invite_submit(request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    form = await _form(request)
    _csrf(request, form)
    try:
        await run_in_threadpool(
            onboarding.invite_user,
            ctx.uow(),
            clock=ctx.clock,
            principal=principal,
            username=form.get("username", ""),
            role=form.get("role", ""),
            contact=form.get("contact", ""),
            locale=form.get("locale", "vi"),
            link_base=auth.link_base(request),
        )
    except CuakhauError as exc:  # a refusal is shown with the form; scope (403) is re-raised by the page itself
        return _users(request, ctx, status=exc.http_status, form=form, problem=_problem(request, exc))
    return RedirectResponse("/enterprise/users", status_code=303)


@router.post("/enterprise/users/{username}", response_class=HTMLResponse)
async def active_submit(username: str, request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    form = await _form(request)
    _csrf(request, form)
    await run_in_threadpool(
        onboarding.set_user_active,
        ctx.uow(),
        clock=ctx.clock,
        principal=principal,
        username=username,
        active=form.get("action") == "enable",
    )
    auth.security_of(request).cache.clear()
    return RedirectResponse("/enterprise/users", status_code=303)


# --- passwords ------------------------------------------------------------------------------------------------


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request) -> HTMLResponse:
    signed_in(request)
    return render(request, "onboarding/password.html")


@router.post("/account/password", response_class=HTMLResponse)
async def password_submit(request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = signed_in(request)
    form = await _form(request)
    try:
        _csrf(request, form)
        if form.get("new_password") != form.get("confirm_password"):
            raise InvalidInput("account.password_mismatch", field="confirm_password")
        await run_in_threadpool(
            onboarding.change_password,
            ctx.uow(),
            clock=ctx.clock,
            principal=principal,
            current=form.get("current_password", ""),
            new=form.get("new_password", ""),
            session_token=auth.token_of(request),
        )
    except InvalidInput as exc:
        return render(request, "onboarding/password.html", status=exc.http_status, problem=_problem(request, exc))
    return render(request, "onboarding/done.html", done="password")


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_page(request: Request) -> HTMLResponse:
    return render(request, "onboarding/forgot.html")


@router.post("/password/forgot", response_class=HTMLResponse)
async def forgot_submit(request: Request, ctx: ContextDep) -> HTMLResponse:
    form = await _form(request)
    username = form.get("username", "")[:64]
    try:
        _csrf(request, form)
        limit_reset(request, ctx, username)
        await run_in_threadpool(
            onboarding.request_password_reset,
            ctx.uow(),
            clock=ctx.clock,
            username=username,
            link_base=auth.link_base(request),
        )
    except CuakhauError as exc:  # a bad form or too many requests: the same for every username
        return render(request, "onboarding/forgot.html", status=exc.http_status, problem=_problem(request, exc))
    return render(request, "onboarding/done.html", status=202, done="forgot")


@router.get("/password/reset", response_class=HTMLResponse)
def reset_page(request: Request, ctx: ContextDep) -> HTMLResponse:
    token = request.query_params.get("token", "")[:200]
    try:
        account, link = onboarding.link_account(ctx.uow(read_only=True), clock=ctx.clock, token=token)
    except InvalidInput as exc:
        return render(request, "onboarding/reset.html", status=exc.http_status, problem=_problem(request, exc))
    return render(request, "onboarding/reset.html", token=token, username=account.username, purpose=link.purpose)


@router.post("/password/reset", response_class=HTMLResponse)
async def reset_submit(request: Request, ctx: ContextDep) -> HTMLResponse:
    form = await _form(request)
    token = form.get("token", "")
    try:
        _csrf(request, form)
        accounts.enforce_rate(
            auth.security_of(request).limiter, auth.RESET_IP, auth.client_ip(request), ctx.clock.now()
        )
        if form.get("password") != form.get("confirm_password"):
            raise InvalidInput("account.password_mismatch", field="confirm_password")
        await run_in_threadpool(
            onboarding.redeem_link, ctx.uow(), clock=ctx.clock, token=token, password=form.get("password", "")
        )
    except CuakhauError as exc:
        return render(
            request, "onboarding/reset.html", status=exc.http_status, token=token, problem=_problem(request, exc)
        )
    return render(request, "onboarding/done.html", done="reset")
