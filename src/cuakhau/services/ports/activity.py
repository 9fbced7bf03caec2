"""Port of the read side of boards and dashboards: what is at a gate now and what crossed lately."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cuakhau.domain.gate import Direction
from cuakhau.domain.parties import VehicleWarning
from cuakhau.domain.shipment import Perishability
from cuakhau.domain.trip import TripState


@dataclass(frozen=True, slots=True)
class PresentTrip:
    """A truck at (or on its way to) a gate, with what a dashboard shows about it."""

    trip_id: str
    direction: Direction
    state: TripState
    plate: str
    perishability: Perishability
    exporter_id: str
    since: datetime  # when it entered its current state
    arrived_at: datetime | None  # when it last arrived at the gate (yard entry)
    last_role: str  # the role that took the last step (who holds a held truck)
    last_reason: str | None
    vehicle_warnings: tuple[VehicleWarning, ...] = ()  # what an officer should check about the truck


@dataclass(frozen=True, slots=True)
class CrossingRow:
    trip_id: str
    direction: Direction
    crossed_at: datetime
    arrived_at: datetime | None


@dataclass(frozen=True, slots=True)
class OpenCall:
    lane: str
    direction: Direction
    trip_id: str
    plate: str
    status: str  # called, at_lane
    called_at: datetime
    deadline: datetime
    vehicle_warnings: tuple[VehicleWarning, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """A hotline incident at a gate not yet acknowledged (either side raised it)."""

    id: str
    origin: str  # 'self' or the peer that raised it
    kind: str
    severity: str
    summary: str
    trip_ref: str | None
    raised_at: datetime
    ack_due_at: datetime


class GateActivity(Protocol):
    """Read side for boards and dashboards: what is at a gate now and what crossed lately."""

    def state_counts(self, gate_id: str) -> dict[tuple[Direction, TripState], int]:
        """Trips not yet finished, by direction and state."""
        ...

    def open_trip_counts(self) -> dict[tuple[str, Direction, TripState], int]:
        """Trips not yet finished at every gate, by gate, direction and state (one grouped query: metrics)."""
        ...

    def present(self, gate_id: str, states: Iterable[TripState]) -> list[PresentTrip]: ...
    def crossings(self, gate_id: str, since: datetime) -> list[CrossingRow]: ...
    def open_calls(self, gate_id: str) -> list[OpenCall]: ...
    def open_reviews(self, gate_id: str) -> int: ...
    def open_incidents(self, gate_id: str) -> list[OpenIncident]:
        """Hotline incidents at the gate still open (not acknowledged), the oldest deadline first."""
        ...

    def channel_counts(self, gate_id: str, since: datetime) -> dict[str, int]:
        """Customs channel decisions at the gate since ``since``, by channel (green, yellow, red)."""
        ...

    def marker(self, gate_ids: Iterable[str]) -> tuple[Any, ...]:
        """A cheap value that changes whenever anything a dashboard of these gates shows changes."""
        ...
