"""Rate limits in real `cuakhau serve` processes: shared through Redis by two processes; X-Forwarded-For believed
only from CUAKHAU_TRUSTED_PROXIES (uvicorn's own default would believe it from 127.0.0.1)."""

from __future__ import annotations

import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import httpx2
import pytest

from tests.conftest import RedisSpace
from tests.e2e.conftest import free_port, running

pytestmark = pytest.mark.e2e


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'limits.db'}"
    up = subprocess.run(
        [sys.executable, "-m", "cuakhau", "db", "upgrade", "--database-url", url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert up.returncode == 0, up.stderr
    return url


def guess(api: httpx2.Client, username: str, **headers: str) -> tuple[int, str]:
    r = api.post("/api/v1/auth/login", json={"username": username, "password": "not the password"}, headers=headers)
    return r.status_code, r.json()["error"]["params"].get("scope", "") if r.status_code == 429 else ""


def test_two_server_processes_share_the_login_limit_through_redis(
    tmp_path: Path, db_url: str, redis_space: RedisSpace
) -> None:
    env = {
        "CUAKHAU_DATABASE_URL": db_url,
        "CUAKHAU_REDIS_URL": redis_space.url,
        "CUAKHAU_REDIS_KEY_PREFIX": redis_space.prefix,
        "CUAKHAU_RATE_LOGIN_USERNAME": "3/300",
        "CUAKHAU_NOTIFY_IN_SERVER": "false",
    }
    with ExitStack() as stack:
        one, two = (
            stack.enter_context(running(["serve", "--port", str(port)], cwd=tmp_path, port=port, env=env))
            for port in (free_port(), free_port())
        )
        assert [guess(api, "hoang.hau")[0] for api in (one, two, one)] == [401, 401, 401]
        assert guess(two, "hoang.hau") == (429, "login.username"), "the 4th guess, in the other process"
        assert guess(one, "hoang.hau") == (429, "login.username")
    assert any("login.username" in key for key in redis_space.stored_keys())


def test_serve_believes_forwarded_for_only_from_the_trusted_proxies(tmp_path: Path, db_url: str) -> None:
    env = {"CUAKHAU_DATABASE_URL": db_url, "CUAKHAU_RATE_LOGIN_IP": "3/60", "CUAKHAU_NOTIFY_IN_SERVER": "false"}
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=tmp_path, port=port, env=env) as api:
        spoofed = [guess(api, f"user{i}", **{"X-Forwarded-For": f"198.18.0.{i}"}) for i in range(4)]
        assert spoofed == [(401, ""), (401, ""), (401, ""), (429, "login.ip")], "a new header is not a new bucket"
    port = free_port()
    trusted = {**env, "CUAKHAU_TRUSTED_PROXIES": "127.0.0.1"}
    with running(["serve", "--port", str(port)], cwd=tmp_path, port=port, env=trusted) as proxy:
        proxied = [guess(proxy, f"user{i}", **{"X-Forwarded-For": f"198.18.0.{i}"}) for i in range(4)]
        assert proxied == [(401, "")] * 4, "behind the configured proxy each client has its own bucket"
