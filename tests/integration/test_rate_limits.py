"""Login and booking limits across server processes (two apps, each with its own security state, stand for two
processes; tests/e2e/test_serve_limits.py runs real ones), per username and address, behind trusted proxies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta

from fastapi.testclient import TestClient

from cuakhau.adapters.web.app import build_app
from cuakhau.adapters.web.auth import Security
from cuakhau.domain.accounts import Role
from cuakhau.services import accounts
from cuakhau.services.context import ServiceContext
from tests.conftest import RedisSpace
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
