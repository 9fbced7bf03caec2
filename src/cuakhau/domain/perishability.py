"""Perishability — mức độ dễ hư hỏng / 易腐等级: how fast goods lose value while a truck waits, described once.

Each class has one :class:`PerishabilityProfile` holding everything the
platform does with it:

- the booking planner's **weight** (trọng số / 权重): what a slot of waiting costs in the plan, which truck a
  freed place goes to, and the call-forward order in the yard and in an inspection queue (the published rule
  uses the same weights everywhere);
- whether it is **perishable** (hàng dễ hư hỏng / 易腐货物): a perishable lane (luồng xanh nông sản / 果蔬绿色通道)
  calls it first, and a booking of it that finds no room re-plans the day at once;
- the **urgency** order, the declaration order of :class:`Perishability` (most urgent first): a shipment is of
  its most urgent line's class;
- the **wait bound** (ngưỡng chờ / 等待上限) past which the gate dashboard flags a truck that arrived;
- the customs selectivity's default **risk** of the class (biosecurity and spoilage fraud);
- the simulator's default **spoilage**: the share of the cargo's value lost per hour it waits;
- the **label**: one page-catalog msgid (English) per class, translated in the vi, zh and en catalogs
  (``adapters/web/locale/<lang>/LC_MESSAGES/messages.po``).

A new class is a member of :class:`Perishability` and a profile in :data:`PROFILES`, both here, plus its label in
the three catalogs; ``tests/unit/test_perishability.py`` checks that every class is complete and that a new one
reaches every consumer. No other module keeps a table by class: they read :data:`PROFILES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from itertools import pairwise
from types import MappingProxyType

#: The widest class value storage and the exchange take (the ``perishability`` columns are ``String(16)``).
MAX_VALUE_LENGTH = 16


class Perishability(StrEnum):
    """How fast the goods lose value while a truck waits; declared from most to least urgent."""

    LIVE_ANIMALS = "live_animals"  # động vật sống / 活动物
    FRESH_PRODUCE = "fresh_produce"  # fresh fruit and vegetables — rau quả tươi / 鲜果蔬
    CHILLED = "chilled"  # ướp lạnh / 冷藏
    FROZEN = "frozen"  # đông lạnh / 冷冻
    DRY_GOODS = "dry_goods"  # hàng khô / 干货

    @property
    def urgency(self) -> int:
        """Lower is more urgent (for sorting): the declaration order."""
        return list(Perishability).index(self)


@dataclass(frozen=True, slots=True)
class PerishabilityProfile:
    """Everything the platform does with one perishability class (see the module docstring)."""

    kind: Perishability
    #: The booking planner's cost of one slot of waiting (≥ 1); also the call-forward and inspection order.
    weight: int
    #: Perishable lanes take it first; a booking of it that finds no room re-plans the day.
    perishable: bool
    #: A truck at the gate longer than this since it arrived is flagged on the dashboard.
    wait_bound: timedelta
    #: The customs selectivity's default risk of the class, in [0, 1].
    customs_risk: float
    #: The simulator's default share of the cargo's value lost per hour of waiting, in [0, 1].
    spoil_per_hour: float
    #: The page-catalog msgid of the class's name (English; vi and zh in the catalogs).
    label: str

    @property
    def urgency(self) -> int:
        """0 = the most urgent class: the declaration order of :class:`Perishability`."""
        return self.kind.urgency


def build_profiles(profiles: Iterable[PerishabilityProfile]) -> Mapping[Perishability, PerishabilityProfile]:
    """The registry of ``profiles`` by class, refused (``ValueError``) unless it describes every class exactly
    once and consistently: weight falls strictly with urgency (so a shipment's most urgent line is also its
    heaviest), figures in range, labels distinct."""
    members = list(Perishability)
    by_kind: dict[Perishability, PerishabilityProfile] = {}
    for p in profiles:
        if p.kind in by_kind:
            raise ValueError(f"perishability {p.kind.value!r} has two profiles")
        by_kind[p.kind] = p
    missing = [k.value for k in members if k not in by_kind]
    extra = [k.value for k in by_kind if k not in members]
    if missing or extra:
        raise ValueError(f"perishability profiles missing {missing}, not a class {extra}")
    ordered = [by_kind[k] for k in members]
    for p in ordered:
        checks = {
            "weight below 1": p.weight < 1,
            "wait bound not positive": p.wait_bound <= timedelta(0),
            "customs risk outside [0, 1]": not 0.0 <= p.customs_risk <= 1.0,
            "spoilage outside [0, 1]": not 0.0 <= p.spoil_per_hour <= 1.0,
            "empty label": not p.label.strip(),
            f"value longer than {MAX_VALUE_LENGTH}": len(p.kind.value) > MAX_VALUE_LENGTH,
        }
        problems = [message for message, failed in checks.items() if failed]
        if problems:
            raise ValueError(f"perishability {p.kind.value!r}: {', '.join(problems)}")
    if any(a.weight <= b.weight for a, b in pairwise(ordered)):
        raise ValueError("perishability weights must fall strictly with urgency")
    if len({p.label for p in ordered}) != len(ordered):
        raise ValueError("perishability labels must differ")
    return MappingProxyType({p.kind: p for p in ordered})


_H = timedelta(hours=1)

#: The published profile of every class (by class, in urgency order).
PROFILES: Mapping[Perishability, PerishabilityProfile] = build_profiles(
    (
        PerishabilityProfile(
            Perishability.LIVE_ANIMALS,
            weight=10,
            perishable=True,
            wait_bound=1 * _H,
            customs_risk=0.9,
            spoil_per_hour=0.01,
            label="live animals",
        ),
        PerishabilityProfile(
            Perishability.FRESH_PRODUCE,
            weight=8,
            perishable=True,
            wait_bound=2 * _H,
            customs_risk=0.4,
            spoil_per_hour=0.005,
            label="fresh produce",
        ),
        PerishabilityProfile(
            Perishability.CHILLED,
            weight=5,
            perishable=True,
            wait_bound=2 * _H,
            customs_risk=0.5,
            spoil_per_hour=0.002,
            label="chilled",
        ),
        PerishabilityProfile(
            Perishability.FROZEN,
            weight=3,
            perishable=True,
            wait_bound=4 * _H,
            customs_risk=0.4,
            spoil_per_hour=0.0005,
            label="frozen",
        ),
        PerishabilityProfile(
            Perishability.DRY_GOODS,
            weight=1,
            perishable=False,
            wait_bound=6 * _H,
            customs_risk=0.1,
            spoil_per_hour=0.0,
            label="dry goods",
        ),
    )
)


def profile(kind: Perishability) -> PerishabilityProfile:
    """The profile of ``kind``."""
    return PROFILES[kind]
