"""Security headers on every answer: pages, API, static files, errors, redirects and event streams.

* ``Content-Security-Policy``: for pages (``text/html``) :data:`PAGE_CSP` — scripts, styles, images and
  connections from this origin only, no inline script or style, no plugins, no framing, no ``<base>``; for
  anything else (JSON, event streams, files, redirects) :data:`API_CSP` — nothing may load, nothing may frame it.
  The service worker's script carries :data:`WORKER_CSP` (set by its route, kept here).
* ``X-Content-Type-Options: nosniff``: a browser never treats an answer as another type than the one declared.
* ``X-Frame-Options: DENY``: ``frame-ancestors 'none'`` for browsers older than CSP 2.
* ``Referrer-Policy: same-origin``: no address of ours is sent to another site, and our own forms still send
  our ``Origin``. Under ``no-referrer`` a browser posts a form with ``Origin: null``, which the Origin check on
  cookie sessions refuses (``auth.check_same_origin``): the portal's declare form then fails (measured with
  Chromium 156 and ``tests/e2e/test_browser_pages.py``).
* ``Cross-Origin-Opener-Policy: same-origin``: a page of another site that opens ours gets no handle on it.
* ``Cross-Origin-Resource-Policy: same-origin``: another site cannot embed our answers.
* ``Permissions-Policy``: camera, microphone, geolocation, payment and USB turned off.
* ``Strict-Transport-Security`` (one year), only when the app is served over HTTPS (``CUAKHAU_COOKIE_SECURE``).

A header a route set itself is kept (an uploaded document answers with its own sandboxing CSP).

The middleware is pure ASGI (it edits the ``http.response.start`` message and passes the body through), so the
live dashboard's event stream keeps streaming. :func:`install` puts it *outside* Starlette's
``ServerErrorMiddleware``, so the 500 answer of an unexpected error carries the headers too.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
#: The driver app's service worker (``/sw.js``, set by its route): a worker obeys the policy of its own script,
#: and it must fetch this origin's pages and assets to keep them for when the network is off.
WORKER_CSP = "default-src 'none'; connect-src 'self'; frame-ancestors 'none'"
HSTS = "max-age=31536000"

COMMON: tuple[tuple[str, str], ...] = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)


def security_headers(content_type: str, *, hsts: bool) -> list[tuple[str, str]]:
    """The headers an answer of this content type carries (names in lower case)."""
    html = content_type.split(";", 1)[0].strip().lower() == "text/html"
    headers = [*COMMON, ("content-security-policy", PAGE_CSP if html else API_CSP)]
    if hsts:
        headers.append(("strict-transport-security", HSTS))
    return headers


class SecurityHeaders:
    """Pure ASGI middleware: adds :func:`security_headers` to each response start, keeping any the app set."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw: list[tuple[bytes, bytes]] = list(message.get("headers") or [])
                present = {name.lower() for name, _ in raw}
                content_type = next((value for name, value in raw if name.lower() == b"content-type"), b"")
                for name, value in security_headers(content_type.decode("latin-1"), hsts=self.hsts):
                    if name.encode() not in present:
                        raw.append((name.encode(), value.encode("latin-1")))
                message = {**message, "headers": raw}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    """Wrap the app's whole middleware stack (built at the first request) in :class:`SecurityHeaders`.

    Added with ``add_middleware`` it would sit inside ``ServerErrorMiddleware``, and the 500 answer that
    middleware sends for an unexpected error would go out bare. HSTS follows ``app.state.security.cookie_secure``
    as it is when the stack is built.
    """
    build: Callable[[], ASGIApp] = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        security = getattr(app.state, "security", None)
        return SecurityHeaders(build(), hsts=bool(getattr(security, "cookie_secure", False)))

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
