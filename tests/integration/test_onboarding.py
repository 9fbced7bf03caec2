"""Onboarding through the API on both databases: ask to join, approve or refuse, the invitation sets the
password, the enterprise's administrator invites and disables users, passwords are changed and reset by one-time
links (expiring, single use, rate-limited, never telling whether an account exists)."""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.domain.accounts import Role
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.notification import Notification
from cuakhau.domain.onboarding import RESET_TTL
from cuakhau.services.context import ServiceContext
from cuakhau.services.notifications import deliver_due
from tests.fixtures.accounts import bearer, token_for
from tests.fixtures.factories import World, vn_tax_code

HOME = "vn-huu-nghi"
PASSWORD = "mật khẩu đủ dài 2026"


class Inbox:
    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> None:
        self.sent.append(notification)


def delivered(ctx: ServiceContext) -> list[Notification]:
    inbox = Inbox()
    deliver_due(ctx.uow, inbox, ctx.clock)
    return inbox.sent


def token_in(n: Notification) -> str:
    link = str(n.payload["link"])
    assert urlsplit(link).path == "/password/reset"
    return parse_qs(urlsplit(link).query)["token"][0]


def join_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name_vi": "Công ty TNHH Nông sản Lạng Sơn",
        "name_zh": "谅山农产品有限责任公司",
        "country": "VN",
        "tax_id": vn_tax_code(),
        "roles": ["exporter"],
        "contact_name": "Nguyễn Thị Hoa",
        "contact": "hoa@nongsan.example.vn",
        "admin_username": "nslangson",
        "documents": {"business_registration": "4900123456"},
        "locale": "vi",
    }
    return body | overrides


@pytest.fixture
def gate_admin(ctx: ServiceContext, app: FastAPI, world: World) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, headers=bearer(token_for(ctx, Role.GATE_ADMIN, gates=[HOME])))


def assert_told_in_words(n: Any) -> None:
    """The notifier sends a person a sentence in their language: the link and its expiry in local time with its
    offset, never the UTC stamp the payload keeps for integrators."""
    message = str(n.payload["message"])
    assert "{" not in message
    assert not re.search(r"\d{4}-\d\d-\d\dT|\+00:00", message), message
    if "link" in n.payload:
        assert str(n.payload["link"]) in message and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\+0[78]:00", message)
    if n.kind == "join_refused":
        assert str(n.payload["reason"]) in message


def onboard(ctx: ServiceContext, anon: TestClient, gate_admin: TestClient, **overrides: Any) -> tuple[str, str]:
    """Ask, approve, set the password by the invitation: (username, enterprise id)."""
    body = join_body(**overrides)
    r = anon.post("/api/v1/join-requests", json=body)
    assert r.status_code == 201, r.text
    r = gate_admin.post(f"/api/v1/join-requests/{r.json()['id']}/approve")
    assert r.status_code == 200, r.text
    (invite,) = [n for n in delivered(ctx) if n.kind == "join_approved"]
    assert invite.payload["to"] == body["contact"] and invite.payload["username"] == body["admin_username"]
    assert_told_in_words(invite)
    r = anon.post("/api/v1/auth/password-reset/confirm", json={"token": token_in(invite), "password": PASSWORD})
    assert r.status_code == 204, r.text
    return body["admin_username"], str(invite.enterprise_id)


def login(anon: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    r = anon.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return TestClient(anon.app, raise_server_exceptions=False, headers=bearer(r.json()["token"]))


def test_an_enterprise_asks_is_approved_and_its_administrator_signs_in(
    ctx: ServiceContext, anon: TestClient, gate_admin: TestClient
) -> None:
    pending = gate_admin.get("/api/v1/join-requests?status=pending").json()
    assert pending["total"] == 0
    username, enterprise_id = onboard(ctx, anon, gate_admin)
    me = login(anon, username).get("/api/v1/auth/me").json()
    assert (me["role"], me["enterprise_id"]) == ("enterprise_admin", enterprise_id)
    enterprise = gate_admin.get(f"/api/v1/enterprises/{enterprise_id}").json()
    assert enterprise["name"] == "Công ty TNHH Nông sản Lạng Sơn / 谅山农产品有限责任公司"
    decided = gate_admin.get("/api/v1/join-requests?status=approved").json()["items"]
    assert [d["decided_by"] for d in decided] == [gate_admin.get("/api/v1/auth/me").json()["username"]]


def test_a_refusal_tells_the_requester_why_and_a_decided_request_stays_decided(
    ctx: ServiceContext, anon: TestClient, gate_admin: TestClient
) -> None:
    body = join_body()
    rid = anon.post("/api/v1/join-requests", json=body).json()["id"]
    again = anon.post("/api/v1/join-requests", json=join_body(tax_id=body["tax_id"], admin_username="other"))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "join.pending")
    r = gate_admin.post(f"/api/v1/join-requests/{rid}/refuse", json={"reason": "Số ĐKKD không khớp mã số thuế"})
    assert r.status_code == 200 and r.json()["status"] == "refused"
    (refusal,) = delivered(ctx)
    assert refusal.kind == "join_refused" and refusal.payload["reason"] == "Số ĐKKD không khớp mã số thuế"
    assert_told_in_words(refusal)
    r = gate_admin.post(f"/api/v1/join-requests/{rid}/approve")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "join.decided")
    r = gate_admin.post("/api/v1/join-requests/0123456789abcdef0123456789abcdef/approve")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "join_request.not_found")


def test_bad_requests_name_the_field_in_the_readers_language(anon: TestClient) -> None:
    r = anon.post("/api/v1/join-requests", json=join_body(tax_id="0100109107"), headers={"Accept-Language": "zh"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "tax_id"
    assert "税" in r.json()["error"]["message"]
    r = anon.post("/api/v1/join-requests", json=join_body(documents={}))
    assert (r.status_code, r.json()["error"]["field"]) == (422, "documents.business_registration")


def test_only_gate_and_system_administrators_decide(
    ctx: ServiceContext, app: FastAPI, anon: TestClient, world: World
) -> None:
    rid = anon.post("/api/v1/join-requests", json=join_body()).json()["id"]
    customs = token_for(ctx, Role.CUSTOMS_OFFICER, gates=[HOME])
    exporter = TestClient(app, raise_server_exceptions=False, headers=bearer(customs))
    assert exporter.get("/api/v1/join-requests").status_code == 403
    assert exporter.post(f"/api/v1/join-requests/{rid}/approve").status_code == 403
    assert anon.post(f"/api/v1/join-requests/{rid}/approve").status_code == 401


def test_the_administrator_invites_and_disables_its_users_only(
    ctx: ServiceContext, anon: TestClient, gate_admin: TestClient
) -> None:
    username, _ = onboard(ctx, anon, gate_admin)
    admin = login(anon, username)
    r = admin.post(
        "/api/v1/enterprise/users", json={"username": "hoa.exporter", "role": "exporter", "contact": "+84 912 345 678"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["password_set"] is False
    (invite,) = delivered(ctx)
    assert (invite.kind, invite.payload["to"]) == ("account_invited", "+84 912 345 678")
    r = admin.post("/api/v1/enterprise/users", json={"username": "boss", "role": "gate_admin", "contact": "a@b.vn"})
    assert r.status_code == 422
    assert (
        anon.post(
            "/api/v1/auth/password-reset/confirm", json={"token": token_in(invite), "password": PASSWORD}
        ).status_code
        == 204
    )
    user = login(anon, "hoa.exporter")
    assert user.get("/api/v1/enterprise/users").status_code == 403  # an exporter user does not manage users
    names = [u["username"] for u in admin.get("/api/v1/enterprise/users").json()]
    assert names == sorted([username, "hoa.exporter"])
    # another enterprise's administrator cannot see or disable them: as if missing
    other, _ = onboard(ctx, anon, gate_admin, admin_username="other.admin", contact="x@y.vn")
    r = login(anon, other).put("/api/v1/enterprise/users/hoa.exporter/active", json={"active": False})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "account.not_found")
    r = admin.put(f"/api/v1/enterprise/users/{username}/active", json={"active": False})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "account.not_self")
    r = admin.put("/api/v1/enterprise/users/hoa.exporter/active", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert user.get("/api/v1/auth/me").status_code == 401  # its session ended
    r = anon.post("/api/v1/auth/login", json={"username": "hoa.exporter", "password": PASSWORD})
    assert r.status_code == 401


def test_a_user_changes_their_password_and_their_other_sessions_end(
    ctx: ServiceContext, anon: TestClient, gate_admin: TestClient
) -> None:
    username, _ = onboard(ctx, anon, gate_admin)
    here, elsewhere = login(anon, username), login(anon, username)
    r = here.post("/api/v1/auth/password", json={"current_password": "wrong one!!", "new_password": "x" * 12})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "current_password")
    r = here.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "short"})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "password")
    r = here.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "một mật khẩu mới 2027"})
    assert r.status_code == 204
    assert here.get("/api/v1/auth/me").status_code == 200
    elsewhere.app.state.security.cache.clear()
    assert elsewhere.get("/api/v1/auth/me").status_code == 401
    login(anon, username, "một mật khẩu mới 2027")


def test_a_reset_link_works_once_and_expires(
    ctx: ServiceContext, clock: ManualClock, anon: TestClient, gate_admin: TestClient
) -> None:
    username, _ = onboard(ctx, anon, gate_admin)
    assert anon.post("/api/v1/auth/password-reset", json={"username": username}).status_code == 202
    (first,) = delivered(ctx)
    assert anon.post("/api/v1/auth/password-reset", json={"username": username}).status_code == 202
    (second,) = delivered(ctx)
    assert (first.kind, first.payload["to"]) == ("password_reset", "hoa@nongsan.example.vn")
    assert_told_in_words(first)
    confirm = {"token": token_in(first), "password": "mật khẩu thứ hai 2026"}
    r = anon.post("/api/v1/auth/password-reset/confirm", json=confirm)  # replaced by the second link
    assert (r.status_code, r.json()["error"]["code"]) == (422, "account.link_invalid")
    confirm["token"] = token_in(second)
    assert anon.post("/api/v1/auth/password-reset/confirm", json=confirm).status_code == 204
    r = anon.post("/api/v1/auth/password-reset/confirm", json=confirm)  # used
    assert (r.status_code, r.json()["error"]["code"]) == (422, "account.link_invalid")
    login(anon, username, "mật khẩu thứ hai 2026")
    anon.post("/api/v1/auth/password-reset", json={"username": username})
    (late,) = delivered(ctx)
    clock.advance(RESET_TTL + timedelta(seconds=1))
    r = anon.post("/api/v1/auth/password-reset/confirm", json={"token": token_in(late), "password": "x" * 12})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "account.link_invalid")


def test_a_reset_request_never_tells_whether_the_account_exists(
    ctx: ServiceContext, anon: TestClient, gate_admin: TestClient
) -> None:
    username, _ = onboard(ctx, anon, gate_admin)
    anon.app.state.security.limiter = None  # timing, not the limits, is measured here
    times: dict[str, list[float]] = {username: [], "no-such-user": []}
    answers = set()
    for _ in range(8):
        for name in times:
            started = time.perf_counter()
            r = anon.post("/api/v1/auth/password-reset", json={"username": name})
            times[name].append(time.perf_counter() - started)
            answers.add((r.status_code, r.text, tuple(sorted(k for k in r.headers if k.lower() != "x-request-id"))))
    assert len(answers) == 1  # the same status, body and headers
    told = anon.post(
        "/api/v1/auth/password-reset", json={"username": "no-such-user"}, headers={"Accept-Language": "vi"}
    )
    assert told.json()["message"].startswith("Nếu tài khoản này tồn tại")  # a sentence, the same for everyone
    known, unknown = (statistics.median(times[n]) for n in times)
    assert abs(known - unknown) < 0.025, (known, unknown)  # similar timing: a few ms apart on both databases
    assert len(delivered(ctx)) == 8  # only the real account was sent links


def test_reset_requests_are_rate_limited_per_username(anon: TestClient) -> None:
    answers = [anon.post("/api/v1/auth/password-reset", json={"username": "someone"}).status_code for _ in range(4)]
    assert answers == [202, 202, 202, 429]


def test_the_first_system_administrator_is_made_on_the_command_line(
    ctx: ServiceContext, database_url: str, anon: TestClient
) -> None:
    from typer.testing import CliRunner

    from cuakhau.cli import app as cli

    args = ["accounts", "create-admin", "root.admin", "--contact", "ops@cuakhau.example.vn", "--password-stdin"]
    made = CliRunner().invoke(cli, [*args, "--database-url", database_url, "--json"], input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    me = login(anon, "root.admin").get("/api/v1/auth/me").json()
    assert me["role"] == "system_admin"
    again = CliRunner().invoke(cli, [*args, "--database-url", database_url], input=PASSWORD + "\n")
    assert again.exit_code != 0  # the username is taken
