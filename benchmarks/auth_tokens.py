"""What authentication costs per request: a token resolved from the database, from the in-process cache, and a login.

    python benchmarks/auth_tokens.py [--resolves 2000] [--logins 20]

On a scratch SQLite file and a scratch PostgreSQL database (the project machines' 127.0.0.1:5432): 1,000
accounts with a token each, then ``--resolves`` resolutions of random tokens without a cache (one primary-key
lookup joined to the account), the same with the cache warm, and ``--logins`` password checks (argon2id). This is
why a request never runs argon2: a login costs tens of milliseconds on purpose, a resolved token well under one.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from cuakhau.adapters.db.engine import make_engine, normalise_url
from cuakhau.adapters.db.migrate import upgrade
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.hs import HsNomenclature
from cuakhau.services import accounts

ADMIN_URL = os.environ.get("CUAKHAU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


def timed(n: int, call: Callable[[int], object]) -> tuple[float, float]:
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        call(i)
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return statistics.median(samples) * 1000, samples[int(len(samples) * 0.99) - 1] * 1000


def run(url: str, label: str, resolves: int, logins: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    uow = SqlUnitOfWorkFactory(engine, HsNomenclature.load_default())
    clock = ManualClock(NOW)
    tokens = []
    for k in range(1000):
        account = accounts.create_account(uow(), username=f"bench-{k}", password=None, role="system_admin", clock=clock)
        tokens.append(accounts.issue_api_token(uow(), account.id, clock=clock, label="bench"))
    accounts.create_account(uow(), username="person", password="a long enough secret", role="system_admin", clock=clock)
    rng = random.Random(1)
    picks = [rng.choice(tokens) for _ in range(resolves)]
    cold = timed(resolves, lambda i: accounts.resolve_token(uow(read_only=True), picks[i], clock=clock))
    cache = accounts.TokenCache(ttl_seconds=30, max_entries=10_000)
    for token in tokens:
        accounts.resolve_token(uow(read_only=True), token, clock=clock, cache=cache)
    warm = timed(resolves, lambda i: accounts.resolve_token(uow(read_only=True), picks[i], clock=clock, cache=cache))
    login = timed(logins, lambda i: accounts.login(uow(), "person", "a long enough secret", clock=clock))
    engine.dispose()
    print(f"{label:<10} {'resolve, no cache':<22} p50 {cold[0]:7.3f} ms   p99 {cold[1]:7.3f} ms")
    print(f"{label:<10} {'resolve, cache warm':<22} p50 {warm[0]:7.3f} ms   p99 {warm[1]:7.3f} ms")
    print(f"{label:<10} {'login (argon2id)':<22} p50 {login[0]:7.3f} ms   p99 {login[1]:7.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resolves", type=int, default=2000)
    parser.add_argument("--logins", type=int, default=20)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'auth.db'}", "SQLite", opts.resolves, opts.logins)
    admin = create_engine(normalise_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"cuakhau_auth_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run(normalise_url(ADMIN_URL).rsplit("/", 1)[0] + f"/{name}", "PostgreSQL", opts.resolves, opts.logins)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
