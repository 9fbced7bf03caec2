"""Accounts on SQLite and PostgreSQL: login, sessions and API tokens, expiry, logout, the token cache's bound,
and the rate limits on login and booking."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.web.app import build_app
from cuakhau.adapters.web.auth import SESSION_COOKIE, Security
from cuakhau.domain.accounts import InvalidCredentials, Role
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.errors import Conflict, InvalidInput, NotFound
from cuakhau.services import accounts
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import bearer, token_for
from tests.fixtures.factories import World

PASSWORD = "vải thiều Lục Ngạn 2026"


def make_exporter(ctx: ServiceContext, world: World, username: str = "hoang.hau") -> None:
    accounts.create_account(
        ctx.uow(),
        username=username,
        password=PASSWORD,
        role=Role.EXPORTER,
        enterprise_id=world.exporter.id,
        clock=ctx.clock,
    )


def test_login_gives_a_session_whose_secret_is_stored_only_hashed(
    ctx: ServiceContext, world: World, engine: Engine
) -> None:
    make_exporter(ctx, world, username="  Hoang.Hau ")
    principal, token = accounts.login(ctx.uow(), "HOANG.HAU", PASSWORD, clock=ctx.clock)
    assert principal.username == "hoang.hau" and principal.role is Role.EXPORTER
    assert principal.enterprise_id == world.exporter.id
    with engine.connect() as conn:
        stored = conn.execute(select(t.auth_tokens.c.token_hash, t.auth_tokens.c.expires_at)).all()
        password_hash = conn.execute(select(t.accounts.c.password_hash)).scalar_one()
    assert len(stored) == 1 and stored[0].token_hash == accounts.hash_token(token) and token not in str(stored)
    assert stored[0].expires_at == ctx.clock.now() + accounts.SESSION_TTL
    assert password_hash.startswith("$argon2id$") and PASSWORD not in password_hash
    assert accounts.resolve_token(ctx.uow(), token, clock=ctx.clock) == principal


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(ctx: ServiceContext, world: World) -> None:
    make_exporter(ctx, world)
    for username, password in (("hoang.hau", "not the password"), ("nobody.here", PASSWORD), ("x", PASSWORD)):
        with pytest.raises(InvalidCredentials) as caught:
            accounts.login(ctx.uow(), username, password, clock=ctx.clock)
        assert caught.value.code == "auth.invalid_credentials" and caught.value.params == {}


def test_account_rules(ctx: ServiceContext, world: World) -> None:
    make_exporter(ctx, world)
    with pytest.raises(Conflict):
        make_exporter(ctx, world)
    with pytest.raises(InvalidInput) as short:
        accounts.create_account(ctx.uow(), username="x.short", password="short", role="exporter", clock=ctx.clock)
    assert short.value.code == "account.password_too_short"
    with pytest.raises(NotFound) as gate:
        accounts.create_account(
            ctx.uow(),
            username="hq.customs",
            password=PASSWORD,
            role="customs_officer",
            gate_codes=["vn-nowhere"],
            clock=ctx.clock,
        )
    assert gate.value.code == "gate.not_found"
    with pytest.raises(NotFound):
        accounts.create_account(
            ctx.uow(),
            username="ghost.exporter",
            password=PASSWORD,
            role="exporter",
            enterprise_id="0" * 32,
            clock=ctx.clock,
        )


def test_sessions_expire_and_api_tokens_last_until_revoked(ctx: ServiceContext, world: World) -> None:
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    make_exporter(ctx, world)
    _, session = accounts.login(ctx.uow(), "hoang.hau", PASSWORD, clock=clock)
    machine = accounts.create_account(
        ctx.uow(),
        username="youyiguan.system",
        password=None,
        role="counterpart",
        gate_codes=["vn-huu-nghi"],
        clock=clock,
    )
    api = accounts.issue_api_token(ctx.uow(), machine.id, clock=clock, label="Youyiguan e-port")
    clock.advance(accounts.SESSION_TTL - timedelta(seconds=1))
    assert accounts.resolve_token(ctx.uow(), session, clock=clock) is not None
    clock.advance(timedelta(seconds=1))
    assert accounts.resolve_token(ctx.uow(), session, clock=clock) is None
    clock.advance(timedelta(days=400))
    counterpart = accounts.resolve_token(ctx.uow(), api, clock=clock)
    assert counterpart is not None and counterpart.gate_codes == frozenset({"vn-huu-nghi"})
    assert accounts.logout(ctx.uow(), api, clock=clock) is True
    assert accounts.resolve_token(ctx.uow(), api, clock=clock) is None
    assert accounts.logout(ctx.uow(), api, clock=clock) is False  # idempotent
    # a machine account has no password: it cannot log in, whatever is typed
    with pytest.raises(InvalidCredentials):
        accounts.login(ctx.uow(), "youyiguan.system", "", clock=clock)
    assert accounts.purge_expired_tokens(ctx.uow(), clock=clock) == 1  # the expired session


def test_the_token_cache_serves_a_revoked_token_for_at_most_its_ttl(ctx: ServiceContext, world: World) -> None:
    """Two processes, each with its own cache: a logout in one is seen by the other within the TTL."""
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    make_exporter(ctx, world)
    _, token = accounts.login(ctx.uow(), "hoang.hau", PASSWORD, clock=clock)
    here, there = accounts.TokenCache(ttl_seconds=30), accounts.TokenCache(ttl_seconds=30)
    assert accounts.resolve_token(ctx.uow(), token, clock=clock, cache=there) is not None
    accounts.logout(ctx.uow(), token, clock=clock, cache=here)
    assert accounts.resolve_token(ctx.uow(), token, clock=clock, cache=here) is None  # same process: at once
    clock.advance(timedelta(seconds=29))
    assert accounts.resolve_token(ctx.uow(), token, clock=clock, cache=there) is not None  # stale, within bound
    clock.advance(timedelta(seconds=1))
    assert accounts.resolve_token(ctx.uow(), token, clock=clock, cache=there) is None


def test_login_logout_and_me_over_http(ctx: ServiceContext, world: World, app: FastAPI) -> None:
    make_exporter(ctx, world)
    with TestClient(app, raise_server_exceptions=False) as browser:
        bad = browser.post("/api/v1/auth/login", json={"username": "hoang.hau", "password": "sai mật khẩu"})
        assert bad.status_code == 401 and bad.json()["error"]["code"] == "auth.invalid_credentials"
        assert SESSION_COOKIE not in bad.cookies
        ok = browser.post("/api/v1/auth/login", json={"username": "hoang.hau", "password": PASSWORD})
        assert ok.status_code == 200
        body = ok.json()
        assert body["role"] == "exporter" and body["enterprise_id"] == world.exporter.id and body["token"]
        cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
        # the page path: the cookie alone authenticates
        assert browser.get("/api/v1/auth/me").json()["username"] == "hoang.hau"
        # the API path: the bearer token, without the cookie
        with TestClient(app, raise_server_exceptions=False) as api:
            assert api.get("/api/v1/auth/me", headers=bearer(body["token"])).status_code == 200
            assert api.post("/api/v1/auth/logout", headers=bearer(body["token"])).status_code == 204
            assert api.get("/api/v1/auth/me", headers=bearer(body["token"])).status_code == 401
        assert browser.get("/api/v1/auth/me").status_code == 401  # same session, same process: gone at once


def test_login_is_rate_limited_per_username_and_per_address(ctx: ServiceContext, world: World) -> None:
    """More in test_rate_limits.py (shared limits, the per-username ceiling, proxies)."""
    make_exporter(ctx, world)
    security = Security.build(
        rate_login_username="3/60",
        rate_login_ip="5/60",
        rate_booking="100/60",
        token_cache_seconds=30,
        session_hours=12,
        cookie_secure=True,
    )
    with TestClient(build_app(ctx, security=security), raise_server_exceptions=False) as c:

        def attempt(username: str, password: str = "sai mật khẩu") -> int:
            return c.post("/api/v1/auth/login", json={"username": username, "password": password}).status_code

        assert [attempt("hoang.hau") for _ in range(3)] == [401, 401, 401]
        limited = c.post("/api/v1/auth/login", json={"username": "hoang.hau", "password": PASSWORD})
        assert limited.status_code == 429, "even the right password waits once the username is over its limit"
        assert limited.json()["error"]["code"] == "auth.rate_limited"
        assert limited.json()["error"]["params"]["scope"] == "login.username"
        assert 59 <= int(limited.headers["Retry-After"]) <= 60  # until the first of the three is 60 s old
        # other usernames from the same address: the per-address limit (5 in all) stops the spraying
        assert attempt("someone.else") == 401
        sprayed = c.post("/api/v1/auth/login", json={"username": "third.one", "password": "x"})
        assert sprayed.status_code == 429 and sprayed.json()["error"]["params"]["scope"] == "login.ip"
    # the user, from their own address, is not locked out by the guesses made from the other one
    with TestClient(
        build_app(ctx, security=security), raise_server_exceptions=False, client=("198.51.100.20", 40000)
    ) as own:
        ok = own.post("/api/v1/auth/login", json={"username": "hoang.hau", "password": PASSWORD})
        assert ok.status_code == 200 and "secure" in ok.headers["set-cookie"].lower()


def test_booking_is_rate_limited_per_account(ctx: ServiceContext, world: World) -> None:
    """A bot grabbing slots is held to the per-account rate; another account is not affected."""
    security = Security.build(
        rate_login_username="10/60",
        rate_login_ip="60/60",
        rate_booking="3/60",
        token_cache_seconds=30,
        session_hours=12,
        cookie_secure=False,
    )
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    app = build_app(ctx, security=security)
    bot = TestClient(
        app, raise_server_exceptions=False, headers=bearer(token_for(ctx, "exporter", enterprise_id=world.exporter.id))
    )
    person = TestClient(
        app, raise_server_exceptions=False, headers=bearer(token_for(ctx, "exporter", enterprise_id=world.exporter.id))
    )
    hour = clock.now().replace(minute=0, second=0, microsecond=0)
    window = {"earliest": hour.isoformat(), "latest": (hour + timedelta(hours=8)).isoformat(), "travel_minutes": 30}

    def book(client: TestClient, key: str) -> int:
        trip = world.declare(vehicle_id=world.new_truck())
        return client.post(
            f"/api/v1/trips/{trip.id}/booking", json=window, headers={"Idempotency-Key": key}
        ).status_code

    assert [book(bot, f"b{i}") for i in range(3)] == [201, 201, 201]
    trip = world.declare(vehicle_id=world.new_truck())
    refused = bot.post(f"/api/v1/trips/{trip.id}/booking", json=window, headers={"Idempotency-Key": "b3"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert refused.json()["error"]["params"]["scope"] == "booking.account"
    with ctx.uow() as uow:
        assert uow.bookings.latest_for_trip(trip.id) is None  # nothing was taken
    assert book(person, "p0") == 201


def test_cli_style_api_token_for_an_existing_account(ctx: ServiceContext, world: World, client: TestClient) -> None:
    make_exporter(ctx, world)
    account = accounts.account_by_username(ctx.uow(), "Hoang.Hau")
    token = accounts.issue_api_token(ctx.uow(), account.id, clock=ctx.clock, label="ERP của công ty")
    me = client.get("/api/v1/auth/me", headers=bearer(token)).json()
    assert me["username"] == "hoang.hau" and me["role"] == "exporter"
    with pytest.raises(InvalidInput):
        accounts.issue_api_token(ctx.uow(), account.id, clock=ctx.clock, label="  ")
    with pytest.raises(NotFound):
        accounts.account_by_username(ctx.uow(), "no.such.user")


def test_a_cookie_session_refuses_changes_sent_from_another_site(
    ctx: ServiceContext, world: World, app: FastAPI
) -> None:
    make_exporter(ctx, world)
    with TestClient(app, raise_server_exceptions=False, base_url="http://cuakhau.example") as browser:
        assert (
            browser.post("/api/v1/auth/login", json={"username": "hoang.hau", "password": PASSWORD}).status_code == 200
        )
        trip = world.declare()
        cancel = {"action": "cancel", "reason": "xe hỏng"}
        evil = browser.post(
            f"/api/v1/trips/{trip.id}/transitions", json=cancel, headers={"Origin": "https://evil.example"}
        )
        assert evil.status_code == 403 and evil.json()["error"]["code"] == "auth.cross_site"
        assert browser.get(f"/api/v1/trips/{trip.id}", headers={"Origin": "https://evil.example"}).status_code == 200
        own = browser.post(
            f"/api/v1/trips/{trip.id}/transitions", json=cancel, headers={"Origin": "http://cuakhau.example"}
        )
        assert own.status_code == 200 and own.json()["state"] == "cancelled"


def test_a_hash_with_old_parameters_is_upgraded_at_login(ctx: ServiceContext, world: World, engine: Engine) -> None:
    from argon2 import PasswordHasher

    make_exporter(ctx, world)
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=2).hash(PASSWORD)
    with engine.begin() as conn:
        conn.execute(t.accounts.update().values(password_hash=old))
    accounts.login(ctx.uow(), "hoang.hau", PASSWORD, clock=ctx.clock)
    with engine.connect() as conn:
        now_stored = conn.execute(select(t.accounts.c.password_hash)).scalar_one()
    assert now_stored != old and "m=19456,t=2,p=1" in now_stored
    accounts.login(ctx.uow(), "hoang.hau", PASSWORD, clock=ctx.clock)  # and it still logs in


def test_a_disabled_account_loses_its_tokens_and_cannot_log_in(ctx: ServiceContext, world: World) -> None:
    make_exporter(ctx, world)
    _, session = accounts.login(ctx.uow(), "hoang.hau", PASSWORD, clock=ctx.clock)
    account = accounts.account_by_username(ctx.uow(), "hoang.hau")
    api = accounts.issue_api_token(ctx.uow(), account.id, clock=ctx.clock, label="ERP")
    accounts.set_account_active(ctx.uow(), "hoang.hau", active=False, clock=ctx.clock)
    assert accounts.resolve_token(ctx.uow(), session, clock=ctx.clock) is None
    assert accounts.resolve_token(ctx.uow(), api, clock=ctx.clock) is None
    with pytest.raises(InvalidCredentials):
        accounts.login(ctx.uow(), "hoang.hau", PASSWORD, clock=ctx.clock)
    accounts.set_account_active(ctx.uow(), "hoang.hau", active=True, clock=ctx.clock)
    assert accounts.resolve_token(ctx.uow(), api, clock=ctx.clock) is None  # revoked tokens stay revoked
    assert accounts.login(ctx.uow(), "hoang.hau", PASSWORD, clock=ctx.clock)[0].username == "hoang.hau"
    with pytest.raises(NotFound):
        accounts.set_account_active(ctx.uow(), "no.such.user", active=False, clock=ctx.clock)
