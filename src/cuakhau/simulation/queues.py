"""The textbook queues the engine is validated on: M/M/c, and M/M/c with non-preemptive priority classes.

Each replication returns the mean wait in queue per class over the customers that arrive after the warm-up,
so the theory (:mod:`cuakhau.analytics.stats`) can be checked against a confidence interval over replications.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from cuakhau.simulation.engine import Engine, Job, Station


@dataclass(frozen=True, slots=True)
class QueueResult:
    customers: int  # customers simulated (all served: the run ends when no event is left)
    mean_waits: tuple[float, ...]  # per class, customers arriving after the warm-up
    counted: tuple[int, ...]
    waited: tuple[float, ...] = ()  # per class: the share of those customers that waited (P(wait))
    sojourns: tuple[float, ...] = ()  # per class: the mean time in system (wait + service)


def run_mmc(
    arrival_rates: Sequence[float],
    service_rate: float,
    servers: int,
    *,
    customers: int,
    warmup: int,
    seed: int,
) -> QueueResult:
    """Simulate ``customers`` arrivals of M/M/c; class ``k`` arrives at ``arrival_rates[k]`` (0 = top priority).

    With one class this is plain FIFO M/M/c. Separate seeded streams for arrivals and service times.
    """
    arrivals = random.Random(seed * 2 + 1)
    services = random.Random(seed * 2 + 2)
    total = sum(arrival_rates)
    classes = len(arrival_rates)
    cumulative = []
    acc = 0.0
    for lam in arrival_rates:
        acc += lam / total
        cumulative.append(acc)
    # expovariate inlined (the same formula as random.expovariate, so the same draws): it saves a call per draw
    rnd_a, rnd_s = arrivals.random, services.random
    log = math.log
    pick = arrivals.random
    engine = Engine()
    station = Station(
        engine,
        servers,
        lambda _: -log(1.0 - rnd_s()) / service_rate,
        None,
        priority=classes > 1,
        tally_from=warmup,
        classes=classes,
    )
    classes_n = classes
    served = [0.0] * classes_n  # service time drawn, per class, for the counted customers
    waited = [0] * classes_n
    rnd_service = station.service

    def service(job: Job) -> float:
        t = rnd_service(job)
        if job.id >= warmup:
            served[job.priority] += t
            if job.started > job.queued:
                waited[job.priority] += 1
        return t

    station.service = service
    arrive = station.arrive
    heap = engine._heap
    push = heapq.heappush

    def arrival(n: int) -> None:
        cls = 0
        if classes > 1:
            u = pick()
            while cumulative[cls] < u:
                cls += 1
        now = engine.now
        arrive(Job(n, now, cls))
        if n + 1 < customers:
            engine._seq += 1
            push(heap, (now - log(1.0 - rnd_a()) / total, engine._seq, arrival, n + 1))

    engine.after(-log(1.0 - rnd_a()) / total, arrival, 0)
    engine.run()  # until no event is left: every customer has been served
    sums, counts = station.wait_sum, station.wait_count
    nan = float("nan")
    return QueueResult(
        customers,
        tuple(s / c if c else nan for s, c in zip(sums, counts, strict=True)),
        tuple(counts),
        tuple(w / c if c else nan for w, c in zip(waited, counts, strict=True)),
        tuple((s + t) / c if c else nan for s, t, c in zip(sums, served, counts, strict=True)),
    )
