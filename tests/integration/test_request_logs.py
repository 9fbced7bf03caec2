"""Log lines of requests (docs/operations.md, "Logs"): each carries the request id and the account, the id is
returned on every answer (an acceptable incoming one echoed), and no secret reaches a line — not a password of a
failed login, not a token or session cookie, not a database password, not a statement's parameters in an error."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from cuakhau.adapters import logs
from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.adapters.web.app import build_app
from cuakhau.domain.accounts import Role
from cuakhau.services import accounts
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import bearer, token_for

API = "/api/v1"
HEX_ID = re.compile(r"[0-9a-f]{32}")


class Captured:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def access(self, path: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line["logger"] == "cuakhau.access" and line.get("path") == path]


@pytest.fixture
def captured() -> Iterator[Captured]:
    """Everything logged, at debug level (SQLAlchemy's statements included), through the JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    root, sql = logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    levels = root.level, sql.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sql.setLevel(logging.INFO)
    try:
        yield Captured(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        sql.setLevel(levels[1])


def test_a_request_s_lines_carry_its_id_and_account(ctx: ServiceContext, captured: Captured) -> None:
    token = token_for(ctx, Role.SYSTEM_ADMIN, username="ops-logs")
    app = build_app(ctx)
    with TestClient(app, raise_server_exceptions=False, headers=bearer(token)) as client:
        r = client.get(f"{API}/enterprises", headers={"X-Request-ID": "lb-7f3a:42.x_y"})
    assert r.status_code == 200
    assert r.headers["X-Request-ID"] == "lb-7f3a:42.x_y"  # accepted and echoed
    (line,) = captured.access(f"{API}/enterprises")
    assert line["request_id"] == "lb-7f3a:42.x_y"
    assert line["account"] == "ops-logs"
    assert line["method"] == "GET" and line["status"] == 200 and line["duration_ms"] >= 0
    # every line the request caused (SQLAlchemy's statements here) carries the id and, once known, the account
    statements = [x for x in captured.lines() if x["logger"].startswith("sqlalchemy") and x.get("request_id")]
    assert statements and all(x["request_id"] == "lb-7f3a:42.x_y" for x in statements)


def test_an_id_is_generated_when_none_or_an_unusable_one_is_sent(ctx: ServiceContext, captured: Captured) -> None:
    app = build_app(ctx)
    with TestClient(app, raise_server_exceptions=False) as anon:
        plain = anon.get(f"{API}/gates")
        forged = anon.get(f"{API}/gates", headers={"X-Request-ID": "x" * 129})
        spaced = anon.get(f"{API}/gates", headers={"X-Request-ID": "a b"})
        missing = anon.get(f"{API}/no-such-route")
    ids = [r.headers["X-Request-ID"] for r in (plain, forged, spaced, missing)]
    assert all(HEX_ID.fullmatch(i) for i in ids) and len(set(ids)) == 4
    assert missing.status_code == 404
    logged = [line["request_id"] for line in captured.access(f"{API}/gates")]
    assert logged == ids[:3]
    assert "account" not in captured.access(f"{API}/gates")[0]  # the public


def test_an_unexpected_error_is_logged_with_the_request_id(ctx: ServiceContext, captured: Captured) -> None:
    app = build_app(ctx)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("something broke")

    with TestClient(app, raise_server_exceptions=False) as anon:
        r = anon.get("/boom", headers={"X-Request-ID": "err-1"})
    assert r.status_code == 500 and r.headers["X-Request-ID"] == "err-1"
    errors = [line for line in captured.lines() if line["level"] == "error"]
    assert errors and all(line["request_id"] == "err-1" for line in errors)
    assert "something broke" in errors[0]["exc"]
    assert captured.access("/boom")[0]["status"] == 500


def test_no_secret_in_the_logs_of_logins_tokens_and_cookies(ctx: ServiceContext, captured: Captured) -> None:
    password = "Correct-Horse-Battery-42"
    wrong = "Wrong-Guess-Staple-77"
    accounts.create_account(ctx.uow(), username="logs-user", password=password, role=Role.SYSTEM_ADMIN, clock=ctx.clock)
    app = build_app(ctx)
    with TestClient(app, raise_server_exceptions=False) as client:
        failed = client.post(f"{API}/auth/login", json={"username": "logs-user", "password": wrong})
        assert failed.status_code == 401
        login = client.post(f"{API}/auth/login", json={"username": "logs-user", "password": password})
        assert login.status_code == 200
        token = login.json()["token"]
        cookie = login.cookies.get("cuakhau_session")
        assert cookie
        assert client.get(f"{API}/auth/me", headers=bearer(token)).status_code == 200
        client.cookies.set("cuakhau_session", cookie)
        assert client.get(f"{API}/auth/me").status_code == 200
        api_token = token_for(ctx, Role.SYSTEM_ADMIN)
        assert client.get(f"{API}/enterprises", headers=bearer(api_token)).status_code == 200
    assert captured.lines()  # something was logged (the access lines at least)
    assert [line.get("account") for line in captured.access(f"{API}/auth/login")] == [None, "logs-user"]
    assert [line.get("account") for line in captured.access(f"{API}/auth/me")] == ["logs-user", "logs-user"]
    for secret in (password, wrong, token, cookie, api_token):
        assert secret not in captured.text


def test_no_database_password_in_the_logs_of_a_database_error(ctx: ServiceContext, captured: Captured) -> None:
    url = "postgresql://cuakhau:Db-Pa55word-91@127.0.0.1:1/cuakhau"  # nothing listens on port 1
    engine = make_engine(url, pool_timeout=2)
    broken = ServiceContext(
        uow=SqlUnitOfWorkFactory(engine, ctx.nomenclature), clock=ctx.clock, nomenclature=ctx.nomenclature
    )
    try:
        with TestClient(build_app(broken), raise_server_exceptions=False) as anon:
            r = anon.get(f"{API}/gates")
    finally:
        engine.dispose()
    assert r.status_code == 503
    assert any(line["level"] == "warning" and line["logger"] == "cuakhau.web" for line in captured.lines())
    assert "Db-Pa55word-91" not in captured.text


def test_a_failed_statement_s_parameters_stay_out_of_its_logged_error(engine: Engine, captured: Captured) -> None:
    """SQLAlchemy writes a statement's values into its error text unless the engine hides them."""
    url = engine.url.render_as_string(hide_password=False)
    ours = make_engine(url)
    try:
        with ours.connect() as conn:
            conn.execute(text("SELECT * FROM no_such_table WHERE token = :token"), {"token": "raw-Secret-Value-55"})
    except Exception:
        logging.getLogger("cuakhau.test").exception("statement failed")
    finally:
        ours.dispose()
    assert "statement failed" in captured.text and "no_such_table" in captured.text
    assert "raw-Secret-Value-55" not in captured.text
