"""Install gate configurations into any database, idempotently: the reference gates — the five Vietnam–China
road gate pairs (:mod:`cuakhau.reference.gates`) with their yards and inspection resources — through
``cuakhau gates install`` (the demo installs through it too), or a configuration file through
``cuakhau gates import`` (:mod:`cuakhau.services.gate_config_file`); ``cuakhau gates export`` writes one.

Each gate and yard is compared field by field with the database: a missing one is added, one that differs is
brought to the configuration, one that matches is left as it was; the report says which, and which fields
changed. Run twice, the second run changes nothing and writes nothing. Everything is applied in one
transaction: an error anywhere and nothing is written.

What the configuration owns: a gate's country, names, counterpart, LOCODE, province, coordinates, lanes, weekly
hours, closure rules and the holiday closures they make this year and next, the inspection resources it lists,
and a yard's names, capacity and tariff. A closure the configuration lists is published when missing; a closure
published otherwise (by the board, by the counterpart) is never removed. When a gate's lanes, hours, closures or
quarantine bays change, the days already booked are re-planned and the holders of bookings that move are told,
as when a board changes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cuakhau.domain.booking import DEFAULT_RULES
from cuakhau.domain.calendar import holiday_closures
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import NotFound
from cuakhau.domain.gate import Closure, Gate
from cuakhau.domain.inspection import InspectionResource, ResourceKind, default_resource
from cuakhau.domain.yard import Yard
from cuakhau.reference.gates import reference_gates
from cuakhau.reference.yards import reference_yards
from cuakhau.services import equeue
from cuakhau.services.gate_config import GateSetup, is_generated
from cuakhau.services.inspection_queue import resource_in
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
    "closure_rules",
)
YARD_FIELDS = ("names", "capacity", "tariff")
#: Changes to these re-plan the booked days ahead (as far as the e-queue books).
CAPACITY_FIELDS = frozenset({"lanes", "opening_hours", "closures", "inspection"})
#: Who the inspection resources' rows say set them.
INSTALLER = "cuakhau:install"
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
    #: The fields that differed (``changed``); ``closures`` when closures were published or replaced,
    #: ``inspection`` when inspection resources were.
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


def reference_setups(gates: Sequence[Gate]) -> list[GateSetup]:
    """The reference gates with their yards and the quarantine bays each publishes."""
    yards = reference_yards(list(gates))
    return [
        GateSetup(
            gate,
            tuple(y for y in yards if y.gate_id == gate.id),
            (default_resource(gate, ResourceKind.QUARANTINE_BAY),),
        )
        for gate in gates
    ]


def install_reference_gates(
    uow_factory: UnitOfWorkFactory, clock: Clock, gates: Sequence[Gate] | None = None
) -> InstallReport:
    """Make the database hold ``gates`` (default: the ten reference gates) with their yards and quarantine bays,
    and the holiday closures of this year and the next, in one transaction (committed only when something was
    added or changed)."""
    if gates is None:
        year = clock.now().year
        gates = reference_gates(years=(year, year + 1))
    return install(uow_factory, clock, reference_setups(gates))


def install(uow_factory: UnitOfWorkFactory, clock: Clock, setups: Sequence[GateSetup]) -> InstallReport:
    """Make the database hold ``setups`` (see the module's docstring), in one transaction."""
    items: list[InstallItem] = []
    now = clock.now()
    with uow_factory() as uow:
        replan: list[str] = []
        for setup in setups:
            item = _install_gate(uow, setup, now)
            items.append(item)
            if item.outcome is Outcome.CHANGED and CAPACITY_FIELDS & set(item.fields):
                replan.append(setup.gate.id)
        for setup in setups:
            for yard in setup.yards:
                items.append(_install_yard(uow, yard))
        for gate_id in replan:  # after every gate is written: a re-plan reads the counterpart too
            equeue.capacity_changed(uow, clock=clock, gate_id=gate_id, start=now, end=now + REPLAN_HORIZON)
        if any(i.outcome is not Outcome.UNCHANGED for i in items):
            uow.commit()
    return InstallReport(tuple(items))


def export(uow: UnitOfWork, gate_ids: Sequence[str] = ()) -> list[GateSetup]:
    """The installed configuration of ``gate_ids`` (default: every gate), in the order given (else by id)."""
    with uow:
        gates = {g.id: g for g in uow.gates.all()}
        for gate_id in gate_ids:
            if gate_id not in gates:
                raise NotFound("gate", gate_id, field="gate")
        out: list[GateSetup] = []
        for gate_id in gate_ids or sorted(gates):
            gate = gates[gate_id]
            yards = tuple(sorted(uow.yards.for_gate(gate_id), key=lambda y: y.id))
            resources = tuple(resource_in(uow, gate, kind) for kind in ResourceKind)
            out.append(GateSetup(gate, yards, resources))
        return out


def gate_differences(installed: Gate, wanted: Gate) -> tuple[str, ...]:
    """The owned fields in which ``installed`` differs from ``wanted`` (closures apart: see :func:`_closures`)."""
    return tuple(f for f in GATE_FIELDS if getattr(installed, f) != getattr(wanted, f))


def _install_gate(uow: UnitOfWork, setup: GateSetup, now: datetime) -> InstallItem:
    years = (now.year, now.year + 1)
    gate = setup.gate
    installed = uow.gates.get(gate.id)
    if installed is None:
        fresh = replace(gate, closures=[], lanes=list(gate.lanes), closure_rules=list(gate.closure_rules))
        uow.gates.add(fresh)
        _closures(uow, fresh, gate, years)
        _inspection(uow, gate, setup.inspection, now)
        return InstallItem("gate", gate.id, Outcome.ADDED)
    fields = gate_differences(installed, gate)
    if fields:
        uow.gates.update(gate)
    if _closures(uow, installed, gate, years):
        fields += ("closures",)
    if _inspection(uow, installed, setup.inspection, now):
        fields += ("inspection",)
    return InstallItem("gate", gate.id, Outcome.CHANGED if fields else Outcome.UNCHANGED, fields)


def _key(c: Closure) -> tuple[object, ...]:
    return (c.starts_at, c.ends_at, c.kind, c.reason)


def _closures(uow: UnitOfWork, installed: Gate, wanted: Gate, years: tuple[int, ...]) -> bool:
    """Publish the closures ``wanted`` lists and the holiday closures its rules make in ``years`` (and the years of
    those it carries); replace the closures the installed rules made that the wanted ones no longer make."""
    years = tuple(sorted({*years, *(c.starts_at.year for c in wanted.closures if is_generated(c))}))
    made = {c.id: c for y in years for c in holiday_closures(wanted, y)}
    listed = [c for c in wanted.closures if not is_generated(c)]
    ours = {c.id for y in years for c in holiday_closures(installed, y)} | set(made)
    changed = False
    have: list[Closure] = []
    for c in installed.closures:
        if c.id in ours and (c.id not in made or _key(made[c.id]) != _key(c)):
            uow.gates.remove_closure(installed.id, c.id or "")
            changed = True
        else:
            have.append(c)
    keys = {_key(c) for c in have}
    for c in [*made.values(), *listed]:
        if _key(c) not in keys:
            uow.gates.add_closure(installed.id, c)
            keys.add(_key(c))
            changed = True
    return changed


def _same(a: InspectionResource, b: InspectionResource) -> bool:
    return (a.capacity, a.service_time, a.hours) == (b.capacity, b.service_time, b.hours)


def _inspection(uow: UnitOfWork, gate: Gate, resources: Sequence[InspectionResource], now: datetime) -> bool:
    changed = False
    for resource in resources:
        if _same(resource_in(uow, gate, resource.kind), resource):
            continue
        uow.inspections.save_resource(resource, at=now, by=INSTALLER)
        if resource.kind is ResourceKind.QUARANTINE_BAY:
            uow.gates.set_inspection_capacity(gate.id, resource.capacity, resource.service_time / timedelta(minutes=1))
        changed = True
    return changed


def _install_yard(uow: UnitOfWork, yard: Yard) -> InstallItem:
    installed = next((y for y in uow.yards.for_gate(yard.gate_id) if y.id == yard.id), None)
    if installed is None:
        uow.yards.add(yard)
        return InstallItem("yard", yard.id, Outcome.ADDED)
    fields = tuple(f for f in YARD_FIELDS if getattr(installed, f) != getattr(yard, f))
    if fields:
        uow.yards.update(yard)
    return InstallItem("yard", yard.id, Outcome.CHANGED if fields else Outcome.UNCHANGED, fields)
