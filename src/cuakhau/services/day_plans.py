"""A gate day as the public and the gate staff read it: its hourly slots with what remains, and its bookings.

A day may be read from the kept history up to the last bookable day (``domain.timebounds``). Its slot rows are
made the first time it is read (``equeue.ensure_slots``); for the public, only for the days that can still be
booked, so an anonymous caller cannot fill the table by asking for every date there is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from cuakhau.domain import timebounds
from cuakhau.domain.booking import DEFAULT_RULES, Booking
from cuakhau.domain.capacity import day_bounds
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import require
from cuakhau.domain.gate import Direction, Gate
from cuakhau.services import equeue
from cuakhau.services.equeue.remaining import SlotLeft, day_remaining
from cuakhau.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One gate day in one direction: its slots in time order, with what remains as booking finds it
    (``equeue.remaining``), and its open bookings (the waiting list too)."""

    gate: Gate
    direction: Direction
    day: date
    slots: list[SlotLeft]
    bookings: list[Booking]


def _gate_and_day(uow: UnitOfWork, clock: Clock, gate_id: str, day: date) -> tuple[Gate, date]:
    """Inside an open unit of work: the gate, and its local today once ``day`` is known to be readable."""
    gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
    today = gate.local(clock.now()).date()
    timebounds.check_readable_day(day, today=today, horizon=DEFAULT_RULES.horizon)
    return gate, today


def public_slots(
    uow: UnitOfWork, *, clock: Clock, gate_id: str, direction: str, day: date
) -> tuple[Gate, list[SlotLeft]]:
    """A day's slots with capacity and what remains (``equeue.remaining``: the figures booking applies), for
    anyone; rows are made only for bookable days."""
    flow = parse_enum(Direction, direction, field="direction")
    with uow:
        gate, today = _gate_and_day(uow, clock, gate_id, day)
        if today - timedelta(days=1) <= day <= today + DEFAULT_RULES.horizon + timedelta(days=1):
            equeue.ensure_slots(uow, gate, flow, [day])
        rows = day_remaining(uow, gate, flow, day, clock.now())
        uow.commit()
    return gate, rows


def day_bookings(
    uow: UnitOfWork, *, clock: Clock, gate_id: str, direction: str, day: date
) -> tuple[Gate, list[Booking]]:
    """A day's open bookings (placed and waiting), for the gate's staff."""
    flow = parse_enum(Direction, direction, field="direction")
    with uow:
        gate, _ = _gate_and_day(uow, clock, gate_id, day)
        return gate, uow.bookings.open_for_window(gate.id, flow, *day_bounds(gate, day))


def day_plan(uow: UnitOfWork, *, clock: Clock, gate_id: str, direction: str, day: date) -> DayPlan:
    """A readable day's slots (made if missing) and open bookings, for an operator."""
    flow = parse_enum(Direction, direction, field="direction")
    with uow:
        gate, _ = _gate_and_day(uow, clock, gate_id, day)
        equeue.ensure_slots(uow, gate, flow, [day])
        slots = day_remaining(uow, gate, flow, day, clock.now())
        bookings = uow.bookings.open_for_window(gate.id, flow, *day_bounds(gate, day))
        uow.commit()
    return DayPlan(gate, flow, day, slots, bookings)
