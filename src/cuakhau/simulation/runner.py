"""Replications in parallel, summarised per policy with confidence intervals, and compared with the first policy.

Replication ``r`` of every policy uses the same random streams (common random numbers), so a difference between
two policies is estimated from paired replications and its interval is much narrower than the two intervals
side by side. Seeds depend only on the scenario seed, the replication and the gate, never on the worker that
ran it: the same scenario gives the same figures on one core or two.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from cuakhau.analytics.stats import Estimate, mean_ci
from cuakhau.simulation.gatemodel import simulate
from cuakhau.simulation.labels import label
from cuakhau.simulation.scenario import MAX_REPLICATIONS, Scenario, ScenarioInvalid

Progress = Callable[[int, int], None]

#: Metrics of the comparison table, with their labels; waits are in hours. The first two count every truck that
#: became ready (a truck not crossed by the end counts the time it has waited, waiting list included), so a
#: policy that leaves trucks without a place does not look faster for it.
HEADLINE = tuple(
    (key, label(key))
    for key in (
        "time_all_mean_h",
        "time_all_p95_h",
        "wait_mean_h.total",
        "wait_p95_h.total",
        "throughput_per_day",
        "p_wait.crossing",
        "queue_length",
        "road_queue",
        "yard_occupancy",
        "spoilage_usd_per_day",
        "past_wait_bound_per_day",
        "not_crossed_share",
        "standby_share",
    )
)


@dataclass
class PolicyResult:
    name: str
    replications: list[dict[str, float]] = field(default_factory=list)

    def estimate(self, metric: str) -> Estimate:
        values = [r[metric] for r in self.replications if not math.isnan(r.get(metric, math.nan))]
        return mean_ci(values)

    def metrics(self) -> list[str]:
        return list(self.replications[0]) if self.replications else []


@dataclass
class SimulationResult:
    scenario: Scenario
    replications: int
    workers: int
    seconds: float
    policies: list[PolicyResult]

    def difference(self, policy: int, metric: str) -> Estimate:
        """Policy minus the first policy, paired by replication (common random numbers)."""
        base, other = self.policies[0].replications, self.policies[policy].replications
        diffs = [o[metric] - b[metric] for b, o in zip(base, other, strict=True)]
        return mean_ci([d for d in diffs if not math.isnan(d)])

    def to_dict(self) -> dict[str, Any]:
        def clean(x: float) -> float | None:
            return None if math.isnan(x) else x

        policies = []
        for i, p in enumerate(self.policies):
            metrics = {}
            for m in p.metrics():
                e = p.estimate(m)
                entry: dict[str, Any] = {k: clean(float(v)) for k, v in e.to_dict().items()}
                if i > 0:
                    d = self.difference(i, m)
                    entry["vs_first"] = {"mean": clean(d.mean), "half_width": clean(d.half)}
                metrics[m] = entry
            policies.append({"name": p.name, "metrics": metrics})
        return {
            "scenario": self.scenario.name,
            "start": self.scenario.start.isoformat(),
            "days": self.scenario.days,
            "warmup_days": self.scenario.warmup_days,
            "replications": self.replications,
            "confidence": 0.95,
            "workers": self.workers,
            "seconds": round(self.seconds, 3),
            "policies": policies,
        }


def _one(scenario: Scenario, policy: int, replication: int) -> tuple[int, int, dict[str, float]]:
    return policy, replication, simulate(scenario, scenario.policies[policy], replication)


def run_scenario(
    scenario: Scenario,
    *,
    replications: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> SimulationResult:
    """Every policy x every replication, on ``workers`` processes (default: all cores, at most the jobs)."""
    import time

    n = scenario.replications if replications is None else replications
    if not 1 <= n <= MAX_REPLICATIONS:
        raise ScenarioInvalid("simulation.replications", field="replications", value=n, max=MAX_REPLICATIONS)
    jobs = [(p, r) for r in range(n) for p in range(len(scenario.policies))]
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    results: dict[tuple[int, int], dict[str, float]] = {}
    started = time.perf_counter()
    if workers == 1:
        for k, (p, r) in enumerate(jobs):
            results[(p, r)] = _one(scenario, p, r)[2]
            if progress:
                progress(k + 1, len(jobs))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_one, scenario, p, r) for p, r in jobs]
            for k, future in enumerate(as_completed(futures)):
                p, r, figures = future.result()
                results[(p, r)] = figures
                if progress:
                    progress(k + 1, len(jobs))
    seconds = time.perf_counter() - started
    policies = [PolicyResult(pol.name, [results[(p, r)] for r in range(n)]) for p, pol in enumerate(scenario.policies)]
    return SimulationResult(scenario, n, workers, seconds, policies)
