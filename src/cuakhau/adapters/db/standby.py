"""The standby list's repository: one conditional UPDATE claims a standby truck, a unique key a freed place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.equeue import _booking
from cuakhau.domain.booking import Booking, BookingStatus
from cuakhau.domain.gate import Direction
from cuakhau.domain.trip import TripState
from cuakhau.services.ports.standby import StandbyRow

_S = t.standby_entries


def _row(r: Row[Any]) -> StandbyRow:
    return StandbyRow(r.trip_id, r.gate_id, Direction(r.direction), r.day, r.reach_minutes, r.status, r.joined_at)


class SqlStandbyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def join(self, row: StandbyRow) -> None:
        values = {
            "gate_id": row.gate_id,
            "direction": row.direction.value,
            "day": row.day,
            "reach_minutes": row.reach_minutes,
            "status": row.status,
            "joined_at": row.joined_at,
            "updated_at": row.joined_at,
        }
        if self.get(row.trip_id) is None:
            self.conn.execute(insert(_S), {"trip_id": row.trip_id, **values})
        else:
            self.conn.execute(update(_S).where(_S.c.trip_id == row.trip_id).values(**values))

    def leave(self, trip_id: str, at: datetime) -> bool:
        return self._move(trip_id, "left", at)

    def claim(self, trip_id: str, at: datetime) -> bool:
        return self._move(trip_id, "placed", at)

    def _move(self, trip_id: str, status: str, at: datetime) -> bool:
        done = self.conn.execute(
            update(_S).where(_S.c.trip_id == trip_id, _S.c.status == "standing_by").values(status=status, updated_at=at)
        )
        return done.rowcount == 1

    def get(self, trip_id: str) -> StandbyRow | None:
        r = self.conn.execute(select(_S).where(_S.c.trip_id == trip_id)).first()
        return _row(r) if r else None

    def standing_by(self, gate_id: str, direction: Direction, day: str) -> list[StandbyRow]:
        rows = self.conn.execute(
            select(_S)
            .where(_S.c.gate_id == gate_id, _S.c.direction == direction.value, _S.c.day == day)
            .where(_S.c.status == "standing_by")
            .order_by(_S.c.joined_at, _S.c.trip_id)
        )
        return [_row(r) for r in rows]

    def record_offer(self, row: dict[str, Any]) -> bool:
        o = t.standby_offers
        stmt = pg_insert(o) if self.conn.dialect.name == "postgresql" else sqlite_insert(o)
        # RETURNING, not the row count: the count of an INSERT … ON CONFLICT is not reliable across drivers
        done = self.conn.execute(
            stmt.on_conflict_do_nothing(index_elements=["freed_booking_id"]).returning(o.c.id), row
        )
        return done.first() is not None

    def lock_active(self, booking_id: str) -> bool:
        b = t.bookings
        r = self.conn.execute(select(b.c.status).where(b.c.id == booking_id).with_for_update()).first()
        return r is not None and r.status == BookingStatus.ACTIVE.value

    def offered(self, freed_booking_id: str) -> bool:
        o = t.standby_offers
        return self.conn.execute(select(o.c.id).where(o.c.freed_booking_id == freed_booking_id)).first() is not None

    def offers_for_trip(self, trip_id: str) -> list[dict[str, Any]]:
        o = t.standby_offers
        rows = self.conn.execute(select(o).where(o.c.trip_id == trip_id).order_by(o.c.at, o.c.id))
        return [dict(r._mapping) for r in rows]

    def late(self, started_before: datetime, started_after: datetime) -> list[Booking]:
        b, o = t.bookings, t.standby_offers
        rows = self.conn.execute(
            select(b)
            .join(t.trips, t.trips.c.id == b.c.trip_id)
            .where(
                b.c.status == BookingStatus.ACTIVE.value,
                b.c.slot_start <= started_before,
                b.c.slot_start > started_after,
                t.trips.c.state.in_([TripState.BOOKED.value, TripState.DISPATCHED.value]),
                ~select(o.c.id).where(o.c.freed_booking_id == b.c.id).exists(),
                # a standby truck just moved into the running slot is on its way: its place is not lent again
                ~select(o.c.id).where(o.c.booking_id == b.c.id, o.c.slot_start == b.c.slot_start).exists(),
            )
            .order_by(b.c.slot_start, b.c.requested_seq, b.c.id)
        )
        return [_booking(r) for r in rows]
