"""Bookings — đặt chỗ / 预约 — of a truck into an hourly slot, and the published rules around them.

A booking is bound to the trip's plate, driver and declaration: it cannot be transferred or resold. The
published rules (``BookingRules``) say how wide a window may be, how often a booking may be changed, the grace
period after a slot before a truck is a no-show, and the penalty for repeated no-shows. Dispatch gating
(``dispatch_problems``) says whether a truck may leave its origin now, and if not, every reason why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cuakhau.domain.clock import ensure_utc
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.gate import Direction
from cuakhau.domain.shipment import Perishability, Shipment


class BookingStatus(StrEnum):
    ACTIVE = "active"  # holds a slot
    WAITING = "waiting"  # on the waiting list: no slot with room in its window yet
    CANCELLED = "cancelled"
    USED = "used"  # the truck arrived
    NO_SHOW = "no_show"


OPEN_STATUSES = frozenset({BookingStatus.ACTIVE, BookingStatus.WAITING})


@dataclass(frozen=True, slots=True)
class BookingRules:
    """The published booking rules of a gate (defaults are the platform's; a board may publish others)."""

    max_window: timedelta = timedelta(hours=48)
    min_window: timedelta = timedelta(hours=1)
    horizon: timedelta = timedelta(days=14)  # how far ahead a slot may be booked
    max_changes: int = 3  # reschedules allowed per booking
    no_show_grace: timedelta = timedelta(hours=2)
    #: A truck may leave its origin at most this long before it must leave to make its slot.
    early_departure_tolerance: timedelta = timedelta(hours=2)
    #: Penalty: this many no-shows within ``penalty_period`` suspend the enterprise's booking for ``suspension``.
    penalty_no_shows: int = 3
    penalty_period: timedelta = timedelta(days=30)
    suspension: timedelta = timedelta(days=7)
    #: Fairness bound: no truck waits more hours than this past its earliest arrival while capacity allows.
    max_wait_hours: int = 12

    def as_dict(self) -> dict[str, Any]:
        return {
            "max_window_hours": self.max_window / timedelta(hours=1),
            "min_window_hours": self.min_window / timedelta(hours=1),
            "horizon_days": self.horizon / timedelta(days=1),
            "max_changes": self.max_changes,
            "no_show_grace_minutes": self.no_show_grace / timedelta(minutes=1),
            "early_departure_tolerance_minutes": self.early_departure_tolerance / timedelta(minutes=1),
            "penalty_no_shows": self.penalty_no_shows,
            "penalty_period_days": self.penalty_period / timedelta(days=1),
            "suspension_days": self.suspension / timedelta(days=1),
            "max_wait_hours": self.max_wait_hours,
        }


DEFAULT_RULES = BookingRules()


def check_window(earliest: datetime, latest: datetime, now: datetime, rules: BookingRules) -> tuple[datetime, datetime]:
    earliest = ensure_utc(earliest, field="earliest")
    latest = ensure_utc(latest, field="latest")
    if latest <= earliest:
        raise InvalidInput("time.end_before_start", field="latest")
    if latest - earliest < rules.min_window:
        raise InvalidInput("booking.window_too_narrow", field="latest", min_hours=rules.as_dict()["min_window_hours"])
    if latest - earliest > rules.max_window:
        raise InvalidInput("booking.window_too_wide", field="latest", max_hours=rules.as_dict()["max_window_hours"])
    if latest <= now:
        raise InvalidInput("booking.window_in_past", field="latest")
    if earliest > now + rules.horizon:
        raise InvalidInput("booking.too_far_ahead", field="earliest", days=rules.as_dict()["horizon_days"])
    return earliest, latest


@dataclass(slots=True)
class Booking:
    id: str
    trip_id: str
    vehicle_id: str
    driver_id: str
    shipment_id: str
    enterprise_id: str
    gate_id: str
    direction: Direction
    earliest: datetime
    latest: datetime
    travel_minutes: int
    perishability: Perishability
    needs_inspection: bool
    requested_seq: int
    status: BookingStatus = BookingStatus.WAITING
    slot_start: datetime | None = None
    rule: str | None = None
    reason: str | None = None
    reason_params: Mapping[str, Any] = field(default_factory=dict)
    changes: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def slot_end(self) -> datetime | None:
        return self.slot_start + timedelta(hours=1) if self.slot_start else None

    def must_leave_by(self) -> datetime | None:
        """The latest departure from the origin that still makes the slot."""
        return self.slot_start - timedelta(minutes=self.travel_minutes) if self.slot_start else None


@dataclass(frozen=True, slots=True)
class DispatchProblem:
    code: str
    field: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def dispatch_problems(
    booking: Booking | None,
    shipment: Shipment,
    *,
    now: datetime,
    rules: BookingRules,
    registered: Callable[[str, str], bool],
) -> list[DispatchProblem]:
    """Every reason a truck may not leave its origin now; empty when it may.

    ``registered(kind, code)`` answers whether a planting-area or packing-house code is in the importable
    registry and active.
    """
    problems: list[DispatchProblem] = []
    if booking is None or booking.status is not BookingStatus.ACTIVE or booking.slot_start is None:
        problems.append(DispatchProblem("dispatch.no_slot", "booking"))
    else:
        leave_by = booking.must_leave_by()
        assert leave_by is not None
        earliest_departure = leave_by - rules.early_departure_tolerance
        if now < earliest_departure:
            problems.append(
                DispatchProblem(
                    "dispatch.too_early",
                    "booking.slot_start",
                    {"slot_start": booking.slot_start.isoformat(), "leave_after": earliest_departure.isoformat()},
                )
            )
        if booking.slot_end is not None and now > booking.slot_end + rules.no_show_grace:
            problems.append(DispatchProblem("dispatch.slot_missed", "booking.slot_start"))
    if shipment.plant_product:
        if not shipment.phytosanitary_certificate_no:
            problems.append(DispatchProblem("dispatch.no_phytosanitary_certificate", "phytosanitary_certificate_no"))
        for i, line in enumerate(shipment.lines):
            if line.hs.chapter not in {"07", "08"}:
                continue  # registered orchards and packing houses are required for fresh fruit and vegetables
            for kind, code, missing, unregistered in (
                (
                    "planting_area",
                    line.planting_area_code,
                    "dispatch.no_planting_area_code",
                    "dispatch.unregistered_planting_area",
                ),
                (
                    "packing_house",
                    line.packing_house_code,
                    "dispatch.no_packing_house_code",
                    "dispatch.unregistered_packing_house",
                ),
            ):
                if code is None:
                    problems.append(DispatchProblem(missing, f"lines[{i}].{kind}_code"))
                elif not registered(kind, code):
                    problems.append(DispatchProblem(unregistered, f"lines[{i}].{kind}_code", {"value": code}))
    return problems


def suspended_until(no_shows: list[datetime], now: datetime, rules: BookingRules) -> datetime | None:
    """Under the penalty rule, until when an enterprise with these no-show times may not book (or None)."""
    recent = sorted(t for t in no_shows if now - t <= rules.penalty_period + rules.suspension)
    for i in range(len(recent) - rules.penalty_no_shows + 1):
        window = recent[i : i + rules.penalty_no_shows]
        if window[-1] - window[0] <= rules.penalty_period:
            until = window[-1] + rules.suspension
            if until > now:
                return until
    return None
