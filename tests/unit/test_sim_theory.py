"""The engine against queueing theory: M/M/c (Erlang C) and M/M/c with two non-preemptive priority classes
(Cobham's formula). Each check: the theoretical mean wait lies inside the 95% confidence interval over
independent replications (fixed seeds, so the test is deterministic)."""

from __future__ import annotations

import math

import pytest
from scipy import stats as scipy_stats

from cuakhau.analytics.stats import erlang_c, mean_ci, mmc_priority_waits, mmc_wait, percentile, t_quantile
from cuakhau.simulation.queues import run_mmc


def test_t_quantile_matches_scipy() -> None:
    for df in (1, 2, 3, 4, 5, 9, 19, 30, 100):
        for p in (0.9, 0.95, 0.975, 0.995):
            assert t_quantile(p, df) == pytest.approx(scipy_stats.t.ppf(p, df), rel=1e-6)


def test_erlang_c_known_values() -> None:
    # one server: P(wait) = rho; M/M/1 Wq = rho / (mu - lambda)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)
    assert mmc_wait(0.5, 1.0, 1) == pytest.approx(1.0)
    # a textbook value: c = 2, a = 1 -> C = 1/3
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        erlang_c(2, 2.0)


def test_cobham_reduces_to_erlang_c_when_classes_merge() -> None:
    lam = [2.0, 3.0]
    waits = mmc_priority_waits(lam, 1.0, 8)
    overall = sum(w * x for w, x in zip(waits, lam, strict=True)) / sum(lam)
    assert overall == pytest.approx(mmc_wait(sum(lam), 1.0, 8))  # conservation law
    assert waits[0] < waits[1]


def test_mean_ci_and_percentile() -> None:
    e = mean_ci([1.0, 2.0, 3.0])
    assert e.mean == 2.0
    assert e.half == pytest.approx(scipy_stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3), rel=1e-9)
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert math.isnan(percentile([], 0.5))


def test_mmc_agrees_with_erlang_c() -> None:
    servers, mu = 8, 1.0
    lam = 0.9 * servers * mu
    waits = [run_mmc([lam], mu, servers, customers=60_000, warmup=5_000, seed=100 + r).mean_waits[0] for r in range(12)]
    estimate = mean_ci(waits)
    theory = mmc_wait(lam, mu, servers)
    assert estimate.covers(theory), (estimate, theory)
    assert estimate.half < 0.1 * theory  # and the interval is tight enough to mean something


def test_mmc_two_priority_classes_agree_with_cobham() -> None:
    servers, mu = 4, 1.0
    lam = [0.3 * 0.85 * servers, 0.7 * 0.85 * servers]
    runs = [run_mmc(lam, mu, servers, customers=60_000, warmup=5_000, seed=500 + r) for r in range(12)]
    theory = mmc_priority_waits(lam, mu, servers)
    for k in range(2):
        estimate = mean_ci([r.mean_waits[k] for r in runs])
        assert estimate.covers(theory[k]), (k, estimate, theory[k])
        assert estimate.half < 0.15 * theory[k]
    assert all(sum(r.counted) == 55_000 for r in runs)  # every customer after the warm-up was served


@pytest.mark.parametrize(
    ("servers", "load", "mix"),
    [
        (1, 0.6, (1.0,)),
        (3, 0.75, (0.5, 0.5)),
        (6, 0.85, (0.2, 0.8)),
        (8, 0.8, (0.2, 0.3, 0.5)),
    ],
)
def test_p_wait_waits_and_sojourns_per_class_agree_with_erlang_c_and_cobham(
    servers: int, load: float, mix: tuple[float, ...]
) -> None:
    """Issue 21 item 9: the share that waited is Erlang C's probability (the same for every class: an arrival
    waits exactly when every server is busy), each class's wait is Cobham's, its time in system that plus 1/μ."""
    mu = 1.0
    lam = [share * load * servers * mu for share in mix]
    runs = [run_mmc(lam, mu, servers, customers=20_000, warmup=2_000, seed=900 + r) for r in range(10)]
    p_wait = erlang_c(servers, sum(lam) / mu)
    waits = mmc_priority_waits(lam, mu, servers) if len(lam) > 1 else [mmc_wait(lam[0], mu, servers)]
    for k in range(len(lam)):
        shares = mean_ci([r.waited[k] for r in runs])
        assert shares.covers(p_wait) or abs(shares.mean - p_wait) < 0.01, (k, shares, p_wait)
        wq = mean_ci([r.mean_waits[k] for r in runs])
        assert wq.covers(waits[k]), (k, wq, waits[k])
        sojourn = mean_ci([r.sojourns[k] for r in runs])
        assert sojourn.covers(waits[k] + 1 / mu), (k, sojourn, waits[k] + 1 / mu)
        assert sojourn.half < 0.1 * (waits[k] + 1 / mu)


GATE_AS_MMC = """\
name: documents desk as M/M/c
start: 2026-06-01
days: 8
warmup_days: 1
seed: 5
gates:
  - gate: vn-tan-thanh
    lanes: 30
    yard_capacity: 100000
    officers: {documents: 4}
    arrivals:
      per_day: 576
      cargo:
        - {name: cassava chips, hs: "071410", share: 1, perishability: dry_goods}
stages:
  documents: {distribution: exponential, mean_minutes: 8}
customs: {red: 0, yellow: 0, random_red: 0, random_yellow: 0}
policies:
  - {name: open all day, hours: {open_all_day: true}}
"""


def test_the_gate_model_reports_erlang_c_for_a_desk_open_all_day() -> None:
    """The reported P(wait) and mean wait of the document desks (4 desks, 8 minutes, 24 trucks an hour: an M/M/4
    at 80%) against Erlang C, through the scenario, the gate model and the runner's intervals."""
    from cuakhau.simulation.runner import run_scenario
    from cuakhau.simulation.scenario import parse_scenario

    result = run_scenario(parse_scenario(GATE_AS_MMC).scenario, replications=6, workers=1)
    p = result.policies[0]
    lam, mu, c = 24.0, 7.5, 4
    assert p.estimate("p_wait.documents").covers(erlang_c(c, lam / mu)), p.estimate("p_wait.documents")
    assert p.estimate("wait_mean_h.documents").covers(mmc_wait(lam, mu, c)), p.estimate("wait_mean_h.documents")
    assert p.estimate("wait_mean_h.documents.dry_goods").mean == p.estimate("wait_mean_h.documents").mean
