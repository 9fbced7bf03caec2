"""The wait estimator: measured throughput, the queue ahead, both sides' hours, and how sure it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scipy import stats

from cuakhau.domain.waits import (
    Confidence,
    Crossing,
    advance_open,
    confidence_of,
    estimate_wait,
    hourly_counts,
    intersect,
    open_hours,
    poisson_rate_interval,
    quantile,
)

NOW = datetime(2026, 6, 2, 5, 0, tzinfo=UTC)
H = timedelta(hours=1)
ALWAYS = [(NOW - timedelta(days=2), NOW + timedelta(days=20))]


def crossings_every(minutes: float, count: int, sojourn: timedelta | None = None) -> list[Crossing]:
    out = []
    for i in range(count):
        at = NOW - timedelta(minutes=minutes * (i + 0.5))
        out.append(Crossing(at, at - sojourn if sojourn else None))
    return out


@pytest.mark.parametrize("k", [1, 2, 5, 12, 40, 200])
def test_poisson_interval_matches_the_exact_garwood_interval(k: int) -> None:
    low, high = poisson_rate_interval(k, 3.0)
    exact_low = stats.chi2.ppf(0.05, 2 * k) / 2 / 3.0
    exact_high = stats.chi2.ppf(0.95, 2 * k + 2) / 2 / 3.0
    assert low == pytest.approx(exact_low, rel=1e-6)
    assert high == pytest.approx(exact_high, rel=1e-6)
    assert low < k / 3.0 < high


def test_poisson_interval_of_zero_starts_at_zero() -> None:
    low, high = poisson_rate_interval(0, 2.0)
    assert low == 0 and high == pytest.approx(stats.chi2.ppf(0.95, 2) / 2 / 2.0, rel=1e-6)


def test_queue_drains_at_the_measured_rate() -> None:
    # 30 crossings in the last 3 hours: 10 an hour; 20 trucks ahead -> 2 hours.
    est = estimate_wait(now=NOW, queue=20, crossings=crossings_every(6, 30), open_intervals=ALWAYS)
    assert est.throughput_per_hour == pytest.approx(10.0)
    assert est.expected_minutes == 120
    assert est.basis == "queue_drain"
    assert est.low_minutes is not None and est.high_minutes is not None
    assert est.low_minutes < 120 < est.high_minutes
    assert est.confidence is Confidence.HIGH and est.sample == 30 and est.window_hours == 3


def test_more_trucks_ahead_means_a_longer_wait() -> None:
    waits = [
        estimate_wait(now=NOW, queue=n, crossings=crossings_every(6, 30), open_intervals=ALWAYS).expected_minutes
        for n in (0, 5, 10, 40)
    ]
    assert waits == sorted(waits) and waits[0] == 0 and waits[-1] == 240


def test_an_empty_queue_still_waits_as_long_as_recent_trucks_took() -> None:
    est = estimate_wait(
        now=NOW, queue=0, crossings=crossings_every(10, 18, sojourn=timedelta(minutes=50)), open_intervals=ALWAYS
    )
    assert est.expected_minutes == 50 and est.basis == "recent_trucks"
    assert est.recent_median_minutes == pytest.approx(50)
    assert est.confidence is Confidence.MEDIUM


def test_no_crossings_gives_no_figure_but_says_so() -> None:
    est = estimate_wait(now=NOW, queue=7, crossings=[], open_intervals=ALWAYS)
    assert est.expected_minutes is None and est.confidence is Confidence.NONE and est.basis == "no_data"
    assert est.queue == 7 and est.computed_at == NOW


def test_few_crossings_widen_the_window_and_lower_confidence() -> None:
    est = estimate_wait(now=NOW, queue=3, crossings=crossings_every(100, 4), open_intervals=ALWAYS)
    assert est.window_hours == 12 and est.sample == 4 and est.confidence is Confidence.LOW
    # a small sample gives a wide range
    assert est.high_minutes is not None and est.low_minutes is not None
    assert est.high_minutes > 2 * est.low_minutes


def test_a_closure_does_not_make_the_line_look_slow() -> None:
    # Open only the last hour of the 3-hour window: 10 crossings in that hour is 10/h, not 3.3/h.
    open_periods = [(NOW - H, NOW + timedelta(days=20))]
    est = estimate_wait(now=NOW, queue=10, crossings=crossings_every(6, 10), open_intervals=open_periods)
    assert est.open_hours == pytest.approx(1.0) and est.throughput_per_hour == pytest.approx(10.0)


def test_a_wait_past_closing_time_includes_the_night() -> None:
    # 10/h, 20 ahead = 2 open hours; the line closes in 1 hour and reopens 10 hours later.
    periods = [(NOW - timedelta(hours=5), NOW + H), (NOW + 11 * H, NOW + 30 * H)]
    est = estimate_wait(now=NOW, queue=20, crossings=crossings_every(6, 30), open_intervals=periods)
    assert est.expected_minutes == 12 * 60


def test_closed_beyond_the_horizon_gives_no_figure() -> None:
    periods = [(NOW - timedelta(hours=5), NOW)]
    est = estimate_wait(now=NOW, queue=5, crossings=crossings_every(6, 30), open_intervals=periods)
    assert est.expected_minutes is None and est.basis == "closed"


def test_intervals_helpers() -> None:
    a = [(NOW, NOW + 4 * H), (NOW + 6 * H, NOW + 10 * H)]
    b = [(NOW + 2 * H, NOW + 8 * H)]
    assert intersect(a, b) == [(NOW + 2 * H, NOW + 4 * H), (NOW + 6 * H, NOW + 8 * H)]
    assert open_hours(a, NOW + H, NOW + 7 * H) == pytest.approx(4.0)
    assert advance_open(a, NOW + 3 * H, 2.0) == NOW + 7 * H
    assert advance_open(a, NOW, 9.0) is None


def test_quantile_and_counts() -> None:
    assert quantile([1, 2, 3, 4], 0.5) == 2.5 and quantile([5], 0.9) == 5
    assert [confidence_of(n) for n in (0, 1, 8, 20)] == [
        Confidence.NONE,
        Confidence.LOW,
        Confidence.MEDIUM,
        Confidence.HIGH,
    ]
    counts = hourly_counts([NOW - timedelta(minutes=5), NOW - timedelta(minutes=70), NOW + H], end=NOW, hours=3)
    assert counts == [0, 1, 1]
