"""The login page (GET/POST /login) and logout (POST /logout): a session cookie for the pages.

The form posts username and password with a CSRF token (double-submit cookie); the login itself is the accounts
service's, with the same rate limits as the API login (:func:`cuakhau.adapters.web.auth.do_login`). After login an
exporter goes to the portal, an officer to their gate's dashboard, unless the page they asked for is named in
``next`` (a local path only: never an open redirect).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cuakhau import i18n
from cuakhau.adapters.web import auth
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages.render import csrf_ok, language_of, render
from cuakhau.domain.accounts import Principal, Role
from cuakhau.domain.errors import CuakhauError
from cuakhau.services import accounts

router = APIRouter(include_in_schema=False)


def resolve(request: Request) -> Principal | None:
    """The principal from the session cookie, or a bearer token (an API client reading the dashboard's JSON)."""
    token = auth.token_of(request)
    if not token:
        return None
    ctx = request.app.state.context
    security = auth.security_of(request)
    principal: Principal | None = accounts.resolve_token(
        ctx.uow(read_only=True), token, clock=ctx.clock, cache=security.cache
    )
    return principal


def safe_next(value: str | None) -> str | None:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:500]
    return None


def home_of(principal: Principal) -> str:
    if principal.role is Role.DRIVER and principal.driver_id:
        return "/driver"  # the driver's own page: today's trip, also offline
    if principal.enterprise_id:
        return "/portal"
    if principal.gate_codes:
        return f"/gates/{sorted(principal.gate_codes)[0]}/dashboard"
    return "/waits"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html", next_url=safe_next(request.query_params.get("next")) or "")


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request, ctx: ContextDep) -> Response:
    form = await request.form()
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:256]
    next_url = safe_next(str(form.get("next", ""))) or ""
    token = form.get("csrf_token")
    if not csrf_ok(request, token if isinstance(token, str) else None):
        problem = i18n.render("page.csrf", language_of(request))
        return render(request, "login.html", status=403, problem=problem, username=username, next_url=next_url)
    security = auth.security_of(request)
    try:
        # argon2 (about 60 ms), the database and the shared limiter: in the thread pool, never on the event loop
        session = await run_in_threadpool(auth.do_login, request, ctx, security, username, password)
    except CuakhauError as exc:
        code = "page.bad_login" if exc.http_status == 401 else exc.code
        problem = i18n.render(code, language_of(request), exc.params)
        return render(
            request, "login.html", status=exc.http_status, problem=problem, username=username, next_url=next_url
        )
    response = RedirectResponse(next_url or home_of(session.principal), status_code=303)
    auth.set_session_cookie(response, session, security)
    return response


@router.post("/logout")
async def logout_submit(request: Request, ctx: ContextDep) -> Response:
    form = await request.form()
    token = form.get("csrf_token")
    response = RedirectResponse("/waits", status_code=303)
    if not csrf_ok(request, token if isinstance(token, str) else None):
        return response
    session = request.cookies.get(auth.SESSION_COOKIE)
    if session:
        await run_in_threadpool(
            accounts.logout, ctx.uow(), session, clock=ctx.clock, cache=auth.security_of(request).cache
        )
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response
