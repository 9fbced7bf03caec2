"""Confidence intervals over replications, percentiles, and the queueing formulas the simulator is checked by.

Everything here is pure Python (``math`` only) so the runtime needs no SciPy: the Student t quantile uses the
exact forms for 1 and 2 degrees of freedom and above a Cornish–Fisher expansion refined by Newton steps on the
density (a unit test compares it with SciPy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist


def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom."""
    if df < 1 or not 0.0 < p < 1.0:
        raise ValueError("t_quantile needs df >= 1 and 0 < p < 1")
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = NormalDist().inv_cdf(p)
    v = float(df)
    t = (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )
    for _ in range(2):  # Newton steps on the exact CDF sharpen the expansion in the far tail of small df
        t -= (_t_cdf(t, v) - p) / _t_pdf(t, v)
    return t


def _t_pdf(t: float, v: float) -> float:
    log_c = math.lgamma((v + 1) / 2) - math.lgamma(v / 2) - 0.5 * math.log(v * math.pi)
    return math.exp(log_c - (v + 1) / 2 * math.log1p(t * t / v))


def _t_cdf(t: float, v: float, steps: int = 400) -> float:
    """0.5 + the integral of the density from 0 to ``t`` (Simpson's rule; the density is smooth)."""
    h = t / steps
    acc = _t_pdf(0.0, v) + _t_pdf(t, v)
    for i in range(1, steps):
        acc += (4 if i % 2 else 2) * _t_pdf(i * h, v)
    return 0.5 + acc * h / 3


@dataclass(frozen=True, slots=True)
class Estimate:
    """A mean over replications with its confidence interval (``half`` = half-width; 0 for one replication)."""

    mean: float
    half: float
    n: int

    @property
    def low(self) -> float:
        return self.mean - self.half

    @property
    def high(self) -> float:
        return self.mean + self.half

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_dict(self) -> dict[str, float | int]:
        return {"mean": self.mean, "ci_low": self.low, "ci_high": self.high, "half_width": self.half, "n": self.n}


def mean_ci(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    """The sample mean of independent replications and its t confidence interval."""
    n = len(values)
    if n == 0:
        return Estimate(math.nan, math.nan, 0)
    mean = math.fsum(values) / n
    if n == 1:
        return Estimate(mean, 0.0, 1)
    var = math.fsum((x - mean) ** 2 for x in values) / (n - 1)
    half = t_quantile(0.5 + confidence / 2, n - 1) * math.sqrt(var / n)
    return Estimate(mean, half, n)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q`` (0..1) percentile of already sorted values, linear between order statistics; NaN when empty."""
    n = len(sorted_values)
    if n == 0:
        return math.nan
    pos = q * (n - 1)
    lo = int(pos)
    hi = min(lo + 1, n - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


# ------------------------------------------------------------------------------------------- queueing theory


def erlang_c(servers: int, offered: float) -> float:
    """Probability an arrival waits in M/M/c (Erlang C); ``offered`` = λ/μ in erlangs, below ``servers``."""
    if not 0 <= offered < servers:
        raise ValueError("M/M/c is stable only when the offered load is below the number of servers")
    term = 1.0
    total = 1.0  # sum_{k<c} a^k / k!, built iteratively to avoid overflow
    for k in range(1, servers):
        term *= offered / k
        total += term
    last = term * offered / servers / (1 - offered / servers)
    return last / (total + last)


def mmc_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue Wq of M/M/c."""
    offered = arrival_rate / service_rate
    return erlang_c(servers, offered) / (servers * service_rate - arrival_rate)


def mmc_priority_waits(arrival_rates: Sequence[float], service_rate: float, servers: int) -> list[float]:
    """Mean waits per class in M/M/c with non-preemptive priorities and one service rate (Cobham 1954).

    Class 0 has the highest priority. ``W_k = C(c, a) / (c·μ·(1 − σ_{k−1})(1 − σ_k))`` with
    ``σ_k = Σ_{i≤k} λ_i / (c·μ)`` and ``C`` the Erlang C probability of the total load.
    """
    total = sum(arrival_rates)
    wait_prob = erlang_c(servers, total / service_rate)
    out: list[float] = []
    sigma_prev = 0.0
    for lam in arrival_rates:
        sigma = sigma_prev + lam / (servers * service_rate)
        out.append(wait_prob / (servers * service_rate * (1 - sigma_prev) * (1 - sigma)))
        sigma_prev = sigma
    return out
