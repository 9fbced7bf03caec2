"""Login and booking limits across server processes (two apps, each with its own security state, stand for two
processes; tests/e2e/test_serve_limits.py runs real ones), per username and address, behind trusted proxies."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from cuakhau.adapters.web.app import build_app
from cuakhau.adapters.web.auth import Security
from cuakhau.adapters.web.ratelimit import Rate, WindowLimiter
from cuakhau.domain.accounts import Role
from cuakhau.services import accounts
from cuakhau.services.context import ServiceContext
from tests.conftest import RedisSpace, service_unavailable
from tests.e2e.conftest import free_port
from tests.fixtures.accounts import bearer, token_for
from tests.fixtures.factories import World

PASSWORD = "vải thiều Lục Ngạn 2026"
WRONG = "sai mật khẩu"


def security(redis: RedisSpace | None = None, **rates: str) -> Security:
    return Security.build(
        rate_login_username=rates.get("username", "3/300"),
        rate_login_ip=rates.get("ip", "100/60"),
        rate_login_account=rates.get("account", "100/300"),
        rate_booking=rates.get("booking", "100/60"),
        token_cache_seconds=30,
        session_hours=12,
        cookie_secure=False,
        redis_url=redis.url if redis else None,
        redis_key_prefix=redis.prefix if redis else "cuakhau",
        trusted_proxies=rates.get("proxies", ""),
    )


@contextmanager
def processes(ctx: ServiceContext, *securities: Security, client: str = "198.51.100.1") -> Iterator[list[TestClient]]:
    """One client per 'process' (app with its own security state), all from the address ``client``."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                TestClient(build_app(ctx, security=s), raise_server_exceptions=False, client=(client, 40000))
            )
            for s in securities
        ]


def login(c: TestClient, username: str = "hoang.hau", password: str = WRONG, **headers: str) -> tuple[int, str]:
    r = c.post("/api/v1/auth/login", json={"username": username, "password": password}, headers=headers)
    return r.status_code, r.json()["error"]["params"].get("scope", "") if r.status_code == 429 else ""


def make_user(ctx: ServiceContext, world: World) -> None:
    accounts.create_account(
        ctx.uow(),
        username="hoang.hau",
        password=PASSWORD,
        role=Role.EXPORTER,
        enterprise_id=world.exporter.id,
        clock=ctx.clock,
    )


def test_with_redis_the_login_limit_holds_across_processes(
    ctx: ServiceContext, world: World, redis_space: RedisSpace
) -> None:
    make_user(ctx, world)
    with processes(ctx, security(redis_space), security(redis_space)) as (one, two):
        assert [login(c)[0] for c in (one, two, one)] == [401, 401, 401]
        assert login(two, password=PASSWORD) == (429, "login.username"), "the 4th guess, in the other process"
        assert login(one, password=PASSWORD) == (429, "login.username")
    assert any("login.username" in k for k in redis_space.stored_keys())


def test_without_redis_each_process_counts_its_own(ctx: ServiceContext, world: World) -> None:
    make_user(ctx, world)
    with processes(ctx, security(), security()) as (one, two):
        assert [login(one)[0] for _ in range(3)] == [401, 401, 401]
        assert login(one) == (429, "login.username")
        assert login(two)[0] == 401, "documented: per process without Redis"


def test_with_redis_the_booking_limit_holds_across_processes(
    ctx: ServiceContext, world: World, redis_space: RedisSpace
) -> None:
    token = token_for(ctx, "exporter", enterprise_id=world.exporter.id)
    hour = ctx.clock.now().replace(minute=0, second=0, microsecond=0)
    window = {"earliest": hour.isoformat(), "latest": (hour + timedelta(hours=8)).isoformat(), "travel_minutes": 30}
    with processes(ctx, security(redis_space, booking="3/60"), security(redis_space, booking="3/60")) as clients:
        for c in clients:
            c.headers.update(bearer(token))

        def book(c: TestClient, key: str) -> int:
            trip = world.declare(vehicle_id=world.new_truck())
            return c.post(f"/api/v1/trips/{trip.id}/booking", json=window, headers={"Idempotency-Key": key}).status_code

        one, two = clients
        assert [book(one, "a"), book(two, "b"), book(one, "c")] == [201, 201, 201]
        refused = two.post(
            f"/api/v1/trips/{world.declare(vehicle_id=world.new_truck()).id}/booking",
            json=window,
            headers={"Idempotency-Key": "d"},
        )
        assert refused.status_code == 429 and refused.json()["error"]["params"]["scope"] == "booking.account"
        assert book(one, "e") == 429


def test_guesses_from_one_address_do_not_lock_the_user_out_of_another(
    ctx: ServiceContext, world: World, redis_space: RedisSpace
) -> None:
    make_user(ctx, world)
    shared = [security(redis_space), security(redis_space)]
    with processes(ctx, *shared, client="203.0.113.66") as attacker, processes(ctx, *shared) as user:
        assert [login(c)[0] for c in (*attacker, attacker[0])] == [401, 401, 401]
        assert login(attacker[1], password=PASSWORD) == (429, "login.username")
        assert login(user[1], password=PASSWORD) == (200, ""), "the user's own address is not locked out"


def test_guessing_from_many_addresses_meets_a_ceiling_that_spares_the_addresses_the_user_logged_in_from(
    ctx: ServiceContext, world: World, redis_space: RedisSpace
) -> None:
    make_user(ctx, world)
    shared = [security(redis_space, account="4/300"), security(redis_space, account="4/300")]
    with processes(ctx, *shared) as home:
        assert login(home[0], password=PASSWORD)[0] == 200  # the user's usual address (not yet known: 1 of 4)
    for i in range(3):  # a botnet: one guess from each address, spread over the processes
        with processes(ctx, *shared, client=f"203.0.113.{i + 1}") as bot:
            assert login(bot[i % 2])[0] == 401
    with processes(ctx, *shared, client="203.0.113.99") as bot:
        assert login(bot[0]) == (429, "login.account"), "the per-username ceiling, in every process"
    with processes(ctx, *shared, client="192.0.2.50") as new_phone:
        assert login(new_phone[1], password=PASSWORD) == (429, "login.account")  # a new address waits too
    with processes(ctx, *shared) as home:
        assert login(home[1], password=PASSWORD)[0] == 200, "the usual address still gets in"


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(ctx: ServiceContext, world: World) -> None:
    """By default every spoofed X-Forwarded-For comes from the same peer and shares its bucket."""
    with processes(ctx, security(ip="3/60")) as (c,):
        statuses = [login(c, f"user{i}", **{"X-Forwarded-For": f"198.18.0.{i}"}) for i in range(4)]
        assert [s for s, _ in statuses] == [401, 401, 401, 429] and statuses[3][1] == "login.ip"
    proxied = security(ip="3/60", proxies="10.0.0.0/8")
    with processes(ctx, proxied, client="10.0.0.2") as (proxy,), processes(ctx, proxied) as (direct,):
        # through the proxy each client has its own bucket ...
        assert [login(proxy, f"user{i}", **{"X-Forwarded-For": f"198.18.0.{i}"})[0] for i in range(4)] == [401] * 4
        assert [login(proxy, f"u{i}", **{"X-Forwarded-For": "1.2.3.4, 198.18.0.9"})[0] for i in range(4)] == [
            401,
            401,
            401,
            429,
        ], "the entry the proxy appended counts, not the client's own"
        # ... and a client that is not the proxy cannot name itself
        assert [login(direct, f"user{i}", **{"X-Forwarded-For": f"198.18.1.{i}"})[0] for i in range(4)] == [
            401,
            401,
            401,
            429,
        ]


def test_when_redis_is_unreachable_logins_are_answered_and_limited_per_process(
    ctx: ServiceContext, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Fail safe and visible: no 500, the limit holds in this process, a warning names the failure."""
    make_user(ctx, world)
    dead = RedisSpace("redis://127.0.0.1:1/0", "cuakhau-test-dead")  # nothing listens on port 1
    with caplog.at_level(logging.WARNING), processes(ctx, security(dead)) as (c,):
        assert [login(c)[0] for _ in range(3)] == [401, 401, 401]
        assert login(c, password=PASSWORD) == (429, "login.username")
    assert any("Redis at 127.0.0.1:1 failed" in r.getMessage() for r in caplog.records)


@contextmanager
def private_redis(port: int) -> Iterator[None]:
    """A Redis server of this test's own (so that it can be stopped), answering on ``port``."""
    binary = shutil.which("redis-server")
    if binary is None:
        service_unavailable("no redis-server to start a private Redis")
    assert binary is not None
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_shared_limits_come_back_when_redis_does(caplog: pytest.LogCaptureFixture) -> None:
    """Redis stops: each process counts on its own (and says so); it starts again: the counts are shared again."""
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    one = WindowLimiter({"s": Rate.parse("2/60")}, redis_url=url, retry_seconds=0.2)
    two = WindowLimiter({"s": Rate.parse("2/60")}, redis_url=url, retry_seconds=0.2)
    with caplog.at_level(logging.WARNING):
        with private_redis(port):
            assert one.hit("s", "k") is None and one.shared
        assert one.hit("s", "k") is None and not one.shared  # Redis is gone: counted here, no error
        assert one.hit("s", "k") is None  # 2 of 2 in this process
        assert one.hit("s", "k") is not None  # the limit still holds, per process
        with private_redis(port):  # back (empty: the counts were in the stopped server)
            time.sleep(0.25)
            assert one.hit("s", "k") is None and one.shared
            assert two.hit("s", "k") is None
            assert two.hit("s", "k") is not None, "the other process sees the shared count again"
    messages = [r.getMessage() for r in caplog.records]
    assert any(f"Redis at 127.0.0.1:{port} failed" in m for m in messages)
    assert any("answers again" in m for m in messages)
