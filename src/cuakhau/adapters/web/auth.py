"""Who is calling: FastAPI dependencies for the principal, role checks, and the login/logout/me routes.

The API takes ``Authorization: Bearer <token>``; pages send the session cookie ``cuakhau_session`` (HttpOnly,
SameSite=Lax, Secure when ``CUAKHAU_COOKIE_SECURE``). A bearer header wins over the cookie. A request without a
valid token gets 401 ``auth.unauthenticated``; a role or gate that does not allow the action gets 403
``auth.forbidden``; an object outside the caller's scope answers like a missing one (404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from cuakhau.adapters import logs
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.proxies import TrustedProxies
from cuakhau.adapters.web.ratelimit import Rate, WindowLimiter
from cuakhau.adapters.web.schemas import ActorIn, Out, Strict, errors
from cuakhau.domain.accounts import Forbidden, Principal, Role, Unauthenticated
from cuakhau.domain.trip import Actor
from cuakhau.services import accounts
from cuakhau.services.ports import RateLimiter

SESSION_COOKIE = "cuakhau_session"
LOGIN_USERNAME = "login.username"  # per username from one client address
LOGIN_IP = "login.ip"  # per client address, whatever the username
LOGIN_ACCOUNT = "login.account"  # per username, from the addresses it has not logged in from
LOGIN_KNOWN = "login.known"  # the (username, address) pairs that logged in lately
BOOKING = "booking.account"
RESET_IP = "reset.ip"  # password-reset requests per client address
RESET_USERNAME = "reset.username"  # password-reset requests per username, from anywhere
JOIN_IP = "join.ip"  # requests to join per client address
#: An address a user logged in from is spared the per-username ceiling this long after the last login there.
KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600

DEFAULT_RATES = {
    LOGIN_USERNAME: Rate.parse("10/300"),
    LOGIN_IP: Rate.parse("60/60"),
    LOGIN_ACCOUNT: Rate.parse("30/300"),
    BOOKING: Rate.parse("30/60"),
    RESET_IP: Rate.parse("10/900"),
    RESET_USERNAME: Rate.parse("3/900"),
    JOIN_IP: Rate.parse("10/3600"),
}


@dataclass(slots=True)
class Security:
    """The app's security state: rate limiter, token cache, session length, cookie flags, trusted proxies."""

    limiter: RateLimiter | None = field(default_factory=lambda: WindowLimiter(DEFAULT_RATES))
    cache: accounts.TokenCache = field(default_factory=accounts.TokenCache)
    session_ttl: timedelta = accounts.SESSION_TTL
    cookie_secure: bool = False
    proxies: TrustedProxies = field(default_factory=TrustedProxies)
    #: The address the public reaches this site at (``CUAKHAU_PUBLIC_URL``): one-time links start with it. Unset:
    #: the request's own address (fine for a demo; behind a proxy set it, so a forged Host cannot redirect links).
    public_url: str = ""

    @classmethod
    def build(
        cls,
        *,
        rate_login_username: str,
        rate_login_ip: str,
        rate_booking: str,
        token_cache_seconds: float,
        session_hours: float,
        cookie_secure: bool,
        rate_login_account: str = "30/300",
        redis_url: str | None = None,
        redis_key_prefix: str = "cuakhau",
        trusted_proxies: str = "",
        public_url: str = "",
        rate_reset_ip: str = "10/900",
        rate_reset_username: str = "3/900",
        rate_join_ip: str = "10/3600",
    ) -> Security:
        rates = {
            LOGIN_USERNAME: Rate.parse(rate_login_username),
            LOGIN_IP: Rate.parse(rate_login_ip),
            LOGIN_ACCOUNT: Rate.parse(rate_login_account),
            BOOKING: Rate.parse(rate_booking),
            RESET_IP: Rate.parse(rate_reset_ip),
            RESET_USERNAME: Rate.parse(rate_reset_username),
            JOIN_IP: Rate.parse(rate_join_ip),
        }
        return cls(
            limiter=WindowLimiter(rates, redis_url=redis_url, key_prefix=redis_key_prefix),
            cache=accounts.TokenCache(ttl_seconds=token_cache_seconds),
            session_ttl=timedelta(hours=session_hours),
            cookie_secure=cookie_secure,
            proxies=TrustedProxies.of(trusted_proxies),
            public_url=public_url.rstrip("/"),
        )


def security_of(request: Request) -> Security:
    security: Security = request.app.state.security
    return security


async def get_security(request: Request) -> Security:
    return security_of(request)


SecurityDep = Annotated[Security, Depends(get_security)]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        return value.strip() or None if scheme.lower() == "bearer" else None
    token = request.cookies.get(SESSION_COOKIE) or None
    if token is not None and request.method not in SAFE_METHODS:
        check_same_origin(request)
    return token


def check_same_origin(request: Request) -> None:
    """A change made with the session cookie must come from our own pages (defence in depth with SameSite=Lax):
    a browser sends ``Origin`` on such requests, and it must name this host."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    if urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower():
        raise Forbidden("auth.cross_site", origin=origin[:200])


async def optional_principal(request: Request, ctx: ContextDep, security: SecurityDep) -> Principal | None:
    """The caller, or None for the public (an invalid or expired token also reads as the public).

    A token in the process's cache is answered on the event loop; only a miss reads the database, in the
    thread pool."""
    token = token_of(request)
    if token is None:
        return None
    principal = accounts.cached_principal(token, clock=ctx.clock, cache=security.cache)
    if principal is None:
        principal = await run_in_threadpool(
            accounts.resolve_token, ctx.uow(read_only=True), token, clock=ctx.clock, cache=security.cache
        )
    request.state.principal = principal
    if principal is not None:
        logs.bind(account=principal.username)
    return principal


#: The bearer scheme of the OpenAPI description. A route that depends on it (through :func:`current_principal`)
#: lists it in its ``security``; it reads nothing the principal needs (:func:`token_of` takes the token, or the
#: pages' session cookie).
BEARER = HTTPBearer(
    scheme_name="bearer",
    auto_error=False,
    description="A session token from POST /api/v1/auth/login, or an API token from `cuakhau accounts token`",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)], _bearer: BearerDep
) -> Principal:
    if principal is None:
        raise Unauthenticated()
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting only ``roles`` (and ``system_admin``, which may do everything)::

    principal: Annotated[Principal, Depends(require_roles(Role.GATE_ADMIN))]
    """
    allowed = frozenset(roles) | {Role.SYSTEM_ADMIN}

    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(permission="role")
        return principal

    return check


def actor_for(principal: Principal, stated: ActorIn | None) -> Actor:
    """Who a step is recorded under: the account itself.

    A ``system_admin`` (an integration replaying records, the demo) may name the actor in the body. Anyone
    else may leave it out; stating a different role is refused rather than silently rewritten.
    """
    if stated is not None and principal.is_admin:
        return stated.to_domain()
    actor = principal.as_actor()
    if stated is not None and stated.role is not actor.role:
        raise Forbidden("auth.actor_mismatch", field="actor.role", role=stated.role.value)
    return actor


def client_ip(request: Request) -> str:
    """The peer, or the client a trusted proxy names in ``X-Forwarded-For`` (adapters/web/proxies.py)."""
    peer = request.client.host if request.client else "unknown"
    return security_of(request).proxies.client_address(peer, request.headers.getlist("x-forwarded-for"))[:64]


def link_base(request: Request) -> str:
    """Where one-time links lead: ``CUAKHAU_PUBLIC_URL``, else this request's own address."""
    return security_of(request).public_url or str(request.base_url).rstrip("/")


def limit_booking(request: Request, principal: Principal, ctx: ContextDep) -> None:
    accounts.enforce_rate(security_of(request).limiter, BOOKING, principal.account_id, ctx.clock.now())


def booking_counter(request: Request, principal: Principal, ctx: ContextDep) -> Callable[[], None]:
    """The booking limit of this caller, for the booking use cases (``services/authorized.py``): they count a
    change only once the trip is known to be visible to the caller. The API and the pages both pass this."""
    return lambda: limit_booking(request, principal, ctx)


# --- routes ---------------------------------------------------------------------------------------------------

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(Strict):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class PrincipalOut(Out):
    account_id: str
    username: str
    role: str
    enterprise_id: str | None
    driver_id: str | None
    gate_codes: list[str]
    locale: str


class SessionOut(PrincipalOut):
    token: str
    token_type: str = "bearer"
    expires_at: datetime


def principal_out(p: Principal) -> PrincipalOut:
    return PrincipalOut(
        account_id=p.account_id,
        username=p.username,
        role=p.role.value,
        enterprise_id=p.enterprise_id,
        driver_id=p.driver_id,
        gate_codes=sorted(p.gate_codes),
        locale=p.locale,
    )


def set_session_cookie(response: Response, session: accounts.Session, security: Security) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=int(security.session_ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=security.cookie_secure,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def do_logout(request: Request, ctx: ContextDep, security: Security) -> None:
    """Revoke the token or session cookie of this request, if any (the pages' logout uses this too)."""
    token = token_of(request)
    if token is not None:
        accounts.logout(ctx.uow(), token, clock=ctx.clock, cache=security.cache)


def do_login(request: Request, ctx: ContextDep, security: Security, username: str, password: str) -> accounts.Session:
    """Log in with the rate limits applied (the web pages' login form uses this too; docs/security.md).

    Per client address; per username from that address (an attacker exhausting it locks out only that address);
    and, unless the username logged in from this address lately, per username from all such addresses (the
    ceiling on guessing from many addresses, which therefore never locks a user out of their usual address)."""
    now = ctx.clock.now()
    limiter = security.limiter
    address = client_ip(request)
    name = username.strip().lower()[:64]
    pair = f"{quote(name, safe='')}/{quote(address, safe='')}"
    accounts.enforce_rate(limiter, LOGIN_IP, address, now)
    accounts.enforce_rate(limiter, LOGIN_USERNAME, pair, now)
    if limiter is not None and not limiter.remembers(LOGIN_KNOWN, pair):
        accounts.enforce_rate(limiter, LOGIN_ACCOUNT, name, now)
    session = accounts.login_session(ctx.uow(), username, password, clock=ctx.clock, ttl=security.session_ttl)
    logs.bind(account=session.principal.username)
    if limiter is not None:
        limiter.remember(LOGIN_KNOWN, pair, KNOWN_ADDRESS_SECONDS)
    return session


@router.post("/login", summary="Log in: a session token (also set as the session cookie)", responses=errors(401, 429))
def login(body: LoginIn, request: Request, response: Response, ctx: ContextDep, security: SecurityDep) -> SessionOut:
    session = do_login(request, ctx, security, body.username, body.password)
    set_session_cookie(response, session, security)
    out = principal_out(session.principal).model_dump()
    return SessionOut(**out, token=session.token, expires_at=session.expires_at)


@router.post("/logout", status_code=204, summary="Revoke the token or session in use")
def logout(request: Request, ctx: ContextDep, security: SecurityDep, _principal: PrincipalDep) -> Response:
    do_logout(request, ctx, security)
    response = Response(status_code=204)
    clear_session_cookie(response)
    return response


@router.get("/me", summary="The account behind the token")
def me(principal: PrincipalDep) -> PrincipalOut:
    return principal_out(principal)
