"""Onboarding: requests to join, their decision, an enterprise's users, passwords (changed, forgotten, set by link).

The pages (``pages/onboarding.py``) call the same use cases (``services/onboarding.py``). Asking to join, asking
for a reset link and setting a password by link need no account; they are rate-limited per client address (and
the reset per username). A reset request is answered 202 whatever the username: it never tells whether an
account exists.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from cuakhau import i18n
from cuakhau.adapters.web import auth
from cuakhau.adapters.web.auth import PrincipalDep
from cuakhau.adapters.web.deps import ContextDep, PageDep
from cuakhau.adapters.web.errors import language_of
from cuakhau.adapters.web.schemas import Out, PageOut, Strict, errors
from cuakhau.domain.accounts import Account
from cuakhau.domain.onboarding import JoinRequest, JoinStatus
from cuakhau.services import accounts, onboarding

router = APIRouter()

Short = Annotated[str, Field(max_length=300)]


class JoinRequestIn(Strict):
    name_vi: Annotated[str, Field(min_length=1, max_length=300)]
    name_zh: Short = ""
    country: Annotated[str, Field(min_length=2, max_length=2)] = "VN"
    tax_id: Annotated[str, Field(min_length=1, max_length=40)]
    roles: Annotated[list[str], Field(min_length=1, max_length=4)]
    contact_name: Annotated[str, Field(min_length=1, max_length=300)]
    contact: Annotated[str, Field(min_length=1, max_length=200)]
    admin_username: Annotated[str, Field(min_length=1, max_length=64)]
    documents: Annotated[dict[str, Annotated[str, Field(max_length=64)]], Field(max_length=5)]
    locale: Literal["vi", "zh", "en"] = "vi"
    address: Short = ""


class JoinRequestOut(Out):
    id: str
    status: str
    name_vi: str
    name_zh: str
    country: str
    tax_id: str
    roles: list[str]
    contact_name: str
    contact: str
    admin_username: str
    documents: dict[str, str]
    locale: str
    address: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None
    enterprise_id: str | None


class JoinReceivedOut(Out):
    id: str
    status: str


class ResetAskedOut(Out):
    message: str = Field(description="The same sentence whether or not the account exists, in the caller's language")


class RefuseIn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class UserOut(Out):
    username: str
    role: str
    active: bool
    contact: str | None
    driver_id: str | None
    locale: str
    password_set: bool


class InviteIn(Strict):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    role: Literal["exporter", "driver"]
    contact: Annotated[str, Field(min_length=1, max_length=200)]
    locale: Literal["vi", "zh", "en"] = "vi"
    driver_id: Annotated[str | None, Field(max_length=32)] = None


class ActiveIn(Strict):
    active: bool


class PasswordChangeIn(Strict):
    current_password: Annotated[str, Field(min_length=1, max_length=256)]
    new_password: Annotated[str, Field(min_length=1, max_length=256)]


class ResetRequestIn(Strict):
    username: Annotated[str, Field(min_length=1, max_length=64)]


class ResetConfirmIn(Strict):
    token: Annotated[str, Field(min_length=1, max_length=100)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


def join_out(r: JoinRequest) -> JoinRequestOut:
    return JoinRequestOut(
        id=r.id,
        status=r.status.value,
        name_vi=r.name_vi,
        name_zh=r.name_zh,
        country=r.tax_id.country,
        tax_id=r.tax_id.number,
        roles=sorted(x.value for x in r.roles),
        contact_name=r.contact_name,
        contact=r.contact,
        admin_username=r.admin_username,
        documents=r.documents,
        locale=r.locale,
        address=r.address,
        created_at=r.created_at,
        decided_at=r.decided_at,
        decided_by=r.decided_by,
        reason=r.reason,
        enterprise_id=r.enterprise_id,
    )


def user_out(a: Account) -> UserOut:
    return UserOut(
        username=a.username,
        role=a.role.value,
        active=a.active,
        contact=a.contact,
        driver_id=a.driver_id,
        locale=a.locale,
        password_set=a.password_hash is not None,
    )


def limit_join(request: Request, ctx: ContextDep) -> None:
    accounts.enforce_rate(auth.security_of(request).limiter, auth.JOIN_IP, auth.client_ip(request), ctx.clock.now())


def limit_reset(request: Request, ctx: ContextDep, username: str) -> None:
    limiter, now = auth.security_of(request).limiter, ctx.clock.now()
    accounts.enforce_rate(limiter, auth.RESET_IP, auth.client_ip(request), now)
    accounts.enforce_rate(limiter, auth.RESET_USERNAME, username.strip().lower()[:64], now)


# --- join requests --------------------------------------------------------------------------------------------


@router.post(
    "/join-requests",
    status_code=201,
    tags=["onboarding"],
    summary="Ask to join (no account needed)",
    responses=errors(409, 429),
)
def submit_join_request(body: JoinRequestIn, request: Request, ctx: ContextDep) -> JoinReceivedOut:
    limit_join(request, ctx)
    r = onboarding.submit_join_request(ctx.uow(), clock=ctx.clock, **body.model_dump())
    return JoinReceivedOut(id=r.id, status=r.status.value)


@router.get("/join-requests", tags=["onboarding"], summary="Requests to join (gate and system administrators)")
def list_join_requests(
    ctx: ContextDep,
    page: PageDep,
    principal: PrincipalDep,
    status: Annotated[Literal["pending", "approved", "refused"] | None, Query()] = None,
) -> PageOut[JoinRequestOut]:
    items, total = onboarding.join_requests(
        ctx.uow(read_only=True),
        principal,
        status=JoinStatus(status) if status else None,
        limit=page.limit,
        offset=page.offset,
    )
    return PageOut(items=[join_out(r) for r in items], total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/join-requests/{request_id}/approve",
    tags=["onboarding"],
    summary="Approve: the enterprise and its administrator's account are made; the invitation is sent",
    responses=errors(409),
)
def approve_join_request(request_id: str, request: Request, ctx: ContextDep, principal: PrincipalDep) -> JoinRequestOut:
    decision = onboarding.approve_join_request(
        ctx.uow(), clock=ctx.clock, principal=principal, request_id=request_id, link_base=auth.link_base(request)
    )
    return join_out(decision.request)


@router.post(
    "/join-requests/{request_id}/refuse",
    tags=["onboarding"],
    summary="Refuse with a reason (sent to the requester)",
    responses=errors(409),
)
def refuse_join_request(request_id: str, body: RefuseIn, ctx: ContextDep, principal: PrincipalDep) -> JoinRequestOut:
    decision = onboarding.refuse_join_request(
        ctx.uow(), clock=ctx.clock, principal=principal, request_id=request_id, reason=body.reason
    )
    return join_out(decision.request)


# --- an enterprise's users ------------------------------------------------------------------------------------


@router.get("/enterprise/users", tags=["onboarding"], summary="My enterprise's users (its administrator)")
def list_users(ctx: ContextDep, principal: PrincipalDep) -> list[UserOut]:
    return [user_out(a) for a in onboarding.enterprise_users(ctx.uow(read_only=True), principal)]


@router.post(
    "/enterprise/users",
    status_code=201,
    tags=["onboarding"],
    summary="Invite a user of my enterprise (an invitation link goes to the contact)",
    responses=errors(409),
)
def invite_user(body: InviteIn, request: Request, ctx: ContextDep, principal: PrincipalDep) -> UserOut:
    account = onboarding.invite_user(
        ctx.uow(), clock=ctx.clock, principal=principal, link_base=auth.link_base(request), **body.model_dump()
    )
    return user_out(account)


@router.put("/enterprise/users/{username}/active", tags=["onboarding"], summary="Disable or enable a user")
def set_user_active(
    username: str, body: ActiveIn, request: Request, ctx: ContextDep, principal: PrincipalDep
) -> UserOut:
    account = onboarding.set_user_active(
        ctx.uow(), clock=ctx.clock, principal=principal, username=username, active=body.active
    )
    if not body.active:  # this process forgets resolved tokens at once; others within the token cache's TTL
        auth.security_of(request).cache.clear()
    return user_out(account)


# --- passwords ------------------------------------------------------------------------------------------------


@router.post("/auth/password", status_code=204, tags=["auth"], summary="Change my password")
def change_password(body: PasswordChangeIn, request: Request, ctx: ContextDep, principal: PrincipalDep) -> Response:
    onboarding.change_password(
        ctx.uow(),
        clock=ctx.clock,
        principal=principal,
        current=body.current_password,
        new=body.new_password,
        session_token=auth.token_of(request),
    )
    return Response(status_code=204)


@router.post(
    "/auth/password-reset",
    status_code=202,
    tags=["auth"],
    summary="Ask for a password-reset link (the same answer whether or not the account exists)",
    responses=errors(429),
)
def request_reset(body: ResetRequestIn, request: Request, ctx: ContextDep) -> ResetAskedOut:
    limit_reset(request, ctx, body.username)
    onboarding.request_password_reset(
        ctx.uow(), clock=ctx.clock, username=body.username, link_base=auth.link_base(request)
    )
    return ResetAskedOut(message=i18n.render("account.reset_asked", language_of(request)))


@router.post(
    "/auth/password-reset/confirm",
    status_code=204,
    tags=["auth"],
    summary="Set the password with a one-time link's token (an invitation or a reset)",
    responses=errors(429),
)
def confirm_reset(body: ResetConfirmIn, request: Request, ctx: ContextDep) -> Response:
    accounts.enforce_rate(auth.security_of(request).limiter, auth.RESET_IP, auth.client_ip(request), ctx.clock.now())
    onboarding.redeem_link(ctx.uow(), clock=ctx.clock, token=body.token, password=body.password)
    return Response(status_code=204)
