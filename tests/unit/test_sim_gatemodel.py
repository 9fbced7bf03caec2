"""The gate model on the production policies: deterministic, directionally right, and faithful to call-forward."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cuakhau.domain.allocation import OptimalPlanner, Plan, Problem
from cuakhau.domain.callforward import Waiting, assign_lanes
from cuakhau.domain.gate import Lane, LaneKind
from cuakhau.domain.shipment import Perishability
from cuakhau.simulation import gatemodel
from cuakhau.simulation.gatemodel import sampler, simulate
from cuakhau.simulation.runner import run_scenario
from cuakhau.simulation.scenario import Booking, Distribution, Scenario, parse_scenario

BASE = """\
name: test gate
start: 2026-06-01
days: 4
warmup_days: 1
seed: 11
gates:
  - gate: vn-tan-thanh
    quota: {hourly: 20}
    yard_capacity: 150
    inspection_bays: 10
    officers: {documents: 4, customs: 2, quarantine: 4}
    arrivals:
      per_day: 400
      cargo:
        - {name: dragon fruit, hs: "081090", share: 0.7}
        - {name: cassava chips, hs: "071410", share: 0.3, perishability: dry_goods}
stages:
  quarantine: {distribution: exponential, mean_minutes: 8}
policies:
  - {name: status quo, booking: none, call_forward: arrival_order}
  - {name: perishables first, booking: none}
  - {name: booking, booking: optimal}
  - {name: open to 22, booking: none, hours: {opens: "07:00", closes: "22:00"}}
  - {name: fcfs booking, booking: fcfs}
"""


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    """Equal figures, NaN (a class none of which crossed) equal to NaN: the compiled build boxes each NaN anew,
    so ``==`` on the dicts, which takes the same NaN object as equal, fails there."""
    return a.keys() == b.keys() and all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return parse_scenario(BASE).scenario


@pytest.fixture(scope="module")
def results(scenario: Scenario) -> dict[str, dict[str, float]]:
    return {p.name: simulate(scenario, p, 0) for p in scenario.policies}


def test_same_seed_same_figures(scenario: Scenario, results: dict[str, dict[str, float]]) -> None:
    again = simulate(scenario, scenario.policies[0], 0)
    assert _same(again, results["status quo"])
    other = simulate(scenario, scenario.policies[0], 1)
    assert not _same(other, again)


def test_the_counterparts_quota_caps_throughput(results: dict[str, dict[str, float]]) -> None:
    # 20 an hour over the 12 hours both sides are open
    for name in ("status quo", "perishables first"):
        assert results[name]["throughput_per_day"] <= 20 * 12
        assert results[name]["throughput_per_day"] > 20 * 12 * 0.9  # overloaded: the quota binds
    assert results["open to 22"]["throughput_per_day"] > results["status quo"]["throughput_per_day"] * 1.15


def test_booking_moves_the_queue_off_the_road(results: dict[str, dict[str, float]]) -> None:
    assert results["status quo"]["road_queue"] > 50
    assert results["booking"]["road_queue"] == 0
    # the yard holds booked trucks for the two hours of their dispatch window and the standby list, no queue
    assert results["booking"]["yard_occupancy"] < results["status quo"]["yard_occupancy"] / 2
    assert results["booking"]["wait_mean_h.booking"] > 0
    assert results["booking"]["spoilage_usd_per_day"] < results["status quo"]["spoilage_usd_per_day"]


def test_perishables_first_shortens_the_lane_wait_of_fruit(results: dict[str, dict[str, float]]) -> None:
    assert results["perishables first"]["spoilage_usd_per_day"] < results["status quo"]["spoilage_usd_per_day"]


def test_customs_channels_track_the_targets(results: dict[str, dict[str, float]]) -> None:
    r = results["booking"]
    assert r["channel_share.red"] == pytest.approx(0.05, abs=0.03)
    assert r["channel_share.yellow"] == pytest.approx(0.15, abs=0.05)


def test_parallel_replications_equal_serial(scenario: Scenario) -> None:
    small = scenario.model_copy(update={"policies": scenario.policies[:2]})
    serial = run_scenario(small, replications=2, workers=1)
    parallel = run_scenario(small, replications=2, workers=2)
    # compared as text: a class with no truck reports NaN, which equals nothing (not even itself across processes)
    assert repr([p.replications for p in serial.policies]) == repr([p.replications for p in parallel.policies])
    e = serial.policies[0].estimate("throughput_per_day")
    assert e.n == 2 and e.half >= 0
    assert serial.to_dict()["policies"][1]["metrics"]["throughput_per_day"]["vs_first"] is not None


class PerRequestOptimal:
    """The optimal planner seen only through its per-request ``plan`` (the model then builds a Request each)."""

    name = "optimal"

    def plan(self, problem: Problem, *, explain: bool = True) -> Plan:
        return OptimalPlanner().plan(problem, explain=explain)


class SortedYard:
    """The yard as a list of Waiting handed whole to ``assign_lanes`` on every call (the production service's
    way), standing in for the model's CallQueue."""

    def __init__(self, far: float) -> None:
        self.waiting: dict[str, tuple[Waiting, Any]] = {}

    def __len__(self) -> int:
        return len(self.waiting)

    def __iter__(self) -> Iterator[Any]:
        return (item for _, item in self.waiting.values())

    def push(self, trip_id: str, perishability: Perishability, slot: float | None, since: float, item: Any) -> None:
        at = None if slot is None else EPOCH + timedelta(seconds=slot)
        self.waiting[trip_id] = (Waiting(trip_id, perishability, at, EPOCH + timedelta(seconds=since)), item)

    def call(self, lanes: list[Lane], limit: int | None = None) -> list[tuple[Lane, Any]]:
        chosen = sorted(lanes, key=lambda ln: (ln.kind is not LaneKind.PERISHABLE, ln.code))[:limit]
        by_code = {ln.code: ln for ln in chosen}
        calls = assign_lanes([w for w, _ in self.waiting.values()], chosen, explain=False)
        return [(by_code[c.lane], self.waiting.pop(c.trip_id)[1]) for c in calls]


EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def test_grouped_booking_and_the_call_queue_give_the_figures_of_the_per_truck_policies(
    scenario: Scenario, results: dict[str, dict[str, float]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model books the optimal planner's trucks as groups and keeps the yard in a CallQueue; with the
    planner's per-request ``plan`` and ``assign_lanes`` on the whole yard instead, every figure is the same."""
    monkeypatch.setitem(gatemodel.PLANNERS, Booking.OPTIMAL, PerRequestOptimal)
    monkeypatch.setattr(gatemodel, "CallQueue", SortedYard)
    for name in ("booking", "perishables first", "fcfs booking"):
        policy = next(p for p in scenario.policies if p.name == name)
        assert _same(simulate(scenario, policy, 0), results[name])


def test_the_counterparts_own_hours_limit_the_lanes(scenario: Scenario) -> None:
    """Pò Chài opening only 10:00–16:00 on its clock (09:00–15:00 in Vietnam) leaves 6 hours of crossings."""
    short = parse_scenario(
        BASE.replace(
            "    yard_capacity: 150", '    yard_capacity: 150\n    counterpart_hours: {opens: "10:00", closes: "16:00"}'
        )
    ).scenario
    r = simulate(short, short.policies[0], 0)
    assert r["throughput_per_day"] <= 20 * 6
    assert r["throughput_per_day"] > 20 * 6 * 0.9


@pytest.mark.parametrize(
    ("dist", "draw"),
    [
        (Distribution(distribution="exponential", mean_minutes=7), lambda r: r.expovariate(1 / 420)),
        (
            Distribution(distribution="lognormal", mean_minutes=8, sd_minutes=4),
            lambda r: r.lognormvariate(math.log(480) - math.log(1.25) / 2, math.sqrt(math.log(1.25))),
        ),
    ],
)
def test_samplers_draw_what_python_draws(dist: Distribution, draw: Callable[[random.Random], float]) -> None:
    """The samplers write Python's expovariate and lognormvariate out: the same draws on the same stream."""
    mine, theirs = random.Random(5), random.Random(5)
    sample = sampler(dist, mine)
    assert [sample(None) for _ in range(20_000)] == [draw(theirs) for _ in range(20_000)]
    assert mine.getstate() == theirs.getstate()
