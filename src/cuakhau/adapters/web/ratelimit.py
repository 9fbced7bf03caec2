"""In-process token buckets for login and booking limits (the :class:`~cuakhau.services.ports.RateLimiter` port).

Each ``(scope, key)`` has a bucket of ``capacity`` attempts refilled evenly over ``period`` seconds. The buckets
live in this process: with N server processes a client spreading its requests over all of them gets up to N
times the limit. That is deliberate — the booking path has a throughput target and a shared counter would add
a database write (or a Redis round trip) to every booking — and it still stops what the limit is for: a bot
grabbing hundreds of slots, or guessing passwords, is held to a small multiple of a person's pace.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Rate:
    capacity: int
    period_seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"10/300"``: 10 attempts per 300 seconds (a burst of 10, then one every 30 s)."""
        count, _, period = text.partition("/")
        rate = cls(int(count), float(period or 60))
        if rate.capacity < 1 or rate.period_seconds <= 0:
            raise ValueError(f"bad rate {text!r}: want COUNT/SECONDS")
        return rate

    @property
    def per_second(self) -> float:
        return self.capacity / self.period_seconds


class TokenBucketLimiter:
    """Thread-safe; keeps at most ``max_keys`` buckets (least recently used dropped, which only forgives)."""

    def __init__(self, rates: dict[str, Rate], *, max_keys: int = 100_000) -> None:
        self.rates = dict(rates)
        self.max_keys = max_keys
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, scope: str, key: str, now: datetime) -> float | None:
        rate = self.rates.get(scope)
        if rate is None:
            return None
        t = now.timestamp()
        with self._lock:
            tokens, last = self._buckets.get((scope, key), (float(rate.capacity), t))
            tokens = min(float(rate.capacity), tokens + max(0.0, t - last) * rate.per_second)
            if tokens < 1.0:
                self._buckets[(scope, key)] = (tokens, t)
                self._buckets.move_to_end((scope, key))
                return (1.0 - tokens) / rate.per_second
            self._buckets[(scope, key)] = (tokens - 1.0, t)
            self._buckets.move_to_end((scope, key))
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return None
