"""One error shape for every failure, rendered in the request's language.

    {"error": {"code": "hs.only_in_2017", "message": "...", "field": "lines[0].hs_code",
               "params": {...}, "details": [...]}}

Validation failures from the framework are mapped onto the same stable codes, so a client never has to
parse two formats. Anything unexpected is logged and answered 500 with the code ``internal`` and no
internals; bad input must never reach that branch (the API tests check it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from cuakhau import i18n
from cuakhau.domain.accounts import RateLimited
from cuakhau.domain.errors import CuakhauError, Unavailable

log = logging.getLogger("cuakhau.web")

_PYDANTIC_CODES = {
    "missing": "request.missing_field",
    "extra_forbidden": "request.unknown_field",
    "json_invalid": "request.malformed_json",
    "json_type": "request.malformed_json",
    "model_attributes_type": "request.invalid_type",
    "dict_type": "request.invalid_type",
    "time_out_of_range": "time.out_of_range",
}


def language_of(request: Request) -> str:
    return i18n.negotiate(request.headers.get("accept-language"))


def error_body(
    language: str,
    code: str,
    *,
    field: str | None = None,
    params: dict[str, Any] | None = None,
    details: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": i18n.render(code, language, params),
            "field": field,
            "params": params or {},
            "details": list(details),
        }
    }


def respond(request: Request, status: int, code: str, **kw: Any) -> JSONResponse:
    language = language_of(request)
    return JSONResponse(error_body(language, code, **kw), status_code=status, headers={"Content-Language": language})


def field_path(loc: Sequence[int | str]) -> str | None:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    path = ""
    for p in parts:
        path += f"[{p}]" if isinstance(p, int) else (f".{p}" if path else str(p))
    return path or None


def _pydantic_code(err: dict[str, Any]) -> str:
    kind = str(err.get("type", ""))
    if kind in _PYDANTIC_CODES:
        return _PYDANTIC_CODES[kind]
    if kind.startswith(("string_too_long", "too_long")):
        return "request.too_long"
    if kind.startswith(("greater_than", "less_than")):
        return "request.out_of_range"
    if kind in ("enum", "literal_error"):
        return "request.not_allowed"
    return "request.invalid_type"


async def _cuakhau_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CuakhauError)
    language = language_of(request)
    # An error that gathers several problems (dispatch gating) explains each one in the details.
    details = [
        {"code": p["code"], "field": p.get("field"), "message": i18n.render(p["code"], language, p)}
        for p in exc.params.get("problems", [])
    ]
    response = respond(request, exc.http_status, exc.code, field=exc.field, params=dict(exc.params), details=details)
    if isinstance(exc, (RateLimited, Unavailable)):
        response.headers["Retry-After"] = str(exc.retry_after)
    elif exc.http_status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="cuakhau"'
    return response


def _window(err: Any) -> dict[str, str]:
    """The window a date fell outside (``time_out_of_range`` of ``cuakhau.adapters.bounds``), else nothing."""
    if err.get("type") != "time_out_of_range":
        return {}
    return {k: str(v) for k, v in (err.get("ctx") or {}).items() if k in ("earliest", "latest")}


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    language = language_of(request)
    details: list[dict[str, Any]] = []
    first_params: dict[str, str] = {}
    for err in exc.errors():
        code = _pydantic_code(err)
        field = field_path(err.get("loc", ()))
        expected = {"expected": str(err.get("msg", ""))[:200]} | _window(err)
        first_params = first_params or expected
        details.append({"code": code, "field": field, "message": i18n.render(code, language, expected)})
    first_code = str(details[0]["code"]) if details else "request.invalid_type"
    first_field = details[0]["field"] if details else None
    status = 400 if first_code == "request.malformed_json" else 422
    # the top message is the first problem's: it takes that problem's parameters (what was expected, a window)
    params = {"count": len(details)} | first_params
    return JSONResponse(
        error_body(language, first_code, field=first_field, params=params, details=details),
        status_code=status,
        headers={"Content-Language": language},
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "route.not_found", 405: "route.method_not_allowed", 413: "request.too_large"}.get(
        exc.status_code, "request.invalid"
    )
    return respond(request, exc.status_code, code)


#: Seconds a client is asked to wait when the database cannot be reached.
DATABASE_RETRY_AFTER = 5


#: Seconds a client is asked to wait when the server is busy (no pooled connection free in time, a lock held).
BUSY_RETRY_AFTER = 2
#: SQLite's "database is locked" (SQLITE_BUSY, SQLITE_LOCKED) and PostgreSQL's lock and statement timeouts.
_SQLITE_BUSY_CODES = frozenset({5, 6})
_POSTGRES_BUSY_STATES = frozenset({"55P03", "57014"})


def _is_busy(exc: DBAPIError) -> bool:
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _SQLITE_BUSY_CODES:
        return True
    return getattr(orig, "sqlstate", None) in _POSTGRES_BUSY_STATES


async def _busy(request: Request, what: str) -> JSONResponse:
    log.warning("busy on %s %s: %s", request.method, request.url.path, what)
    return await _cuakhau_error(request, Unavailable(retry_after=BUSY_RETRY_AFTER))


async def _pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    """No pooled database connection came free in time (``db_pool_timeout_seconds``): the request waited for
    the others and did nothing — 503 ``service.busy`` with Retry-After, not a 500."""
    return await _busy(request, f"no database connection free in time ({exc})")


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """The database unreachable, or a connection lost mid-request: nothing was committed, and a retry (with the
    same idempotency key) is safe — 503 with Retry-After, not a 500. The database locked by another writer past
    the busy timeout is 503 ``service.busy``. Any other database error is unexpected."""
    assert isinstance(exc, DBAPIError)
    if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
        return await _unexpected(request, exc)
    if _is_busy(exc):
        return await _busy(request, f"database locked ({exc.orig})")
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
    response = respond(request, 503, "service.database_unavailable")
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return respond(request, 500, "internal")


def install(app: FastAPI) -> None:
    app.add_exception_handler(CuakhauError, _cuakhau_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(Exception, _unexpected)
