"""Ports of gate operations: the device log, the review queue, yards and lane calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cuakhau.domain.gate import Direction
from cuakhau.domain.shipment import Perishability
from cuakhau.domain.yard import Yard, YardVisit


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """A device message as kept: what came, from where, and what it did."""

    device_id: str
    message_id: str
    gate_id: str
    kind: str
    checkpoint: str | None
    plate: str | None
    origin: str
    at: datetime
    received_at: datetime
    payload: dict[str, Any]
    outcome: str = "pending"
    trip_id: str | None = None
    detail: str | None = None
    reconciled_by: str | None = None


class DeviceLog(Protocol):
    def claim(self, record: DeviceRecord) -> bool:
        """Insert the message; ``False`` when this device sent this id before (it is then not applied again)."""
        ...

    def finish(
        self, device_id: str, message_id: str, *, outcome: str, trip_id: str | None, detail: str | None
    ) -> None: ...

    def unreconciled_manual(self, trip_id: str, checkpoint: str) -> DeviceRecord | None: ...
    def mark_reconciled(self, record: DeviceRecord, by: str) -> None: ...
    def recent(self, gate_id: str, *, limit: int, offset: int) -> tuple[list[DeviceRecord], int]: ...
    def for_trip(self, trip_id: str, *, limit: int) -> list[DeviceRecord]:
        """What devices (and officers by hand) recorded of one trip, in the order it happened."""
        ...


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """Something a device saw that a person must look at (hàng chờ xử lý / 待人工复核)."""

    id: str
    gate_id: str
    kind: str
    created_at: datetime
    detail: dict[str, Any]
    status: str = "open"
    device_id: str | None = None
    message_id: str | None = None
    checkpoint: str | None = None
    plate: str | None = None
    trip_id: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None


class ReviewQueue(Protocol):
    def add(self, item: ReviewItem) -> None: ...
    def get(self, item_id: str) -> ReviewItem | None: ...
    def resolve(self, item_id: str, *, status: str, at: datetime, by: str, resolution: str) -> bool:
        """Close an open item; ``False`` when it was no longer open."""
        ...

    def page(self, gate_id: str, status: str | None, *, limit: int, offset: int) -> tuple[list[ReviewItem], int]: ...


@dataclass(frozen=True, slots=True)
class VisitRow:
    visit: YardVisit
    entry_origin: str
    exit_origin: str | None


class YardRepository(Protocol):
    def add(self, yard: Yard) -> None: ...
    def update(self, yard: Yard) -> None: ...
    def for_gate(self, gate_id: str) -> list[Yard]: ...
    def occupancy(self, yard_id: str) -> int: ...
    def enter(self, visit: YardVisit, origin: str) -> None: ...
    def exit(self, trip_id: str, at: datetime, origin: str) -> bool: ...
    def visit(self, trip_id: str) -> VisitRow | None: ...
    def present(self, yard_id: str) -> list[VisitRow]: ...


@dataclass(frozen=True, slots=True)
class LaneCall:
    id: str
    trip_id: str
    gate_id: str
    direction: Direction
    lane: str
    position: int
    reason: str
    status: str  # called, at_lane, skipped, done
    called_at: datetime
    deadline: datetime
    at_lane_at: datetime | None = None
    closed_at: datetime | None = None


class LaneCallRepository(Protocol):
    def add(self, call: LaneCall) -> None: ...
    def open_for_trip(self, trip_id: str) -> LaneCall | None: ...
    def last_for_trip(self, trip_id: str) -> LaneCall | None: ...
    def busy_lanes(self, gate_id: str, direction: Direction) -> set[str]: ...
    def set_status(self, call_id: str, status: str, at: datetime) -> None: ...
    def expired(self, now: datetime) -> list[LaneCall]: ...
    def waiting(self, gate_id: str, direction: Direction) -> list[WaitingRow]:
        """Trucks in the yard (trip state ``arrived``) with what the call-forward rule sorts on."""
        ...

    def occupied_without_call(self, gate_id: str, direction: Direction) -> int:
        """Trucks at a lane (called or inspecting) that were put there by hand, not by a lane call."""
        ...


@dataclass(frozen=True, slots=True)
class WaitingRow:
    trip_id: str
    shipment_id: str
    perishability: Perishability | None  # from the booking; None: read the shipment
    slot_start: datetime | None
    entered_at: datetime | None
    last_skip_at: datetime | None
    arrived_at: datetime
