"""Login and booking limits (the :class:`~cuakhau.services.ports.RateLimiter` port) on the ``limits`` library.

Each ``(scope, key)`` may make ``capacity`` attempts in any ``period`` seconds (a moving window: the attempt
after them waits until the oldest of them is ``period`` seconds old). Where the counts live:

* with a Redis URL (``CUAKHAU_REDIS_URL``) in Redis, shared by every server process and machine that uses it;
* without one in this process's memory: with N processes a client spreading its requests over all of them
  gets up to N times the limit.

If Redis fails (down, unreachable, slower than :data:`REDIS_TIMEOUT_SECONDS`), the limiter logs a warning and
counts in this process's memory for :data:`REDIS_RETRY_SECONDS` before trying Redis again: limits keep holding
(per process) and no request fails because of the limiter. Counting happens in wall-clock seconds, not on the
service clock: a limit is about how fast someone really tries, and a demo's frozen clock must not freeze it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from urllib.parse import quote, urlsplit

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

#: One Redis command may take this long (connecting included) before the limiter counts locally instead.
REDIS_TIMEOUT_SECONDS = 0.5
#: After a Redis failure, count in this process for this long before trying Redis again.
REDIS_RETRY_SECONDS = 10.0

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Rate:
    capacity: int
    period_seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"10/300"``: 10 attempts in any 300 seconds (whole seconds; a fraction is rounded up)."""
        count, _, period = text.partition("/")
        rate = cls(int(count), float(period or 60))
        if rate.capacity < 1 or rate.period_seconds <= 0:
            raise ValueError(f"bad rate {text!r}: want COUNT/SECONDS")
        return rate

    def item(self, scope: str) -> RateLimitItem:
        return RateLimitItemPerSecond(self.capacity, max(1, math.ceil(self.period_seconds)), namespace=scope)


def _safe(key: str) -> str:
    """Keys are joined with ``/`` in storage: escape the caller's key so that no two keys meet (a key with ``/``
    or ``%`` is percent-encoded, and then contains ``%``; one without is kept as it is, and contains none)."""
    return quote(key, safe="") if "/" in key or "%" in key else key


class WindowLimiter:
    """The moving-window limits, in Redis when ``redis_url`` is given (shared), in memory otherwise.

    Thread-safe. ``remember``/``remembers`` keep a flag per key for a while in the same storage (the login uses
    them for the addresses a user has logged in from: docs/security.md)."""

    def __init__(
        self,
        rates: dict[str, Rate],
        *,
        redis_url: str | None = None,
        key_prefix: str = "cuakhau",
        retry_seconds: float = REDIS_RETRY_SECONDS,
    ) -> None:
        self.rates = dict(rates)
        self._items = {scope: rate.item(scope) for scope, rate in self.rates.items()}
        self._local_storage: Storage = MemoryStorage()
        self._local = MovingWindowRateLimiter(self._local_storage)
        self._shared_storage: Storage | None = None
        self._shared: MovingWindowRateLimiter | None = None
        self._where = ""
        if redis_url:
            self._shared_storage = RedisStorage(
                redis_url,
                key_prefix=key_prefix,
                wrap_exceptions=True,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            self._shared = MovingWindowRateLimiter(self._shared_storage)
            parts = urlsplit(redis_url)
            self._where = f"{parts.hostname}:{parts.port or 6379}"  # never the password
        self.retry_seconds = retry_seconds
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def shared(self) -> bool:
        """Whether the counts are in Redis (and Redis was answering at the last attempt)."""
        return self._shared is not None and time.monotonic() >= self._down_until

    def _run(self, op: Callable[[Storage, MovingWindowRateLimiter], T]) -> T:
        if self._shared is not None and self._shared_storage is not None and time.monotonic() >= self._down_until:
            try:
                result = op(self._shared_storage, self._shared)
            except StorageError as exc:
                with self._lock:
                    was_up = self._down_until == 0.0
                    self._down_until = time.monotonic() + self.retry_seconds
                if was_up:
                    log.warning(
                        "rate limits: Redis at %s failed (%s); counting in this process, retrying in %.0f s",
                        self._where,
                        exc.storage_error,
                        self.retry_seconds,
                    )
            else:
                if self._down_until != 0.0:
                    with self._lock:
                        self._down_until = 0.0
                    log.warning("rate limits: Redis at %s answers again; counts are shared", self._where)
                return result
        return op(self._local_storage, self._local)

    def hit(self, scope: str, key: str, now: datetime | None = None) -> float | None:
        """Count one attempt; ``None`` if allowed, else the seconds until the next is (``now`` is not used)."""
        item = self._items.get(scope)
        if item is None:
            return None
        safe = _safe(key)

        def op(_storage: Storage, limiter: MovingWindowRateLimiter) -> float | None:
            if limiter.hit(item, safe):
                return None
            reset, _remaining = limiter.get_window_stats(item, safe)
            return max(0.0, reset - time.time())

        return self._run(op)

    def remember(self, scope: str, key: str, seconds: int) -> None:
        """Keep a flag for ``key`` for ``seconds`` from now (again from now if it was already kept)."""
        name = f"{scope}/{_safe(key)}"

        def op(storage: Storage, _limiter: MovingWindowRateLimiter) -> None:
            storage.clear(name)
            storage.incr(name, seconds)

        self._run(op)

    def remembers(self, scope: str, key: str) -> bool:
        name = f"{scope}/{_safe(key)}"
        return self._run(lambda storage, _limiter: storage.get(name) > 0)
