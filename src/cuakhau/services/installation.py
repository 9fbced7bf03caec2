"""Install the reference gates: the five Vietnam–China road gate pairs (:mod:`cuakhau.reference.gates`) and
their yards, into any database, idempotently (``cuakhau gates install``; the demo installs through it too).

Each gate and yard is compared field by field with the database: a missing one is added, one that differs is
brought to the reference, one that matches is left as it was; the report says which, and which fields changed.
Run twice, the second run changes nothing and writes nothing.

What the install owns: a gate's country, names, counterpart, LOCODE, province, coordinates, lanes and weekly
hours, the holiday closures of the reference years, and a yard's names, capacity and tariff. What it leaves to
the gate's board: the inspection capacity (published through the inspection resources), and every closure it
did not publish (a closure is never removed by the install). When an installed gate's lanes, hours or closures
change, the days already booked are re-planned and the holders of bookings that move are told, as when a board
changes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from cuakhau.domain.booking import DEFAULT_RULES
from cuakhau.domain.clock import Clock
from cuakhau.domain.gate import Closure, Gate
from cuakhau.domain.yard import Yard
from cuakhau.reference.gates import reference_gates
from cuakhau.reference.yards import reference_yards
from cuakhau.services import equeue
from cuakhau.services.ports import UnitOfWork, UnitOfWorkFactory

#: The fields of a gate the install compares and owns, in the order the report lists them.
GATE_FIELDS = (
    "country",
    "names",
    "counterpart_id",
    "locode",
    "province",
    "latitude",
    "longitude",
    "lanes",
    "opening_hours",
)
YARD_FIELDS = ("names", "capacity", "tariff")
#: Changes to these re-plan the booked days ahead (as far as the e-queue books).
CAPACITY_FIELDS = frozenset({"lanes", "opening_hours", "closures"})
REPLAN_HORIZON = DEFAULT_RULES.horizon + timedelta(days=1)


class Outcome(StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class InstallItem:
    kind: str  # gate, yard
    id: str
    outcome: Outcome
    #: The fields that differed (``changed``); ``closures`` when reference closures were missing.
    fields: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "outcome": self.outcome.value, "fields": list(self.fields)}


@dataclass(frozen=True, slots=True)
class InstallReport:
    items: tuple[InstallItem, ...] = field(default_factory=tuple)

    def count(self, outcome: Outcome, kind: str | None = None) -> int:
        return sum(1 for i in self.items if i.outcome is outcome and (kind is None or i.kind == kind))

    @property
    def added(self) -> int:
        return self.count(Outcome.ADDED)

    @property
    def changed(self) -> int:
        return self.count(Outcome.CHANGED)

    @property
    def unchanged(self) -> int:
        return self.count(Outcome.UNCHANGED)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "items": [i.as_dict() for i in self.items],
        }


def install_reference_gates(
    uow_factory: UnitOfWorkFactory, clock: Clock, gates: Sequence[Gate] | None = None
) -> InstallReport:
    """Make the database hold ``gates`` (default: the ten reference gates with the closures of this year and the
    next) and their reference yards, in one transaction; committed only when something was added or changed."""
    if gates is None:
        year = clock.now().year
        gates = reference_gates(years=(year, year + 1))
    items: list[InstallItem] = []
    with uow_factory() as uow:
        replan: list[str] = []
        for gate in gates:
            item = _install_gate(uow, gate)
            items.append(item)
            if item.outcome is Outcome.CHANGED and CAPACITY_FIELDS & set(item.fields):
                replan.append(gate.id)
        for yard in reference_yards(list(gates)):
            items.append(_install_yard(uow, yard))
        now = clock.now()
        for gate_id in replan:  # after every gate is written: a re-plan reads the counterpart too
            equeue.capacity_changed(uow, clock=clock, gate_id=gate_id, start=now, end=now + REPLAN_HORIZON)
        if any(i.outcome is not Outcome.UNCHANGED for i in items):
            uow.commit()
    return InstallReport(tuple(items))


def gate_differences(installed: Gate, wanted: Gate) -> tuple[str, ...]:
    """The owned fields in which ``installed`` differs from ``wanted`` (closures apart: see :func:`_missing`)."""
    return tuple(f for f in GATE_FIELDS if getattr(installed, f) != getattr(wanted, f))


def _install_gate(uow: UnitOfWork, gate: Gate) -> InstallItem:
    installed = uow.gates.get(gate.id)
    if installed is None:
        uow.gates.add(gate)
        return InstallItem("gate", gate.id, Outcome.ADDED)
    fields = gate_differences(installed, gate)
    if fields:
        uow.gates.update(gate)
    missing = _missing(installed.closures, gate.closures)
    for closure in missing:
        uow.gates.add_closure(gate.id, closure)
    if missing:
        fields += ("closures",)
    return InstallItem("gate", gate.id, Outcome.CHANGED if fields else Outcome.UNCHANGED, fields)


def _missing(installed: Sequence[Closure], wanted: Sequence[Closure]) -> list[Closure]:
    """The wanted closures not published yet (same times, kind and reason; the id is the database's)."""
    have = {(c.starts_at, c.ends_at, c.kind, c.reason) for c in installed}
    return [c for c in wanted if (c.starts_at, c.ends_at, c.kind, c.reason) not in have]


def _install_yard(uow: UnitOfWork, yard: Yard) -> InstallItem:
    installed = next((y for y in uow.yards.for_gate(yard.gate_id) if y.id == yard.id), None)
    if installed is None:
        uow.yards.add(yard)
        return InstallItem("yard", yard.id, Outcome.ADDED)
    fields = tuple(f for f in YARD_FIELDS if getattr(installed, f) != getattr(yard, f))
    if fields:
        uow.yards.update(yard)
    return InstallItem("yard", yard.id, Outcome.CHANGED if fields else Outcome.UNCHANGED, fields)
