"""The OpenAPI description, derived from the routes as they are wired, not from a list kept by hand.

* **Security.** A route that needs a token depends on :func:`~cuakhau.adapters.web.auth.current_principal`,
  which depends on the bearer scheme :data:`~cuakhau.adapters.web.auth.BEARER` (the dashboard's JSON, which
  takes the page's principal, names the scheme itself); FastAPI turns that dependency into the operation's
  ``security`` and the ``bearer`` scheme in ``components.securitySchemes``. Public routes have no such
  dependency and no ``security``.
* **Errors.** Each operation lists the error answers it can give, every one with the one error shape
  (:class:`~cuakhau.adapters.web.schemas.ErrorOut`), read off the route:

  ======  ==========================================================================================
  400     the route reads a JSON body (it may be unreadable)
  401     it needs a token (no valid token: ``auth.unauthenticated``, with ``WWW-Authenticate``)
  403     it needs a token (a role, gate or origin that does not allow it)
  404     it takes an id: in the path, or as a ``*_id`` query parameter or field of its body
  409     it needs a token and changes something named by its path or body (POST, PUT, PATCH, DELETE)
  413     it reads a body (over the size limit)
  422     it takes a parameter or a body (invalid input)
  429     stated on the route (``responses=errors(429)``): the login and booking limits
  503     it uses the database (unreachable, or no pooled connection in time; ``Retry-After``)
  ======  ==========================================================================================

  A route states any other answer it gives with ``responses=errors(...)``; FastAPI's own 422 schema
  (``HTTPValidationError``) is replaced by ours, since our handler answers in our shape.
* **Operation ids** are ``<first tag>_<function name>`` in snake case (:func:`operation_id`): stable while
  paths and methods change, unique (the app refuses to start otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from cuakhau.adapters.web.auth import BEARER
from cuakhau.adapters.web.deps import get_context
from cuakhau.adapters.web.schemas import ERROR_TEXT, ErrorOut

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": 'Bearer realm="cuakhau"', "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}},
    503: {"Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}},
}


def operation_id(route: APIRoute) -> str:
    """``<first tag>_<function name>``, e.g. ``trips_declare_trip``, ``e_queue_book``."""
    tag = str(route.tags[0]) if route.tags else "default"
    return re.sub(r"[^a-z0-9]+", "_", f"{tag}_{route.name}".lower()).strip("_")


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _params(dependant: Dependant) -> Iterator[Any]:
    yield from (*dependant.path_params, *dependant.query_params, *dependant.header_params)
    for sub in dependant.dependencies:
        yield from _params(sub)


def _names_ids(route: RouteContext, dependant: Dependant, params: list[Any]) -> bool:
    """Whether the route takes an id: in its path, or as a ``*_id`` query parameter or field of its body."""
    body = route.body_field
    model = getattr(body.field_info, "annotation", None) if body is not None else None
    names = [*getattr(model, "model_fields", {}), *(p.alias for p in params)]
    return bool(dependant.path_params) or any(name.endswith("_id") or name == "trip_ref" for name in names)


def error_statuses(route: RouteContext) -> set[int]:
    """The error answers a route can give, read off its dependencies, parameters, body and methods."""
    dependant = route.dependant
    assert dependant is not None
    calls = set(_calls(dependant))
    has_body = route.body_field is not None
    params = list(_params(dependant))
    found: set[int] = set()
    if has_body:
        found |= {400, 413, 422}
    if params:
        found.add(422)
    if BEARER in calls:
        found |= {401, 403}
        if set(route.methods or ()) & UNSAFE and (has_body or dependant.path_params):
            found.add(409)
    if _names_ids(route, dependant, params):
        found.add(404)
    if get_context in calls:
        found.add(503)
    return found


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_TEXT[status],
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def _api_routes(app: FastAPI) -> Iterator[RouteContext]:
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            yield route


def describe(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """Complete FastAPI's description in place: each operation's error answers, in our one error shape."""
    for route in _api_routes(app):
        ops = schema["paths"].get(route.path_format, {})
        for method in route.methods or ():
            op = ops.get(method.lower())
            if op is None:
                continue
            responses: dict[str, Any] = op["responses"]
            for status in sorted(error_statuses(route) | {int(s) for s in responses if s[0] in "45"}):
                if status in ERROR_TEXT:
                    responses[str(status)] = _error_response(status)
            op["responses"] = dict(sorted(responses.items()))
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    error = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
    schemas.update(error.pop("$defs", {}), ErrorOut=error)
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422 body: ours replaces it everywhere
        schemas.pop(name, None)
    schema["components"]["schemas"] = dict(sorted(schemas.items()))
    return schema


def install(app: FastAPI) -> None:
    """Serve the completed description (computed once per set of routes, as FastAPI caches its own)."""
    generate = app.openapi
    described: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        schema = generate()
        if not described or described[0] is not schema:
            described[:] = [describe(app, schema)]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
