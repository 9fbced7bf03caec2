"""Security headers on every answer (docs/security.md, "Security headers"; ``adapters/web/headers.py``).

Every route of the app is walked from ``app.routes`` — the API, the pages, the static files, ``/docs`` and
``/openapi.json`` — and requested by the public, an administrator and an exporter, so that the answers cover pages
and JSON, successes, redirects and the error answers (401, 403, 404, 405, 413, 422 and an unexpected 500). Each
must carry the headers; pages get the strict page CSP, everything else the API's ``default-src 'none'``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator, MutableMapping
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI, Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from cuakhau.adapters.web.app import build_app
from cuakhau.adapters.web.auth import Security
from cuakhau.domain.accounts import Role
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import token_for
from tests.fixtures.factories import World
from tests.integration.conftest import RoleClient

HOME = "vn-huu-nghi"
MISSING = "0123456789abcdef0123456789abcdef"

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
WORKER_CSP = "default-src 'none'; connect-src 'self'; frame-ancestors 'none'"  # /sw.js (its route sets it)
EVERY_ANSWER = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
STATIC = (
    "/static/cuakhau.css",
    "/static/dashboard.js",
    "/static/portal.js",
    "/static/docs.js",
    "/static/vendor/swagger-ui/swagger-ui-bundle.js",
    "/static/vendor/swagger-ui/swagger-ui.css",
    "/static/no-such-file.js",
)


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route, included routers, plain routes and mounts alike (a mount as its path)."""

    def walk(items: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
        for route in items:
            if hasattr(route, "original_router"):  # an included router (FastAPI keeps it whole since 0.16x)
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute | Route):
                yield from ((method, prefix + route.path) for method in route.methods or ())
            elif isinstance(route, Mount):
                yield "MOUNT", prefix + route.path
            else:
                raise AssertionError(f"a route of an unknown kind: {route!r}")

    found = sorted(set(walk(app.routes)))
    return sorted(found, key=lambda r: "logout" in r[1])  # logging out revokes the token: last


def url_for(path: str, trip_id: str) -> str:
    return re.sub(
        r"\{([a-z_]+)\}", lambda m: HOME if m[1] == "gate_id" else trip_id if m[1] == "trip_id" else MISSING, path
    )


def check(r: httpx2.Response, *, hsts: bool = False) -> None:
    where = (r.request.method, str(r.request.url), r.status_code)
    for name, value in EVERY_ANSWER.items():
        assert r.headers.get(name) == value, (*where, name, r.headers.get(name))
    assert ("strict-transport-security" in r.headers) is hsts, where
    if hsts:
        assert r.headers["strict-transport-security"] == "max-age=31536000", where
    if r.headers.get("content-type", "").startswith("text/html"):
        assert r.headers["content-security-policy"] == PAGE_CSP, where
    elif r.request.url.path == "/sw.js":  # the driver app's service worker: may fetch this origin, nothing else
        assert r.headers["content-security-policy"] == WORKER_CSP, where
    else:
        assert r.headers["content-security-policy"] == API_CSP, (*where, r.headers.get("content-security-policy"))


@pytest.fixture
def boom(app: FastAPI) -> FastAPI:
    """The app with one route that fails unexpectedly: the 500 answer (sent by Starlette's outermost
    ServerErrorMiddleware through the app's handler) must carry the headers too."""

    def fail() -> None:
        raise RuntimeError("an unexpected failure")

    app.add_api_route("/test-boom", fail, include_in_schema=False)
    return app


def test_every_route_answers_with_the_security_headers(
    ctx: ServiceContext, world: World, boom: FastAPI, anon: TestClient, client: TestClient, as_role: RoleClient
) -> None:
    trip_id = world.declare().id
    exporter = as_role(Role.EXPORTER, enterprise_id=world.exporter.id)
    officer = as_role(Role.CUSTOMS_OFFICER, gates=[HOME])
    seen: set[tuple[int, str]] = set()

    def request(who: TestClient, method: str, url: str, **kw: Any) -> None:
        r = who.request(method, url, follow_redirects=False, **kw)
        check(r)
        seen.add((r.status_code, r.headers.get("content-type", "").split(";")[0]))

    every = routes(boom)
    assert len(every) > 60 and ("MOUNT", "/static") in every and ("GET", "/docs") in every
    assert ("GET", "/openapi.json") in every and ("GET", "/waits") in every
    # Answers made outside the routes (no route, a wrong method, a body too large or malformed, a page's own
    # error page, a cached static file); first, as the walk below ends by logging every client out.
    request(anon, "GET", "/no-such-page")
    request(exporter, "GET", f"/portal/trips/{MISSING}")  # a page's own error page
    request(anon, "GET", "/api/v1/no-such-route")
    request(anon, "DELETE", "/api/v1/gates")
    request(anon, "POST", "/api/v1/auth/login", content=b"{" * (1024 * 1024 + 1))
    request(anon, "POST", "/api/v1/auth/login", content=b"{nope", headers={"Content-Type": "application/json"})
    etag = anon.get("/static/cuakhau.css").headers["etag"]
    request(anon, "GET", "/static/cuakhau.css", headers={"If-None-Match": etag})

    for method, path in every:
        if path.endswith("/events"):
            continue  # an endless event stream: test_the_live_event_stream_carries_them
        urls = STATIC if method == "MOUNT" else (url_for(path, trip_id),)
        for url in urls:
            for who in (anon, officer, exporter, client):
                if method == "MOUNT":
                    request(who, "GET", url)
                    request(who, "HEAD", url)
                elif path.startswith("/api/"):
                    request(who, method, url, json={}, params={"date": "2026-06-02"})
                else:
                    request(who, method, url, data={})

    statuses = {status for status, _ in seen}
    assert statuses >= {200, 303, 304, 307, 400, 401, 403, 404, 405, 413, 422, 500}, sorted(statuses)
    types = {kind for _, kind in seen}
    assert types >= {"text/html", "application/json", "text/css", "text/javascript"}, sorted(types)
    assert (200, "text/html") in seen and (403, "text/html") in seen and (404, "text/html") in seen, sorted(seen)


def test_the_live_event_stream_carries_them(ctx: ServiceContext, world: World, app: FastAPI) -> None:
    """The dashboard's server-sent events, driven over ASGI: the headers come with the start of the stream, and
    the stream keeps streaming through the middleware (its first chunk arrives before the end)."""
    token = token_for(ctx, Role.CUSTOMS_OFFICER, gates=[HOME])
    start, chunk = asyncio.run(_first_chunk(app, f"/gates/{HOME}/dashboard/events", token))
    assert start["status"] == 200
    headers = {name.decode(): value.decode() for name, value in start["headers"]}
    assert headers["content-type"].startswith("text/event-stream")
    for name, value in EVERY_ANSWER.items():
        assert headers[name] == value, name
    assert headers["content-security-policy"] == API_CSP
    assert chunk.startswith(b"retry:")


async def _first_chunk(app: FastAPI, path: str, token: str) -> tuple[dict[str, Any], bytes]:
    start: dict[str, Any] = {}
    chunks: list[bytes] = []
    got_chunk = asyncio.Event()
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await got_chunk.wait()
        return {"type": "http.disconnect"}  # the reader goes away after the first chunk

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body" and message.get("body"):
            chunks.append(message["body"])
            got_chunk.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"lang=en",
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    await asyncio.wait_for(app(scope, receive, send), timeout=20)
    return start, chunks[0]


def test_a_header_a_route_set_itself_is_kept(app: FastAPI, anon: TestClient) -> None:
    """An uploaded document answers with its own sandboxing CSP; the middleware must not replace it."""

    def document() -> Response:
        return Response(
            b"<x/>",
            media_type="application/xml",
            headers={"Content-Security-Policy": "sandbox; default-src 'none'", "Referrer-Policy": "no-referrer"},
        )

    app.add_api_route("/test-document", document, include_in_schema=False)
    r = anon.get("/test-document")
    assert r.headers.get_list("content-security-policy") == ["sandbox; default-src 'none'"]
    assert r.headers.get_list("referrer-policy") == ["no-referrer"]
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"


def test_hsts_only_when_served_over_https(ctx: ServiceContext) -> None:
    """``CUAKHAU_COOKIE_SECURE=true`` says the app is behind HTTPS: then (and only then) browsers are told to
    keep to HTTPS for a year."""
    for secure in (True, False):
        with TestClient(build_app(ctx, security=Security(cookie_secure=secure))) as browser:
            for url in ("/waits", "/api/v1/gates", "/static/cuakhau.css", "/no-such-page"):
                check(browser.get(url, follow_redirects=False), hsts=secure)


def test_the_api_docs_page_loads_nothing_from_another_origin(anon: TestClient) -> None:
    r = anon.get("/docs")
    assert r.status_code == 200 and r.headers["content-security-policy"] == PAGE_CSP
    sources = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in sources and "/static/docs.js" in sources
    assert all(s.startswith("/static/") for s in sources), sources
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text)  # no inline script
    for asset in sources:
        assert anon.get(asset).status_code == 200, asset
    assert anon.get("/docs/oauth2-redirect").status_code == 404  # FastAPI's page with an inline script is gone
