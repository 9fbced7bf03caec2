"""Simulation speed: the same M/M/c queue (c = 8, load 0.9) in cuakhau's engine and in SimPy, then the full gate
model (a year of the five gate pairs) with replications on all cores.

    .venv/bin/python benchmarks/simulation.py [--customers 200000] [--replications 5] [--year-replications 20]

The targets are timed on the compiled build (``hatch_build.py``: mypyc compiles the production policies and the
simulator from the same source), installed beside the editable one:

    python3 -m venv .venv-compiled && CUAKHAU_COMPILE=1 .venv-compiled/bin/pip install '.[test]'
    .venv-compiled/bin/python benchmarks/simulation.py --customers 200000 --replications 10 --year-replications 20

The year's line gives the wall time and the CPU time the run took (its own and its workers'): on a machine shared
with other work the CPU time divided by the cores is what the run would take on free cores.

Not a test: figures go to docs/benchmarks.md with the command that produced them.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import time
from importlib import resources

import simpy

from cuakhau.analytics.stats import mean_ci, mmc_wait
from cuakhau.simulation.queues import run_mmc
from cuakhau.simulation.runner import run_scenario
from cuakhau.simulation.scenario import parse_scenario

SERVERS, MU = 8, 1.0
LAM = 0.9 * SERVERS * MU


def simpy_mmc(customers: int, warmup: int, seed: int) -> float:
    """Mean wait in queue of M/M/8 in SimPy, written the usual way (a process per customer)."""
    arrivals, services = random.Random(seed * 2 + 1), random.Random(seed * 2 + 2)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    total = [0.0, 0]

    def customer(n: int):  # type: ignore[no-untyped-def]
        arrived = env.now
        with servers.request() as req:
            yield req
            if n >= warmup:
                total[0] += env.now - arrived
                total[1] += 1
            yield env.timeout(services.expovariate(MU))

    def source():  # type: ignore[no-untyped-def]
        for n in range(customers):
            yield env.timeout(arrivals.expovariate(LAM))
            env.process(customer(n))

    env.process(source())
    env.run()
    return total[0] / total[1]


def mmc(customers: int, replications: int) -> None:
    """Both engines on the same seeds, interleaved (the machine is shared: interleaving spreads the noise
    evenly); customers/s from the fastest and the median replication."""
    theory = mmc_wait(LAM, MU, SERVERS)
    print(
        f"M/M/{SERVERS}, load 0.9, {customers:,} customers x {replications} replications, cuakhau {compiled()}; "
        f"Erlang C Wq = {theory:.4f}"
    )
    engines = {
        "cuakhau": lambda s: run_mmc(
            [LAM], MU, SERVERS, customers=customers, warmup=customers // 20, seed=s
        ).mean_waits[0],
        "simpy": lambda s: simpy_mmc(customers, customers // 20, s),
    }
    times: dict[str, list[float]] = {name: [] for name in engines}
    waits: dict[str, list[float]] = {name: [] for name in engines}
    for r in range(replications):
        for name, fn in engines.items():
            start = time.perf_counter()
            waits[name].append(fn(1000 + r))
            times[name].append(time.perf_counter() - start)
    for name in engines:
        e = mean_ci(waits[name])
        best, median = min(times[name]), statistics.median(times[name])
        print(
            f"  {name:8s} {customers / best:>10,.0f} customers/s best, {customers / median:>10,.0f} median"
            f"   Wq {e.mean:.4f} ± {e.half:.4f} (theory inside: {e.covers(theory)})"
        )
    ratio = min(times["simpy"]) / min(times["cuakhau"])
    ratio_median = statistics.median(times["simpy"]) / statistics.median(times["cuakhau"])
    print(f"  cuakhau / simpy: {ratio:.1f}x (best), {ratio_median:.1f}x (median)")


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the pool's workers, once joined)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def compiled() -> str:
    """Whether the model runs compiled (``CUAKHAU_COMPILE=1 pip install .``, see hatch_build.py) or as Python."""
    from cuakhau.simulation import gatemodel

    return "compiled (mypyc)" if gatemodel.__file__.endswith((".so", ".pyd")) else "pure Python"


def year(replications: int) -> None:
    text = (resources.files("cuakhau.simulation") / "scenarios" / "five-gates-year.yaml").read_text("utf-8")
    scenario = parse_scenario(text).scenario
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), _cpu()
    result = run_scenario(scenario, replications=replications)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    trucks = sum(
        r["arrivals_per_day"] * (scenario.days - scenario.warmup_days) for r in result.policies[0].replications
    )
    p = result.policies[0]
    print(
        f"five gate pairs, {scenario.days} days x {replications} replications on {result.workers} processes, "
        f"{compiled()}: "
        f"{seconds:.1f} s, {trucks:,.0f} trucks ({trucks / seconds:,.0f} trucks/s); "
        f"throughput {p.estimate('throughput_per_day').mean:,.0f} ± {p.estimate('throughput_per_day').half:,.0f} a day"
    )
    # On a shared machine the wall time counts the other work too; the CPU time is this benchmark's own.
    print(
        f"  CPU {cpu:.1f} s ({cpu / replications:.2f} s a replication, {cpu / trucks * 1e6:.1f} µs a truck): "
        f"{cpu / result.workers:.1f} s on {result.workers} free cores; "
        f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--year-replications", type=int, default=20)
    args = parser.parse_args()
    mmc(args.customers, args.replications)
    if args.year_replications:
        year(args.year_replications)


if __name__ == "__main__":
    main()
