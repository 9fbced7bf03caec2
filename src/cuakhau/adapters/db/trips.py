"""Storage of trips and their events; the trip list and its filters."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.batch import InsertBatch, insert_row
from cuakhau.adapters.db.common import insert_unique
from cuakhau.adapters.db.gates import SqlGateRepository
from cuakhau.domain.declaration import ENDED_WITHOUT_CROSSING, TripHold
from cuakhau.domain.errors import ConcurrentUpdate
from cuakhau.domain.gate import (
    Direction,
)
from cuakhau.domain.shipment import Perishability
from cuakhau.domain.trip import TERMINAL_STATES, Actor, ActorRole, Trip, TripAction, TripEvent, TripState
from cuakhau.domain.values import (
    ContainerNumber,
)
from cuakhau.services.ports.trips import TripFilter, TripSummary


def trip_from_row(r: Row[Any]) -> Trip:
    return Trip(
        id=r.id,
        gate_id=r.gate_id,
        direction=Direction(r.direction),
        vehicle_id=r.vehicle_id,
        driver_id=r.driver_id,
        shipment_id=r.shipment_id,
        trailer_id=r.trailer_id,
        containers=tuple(ContainerNumber(c) for c in r.containers),
        state=TripState(r.state),
        version=r.version,
        declared_at=r.declared_at,
        updated_at=r.updated_at,
    )


def _event_row(e: TripEvent) -> dict[str, Any]:
    return {
        "trip_id": e.trip_id,
        "seq": e.seq,
        "action": e.action.value,
        "from_state": e.from_state.value if e.from_state else None,
        "to_state": e.to_state.value,
        "at": e.at,
        "actor_id": e.actor.id,
        "actor_role": e.actor.role.value,
        "reason": e.reason,
        "override_reason": e.override_reason,
    }


_SAVE_TRIP = (
    update(t.trips)
    .where(t.trips.c.id == bindparam("k_id"), t.trips.c.version == bindparam("k_version"))
    .values(state=bindparam("state"), version=bindparam("version"), updated_at=bindparam("updated_at"))
)


class SqlTripRepository:
    def __init__(self, conn: Connection, batch: InsertBatch | None = None) -> None:
        self.conn = conn
        self.batch = batch

    def add(self, trip: Trip) -> None:
        insert_unique(
            self.conn,
            insert(t.trips),
            {
                "id": trip.id,
                "gate_id": trip.gate_id,
                "direction": trip.direction.value,
                "vehicle_id": trip.vehicle_id,
                "trailer_id": trip.trailer_id,
                "driver_id": trip.driver_id,
                "shipment_id": trip.shipment_id,
                "containers": [c.text for c in trip.containers],
                "state": trip.state.value,
                "version": trip.version + len(trip.pending_events),
                "declared_at": trip.declared_at,
                "updated_at": trip.updated_at,
            },
            code="trip.duplicate",
        )
        self._flush_events(trip)

    def save(self, trip: Trip) -> None:
        if not trip.pending_events:
            return
        values = {
            "state": trip.state.value,
            "version": trip.version + len(trip.pending_events),
            "updated_at": trip.updated_at,
        }
        if self.batch is not None and self.batch.combine:
            # Sent with the unit's other writes, its row count unread: the events' primary key (trip, seq) is
            # the guard, since a concurrent step from the same version appends the same sequence number.
            self.batch.update(t.trips, {"id": trip.id, "version": trip.version}, values)
        elif self.conn.execute(_SAVE_TRIP, {"k_id": trip.id, "k_version": trip.version, **values}).rowcount != 1:
            raise ConcurrentUpdate("trip", trip.id)
        self._flush_events(trip)

    def _flush_events(self, trip: Trip) -> None:
        trip_id = trip.id

        def concurrent() -> Exception:  # another writer appended the same sequence number first
            return ConcurrentUpdate("trip", trip_id)

        rows = [_event_row(e) for e in trip.pending_events]
        if len(rows) == 1:
            insert_row(self.conn, self.batch, t.trip_events, rows[0], conflict=concurrent)
        elif rows:
            if self.batch is not None:
                self.batch.flush()
            try:
                self.conn.execute(insert(t.trip_events), rows)
            except IntegrityError:
                raise concurrent() from None
        trip.version += len(trip.pending_events)
        trip.pending_events.clear()

    def get(self, trip_id: str) -> Trip | None:
        r = self.conn.execute(select(t.trips).where(t.trips.c.id == trip_id)).first()
        return trip_from_row(r) if r else None

    def lock_claims(self, keys: list[str]) -> None:
        """Hold these claims until the transaction ends (PostgreSQL advisory locks, taken in the order given);
        SQLite's ``BEGIN IMMEDIATE`` already serialises writers."""
        if self.conn.dialect.name != "postgresql":
            return
        for key in keys:
            digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": digest})

    def holds(
        self,
        *,
        shipment_ids: list[str],
        certificate_no: str | None,
        vehicle_id: str | None,
        driver_id: str | None,
    ) -> list[TripHold]:
        """The trips that did not end without crossing and hold one of these shipments or this certificate, and
        the open trips of this vehicle or driver."""
        live = t.trips.c.state.not_in([s.value for s in ENDED_WITHOUT_CROSSING])
        open_ = t.trips.c.state.not_in([s.value for s in TERMINAL_STATES])
        conds = []
        if shipment_ids:
            conds.append(and_(live, t.trips.c.shipment_id.in_(shipment_ids)))
        if certificate_no is not None:
            conds.append(and_(live, t.shipments.c.phytosanitary_certificate_no == certificate_no))
        if vehicle_id is not None:
            conds.append(and_(open_, t.trips.c.vehicle_id == vehicle_id))
        if driver_id is not None:
            conds.append(and_(open_, t.trips.c.driver_id == driver_id))
        if not conds:
            return []
        rows = self.conn.execute(
            select(
                t.trips,
                t.shipments.c.part_of,
                t.shipments.c.phytosanitary_certificate_no,
                t.vehicles.c.plate,
            )
            .join_from(t.trips, t.shipments, t.shipments.c.id == t.trips.c.shipment_id)
            .join(t.vehicles, t.vehicles.c.id == t.trips.c.vehicle_id)
            .where(or_(*conds))
            .order_by(t.trips.c.declared_at, t.trips.c.id)
            .limit(50)
        ).all()
        gates = SqlGateRepository(self.conn)
        out = []
        for r in rows:
            gate = gates.get(r.gate_id)
            assert gate is not None  # a foreign key holds the trip to its gate
            out.append(
                TripHold(
                    trip_id=r.id,
                    shipment_id=r.shipment_id,
                    consignment_id=r.part_of or r.shipment_id,
                    certificate_no=r.phytosanitary_certificate_no,
                    vehicle_id=r.vehicle_id,
                    driver_id=r.driver_id,
                    plate=r.plate,
                    state=TripState(r.state),
                    declared_at=r.declared_at,
                    gate=gate,
                )
            )
        return out

    def active_for_vehicle(self, vehicle_id: str) -> list[Trip]:
        rows = self.conn.execute(
            select(t.trips).where(
                t.trips.c.vehicle_id == vehicle_id, t.trips.c.state.not_in([s.value for s in TERMINAL_STATES])
            )
        )
        return [trip_from_row(r) for r in rows]

    def find(self, flt: TripFilter, *, limit: int, offset: int) -> tuple[list[TripSummary], int]:
        conds = []
        if flt.gate_id:
            conds.append(t.trips.c.gate_id == flt.gate_id)
        if flt.state:
            conds.append(t.trips.c.state == flt.state.value)
        if flt.direction:
            conds.append(t.trips.c.direction == flt.direction.value)
        if flt.exporter_id:
            conds.append(t.shipments.c.exporter_id == flt.exporter_id)
        if flt.plate:
            conds.append(t.vehicles.c.plate == flt.plate)
        if flt.plate_part:
            bare = func.replace(func.replace(t.vehicles.c.plate, "-", ""), ".", "")
            conds.append(bare.contains(flt.plate_part, autoescape=True))
        if flt.party_id:
            conds.append(or_(t.shipments.c.exporter_id == flt.party_id, t.vehicles.c.owner_id == flt.party_id))
        if flt.driver_id:
            conds.append(t.trips.c.driver_id == flt.driver_id)
        if flt.declared_from:
            conds.append(t.trips.c.declared_at >= flt.declared_from)
        if flt.declared_to:
            conds.append(t.trips.c.declared_at < flt.declared_to)
        joined = t.trips.join(t.vehicles, t.vehicles.c.id == t.trips.c.vehicle_id).join(
            t.shipments, t.shipments.c.id == t.trips.c.shipment_id
        )
        where = and_(*conds) if conds else None
        q = (
            select(
                t.trips,
                t.vehicles.c.plate,
                t.drivers.c.full_name,
                t.shipments.c.exporter_id,
                t.shipments.c.perishability,
            )
            .select_from(joined.join(t.drivers, t.drivers.c.id == t.trips.c.driver_id))
            # both descending, so ix_trips_gate_declared reads a gate's page from its newest trip and stops
            .order_by(t.trips.c.declared_at.desc(), t.trips.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        cq = select(func.count()).select_from(joined)
        if where is not None:
            q, cq = q.where(where), cq.where(where)
        items = [
            TripSummary(
                trip=trip_from_row(r),
                plate=r.plate,
                driver_name=r.full_name,
                exporter_id=r.exporter_id,
                perishability=Perishability(r.perishability),
            )
            for r in self.conn.execute(q)
        ]
        return items, int(self.conn.execute(cq).scalar_one())

    def events(self, trip_id: str) -> list[TripEvent]:
        rows = self.conn.execute(
            select(t.trip_events).where(t.trip_events.c.trip_id == trip_id).order_by(t.trip_events.c.seq)
        )
        return [
            TripEvent(
                trip_id=r.trip_id,
                seq=r.seq,
                action=TripAction(r.action),
                from_state=TripState(r.from_state) if r.from_state else None,
                to_state=TripState(r.to_state),
                at=r.at,
                actor=Actor(r.actor_id, ActorRole(r.actor_role)),
                reason=r.reason,
                override_reason=r.override_reason,
            )
            for r in rows
        ]
