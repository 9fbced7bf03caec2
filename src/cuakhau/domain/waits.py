"""Expected waits — thời gian chờ dự kiến / 预计等待时间 — from measured throughput and the queue ahead.

The figure a public board shows (as CBP's border wait times and eCherha's queue do) must be measured, not
guessed, and must say how old and how sure it is. The estimate for a truck arriving now at a gate and direction:

* **Throughput** λ: trucks that crossed in a recent window, divided by the hours both sides were open in it (a
  closure does not make the line look slow). Its 90 % range is the exact Poisson interval for the count.
* **Queue drain**: the ``n`` trucks already at the gate (yard, lanes, inspection, held) clear in ``n / λ`` open
  hours; with λ's range that gives a range.
* **Recent trucks**: the time from arrival to crossing of the trucks that crossed in the window (what CBP
  reports); its median and quartiles. A truck cannot expect to be quicker than recent trucks were.
* Expected = max(drain, recent median) open hours; low = max(drain at λ high, lower quartile); high =
  max(drain at λ low, upper quartile). Open hours are then laid on the open periods of *both* sides of the
  line, so a wait that runs past closing time includes the night or the holiday.

Confidence follows the number of crossings measured: none (no figure is given), low, medium, high.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

Interval = tuple[datetime, datetime]

#: The window throughput is measured over, and the wider one used when it held too few crossings.
WINDOW = timedelta(hours=3)
WIDE_WINDOW = timedelta(hours=12)
MIN_CROSSINGS = 5
#: Less open time than this in the window says nothing about throughput.
MIN_EXPOSURE_HOURS = 0.25
#: How far ahead open periods are searched when the queue runs past closing time.
HORIZON = timedelta(days=10)


class Confidence(StrEnum):
    NONE = "none"  # no crossings measured: no figure
    LOW = "low"  # fewer than 8 crossings
    MEDIUM = "medium"  # 8–19
    HIGH = "high"  # 20 or more


def confidence_of(sample: int) -> Confidence:
    if sample <= 0:
        return Confidence.NONE
    if sample < 8:
        return Confidence.LOW
    if sample < 20:
        return Confidence.MEDIUM
    return Confidence.HIGH


@dataclass(frozen=True, slots=True)
class Crossing:
    """A truck that crossed: when, and when it had arrived at the gate (None if it never passed the yard)."""

    crossed_at: datetime
    arrived_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    computed_at: datetime
    queue: int
    window_hours: float
    sample: int  # crossings measured in the window
    open_hours: float  # hours both sides were open in the window
    confidence: Confidence
    throughput_per_hour: float | None
    throughput_low: float | None
    throughput_high: float | None
    recent_median_minutes: float | None  # arrival to crossing, trucks that crossed in the window
    expected_minutes: int | None
    low_minutes: int | None
    high_minutes: int | None
    #: queue_drain, recent_trucks, no_data, closed (no opening within the horizon)
    basis: str


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Intervals when both ``a`` and ``b`` hold (both sides of the line open); inputs sorted and disjoint."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def open_hours(intervals: Iterable[Interval], start: datetime, end: datetime) -> float:
    """Hours of ``[start, end)`` covered by ``intervals``."""
    total = timedelta()
    for s, e in intervals:
        s, e = max(s, start), min(e, end)
        if s < e:
            total += e - s
    return total / timedelta(hours=1)


def advance_open(intervals: Sequence[Interval], start: datetime, hours: float) -> datetime | None:
    """The instant ``hours`` of open time after ``start`` (waiting through closed periods), or None past them."""
    left = timedelta(hours=hours)
    for s, e in sorted(intervals):
        if e <= start:
            continue
        s = max(s, start)
        if s + left <= e:
            return s + left
        left -= e - s
    return None


def _chi2_quantile(p: float, df: float) -> float:
    """Wilson–Hilferty approximation of the chi-square quantile (within ~1 % for df ≥ 2; used for large df)."""
    z = statistics.NormalDist().inv_cdf(p)
    c = 2.0 / (9.0 * df)
    return df * max(0.0, 1.0 - c + z * math.sqrt(c)) ** 3


def _gamma_cdf(shape: int, x: float) -> float:
    """P(Gamma(shape, 1) <= x) for a whole ``shape``: one minus the Poisson(x) probability of fewer events."""
    if x <= 0:
        return 0.0
    log_x = math.log(x)
    below = sum(math.exp(i * log_x - x - math.lgamma(i + 1)) for i in range(shape))
    return min(1.0, max(0.0, 1.0 - below))


def _gamma_quantile(p: float, shape: int) -> float:
    if shape > 1000:
        return _chi2_quantile(p, 2 * shape) / 2
    lo, hi = 0.0, shape + 20.0 * math.sqrt(shape) + 20.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if _gamma_cdf(shape, mid) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def poisson_rate_interval(count: int, exposure_hours: float, level: float = 0.90) -> tuple[float, float]:
    """The exact (Garwood) interval for a Poisson rate, ``count`` events over ``exposure_hours``."""
    if exposure_hours <= 0:
        raise ValueError("exposure must be positive")
    alpha = 1.0 - level
    low = 0.0 if count == 0 else _gamma_quantile(alpha / 2, count)
    high = _gamma_quantile(1 - alpha / 2, count + 1)
    return low / exposure_hours, high / exposure_hours


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile (the same as numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def estimate_wait(
    *,
    now: datetime,
    queue: int,
    crossings: Iterable[Crossing],
    open_intervals: Sequence[Interval],
    window: timedelta = WINDOW,
    wide_window: timedelta = WIDE_WINDOW,
) -> WaitEstimate:
    """The expected wait for a truck arriving now; ``open_intervals`` must cover ``[now - wide_window, now +
    HORIZON)`` and be the periods when both sides are open."""
    crossed = sorted((c for c in crossings if c.crossed_at <= now), key=lambda c: c.crossed_at)
    used = window
    sample = [c for c in crossed if c.crossed_at > now - window]
    if len(sample) < MIN_CROSSINGS:
        used = wide_window
        sample = [c for c in crossed if c.crossed_at > now - wide_window]
    exposure = open_hours(open_intervals, now - used, now)
    k = len(sample)
    sojourns = [
        (c.crossed_at - c.arrived_at) / timedelta(hours=1)
        for c in sample
        if c.arrived_at is not None and c.arrived_at <= c.crossed_at
    ]
    base = {"computed_at": now, "queue": queue, "window_hours": used / timedelta(hours=1), "sample": k}
    if k == 0 or exposure < MIN_EXPOSURE_HOURS:
        return WaitEstimate(
            **base,  # type: ignore[arg-type]
            open_hours=round(exposure, 2),
            confidence=Confidence.NONE,
            throughput_per_hour=None,
            throughput_low=None,
            throughput_high=None,
            recent_median_minutes=None,
            expected_minutes=None,
            low_minutes=None,
            high_minutes=None,
            basis="no_data",
        )
    rate = k / exposure
    rate_low, rate_high = poisson_rate_interval(k, exposure)
    drain, drain_fast, drain_slow = queue / rate, queue / rate_high, queue / rate_low
    if sojourns:
        median, q1, q3 = quantile(sojourns, 0.5), quantile(sojourns, 0.25), quantile(sojourns, 0.75)
    else:
        median = q1 = q3 = 0.0
    expected_h, low_h, high_h = max(drain, median), max(drain_fast, q1), max(drain_slow, q3)
    basis = "queue_drain" if drain >= median else "recent_trucks"
    minutes: list[int | None] = []
    for hours in (expected_h, low_h, high_h):
        at = advance_open(open_intervals, now, hours)
        minutes.append(None if at is None else round((at - now) / timedelta(minutes=1)))
    if minutes[0] is None:
        basis = "closed"
    return WaitEstimate(
        **base,  # type: ignore[arg-type]
        open_hours=round(exposure, 2),
        confidence=confidence_of(k),
        throughput_per_hour=round(rate, 2),
        throughput_low=round(rate_low, 2),
        throughput_high=round(rate_high, 2),
        recent_median_minutes=round(median * 60, 1) if sojourns else None,
        expected_minutes=minutes[0],
        low_minutes=minutes[1],
        high_minutes=minutes[2],
        basis=basis,
    )


def hourly_counts(instants: Iterable[datetime], *, end: datetime, hours: int) -> list[int]:
    """How many of ``instants`` fall in each of the ``hours`` whole hours before ``end`` (oldest first)."""
    counts = [0] * hours
    start = end - timedelta(hours=hours)
    for at in instants:
        if start <= at < end:
            counts[int((at - start) / timedelta(hours=1))] += 1
    return counts
