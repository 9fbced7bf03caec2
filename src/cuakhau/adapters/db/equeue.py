"""Repositories of the electronic queue. The no-overbooking guarantee lives here, in single SQL statements.

Taking a place in a slot is one conditional ``UPDATE … SET booked = booked + 1 WHERE booked < capacity``:
whichever process runs it, the database applies it atomically, and a CHECK constraint refuses any row that
would end over capacity. No read-then-write race can overbook, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.batch import InsertBatch, insert_row
from cuakhau.domain.booking import Booking, BookingStatus
from cuakhau.domain.capacity import SlotCapacity
from cuakhau.domain.errors import Conflict
from cuakhau.domain.gate import Direction
from cuakhau.domain.shipment import Perishability
from cuakhau.services.ports.equeue import Place, SlotRow, Take


def _insert_ignore(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = pg_insert(table) if conn.dialect.name == "postgresql" else sqlite_insert(table)
    conn.execute(stmt.on_conflict_do_nothing(), rows)


# Built once: the booking path reads its slots on every request.
_SLOTS_BETWEEN = (
    select(t.slots)
    .where(
        t.slots.c.gate_id == bindparam("gate_id"),
        t.slots.c.direction == bindparam("direction"),
        t.slots.c.starts_at >= bindparam("start", type_=t.slots.c.starts_at.type),
        t.slots.c.starts_at < bindparam("end", type_=t.slots.c.starts_at.type),
    )
    .order_by(t.slots.c.starts_at)
)


# Plain SQL for psycopg's pipeline (SqlSlotRepository.send_take): the CHECK constraints refuse a full place.
_TAKE_SLOT_SQL = {
    inspection: "UPDATE slots SET booked = booked + 1"
    + (", booked_inspection = booked_inspection + 1" if inspection else "")
    + " WHERE gate_id = %s AND direction = %s AND starts_at = %s"
    for inspection in (False, True)
}
_TAKE_QUOTA_SQL = "UPDATE day_quotas SET booked = booked + 1 WHERE gate_id = %s AND direction = %s AND day = %s"


class SqlSlotRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def ensure(self, gate_id: str, direction: Direction, capacities: Iterable[SlotCapacity]) -> None:
        """Create the slots that do not exist yet (another process may be creating them too)."""
        _insert_ignore(
            self.conn,
            t.slots,
            [
                {
                    "gate_id": gate_id,
                    "direction": direction.value,
                    "starts_at": c.starts_at,
                    "ends_at": c.ends_at,
                    "capacity": c.capacity,
                    "inspection_capacity": c.inspection_capacity,
                    "booked": 0,
                    "booked_inspection": 0,
                }
                for c in capacities
            ],
        )

    def between(self, gate_id: str, direction: Direction, start: datetime, end: datetime) -> list[SlotRow]:
        params = {"gate_id": gate_id, "direction": direction.value, "start": start, "end": end}
        rows = self.conn.execute(_SLOTS_BETWEEN, params)
        return [
            SlotRow(r.starts_at, r.ends_at, r.capacity, r.inspection_capacity, r.booked, r.booked_inspection)
            for r in rows
        ]

    def count_between(self, gate_id: str, direction: Direction, start: datetime, end: datetime) -> int:
        n = self.conn.execute(
            select(func.count())
            .select_from(t.slots)
            .where(
                t.slots.c.gate_id == gate_id,
                t.slots.c.direction == direction.value,
                t.slots.c.starts_at >= start,
                t.slots.c.starts_at < end,
            )
        ).scalar_one()
        return int(n)

    def overlapping(
        self, gate_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[tuple[str, Direction, datetime]]:
        rows = self.conn.execute(
            select(t.slots.c.gate_id, t.slots.c.direction, t.slots.c.starts_at)
            .where(t.slots.c.gate_id.in_(list(gate_ids)), t.slots.c.starts_at < end, t.slots.c.ends_at > start)
            .order_by(t.slots.c.gate_id, t.slots.c.direction, t.slots.c.starts_at)
        )
        return [(r.gate_id, Direction(r.direction), r.starts_at) for r in rows]

    def _key(self, gate_id: str, direction: Direction, starts_at: datetime) -> Any:
        return and_(
            t.slots.c.gate_id == gate_id, t.slots.c.direction == direction.value, t.slots.c.starts_at == starts_at
        )

    def try_take(self, gate_id: str, direction: Direction, starts_at: datetime, *, inspection: bool) -> bool:
        """Take one place (and an inspection place if needed) atomically; False when full."""
        cond = [self._key(gate_id, direction, starts_at), t.slots.c.booked < t.slots.c.capacity]
        values: dict[str, Any] = {"booked": t.slots.c.booked + 1}
        if inspection:
            cond.append(t.slots.c.booked_inspection < t.slots.c.inspection_capacity)
            values["booked_inspection"] = t.slots.c.booked_inspection + 1
        return self.conn.execute(update(t.slots).where(*cond).values(**values)).rowcount == 1

    def take_place(
        self, gate_id: str, direction: Direction, starts_at: datetime, day: str, *, inspection: bool
    ) -> Take:
        """A place in the slot and one under the day's quota (when the counterpart declared one), or neither.

        The slot's row first, then the quota's: the order everywhere, so two writers never deadlock. (A booking
        takes its place with its commit instead: ``send_take``.)"""
        if not self.try_take(gate_id, direction, starts_at, inspection=inspection):
            return Take.SLOT_FULL
        if SqlQuotaRepository(self.conn).try_take(gate_id, direction, day):
            return Take.TAKEN
        self.release(gate_id, direction, starts_at, inspection=inspection)
        return Take.QUOTA_FULL

    def send_take(self, cursor: Any, place: Place) -> None:
        """PostgreSQL, in a pipeline: the place's unconditional updates, which the CHECK constraints refuse when
        the slot or the quota is full (``refused``), so no read of their result has to come back before the
        COMMIT queued after them; the slot's row first, as everywhere, so the two never deadlock."""
        cursor.execute(_TAKE_SLOT_SQL[place.inspection], (place.gate_id, place.direction.value, place.starts_at))
        cursor.execute(_TAKE_QUOTA_SQL, (place.gate_id, place.direction.value, place.day))

    @staticmethod
    def refused(constraint: str | None) -> Take | None:
        """What a violated CHECK constraint says was full, if it is one of a place's."""
        if constraint in ("ck_slots_booked_within_capacity", "ck_slots_inspection_within_capacity"):
            return Take.SLOT_FULL
        if constraint == "ck_day_quotas_booked_within_quota":
            return Take.QUOTA_FULL
        return None

    def release(self, gate_id: str, direction: Direction, starts_at: datetime, *, inspection: bool) -> None:
        values: dict[str, Any] = {"booked": t.slots.c.booked - 1}
        if inspection:
            values["booked_inspection"] = t.slots.c.booked_inspection - 1
        self.conn.execute(update(t.slots).where(self._key(gate_id, direction, starts_at)).values(**values))

    def set_capacity(
        self, gate_id: str, direction: Direction, starts_at: datetime, capacity: int, inspection: int
    ) -> None:
        self.conn.execute(
            update(t.slots)
            .where(self._key(gate_id, direction, starts_at))
            .values(capacity=capacity, inspection_capacity=inspection)
        )


class SqlQuotaRepository:
    """The counterpart's daily acceptance, counted per local day like a slot."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _key(self, gate_id: str, direction: Direction, day: str) -> Any:
        return and_(
            t.day_quotas.c.gate_id == gate_id, t.day_quotas.c.direction == direction.value, t.day_quotas.c.day == day
        )

    def get(self, gate_id: str, direction: Direction, day: str) -> tuple[int, int] | None:
        r = self.conn.execute(select(t.day_quotas).where(self._key(gate_id, direction, day))).first()
        return (r.quota, r.booked) if r else None

    def set_quota(self, gate_id: str, direction: Direction, day: str, quota: int, booked: int) -> None:
        if self.get(gate_id, direction, day) is None:
            self.conn.execute(
                insert(t.day_quotas),
                {"gate_id": gate_id, "direction": direction.value, "day": day, "quota": quota, "booked": booked},
            )
        else:
            self.conn.execute(
                update(t.day_quotas).where(self._key(gate_id, direction, day)).values(quota=quota, booked=booked)
            )

    def try_take(self, gate_id: str, direction: Direction, day: str) -> bool:
        """True when there is no quota for that day, or a place under it was taken atomically."""
        result = self.conn.execute(
            update(t.day_quotas)
            .where(self._key(gate_id, direction, day), t.day_quotas.c.booked < t.day_quotas.c.quota)
            .values(booked=t.day_quotas.c.booked + 1)
        )
        # No row updated: either the quota is full, or the counterpart declared none for that day.
        return result.rowcount == 1 or self.get(gate_id, direction, day) is None

    def release(self, gate_id: str, direction: Direction, day: str) -> None:
        self.conn.execute(
            update(t.day_quotas)
            .where(self._key(gate_id, direction, day), t.day_quotas.c.booked > 0)
            .values(booked=t.day_quotas.c.booked - 1)
        )

    def record_acceptance(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.acceptances), row)

    def latest_hourly(self, gate_id: str, direction: Direction, day: str) -> int | None:
        r = self.conn.execute(
            select(t.acceptances.c.hourly_quota)
            .where(
                t.acceptances.c.gate_id == gate_id,
                t.acceptances.c.direction == direction.value,
                t.acceptances.c.day == day,
            )
            .order_by(t.acceptances.c.declared_at.desc(), t.acceptances.c.id.desc())
            .limit(1)
        ).first()
        return None if r is None else r.hourly_quota


def _booking(r: Row[Any]) -> Booking:
    return Booking(
        id=r.id,
        trip_id=r.trip_id,
        vehicle_id=r.vehicle_id,
        driver_id=r.driver_id,
        shipment_id=r.shipment_id,
        enterprise_id=r.enterprise_id,
        gate_id=r.gate_id,
        direction=Direction(r.direction),
        earliest=r.earliest,
        latest=r.latest,
        travel_minutes=r.travel_minutes,
        perishability=Perishability(r.perishability),
        needs_inspection=r.needs_inspection,
        requested_seq=r.requested_seq,
        status=BookingStatus(r.status),
        slot_start=r.slot_start,
        rule=r.rule,
        reason=r.reason,
        reason_params=dict(r.reason_params or {}),
        changes=r.changes,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def _booking_row(b: Booking) -> dict[str, Any]:
    return {
        "id": b.id,
        "trip_id": b.trip_id,
        "vehicle_id": b.vehicle_id,
        "driver_id": b.driver_id,
        "shipment_id": b.shipment_id,
        "enterprise_id": b.enterprise_id,
        "gate_id": b.gate_id,
        "direction": b.direction.value,
        "earliest": b.earliest,
        "latest": b.latest,
        "travel_minutes": b.travel_minutes,
        "slot_start": b.slot_start,
        "status": b.status.value,
        "perishability": b.perishability.value,
        "needs_inspection": b.needs_inspection,
        "rule": b.rule,
        "reason": b.reason,
        "reason_params": dict(b.reason_params),
        "changes": b.changes,
        "requested_seq": b.requested_seq,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
    }


def _vehicle_busy() -> Conflict:
    # The partial unique index: this vehicle already holds an active or waiting booking.
    return Conflict("booking.vehicle_busy", field="vehicle_id")


def _key_in_flight() -> Conflict:
    # Another request with the same key committed first: the caller retries and replays its answer.
    return Conflict("idempotency.in_flight", field="Idempotency-Key")


def _next_change_seq(param: Callable[[str], Any]) -> dict[str, Any]:
    # The next number in the insert itself: no round trip to read it (two writers racing hit the primary key).
    bc = t.booking_changes
    return {
        "seq": select(func.coalesce(func.max(bc.c.seq), 0) + 1)
        .where(bc.c.booking_id == param("booking_id"))
        .scalar_subquery()
    }


class SqlBookingRepository:
    def __init__(self, conn: Connection, batch: InsertBatch | None = None) -> None:
        self.conn = conn
        self.batch = batch

    def add(self, b: Booking) -> None:
        insert_row(self.conn, self.batch, t.bookings, _booking_row(b), conflict=_vehicle_busy)

    def save(self, b: Booking) -> None:
        row = _booking_row(b)
        del row["id"]
        self.conn.execute(update(t.bookings).where(t.bookings.c.id == b.id).values(**row))

    def get(self, booking_id: str) -> Booking | None:
        r = self.conn.execute(select(t.bookings).where(t.bookings.c.id == booking_id)).first()
        return _booking(r) if r else None

    def latest_for_trip(self, trip_id: str) -> Booking | None:
        r = self.conn.execute(
            select(t.bookings)
            .where(t.bookings.c.trip_id == trip_id)
            .order_by(t.bookings.c.created_at.desc(), t.bookings.c.id.desc())
            .limit(1)
        ).first()
        return _booking(r) if r else None

    def open_for_window(self, gate_id: str, direction: Direction, start: datetime, end: datetime) -> list[Booking]:
        """Active bookings with a slot in [start, end) and waiting bookings whose window meets it."""
        rows = self.conn.execute(
            select(t.bookings)
            .where(
                t.bookings.c.gate_id == gate_id,
                t.bookings.c.direction == direction.value,
                t.bookings.c.status.in_([BookingStatus.ACTIVE.value, BookingStatus.WAITING.value]),
                t.bookings.c.earliest < end,
                t.bookings.c.latest > start,
            )
            .order_by(t.bookings.c.requested_seq, t.bookings.c.id)
        )
        return [_booking(r) for r in rows]

    def overdue(self, before: datetime) -> list[Booking]:
        """Active bookings whose slot ended before ``before``."""
        rows = self.conn.execute(
            select(t.bookings).where(
                t.bookings.c.status == BookingStatus.ACTIVE.value,
                t.bookings.c.slot_start < before,
            )
        )
        return [_booking(r) for r in rows]

    def no_show_times(self, enterprise_id: str, since: datetime) -> list[datetime]:
        rows = self.conn.execute(
            select(t.bookings.c.updated_at).where(
                t.bookings.c.enterprise_id == enterprise_id,
                t.bookings.c.status == BookingStatus.NO_SHOW.value,
                t.bookings.c.updated_at >= since,
            )
        )
        return [r.updated_at for r in rows]

    def add_change(
        self,
        booking: Booking,
        *,
        at: datetime,
        from_slot: datetime | None,
        actor_id: str,
    ) -> None:
        row = {
            "booking_id": booking.id,
            "at": at,
            "from_slot": from_slot,
            "to_slot": booking.slot_start,
            "status": booking.status.value,
            "rule": booking.rule,
            "reason": booking.reason or "",
            "reason_params": dict(booking.reason_params),
            "actor_id": actor_id,
        }
        insert_row(self.conn, self.batch, t.booking_changes, row, computed=_next_change_seq)

    def changes(self, booking_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            select(t.booking_changes)
            .where(t.booking_changes.c.booking_id == booking_id)
            .order_by(t.booking_changes.c.seq)
        )
        return [dict(r._mapping) for r in rows]


class SqlIdempotencyRepository:
    def __init__(self, conn: Connection, batch: InsertBatch | None = None) -> None:
        self.conn = conn
        self.batch = batch

    def get(self, scope: str, key: str) -> tuple[str, int, Any] | None:
        r = self.conn.execute(
            select(t.idempotency_keys).where(t.idempotency_keys.c.scope == scope, t.idempotency_keys.c.key == key)
        ).first()
        return (r.request_hash, r.status_code, r.response) if r else None

    def stored_keys(self, scopes: list[str]) -> set[tuple[str, str]]:
        """The (scope, key) pairs stored under any of these scopes, in one query."""
        k = t.idempotency_keys
        return {(r.scope, r.key) for r in self.conn.execute(select(k.c.scope, k.c.key).where(k.c.scope.in_(scopes)))}

    def put(self, scope: str, key: str, request_hash: str, status_code: int, response: Any, at: datetime) -> None:
        row = {
            "scope": scope,
            "key": key,
            "request_hash": request_hash,
            "status_code": status_code,
            "response": response,
            "created_at": at,
        }
        insert_row(self.conn, self.batch, t.idempotency_keys, row, conflict=_key_in_flight)
