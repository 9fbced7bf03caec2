"""Read queries for the public wait board and the officer dashboard (no writes)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from cuakhau.adapters.db import tables as t
from cuakhau.domain.gate import Direction
from cuakhau.domain.parties import VehicleWarning
from cuakhau.domain.shipment import Perishability
from cuakhau.domain.trip import TERMINAL_STATES, TripAction, TripState
from cuakhau.services.ports.activity import CrossingRow, OpenCall, OpenIncident, PresentTrip

#: The states of a trip not yet finished, named rather than "not terminal": ``state IN (...)`` reads today's trips
#: through ``ix_trips_gate_state``, where ``state NOT IN (...)`` reads every trip the gate ever had.
_OPEN = [s.value for s in TripState if s not in TERMINAL_STATES]


def arrived_at(trip_id: Any) -> Any:
    """When the trip ``trip_id`` (a column of the outer query) last arrived: a correlated subquery that reads that
    trip's own events through the primary key, so its cost follows the rows shown, not the events ever recorded."""
    a = t.trip_events.alias("arrival")
    return (
        select(func.max(a.c.at))
        .where(a.c.trip_id == trip_id, a.c.to_state == TripState.ARRIVED.value, a.c.action == TripAction.ARRIVE.value)
        .scalar_subquery()
    )


def vehicle_warnings(rows: Any) -> tuple[VehicleWarning, ...]:
    """A vehicle's kept warnings (``vehicles.warnings``, JSON) as the domain's."""
    return tuple(VehicleWarning(w["code"], w.get("params") or {}) for w in rows or ())


class SqlGateActivity:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def state_counts(self, gate_id: str) -> dict[tuple[Direction, TripState], int]:
        tr = t.trips.c
        rows = self.conn.execute(
            select(tr.direction, tr.state, func.count())
            .where(tr.gate_id == gate_id, tr.state.in_(_OPEN))
            .group_by(tr.direction, tr.state)
        )
        return {(Direction(d), TripState(s)): int(n) for d, s, n in rows}

    def open_trip_counts(self) -> dict[tuple[str, Direction, TripState], int]:
        tr = t.trips.c
        rows = self.conn.execute(
            select(tr.gate_id, tr.direction, tr.state, func.count())
            .where(tr.state.in_(_OPEN))
            .group_by(tr.gate_id, tr.direction, tr.state)
        )
        return {(str(g), Direction(d), TripState(s)): int(n) for g, d, s, n in rows}

    def present(self, gate_id: str, states: Iterable[TripState]) -> list[PresentTrip]:
        tr, e = t.trips.c, t.trip_events.c
        q = (
            select(
                tr.id,
                tr.direction,
                tr.state,
                tr.updated_at,
                t.vehicles.c.plate,
                t.vehicles.c.warnings,
                t.shipments.c.perishability,
                t.shipments.c.exporter_id,
                arrived_at(tr.id).label("arrived_at"),
                e.actor_role,
                e.reason,
            )
            .select_from(t.trips)
            .join(t.vehicles, t.vehicles.c.id == tr.vehicle_id)
            .join(t.shipments, t.shipments.c.id == tr.shipment_id)
            .join(t.trip_events, and_(e.trip_id == tr.id, e.seq == tr.version))
            .where(tr.gate_id == gate_id, tr.state.in_([s.value for s in states]))
            .order_by(tr.updated_at, tr.id)
        )
        return [
            PresentTrip(
                trip_id=r.id,
                direction=Direction(r.direction),
                state=TripState(r.state),
                plate=r.plate,
                perishability=Perishability(r.perishability),
                exporter_id=r.exporter_id,
                since=r.updated_at,
                arrived_at=r.arrived_at,
                last_role=r.actor_role,
                last_reason=r.reason,
                vehicle_warnings=vehicle_warnings(r.warnings),
            )
            for r in self.conn.execute(q)
        ]

    def crossings(self, gate_id: str, since: datetime) -> list[CrossingRow]:
        tr, e = t.trips.c, t.trip_events.c
        # ix_trip_events_action_at bounds this to the crossings since ``since``, at every gate (a few thousand)
        q = (
            select(tr.id, tr.direction, e.at, arrived_at(tr.id).label("arrived_at"))
            .select_from(t.trip_events)
            .join(t.trips, tr.id == e.trip_id)
            .where(tr.gate_id == gate_id, e.action == TripAction.CROSS.value, e.at >= since)
            .order_by(e.at, tr.id)
        )
        return [CrossingRow(r.id, Direction(r.direction), r.at, r.arrived_at) for r in self.conn.execute(q)]

    def open_calls(self, gate_id: str) -> list[OpenCall]:
        lc = t.lane_calls.c
        q = (
            select(
                lc.lane,
                lc.direction,
                lc.trip_id,
                t.vehicles.c.plate,
                lc.status,
                lc.called_at,
                lc.deadline,
                t.vehicles.c.warnings,
            )
            .select_from(t.lane_calls)
            .join(t.trips, t.trips.c.id == lc.trip_id)
            .join(t.vehicles, t.vehicles.c.id == t.trips.c.vehicle_id)
            .where(lc.gate_id == gate_id, lc.status.in_(["called", "at_lane"]))
            .order_by(lc.lane, lc.called_at)
        )
        return [
            OpenCall(
                r.lane,
                Direction(r.direction),
                r.trip_id,
                r.plate,
                r.status,
                r.called_at,
                r.deadline,
                vehicle_warnings(r.warnings),
            )
            for r in self.conn.execute(q)
        ]

    def open_reviews(self, gate_id: str) -> int:
        rc = t.review_items.c
        q = select(func.count()).where(rc.gate_id == gate_id, rc.status == "open")
        return int(self.conn.execute(q).scalar_one())

    def open_incidents(self, gate_id: str) -> list[OpenIncident]:
        i = t.exchange_incidents.c
        q = (
            select(i.id, i.origin, i.kind, i.severity, i.summary, i.trip_ref, i.raised_at, i.ack_due_at)
            .where(i.gate_id == gate_id, i.status == "open")
            .order_by(i.ack_due_at, i.id)
        )
        return [OpenIncident(*r) for r in self.conn.execute(q)]

    def channel_counts(self, gate_id: str, since: datetime) -> dict[str, int]:
        d = t.customs_decisions.c
        q = select(d.channel, func.count()).where(d.gate_id == gate_id, d.decided_at >= since).group_by(d.channel)
        return {channel: int(n) for channel, n in self.conn.execute(q)}

    def marker(self, gate_ids: Iterable[str]) -> tuple[Any, ...]:
        """The gates' change counters (``gate_activity``, kept by triggers in the same transaction as every write
        to a gate's trips, review items, lane calls, yard visits, device reads, closures and hotline incidents) and
        their revisions (hours, lanes, yards): a primary-key read per gate, whatever the history."""
        ids = sorted(set(gate_ids))
        ga, g = t.gate_activity.c, t.gates.c
        q = (
            select(g.id, g.revision, func.coalesce(ga.changes, 0))
            .select_from(t.gates)
            .outerjoin(t.gate_activity, ga.gate_id == g.id)
            .where(g.id.in_(ids))
            .order_by(g.id)
        )
        return tuple(str(v) for row in self.conn.execute(q) for v in row)
