"""The OpenAPI description against the app it describes (adapters/web/openapi.py).

* Security: an operation lists the bearer scheme exactly when its route depends on the principal (walked from
  the route's dependencies), and the operations without it are exactly the public routes that
  ``test_authorization`` proves answer without a token.
* Errors: every error answer has the one error shape (``ErrorOut``; FastAPI's ``HTTPValidationError`` is gone);
  the statuses documented are ones the app gives — each documented 400, 413 and 422 (every route with a body),
  404 (every read by id) and 503 (every route that uses the database) is provoked here and answered so.
  The fuzz run (tests/integration/test_fuzz_api.py) checks the other way: no answer outside the description.
* Operation ids: ``<tag>_<function name>``, unique, and the published ones never change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from cuakhau.adapters import health
from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.adapters.web.app import build_app
from cuakhau.adapters.web.auth import current_principal
from cuakhau.adapters.web.deps import get_context
from cuakhau.domain.accounts import Role
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.errors import CuakhauError
from cuakhau.domain.exchange import ExchangeRefused
from cuakhau.domain.hs import HsNomenclature
from cuakhau.services.context import ServiceContext
from tests.conftest import DEMO_NOW
from tests.fixtures.accounts import bearer, token_for
from tests.fixtures.factories import World
from tests.integration.test_authorization import PUBLIC

PUBLISHED_IDS = Path(__file__).resolve().parents[1] / "fixtures" / "openapi_operation_ids.txt"
ERROR_KEYS = {"code", "message", "field", "params", "details"}
MISSING = "0123456789abcdef0123456789abcdef"
Operation = tuple[str, str, dict[str, Any]]  # method, path, operation


def operations(schema: dict[str, Any]) -> Iterator[Operation]:
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


def calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from calls(sub)


def routes(app: FastAPI) -> dict[tuple[str, str], set[Callable[..., Any]]]:
    """(method, path) -> every dependency the route calls, walked from the app's routes."""
    found = {}
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            for method in route.methods or ():
                found[(method, route.path_format)] = set(calls(route.dependant))
    return found


@pytest.fixture
def schema(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def test_operation_ids_are_tag_and_function_unique_and_never_change(app: FastAPI, schema: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(schema)]
    assert len(ids) == len(set(ids)) > 60
    for _, _, op in operations(schema):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", op["operationId"]), op["operationId"]
        tag = re.sub(r"[^a-z0-9]+", "_", op["tags"][0].lower())
        assert op["operationId"].startswith(f"{tag}_"), op["operationId"]
    published = PUBLISHED_IDS.read_text("utf-8").split()
    assert sorted(set(published) - set(ids)) == [], "a published operation id changed or went: clients break"
    assert sorted(set(ids) - set(published)) == [], f"a new operation: add its id to {PUBLISHED_IDS.name}"
    # A second app built the same way describes the same ids (nothing depends on the order of inclusion or ids).
    assert [op["operationId"] for _, _, op in operations(build_app(app.state.context).openapi())] == ids


def test_the_bearer_scheme_is_declared_where_the_principal_is_needed(app: FastAPI, schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert list(schemes) == ["bearer"] and (schemes["bearer"]["type"], schemes["bearer"]["scheme"]) == (
        "http",
        "bearer",
    )
    deps = routes(app)
    public = set()
    for method, path, op in operations(schema):
        secured = op.get("security")
        if current_principal in deps[(method, path)]:
            assert secured == [{"bearer": []}], (method, path)
        if secured is None:
            public.add((method, path))
        else:
            assert secured == [{"bearer": []}], (method, path)
            assert {"401", "403"} <= set(op["responses"]), (method, path)
            assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
        if "401" in op["responses"] and path not in ("/api/v1/auth/login", "/api/v1/exchange/inbox"):
            assert secured is not None, (method, path)  # a wrong password, a bad signature: 401 without a token
    # The description's public operations are the ones test_authorization proves answer the public.
    assert {(m, p) for m, p in public if p.startswith("/api/")} == PUBLIC
    assert ("GET", "/gates/{gate_id}/dashboard.json") not in public  # the page principal: a cookie or a token


def test_every_error_answer_has_the_one_error_shape(schema: dict[str, Any], anon: TestClient) -> None:
    components = schema["components"]["schemas"]
    assert "HTTPValidationError" not in components and "ValidationError" not in components
    assert components["ErrorOut"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert set(components["ErrorBody"]["properties"]) == ERROR_KEYS == set(components["ErrorBody"]["required"])
    for method, path, op in operations(schema):
        for status, response in op["responses"].items():
            if status[0] in "45":
                assert response["content"] == {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
                }, (method, path, status)
        assert "422" in op["responses"] or (not op.get("parameters") and "requestBody" not in op), (method, path)
    # The live dashboard's answer is a stream of events, each described (the fuzz run checks them against it).
    events = schema["paths"]["/gates/{gate_id}/dashboard/events"]["get"]["responses"]["200"]["content"]
    assert list(events) == ["text/event-stream"] and events["text/event-stream"]["schema"]["required"] == ["data"]
    # A real error answer has exactly that shape.
    error = anon.post("/api/v1/auth/login", json={"username": "x"}).json()["error"]
    assert set(error) == ERROR_KEYS and error["code"] == "request.missing_field"


def test_documented_statuses_are_statuses_the_app_gives(app: FastAPI, schema: dict[str, Any]) -> None:
    def subclasses(cls: type[CuakhauError]) -> Iterator[type[CuakhauError]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    given = {c.http_status for c in subclasses(CuakhauError)} | set(ExchangeRefused.STATUS.values()) | {503}
    deps = routes(app)
    for method, path, op in operations(schema):
        documented = {int(s) for s in op["responses"] if s[0] in "45"}
        assert documented <= given, (method, path, documented - given)
        assert (503 in documented) == (get_context in deps[(method, path)] or path == "/readyz"), (method, path)
    limited = {(m, p) for m, p, op in operations(schema) if "429" in op["responses"]}
    assert limited == {
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/password-reset"),  # per client address and per username
        ("POST", "/api/v1/auth/password-reset/confirm"),  # per client address
        ("POST", "/api/v1/join-requests"),  # per client address
        ("POST", "/api/v1/trips/{trip_id}/booking"),
        ("PATCH", "/api/v1/trips/{trip_id}/booking"),
        ("POST", "/api/v1/trips/{trip_id}/booking/cancel"),
        ("POST", "/api/v1/trips/{trip_id}/standby"),
        ("DELETE", "/api/v1/trips/{trip_id}/standby"),
    }


def _url(path: str, op: dict[str, Any], schema: dict[str, Any]) -> str:
    """The path with every parameter filled: an enum's first value, a missing id otherwise."""
    for param in op.get("parameters", []):
        if param["in"] == "path":
            found = param["schema"]
            if "$ref" in found:
                found = schema["components"]["schemas"][found["$ref"].rsplit("/", 1)[1]]
            path = path.replace("{" + param["name"] + "}", str((found.get("enum") or [MISSING])[0]))
    return path


def _query(op: dict[str, Any]) -> dict[str, str]:
    values = {"date": "2026-06-02", "since": "2026-06-01T00:00:00Z", "until": "2026-06-02T00:00:00Z"}
    return {p["name"]: values[p["name"]] for p in op.get("parameters", []) if p["in"] == "query" and p["required"]}


def test_documented_body_and_lookup_errors_are_given(
    app: FastAPI, schema: dict[str, Any], ctx: ServiceContext, world: World
) -> None:
    """Each route with a body answers 400 to unreadable JSON, 413 over the limit and 422 to a wrong shape; each
    read by id answers 404 for an id that does not exist — as documented."""
    with TestClient(app, raise_server_exceptions=False, headers=bearer(token_for(ctx, Role.SYSTEM_ADMIN))) as c:
        for method, path, op in operations(schema):
            url, responses = _url(path, op, schema), op["responses"]
            if "requestBody" in op:
                assert {"400", "413", "422"} <= set(responses), (method, path)
                answers = {
                    400: c.request(method, url, content=b'{"x": ', headers={"Content-Type": "application/json"}),
                    413: c.request(method, url, content=b"[" + b"0," * 600_000 + b"0]"),
                    422: c.request(method, url, json=[]),
                }
                if path == "/api/v1/exchange/inbox":  # no exchange here (409); tests/integration/test_exchange.py
                    answers = {413: answers[413]}
                for status, r in answers.items():
                    assert r.status_code == status, (method, path, r.status_code, r.text[:300])
            if (method, path) == ("GET", "/api/v1/public/waits"):  # an id in the query (the fuzz run found it)
                assert "404" in responses
                assert c.get(path, params={"gate_id": MISSING}).status_code == 404
            if method == "GET" and "/dashboard" not in path and "{" in path:
                assert "404" in responses, (method, path)
                r = c.get(url, params=_query(op))
                assert r.status_code == 404 and r.json()["error"]["code"].endswith("not_found"), (path, r.text[:300])


def test_documented_503_is_given_when_the_database_is_gone(tmp_path: Path, nomenclature: HsNomenclature) -> None:
    """With the database unreachable, every route documented to use it answers 503 with Retry-After, and the
    routes that do not (the published rules) still answer."""
    engine = make_engine(f"sqlite:///{tmp_path}/no/such/dir/cuakhau.db")
    ctx = ServiceContext(
        uow=SqlUnitOfWorkFactory(engine, nomenclature), clock=ManualClock(DEMO_NOW), nomenclature=nomenclature
    )
    app = build_app(ctx, readiness=[health.database(engine), health.migrations(engine)])
    with TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {MISSING}"}) as c:
        schema = app.openapi()
        for method, path, op in operations(schema):
            if method != "GET" or path.endswith("/events"):
                continue  # a GET reaches the database without a body; the stream is the snapshot's twin
            r = c.get(_url(path, op, schema), params=_query(op))
            if "503" in op["responses"]:
                assert r.status_code == 503, (path, r.status_code, r.text[:300])
                code = "service.not_ready" if path == "/readyz" else "service.database_unavailable"
                assert r.json()["error"]["code"] == code and r.headers["Retry-After"], (path, r.text[:300])
            else:
                assert r.status_code == 200, (path, r.status_code)
    engine.dispose()
