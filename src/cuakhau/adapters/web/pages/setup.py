"""Wire the pages into the app: static files, routers, the live hub, and HTML answers for sign-in errors."""

from __future__ import annotations

import inspect
import re
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from cuakhau.adapters.web.pages import (
    apidocs,
    dashboard,
    driver,
    gate_admin,
    gate_ops,
    hotline,
    inspections,
    login,
    onboarding,
    portal,
    portal_fleet,
    portal_upload,
    public,
    trucks,
    worklist,
)
from cuakhau.adapters.web.pages.access import LoginRequired, PageForbidden
from cuakhau.adapters.web.pages.render import render
from cuakhau.domain.accounts import Forbidden, Unauthenticated
from cuakhau.domain.errors import CuakhauError
from cuakhau.services.context import ServiceContext

ROUTERS = (
    public.router,
    login.router,
    dashboard.router,
    worklist.router,
    gate_admin.router,
    trucks.router,
    inspections.router,
    gate_ops.router,
    hotline.router,
    portal.router,
    driver.router,
    portal_fleet.router,
    portal_upload.router,
    onboarding.router,
    apidocs.router,
)


def wants_html(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path.endswith((".json", "/events")))


async def _login_required(request: Request, exc: Exception) -> Response:
    if wants_html(request) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    # API clients (the JSON snapshot, the event stream) get the API's answer: 401 auth.unauthenticated, with
    # WWW-Authenticate, exactly as every other protected route.
    return await _api_error(request, Unauthenticated())


async def _forbidden(request: Request, exc: Exception) -> Response:
    if wants_html(request):
        return render(request, "error.html", status=403, message=_text(request, PageForbidden.default_code))
    return await _api_error(request, Forbidden(field=getattr(exc, "field", None)))


async def _api_error(request: Request, exc: CuakhauError) -> Response:
    answer = request.app.state.api_error_handler(request, exc)
    response: Response = await answer if inspect.isawaitable(answer) else answer
    return response


def _text(request: Request, code: str) -> str:
    from cuakhau import i18n
    from cuakhau.adapters.web.pages.render import language_of

    return i18n.render(code, language_of(request))


#: An id (a hex key or a UUID) quoted in a message, with its quotes: a page says what was not found, not its key.
_QUOTED_ID = re.compile(
    r"\s?[«「'\"]?\b(?:[0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b[»」'\"]?"
)


def _without_ids(message: str) -> str:
    return _QUOTED_ID.sub("", message)


def _html_errors(app: FastAPI) -> None:
    """Errors on pages answer with a page in the reader's language; the API keeps its JSON error shape."""
    api_handler = app.state.api_error_handler = app.exception_handlers[CuakhauError]

    async def handler(request: Request, exc: Exception) -> Response:
        if not wants_html(request) or not isinstance(exc, CuakhauError):
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        from cuakhau import i18n
        from cuakhau.adapters.web.pages.render import language_of

        message = _without_ids(i18n.render(exc.code, language_of(request), exc.params))
        return render(request, "error.html", status=exc.http_status, message=message, code=exc.code)

    app.add_exception_handler(CuakhauError, handler)


def install(app: FastAPI, context: ServiceContext) -> None:
    app.state.page_principal_resolver = login.resolve  # the session cookie (tests may swap it)
    app.state.live_hub = dashboard.make_hub(context)
    app.state.worklist_hub = worklist.make_hub(context)
    if hasattr(context.uow, "after_commit"):  # the SQL unit of work: wake live dashboards after each commit here
        hubs = (app.state.live_hub, app.state.worklist_hub)

        def poke() -> None:
            for hub in hubs:
                hub.poke()

        setattr(context.uow, "after_commit", poke)  # noqa: B010
    app.mount("/static", StaticFiles(packages=[("cuakhau.adapters.web", "static")]), name="static")
    _html_errors(app)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    for router in ROUTERS:
        app.include_router(router)
