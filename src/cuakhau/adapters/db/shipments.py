"""Storage of shipments, and the one query that reads what a booking request needs (``BookingFacts``)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, bindparam, func, insert, select

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.common import insert_unique
from cuakhau.adapters.db.gates import SqlGateRepository
from cuakhau.adapters.db.trips import trip_from_row
from cuakhau.domain.hs import HsCode, HsEntry, HsNomenclature, is_plant_product
from cuakhau.domain.shipment import CargoLine, Perishability, Shipment
from cuakhau.services.ports.equeue import BookingFacts, SlotRow


def _facts_columns(*, with_key: bool) -> list[Any]:
    """A trip's booking facts as columns of a select from trips, shipments and vehicles (with the stored
    request of an idempotency key bound as ``scope`` and ``key`` when ``with_key``)."""
    b, k = t.bookings, t.idempotency_keys
    revision = select(t.gates.c.revision).where(t.gates.c.id == t.trips.c.gate_id).scalar_subquery()
    latest = (
        select(b.c.status)
        .where(b.c.trip_id == t.trips.c.id)
        .order_by(b.c.created_at.desc(), b.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    codes = (
        select(func.aggregate_strings(t.cargo_lines.c.hs_code, ","))
        .where(t.cargo_lines.c.shipment_id == t.shipments.c.id)
        .scalar_subquery()
    )
    no_shows = (
        select(func.count())
        .select_from(b)
        .where(
            b.c.enterprise_id == t.shipments.c.exporter_id,
            b.c.status == "no_show",
            b.c.updated_at >= bindparam("since", type_=b.c.updated_at.type),
        )
        .scalar_subquery()
    )
    columns: list[Any] = [
        t.trips,
        t.shipments.c.exporter_id.label("s_exporter_id"),
        t.shipments.c.perishability.label("s_perishability"),
        latest.label("latest_booking_status"),
        revision.label("gate_revision"),
        codes.label("hs_codes"),
        no_shows.label("no_shows"),
        t.vehicles.c.owner_id.label("v_owner_id"),
    ]
    if with_key:
        key_is = and_(k.c.scope == bindparam("scope"), k.c.key == bindparam("key"))
        columns += [
            select(k.c.request_hash).where(key_is).scalar_subquery().label("stored_hash"),
            select(k.c.status_code).where(key_is).scalar_subquery().label("stored_status"),
            select(k.c.response).where(key_is).scalar_subquery().label("stored_response"),
        ]
    return columns


def _facts_from(columns: list[Any]) -> Select[Any]:
    return (
        select(*columns)
        .join_from(t.trips, t.shipments, t.shipments.c.id == t.trips.c.shipment_id)
        .join(t.vehicles, t.vehicles.c.id == t.trips.c.vehicle_id)
    )


@functools.cache
def _booking_facts_many_query() -> Select[Any]:
    """Built once: the facts of several trips (a batch of bookings, ``booking_facts_many``)."""
    return _facts_from(_facts_columns(with_key=False)).where(t.trips.c.id.in_(bindparam("trip_ids", expanding=True)))


@functools.cache
def _booking_facts_query() -> Select[Any]:
    """Built once: the booking path runs it on every request (see ``SqlShipmentRepository.booking_facts``)."""
    slot = t.slots
    facts = (
        _facts_from(_facts_columns(with_key=True))
        .where(t.trips.c.id == bindparam("trip_id"))
        # Materialised, so its subqueries run once, not once for each slot row joined below (PostgreSQL would
        # otherwise pull it up into the outer query).
        .cte("facts")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    return (
        select(
            facts,
            slot.c.starts_at.label("slot_starts_at"),
            slot.c.ends_at.label("slot_ends_at"),
            slot.c.capacity.label("slot_capacity"),
            slot.c.inspection_capacity.label("slot_inspection_capacity"),
            slot.c.booked.label("slot_booked"),
            slot.c.booked_inspection.label("slot_booked_inspection"),
        )
        # The window's slots come along, one row each (the trip's facts repeated): one round trip, not two.
        .outerjoin_from(
            facts,
            slot,
            and_(
                slot.c.gate_id == facts.c.gate_id,
                slot.c.direction == facts.c.direction,
                slot.c.starts_at >= bindparam("window_start", type_=slot.c.starts_at.type),
                slot.c.starts_at < bindparam("window_end", type_=slot.c.starts_at.type),
            ),
        )
        .order_by(slot.c.starts_at)
    )


class SqlShipmentRepository:
    def __init__(self, conn: Connection, nomenclature: HsNomenclature) -> None:
        self.conn = conn
        self.nomenclature = nomenclature

    def add(self, s: Shipment) -> None:
        insert_unique(
            self.conn,
            insert(t.shipments),
            {
                "id": s.id,
                "exporter_id": s.exporter_id,
                "consignee_name": s.consignee_name,
                "consignee_country": s.consignee_country,
                "phytosanitary_certificate_no": s.phytosanitary_certificate_no,
                "perishability": s.perishability.value,
                "created_at": s.created_at,
                "part_of": s.part_of,
            },
            code="shipment.duplicate",
        )
        self.conn.execute(
            insert(t.cargo_lines),
            [
                {
                    "shipment_id": s.id,
                    "line_no": i + 1,
                    "hs_code": ln.hs.code,
                    "description": ln.description,
                    "net_kg": ln.net_kg,
                    "gross_kg": ln.gross_kg,
                    "packages": ln.packages,
                    "value": ln.value,
                    "currency": ln.currency,
                    "perishability": ln.perishability.value,
                    "planting_area_code": ln.planting_area_code,
                    "packing_house_code": ln.packing_house_code,
                }
                for i, ln in enumerate(s.lines)
            ],
        )

    def _hs(self, code: str) -> HsCode:
        entry = self.nomenclature.get(code[:6])
        if entry is None:
            # Declared under an earlier edition: keep the record readable rather than refuse to load it.
            entry = HsEntry(code[:6], "", 6, code[:4], "")
        return HsCode(code, entry)

    def get(self, shipment_id: str) -> Shipment | None:
        r = self.conn.execute(select(t.shipments).where(t.shipments.c.id == shipment_id)).first()
        if r is None:
            return None
        lines = [
            CargoLine(
                hs=self._hs(ln.hs_code),
                description=ln.description,
                net_kg=ln.net_kg,
                gross_kg=ln.gross_kg,
                packages=ln.packages,
                value=ln.value,
                currency=ln.currency,
                perishability=Perishability(ln.perishability),
                planting_area_code=ln.planting_area_code,
                packing_house_code=ln.packing_house_code,
            )
            for ln in self.conn.execute(
                select(t.cargo_lines)
                .where(t.cargo_lines.c.shipment_id == shipment_id)
                .order_by(t.cargo_lines.c.line_no)
            )
        ]
        return Shipment(
            id=r.id,
            exporter_id=r.exporter_id,
            consignee_name=r.consignee_name,
            consignee_country=r.consignee_country,
            lines=lines,
            phytosanitary_certificate_no=r.phytosanitary_certificate_no,
            created_at=r.created_at,
            part_of=r.part_of,
        )

    def parts_of(self, consignment_id: str) -> list[Shipment]:
        """The parts split from a consignment, oldest first."""
        ids = self.conn.execute(
            select(t.shipments.c.id)
            .where(t.shipments.c.part_of == consignment_id)
            .order_by(t.shipments.c.created_at, t.shipments.c.id)
        ).scalars()
        return [s for s in (self.get(i) for i in list(ids)) if s is not None]

    def booking_facts(
        self,
        trip_id: str,
        no_shows_since: datetime,
        idempotency_scope: str,
        idempotency_key: str,
        window: tuple[datetime, datetime],
    ) -> BookingFacts | None:
        params = {
            "trip_id": trip_id,
            "since": no_shows_since,
            "scope": idempotency_scope,
            "key": idempotency_key,
            "window_start": window[0],
            "window_end": window[1],
        }
        rows = self.conn.execute(_booking_facts_query(), params).all()
        if not rows:
            return None
        r = rows[0]
        slots = [
            SlotRow(
                x.slot_starts_at,
                x.slot_ends_at,
                x.slot_capacity,
                x.slot_inspection_capacity,
                x.slot_booked,
                x.slot_booked_inspection,
            )
            for x in rows
            if x.slot_starts_at is not None
        ]
        stored = None if r.stored_hash is None else (r.stored_hash, r.stored_status, r.stored_response)
        return self._facts(r, stored, slots)

    def booking_facts_many(self, trip_ids: list[str], no_shows_since: datetime) -> dict[str, BookingFacts]:
        """``booking_facts`` of several trips in one query, without an idempotency key's stored request and
        without slots (a batch reads those once for all: ``IdempotencyRepository.stored_keys``,
        ``SlotRepository.between``). Trips that do not exist are left out."""
        rows = self.conn.execute(_booking_facts_many_query(), {"trip_ids": trip_ids, "since": no_shows_since})
        out = {}
        for r in rows:
            facts = self._facts(r, None, [])
            if facts is not None:
                out[r.id] = facts
        return out

    def _facts(self, r: Row[Any], stored: tuple[str, int, Any] | None, slots: list[SlotRow]) -> BookingFacts | None:
        gate = SqlGateRepository(self.conn).get(r.gate_id, revision=r.gate_revision)
        if gate is None:  # pragma: no cover - a foreign key holds the trip to its gate
            return None
        return BookingFacts(
            trip=trip_from_row(r),
            gate=gate,
            stored_request=stored,
            exporter_id=r.s_exporter_id,
            perishability=Perishability(r.s_perishability),
            needs_inspection=any(is_plant_product(self._hs(c)) for c in (r.hs_codes or "").split(",") if c),
            latest_booking_status=r.latest_booking_status,
            no_shows=int(r.no_shows),
            vehicle_owner_id=r.v_owner_id,
            window_slots=slots,
        )
