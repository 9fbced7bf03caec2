"""Repositories of gate operations: the device log, the review queue, yards and their visits, lane calls."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cuakhau.adapters.db import tables as t
from cuakhau.domain.gate import Direction, LocalizedText
from cuakhau.domain.shipment import Perishability
from cuakhau.domain.trip import TripState
from cuakhau.domain.yard import Yard, YardTariff, YardVisit
from cuakhau.services.ports.gate_ops import DeviceRecord, LaneCall, ReviewItem, VisitRow, WaitingRow


class SqlDeviceLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def claim(self, record: DeviceRecord) -> bool:
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(t.device_messages)
            .values(**asdict(record))
            .on_conflict_do_nothing()
            .returning(t.device_messages.c.message_id)
        )
        return self.conn.execute(stmt).first() is not None  # (rowcount is not reliable here on psycopg)

    def finish(self, device_id: str, message_id: str, *, outcome: str, trip_id: str | None, detail: str | None) -> None:
        c = t.device_messages.c
        self.conn.execute(
            update(t.device_messages)
            .where(c.device_id == device_id, c.message_id == message_id)
            .values(outcome=outcome, trip_id=trip_id, detail=detail)
        )

    def unreconciled_manual(self, trip_id: str, checkpoint: str) -> DeviceRecord | None:
        c = t.device_messages.c
        row = self.conn.execute(
            select(t.device_messages)
            .where(c.trip_id == trip_id, c.checkpoint == checkpoint, c.origin == "manual", c.reconciled_by.is_(None))
            .order_by(c.at)
            .limit(1)
        ).first()
        return _record(row) if row else None

    def mark_reconciled(self, record: DeviceRecord, by: str) -> None:
        c = t.device_messages.c
        self.conn.execute(
            update(t.device_messages)
            .where(c.device_id == record.device_id, c.message_id == record.message_id)
            .values(reconciled_by=by[:260])
        )

    def recent(self, gate_id: str, *, limit: int, offset: int) -> tuple[list[DeviceRecord], int]:
        c = t.device_messages.c
        total = self.conn.execute(select(func.count()).where(c.gate_id == gate_id)).scalar_one()
        rows = self.conn.execute(
            select(t.device_messages)
            .where(c.gate_id == gate_id)
            .order_by(c.received_at.desc(), c.message_id)
            .limit(limit)
            .offset(offset)
        )
        return [_record(r) for r in rows], int(total)

    def for_trip(self, trip_id: str, *, limit: int) -> list[DeviceRecord]:
        c = t.device_messages.c
        rows = self.conn.execute(
            select(t.device_messages).where(c.trip_id == trip_id).order_by(c.at, c.received_at).limit(limit)
        )
        return [_record(r) for r in rows]


def _record(r: Row[Any]) -> DeviceRecord:
    return DeviceRecord(**{k: getattr(r, k) for k in DeviceRecord.__dataclass_fields__})


class SqlReviewQueue:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, item: ReviewItem) -> None:
        self.conn.execute(insert(t.review_items).values(**asdict(item)))

    def get(self, item_id: str) -> ReviewItem | None:
        row = self.conn.execute(select(t.review_items).where(t.review_items.c.id == item_id)).first()
        return _review(row) if row else None

    def resolve(self, item_id: str, *, status: str, at: datetime, by: str, resolution: str) -> bool:
        c = t.review_items.c
        result = self.conn.execute(
            update(t.review_items)
            .where(c.id == item_id, c.status == "open")
            .values(status=status, resolved_at=at, resolved_by=by, resolution=resolution)
        )
        return result.rowcount == 1

    def page(self, gate_id: str, status: str | None, *, limit: int, offset: int) -> tuple[list[ReviewItem], int]:
        c = t.review_items.c
        where = and_(c.gate_id == gate_id, *([c.status == status] if status else []))
        total = self.conn.execute(select(func.count()).select_from(t.review_items).where(where)).scalar_one()
        rows = self.conn.execute(
            select(t.review_items).where(where).order_by(c.created_at, c.id).limit(limit).offset(offset)
        )
        return [_review(r) for r in rows], int(total)


def _review(r: Row[Any]) -> ReviewItem:
    return ReviewItem(**{k: getattr(r, k) for k in ReviewItem.__dataclass_fields__})


class SqlYardRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, yard: Yard) -> None:
        self.conn.execute(
            insert(t.yards).values(
                id=yard.id,
                gate_id=yard.gate_id,
                name_vi=yard.names.vi,
                name_zh=yard.names.zh,
                name_en=yard.names.en,
                capacity=yard.capacity,
                tariff=yard.tariff.as_dict(),
            )
        )

    def update(self, yard: Yard) -> None:
        """The yard's names, capacity and tariff replaced by ``yard``'s."""
        self.conn.execute(
            update(t.yards)
            .where(t.yards.c.id == yard.id)
            .values(
                name_vi=yard.names.vi,
                name_zh=yard.names.zh,
                name_en=yard.names.en,
                capacity=yard.capacity,
                tariff=yard.tariff.as_dict(),
            )
        )

    def for_gate(self, gate_id: str) -> list[Yard]:
        rows = self.conn.execute(select(t.yards).where(t.yards.c.gate_id == gate_id).order_by(t.yards.c.id))
        return [
            Yard(
                id=r.id,
                gate_id=r.gate_id,
                names=LocalizedText(r.name_vi, r.name_zh, r.name_en),
                capacity=r.capacity,
                tariff=YardTariff(
                    currency=r.tariff["currency"],
                    free_hours=r.tariff["free_hours"],
                    block_hours=r.tariff["block_hours"],
                    fee_per_block=Decimal(r.tariff["fee_per_block"]),
                    reefer_surcharge_per_block=Decimal(r.tariff["reefer_surcharge_per_block"]),
                ),
            )
            for r in rows
        ]

    def occupancy(self, yard_id: str) -> int:
        c = t.yard_visits.c
        return int(
            self.conn.execute(select(func.count()).where(c.yard_id == yard_id, c.exited_at.is_(None))).scalar_one()
        )

    def enter(self, visit: YardVisit, origin: str) -> None:
        self.conn.execute(
            insert(t.yard_visits).values(
                trip_id=visit.trip_id,
                yard_id=visit.yard_id,
                plate=visit.plate,
                refrigerated=visit.refrigerated,
                entered_at=visit.entered_at,
                entry_origin=origin,
            )
        )

    def exit(self, trip_id: str, at: datetime, origin: str) -> bool:
        c = t.yard_visits.c
        result = self.conn.execute(
            update(t.yard_visits)
            .where(c.trip_id == trip_id, c.exited_at.is_(None))
            .values(exited_at=at, exit_origin=origin)
        )
        return result.rowcount == 1

    def visit(self, trip_id: str) -> VisitRow | None:
        row = self.conn.execute(select(t.yard_visits).where(t.yard_visits.c.trip_id == trip_id)).first()
        return _visit(row) if row else None

    def present(self, yard_id: str) -> list[VisitRow]:
        c = t.yard_visits.c
        rows = self.conn.execute(
            select(t.yard_visits).where(c.yard_id == yard_id, c.exited_at.is_(None)).order_by(c.entered_at)
        )
        return [_visit(r) for r in rows]


def _visit(r: Row[Any]) -> VisitRow:
    visit = YardVisit(
        trip_id=r.trip_id,
        yard_id=r.yard_id,
        plate=r.plate,
        entered_at=r.entered_at,
        refrigerated=r.refrigerated,
        exited_at=r.exited_at,
    )
    return VisitRow(visit, r.entry_origin, r.exit_origin)


OPEN_CALL = ("called", "at_lane")


class SqlLaneCallRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, call: LaneCall) -> None:
        row = asdict(call)
        row["direction"] = call.direction.value
        self.conn.execute(insert(t.lane_calls).values(**row))

    def open_for_trip(self, trip_id: str) -> LaneCall | None:
        c = t.lane_calls.c
        row = self.conn.execute(
            select(t.lane_calls).where(c.trip_id == trip_id, c.status.in_(OPEN_CALL)).order_by(c.called_at.desc())
        ).first()
        return _call(row) if row else None

    def last_for_trip(self, trip_id: str) -> LaneCall | None:
        c = t.lane_calls.c
        row = self.conn.execute(
            select(t.lane_calls).where(c.trip_id == trip_id).order_by(c.called_at.desc()).limit(1)
        ).first()
        return _call(row) if row else None

    def busy_lanes(self, gate_id: str, direction: Direction) -> set[str]:
        c = t.lane_calls.c
        rows = self.conn.execute(
            select(c.lane).where(c.gate_id == gate_id, c.direction == direction.value, c.status.in_(OPEN_CALL))
        )
        return {r.lane for r in rows}

    def set_status(self, call_id: str, status: str, at: datetime) -> None:
        values: dict[str, Any] = {"status": status}
        if status == "at_lane":
            values["at_lane_at"] = at
        else:
            values["closed_at"] = at
        self.conn.execute(update(t.lane_calls).where(t.lane_calls.c.id == call_id).values(**values))

    def expired(self, now: datetime) -> list[LaneCall]:
        c = t.lane_calls.c
        rows = self.conn.execute(
            select(t.lane_calls).where(c.status == "called", c.deadline < now).order_by(c.deadline)
        )
        return [_call(r) for r in rows]

    def waiting(self, gate_id: str, direction: Direction) -> list[WaitingRow]:
        # Every aggregate is correlated to the waiting trip and read through its trip index: the cost follows the
        # trucks waiting now, not every booking, lane call and event ever recorded.
        tr, b, v = t.trips.c, t.bookings.c, t.yard_visits.c
        lb, lc, ev = t.bookings.alias("lb"), t.lane_calls.alias("sk"), t.trip_events.alias("ar")
        last_skip = (
            select(func.max(lc.c.closed_at)).where(lc.c.trip_id == tr.id, lc.c.status == "skipped").scalar_subquery()
        )
        arrived = (
            select(func.max(ev.c.at))
            .where(ev.c.trip_id == tr.id, ev.c.to_state == TripState.ARRIVED.value)
            .scalar_subquery()
        )
        inner = (
            select(tr.id, tr.shipment_id, arrived.label("arrived_at"), last_skip.label("last_skip_at"))
            .where(tr.gate_id == gate_id, tr.direction == direction.value, tr.state == TripState.ARRIVED.value)
            .subquery("w")
        )
        w = inner.c
        query = (
            select(w.id, w.shipment_id, b.perishability, b.slot_start, v.entered_at, w.last_skip_at, w.arrived_at)
            .select_from(inner)
            .outerjoin(
                t.bookings,
                and_(
                    b.trip_id == w.id,
                    b.created_at == select(func.max(lb.c.created_at)).where(lb.c.trip_id == w.id).scalar_subquery(),
                ),
            )
            .outerjoin(t.yard_visits, v.trip_id == w.id)
            .where(w.arrived_at.is_not(None))
        )
        return [
            WaitingRow(
                trip_id=r.id,
                shipment_id=r.shipment_id,
                perishability=Perishability(r.perishability) if r.perishability else None,
                slot_start=r.slot_start,
                entered_at=r.entered_at,
                last_skip_at=r.last_skip_at,
                arrived_at=r.arrived_at,
            )
            for r in self.conn.execute(query)
        ]

    def occupied_without_call(self, gate_id: str, direction: Direction) -> int:
        tr, lc = t.trips.c, t.lane_calls.c
        with_call = select(lc.trip_id).where(lc.trip_id == tr.id, lc.status.in_(OPEN_CALL)).exists()
        at_lane = or_(tr.state == TripState.CALLED.value, tr.state == TripState.INSPECTING.value)
        query = select(func.count()).where(tr.gate_id == gate_id, tr.direction == direction.value, at_lane, ~with_call)
        return int(self.conn.execute(query).scalar_one())


def _call(r: Row[Any]) -> LaneCall:
    fields = {k: getattr(r, k) for k in LaneCall.__dataclass_fields__}
    fields["direction"] = Direction(r.direction)
    return LaneCall(**fields)
