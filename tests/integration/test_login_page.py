"""The login page: a session cookie (HttpOnly, SameSite=Lax) from the accounts service, CSRF-protected forms,
local ``next`` only, each role lands on its own page, logout ends the session."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.domain.accounts import Role
from cuakhau.services import accounts
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World
from tests.integration.conftest import RoleClient

PASSWORD = "mật-khẩu-đủ-dài-2026"


def csrf(client: TestClient, path: str = "/login") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def test_login_logout_and_landing_pages(ctx: ServiceContext, world: World, app: FastAPI) -> None:
    accounts.create_account(
        ctx.uow(),
        username="lan.exporter",
        password=PASSWORD,
        role=Role.EXPORTER,
        enterprise_id=world.exporter.id,
        clock=ctx.clock,
    )
    accounts.create_account(
        ctx.uow(),
        username="hung.customs",
        password=PASSWORD,
        role=Role.CUSTOMS_OFFICER,
        gate_codes=("vn-chi-ma",),
        clock=ctx.clock,
    )
    with TestClient(app, raise_server_exceptions=False) as browser:
        token = csrf(browser)
        # Without the page's token the form is refused (a cross-site post cannot read it).
        forged = browser.post("/login", data={"username": "lan.exporter", "password": PASSWORD, "csrf_token": "x"})
        assert forged.status_code == 403 and "cuakhau_session" not in forged.cookies
        wrong = browser.post(
            "/login?lang=vi", data={"username": "lan.exporter", "password": "sai", "csrf_token": token}
        )
        assert wrong.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng." in wrong.text
        ok = browser.post(
            "/login",
            data={"username": "lan.exporter", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"},
            follow_redirects=False,
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/portal"  # never off-site
        cookie = ok.headers["set-cookie"].lower()
        assert "cuakhau_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        portal = browser.get("/portal")
        assert portal.status_code == 200 and "lan.exporter" in portal.text
        assert browser.get("/gates/vn-chi-ma/dashboard").status_code == 403  # an exporter is no officer
        out = browser.post("/logout", data={"csrf_token": csrf(browser, "/portal")}, follow_redirects=False)
        assert out.status_code == 303
        assert browser.get("/portal", follow_redirects=False).status_code == 303  # back to the login page

    with TestClient(app, raise_server_exceptions=False) as browser:
        token = csrf(browser)
        ok = browser.post(
            "/login",
            data={"username": "hung.customs", "password": PASSWORD, "csrf_token": token, "next": ""},
            follow_redirects=False,
        )
        assert ok.headers["location"] == "/gates/vn-chi-ma/dashboard"
        assert browser.get("/gates/vn-chi-ma/dashboard").status_code == 200
        assert browser.get("/gates/vn-huu-nghi/dashboard").status_code == 403
        # The portal's list answers as the API's trip list does: an officer sees the trips at their gate.
        assert browser.get("/portal").status_code == 200
        assert browser.get("/portal/trips/new").status_code == 403  # declaring is not an officer's
        # The session cookie is for pages; the same login also works for the JSON snapshot in the browser.
        assert browser.get("/gates/vn-chi-ma/dashboard.json").json()["data"]["gate"]["id"] == "vn-chi-ma"


def test_the_dashboard_snapshot_takes_an_api_token_for_that_gate_only(world: World, as_role: RoleClient) -> None:
    officer = as_role(Role.CUSTOMS_OFFICER, gates=["vn-chi-ma"])
    assert officer.get("/gates/vn-chi-ma/dashboard.json").json()["data"]["gate"]["id"] == "vn-chi-ma"
    other = officer.get("/gates/vn-huu-nghi/dashboard.json")
    assert other.status_code == 403 and other.json()["error"]["code"] == "auth.forbidden"
    exporter = as_role(Role.EXPORTER, enterprise_id=world.exporter.id)
    assert exporter.get("/gates/vn-chi-ma/dashboard.json").status_code == 403


def test_the_login_and_logout_forms_do_their_work_off_the_event_loop(
    ctx: ServiceContext, world: World, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argon2 takes about 60 ms and the database and the shared limiter may wait: on the event loop that would
    stall every other request of the process for as long."""
    from cuakhau.adapters.web import auth

    on_loop: list[str] = []

    def watched(name: str, work: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
                on_loop.append(name)
            except RuntimeError:
                pass  # a worker thread: no running loop here
            return work(*args, **kwargs)

        return run

    monkeypatch.setattr(auth, "do_login", watched("login", auth.do_login))
    monkeypatch.setattr(accounts, "logout", watched("logout", accounts.logout))
    accounts.create_account(
        ctx.uow(),
        username="mai.exporter",
        password=PASSWORD,
        role=Role.EXPORTER,
        enterprise_id=world.exporter.id,
        clock=ctx.clock,
    )
    with TestClient(app, raise_server_exceptions=False) as browser:
        ok = browser.post(
            "/login",
            data={"username": "mai.exporter", "password": PASSWORD, "csrf_token": csrf(browser)},
            follow_redirects=False,
        )
        assert ok.status_code == 303
        out = browser.post("/logout", data={"csrf_token": csrf(browser, "/portal")}, follow_redirects=False)
        assert out.status_code == 303 and browser.get("/portal", follow_redirects=False).status_code == 303
    assert on_loop == []
