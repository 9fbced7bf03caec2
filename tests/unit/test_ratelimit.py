"""The rate limiter in one process (moving windows in memory), its fall-back when Redis fails, and whose address a
request comes from (trusted proxies). The limits shared through Redis: tests/integration/test_rate_limits.py."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from cuakhau.adapters.web.proxies import TrustedProxies
from cuakhau.adapters.web.ratelimit import Rate, WindowLimiter
from cuakhau.config import load

NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


def test_the_limiter_allows_count_attempts_in_the_period_and_says_how_long_to_wait() -> None:
    limiter = WindowLimiter({"login.username": Rate.parse("3/60")})
    assert [limiter.hit("login.username", "u", NOW) for _ in range(3)] == [None, None, None]
    wait = limiter.hit("login.username", "u", NOW)
    assert wait is not None and 59 < wait <= 60  # until the first of the three is a minute old
    assert limiter.hit("login.username", "other", NOW) is None  # keys are independent
    assert limiter.hit("unlimited.scope", "u", NOW) is None
    assert not limiter.shared


def test_keys_that_would_meet_when_joined_are_kept_apart() -> None:
    limiter = WindowLimiter({"s": Rate.parse("1/60")})
    assert limiter.hit("s", "a/b", NOW) is None
    assert limiter.hit("s", "a%2Fb", NOW) is None
    assert limiter.hit("s", "a", NOW) is None


def test_an_attempt_is_allowed_again_once_the_oldest_leaves_the_window() -> None:
    """Counted in wall-clock seconds (not the service clock: a demo's frozen clock must not freeze the limit)."""
    limiter = WindowLimiter({"s": Rate.parse("1/1")})
    assert limiter.hit("s", "k", NOW) is None
    wait = limiter.hit("s", "k", NOW)
    assert wait is not None and 0 < wait <= 1
    time.sleep(wait + 0.05)
    assert limiter.hit("s", "k", NOW) is None


def test_a_remembered_key_is_kept_for_its_time() -> None:
    limiter = WindowLimiter({})
    assert not limiter.remembers("login.known", "hoang.hau/10.0.0.1")
    limiter.remember("login.known", "hoang.hau/10.0.0.1", 1)
    assert limiter.remembers("login.known", "hoang.hau/10.0.0.1")
    assert not limiter.remembers("login.known", "hoang.hau/10.0.0.2")
    time.sleep(1.05)
    assert not limiter.remembers("login.known", "hoang.hau/10.0.0.1")


@pytest.mark.parametrize("text", ["0/60", "5/0", "x/60", "5/-1"])
def test_bad_rates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Rate.parse(text)


def test_when_redis_cannot_be_reached_the_limits_hold_per_process_and_the_failure_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing listens on port 1: every attempt is still counted (here), none raises, one warning says so."""
    limiter = WindowLimiter({"s": Rate.parse("2/60")}, redis_url="redis://127.0.0.1:1/0", retry_seconds=0)
    with caplog.at_level(logging.WARNING, logger="cuakhau.adapters.web.ratelimit"):
        assert limiter.hit("s", "k", NOW) is None
        assert limiter.hit("s", "k", NOW) is None
        assert limiter.hit("s", "k", NOW) is not None
        limiter.remember("login.known", "k", 60)
        assert limiter.remembers("login.known", "k")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings and all("Redis at 127.0.0.1:1 failed" in w for w in warnings)
    assert len(warnings) == 1, "one warning per outage, not one per request"


# --- whose address --------------------------------------------------------------------------------------------


def test_no_forwarding_header_is_believed_by_default() -> None:
    proxies = TrustedProxies.of("")
    assert not proxies and proxies.forwarded_allow_ips == ""
    assert proxies.client_address("127.0.0.1", ["203.0.113.7"]) == "127.0.0.1"
    assert load().trusted_proxies == ""


def test_a_trusted_proxy_names_the_client_and_nobody_else_does() -> None:
    proxies = TrustedProxies.of("10.0.0.0/8, 192.0.2.1")
    assert proxies.forwarded_allow_ips == "10.0.0.0/8,192.0.2.1"
    assert proxies.client_address("10.1.2.3", ["203.0.113.7"]) == "203.0.113.7"
    # the client's own (spoofed) entries are left of what the proxies appended: the right-most untrusted wins
    assert proxies.client_address("10.1.2.3", ["1.1.1.1, 203.0.113.7, 10.9.9.9"]) == "203.0.113.7"
    assert proxies.client_address("192.0.2.1", ["1.1.1.1", "203.0.113.7:4711"]) == "203.0.113.7"
    assert proxies.client_address("198.51.100.4", ["203.0.113.7"]) == "198.51.100.4"  # not a proxy
    assert proxies.client_address("10.1.2.3", []) == "10.1.2.3"
    assert TrustedProxies.of("*").client_address("198.51.100.4", ["203.0.113.7"]) == "203.0.113.7"


def test_a_trusted_proxies_setting_that_is_not_addresses_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"proxy\.example"):
        load(trusted_proxies="10.0.0.1,proxy.example")
    with pytest.raises(ValueError, match=r"proxy\.example"):
        TrustedProxies.of("proxy.example")
    assert load(trusted_proxies="10.0.0.1, ::1, 172.16.0.0/12").trusted_proxies
