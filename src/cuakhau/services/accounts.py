"""Account use cases: create an account, log in, issue API tokens, resolve a token to a principal, log out.

Passwords are hashed with argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 60 ms on
the project machines, so a login is slow for a guesser and cheap enough for the server; a stored hash made with
other parameters is re-hashed at the next successful login. Tokens are ``secrets.token_urlsafe(32)`` secrets
handed to the client once; only their SHA-256 is stored, so a copy of the database does not let anyone in.
Resolving a token is one primary-key lookup (token joined to its account) — argon2 runs only at login — and a
:class:`TokenCache` may keep resolved tokens in the process for a few seconds: a logout in the same process
drops the entry at once, a logout or deactivation seen by another process takes effect within the cache's TTL.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cuakhau.domain.accounts import (
    Account,
    InvalidCredentials,
    Principal,
    RateLimited,
    Role,
    TokenKind,
    TokenRecord,
    check_password,
    normalise_username,
)
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import Conflict, InvalidInput, NotFound
from cuakhau.domain.trip import new_id
from cuakhau.services.ports import RateLimiter, UnitOfWork

SESSION_TTL = timedelta(hours=12)
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 200

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("cuakhau-no-such-account")


@dataclass(frozen=True, slots=True)
class Session:
    principal: Principal
    token: str
    expires_at: datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher.hash(password)


def create_account(
    uow: UnitOfWork,
    *,
    username: str,
    password: str | None,
    role: Role | str,
    enterprise_id: str | None = None,
    gate_codes: Iterable[str] = (),
    locale: str = "vi",
    clock: Clock,
    driver_id: str | None = None,
    contact: str | None = None,
) -> Account:
    """Create an account. ``password=None`` makes a machine account that uses only API tokens."""
    account = Account.create(
        account_id=new_id(),
        username=username,
        role=role,
        password_hash=hash_password(password) if password is not None else None,
        created_at=clock.now(),
        enterprise_id=enterprise_id,
        driver_id=driver_id,
        gate_codes=gate_codes,
        locale=locale,
        contact=contact,
    )
    with uow:
        if uow.accounts.get_by_username(account.username) is not None:
            raise Conflict("account.duplicate", field="username", username=account.username)
        if account.enterprise_id is not None and uow.enterprises.get(account.enterprise_id) is None:
            raise NotFound("enterprise", account.enterprise_id, field="enterprise_id")
        if account.driver_id is not None:
            driver = uow.drivers.get(account.driver_id)
            if driver is None or driver.employer_id not in (None, account.enterprise_id):
                raise NotFound("driver", account.driver_id, field="driver_id")
        for code in sorted(account.gate_codes):
            if uow.gates.get(code) is None:
                raise NotFound("gate", code, field="gate_codes")
        uow.accounts.add(account)
        uow.commit()
    return account


def login_session(
    uow: UnitOfWork, username: str, password: str, *, clock: Clock, ttl: timedelta = SESSION_TTL
) -> Session:
    """Check the password and open a session. One error for an unknown user and a wrong password."""
    try:
        name = normalise_username(username)
    except InvalidInput:
        name = None
    with uow:
        account = uow.accounts.get_by_username(name) if name else None
        stored = account.password_hash if account is not None and account.active else None
        try:
            _hasher.verify(stored or _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            raise InvalidCredentials() from None
        if account is None or stored is None:
            raise InvalidCredentials()
        if _hasher.check_needs_rehash(stored):
            uow.accounts.set_password_hash(account.id, _hasher.hash(password))
        now = clock.now()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        expires = now + ttl
        uow.tokens.add(TokenRecord(hash_token(token), account.id, TokenKind.SESSION, now, expires, label="login"))
        uow.commit()
    return Session(account.principal(), token, expires)


def login(uow: UnitOfWork, username: str, password: str, *, clock: Clock) -> tuple[Principal, str]:
    session = login_session(uow, username, password, clock=clock)
    return session.principal, session.token


def issue_api_token(
    uow: UnitOfWork, account_id: str, *, clock: Clock, label: str, expires_at: datetime | None = None
) -> str:
    """A long-lived token for a machine client (counterpart system, integration, benchmark)."""
    label = label.strip()
    if not label or len(label) > 200:
        raise InvalidInput("account.token_label_invalid", field="label")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with uow:
        account = uow.accounts.get(account_id)
        if account is None or not account.active:
            raise NotFound("account", account_id, field="account_id")
        uow.tokens.add(TokenRecord(hash_token(token), account.id, TokenKind.API, clock.now(), expires_at, label=label))
        uow.commit()
    return token


def account_by_username(uow: UnitOfWork, username: str) -> Account:
    name = normalise_username(username)
    with uow:
        account = uow.accounts.get_by_username(name)
    if account is None:
        raise NotFound("account", name, field="username")
    return account


def set_account_active(uow: UnitOfWork, username: str, *, active: bool, clock: Clock) -> Account:
    """Disable an account (its sessions and tokens are revoked too) or enable it again (it then logs in afresh)."""
    name = normalise_username(username)
    with uow:
        account = uow.accounts.get_by_username(name)
        if account is None:
            raise NotFound("account", name, field="username")
        uow.accounts.set_active(account.id, active)
        if not active:
            uow.tokens.revoke_all(account.id, clock.now())
        uow.commit()
    return replace(account, active=active)  # as it is now, not as it was read


class TokenCache:
    """Resolved tokens kept in this process for at most ``ttl_seconds`` (and never past the token's expiry).

    Bounded to ``max_entries`` (least recently used out first). The bound on staleness is the TTL: a token
    revoked by another process, or an account deactivated, still works here for at most that long.
    """

    def __init__(self, ttl_seconds: float = 30.0, max_entries: int = 10_000) -> None:
        self.ttl = timedelta(seconds=ttl_seconds)
        self.max_entries = max_entries
        self._items: OrderedDict[str, tuple[Principal, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token_hash: str, now: datetime) -> Principal | None:
        with self._lock:
            hit = self._items.get(token_hash)
            if hit is None:
                return None
            principal, until = hit
            if now >= until:
                del self._items[token_hash]
                return None
            self._items.move_to_end(token_hash)
            return principal

    def put(self, token_hash: str, principal: Principal, until: datetime) -> None:
        if self.ttl <= timedelta(0):
            return
        with self._lock:
            self._items[token_hash] = (principal, until)
            self._items.move_to_end(token_hash)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def drop(self, token_hash: str) -> None:
        with self._lock:
            self._items.pop(token_hash, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def cached_principal(token: str, *, clock: Clock, cache: TokenCache) -> Principal | None:
    """The principal the cache holds for the token, or None (a miss: ``resolve_token`` reads the database)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return cache.get(hash_token(token), clock.now())


def resolve_token(uow: UnitOfWork, token: str, *, clock: Clock, cache: TokenCache | None = None) -> Principal | None:
    """The principal behind a token, or None (unknown, expired, revoked, account inactive)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    if cache is not None and (cached := cached_principal(token, clock=clock, cache=cache)) is not None:
        return cached
    digest = hash_token(token)
    now = clock.now()
    with uow:
        found = uow.tokens.resolve(digest)
    if found is None:
        return None
    record, account = found
    if not record.valid_at(now) or not account.active:
        return None
    principal = account.principal()
    if cache is not None:
        until = now + cache.ttl
        if record.expires_at is not None:
            until = min(until, record.expires_at)
        cache.put(digest, principal, until)
    return principal


def logout(uow: UnitOfWork, token: str, *, clock: Clock, cache: TokenCache | None = None) -> bool:
    """Revoke the token; True when it was live. Idempotent."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    digest = hash_token(token)
    if cache is not None:
        cache.drop(digest)
    with uow:
        done = uow.tokens.revoke(digest, clock.now())
        uow.commit()
    return done


def purge_expired_tokens(uow: UnitOfWork, *, clock: Clock) -> int:
    with uow:
        n = uow.tokens.purge_expired(clock.now())
        if n:
            uow.commit()
    return n


def enforce_rate(limiter: RateLimiter | None, scope: str, key: str, now: datetime) -> None:
    """Count one attempt; refuse with 429 (and the seconds to wait) once the key is over its limit."""
    if limiter is None:
        return
    wait = limiter.hit(scope, key, now)
    if wait is not None:
        raise RateLimited(retry_after=max(1, int(wait + 0.999)), scope=scope)
