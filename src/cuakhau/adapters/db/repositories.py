"""Repositories: every query lives here. They map rows to domain objects and back, and never commit."""

from __future__ import annotations

import functools
from datetime import datetime, time
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.batch import InsertBatch, insert_row
from cuakhau.adapters.db.cache import GATES
from cuakhau.domain.errors import ConcurrentUpdate, Conflict
from cuakhau.domain.gate import (
    Closure,
    ClosureKind,
    Country,
    Direction,
    Gate,
    Lane,
    LaneKind,
    LocalizedText,
    OpeningPeriod,
)
from cuakhau.domain.hs import HsCode, HsEntry, HsNomenclature, is_plant_product
from cuakhau.domain.parties import Driver, Enterprise, EnterpriseRole, Vehicle
from cuakhau.domain.shipment import CargoLine, Perishability, Shipment
from cuakhau.domain.trip import TERMINAL_STATES, Actor, ActorRole, Trip, TripAction, TripEvent, TripState, new_id
from cuakhau.domain.values import (
    ContainerNumber,
    IdentityDocument,
    IdentityDocumentKind,
    Plate,
    PlateCountry,
    TaxId,
    VehicleClass,
)
from cuakhau.services.ports import BookingFacts, SlotRow, TripFilter, TripSummary


def _insert(conn: Connection, stmt: Any, rows: Any, *, code: str, field: str | None = None) -> None:
    """Insert, turning a unique-constraint race lost to another writer into a 409 instead of a 500."""
    try:
        conn.execute(stmt, rows)
    except IntegrityError:
        raise Conflict(code, field=field) from None


# --- gates -------------------------------------------------------------------------------------------


def _period_to_json(p: OpeningPeriod) -> dict[str, Any]:
    return {
        "opens": p.opens.isoformat("minutes"),
        "closes": p.closes.isoformat("minutes"),
        "weekdays": sorted(p.weekdays),
    }


def _period_from_json(d: dict[str, Any]) -> OpeningPeriod:
    return OpeningPeriod(
        opens=time.fromisoformat(d["opens"]),
        closes=time.fromisoformat(d["closes"]),
        weekdays=frozenset(d["weekdays"]),
    )


class SqlGateRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, gate: Gate) -> None:
        _insert(
            self.conn,
            insert(t.gates),
            {
                "id": gate.id,
                "country": gate.country.value,
                "locode": gate.locode,
                "name_vi": gate.names.vi,
                "name_zh": gate.names.zh,
                "name_en": gate.names.en,
                "counterpart_id": gate.counterpart_id,
                "province": gate.province,
                "latitude": gate.latitude,
                "longitude": gate.longitude,
                "opening_hours": [_period_to_json(p) for p in gate.opening_hours],
                "inspection_bays": gate.inspection_bays,
                "inspection_minutes": gate.inspection_minutes,
                "revision": new_id(),
            },
            code="gate.duplicate",
            field="id",
        )
        self._insert_lanes(gate)
        for closure in gate.closures:
            self.add_closure(gate.id, closure)

    def update(self, gate: Gate) -> None:
        """The gate's description, lanes and weekly hours replaced by ``gate``'s; its closures and inspection
        capacity are left as they are (a new revision: every process's cache sees it at commit)."""
        self.conn.execute(
            update(t.gates)
            .where(t.gates.c.id == gate.id)
            .values(
                country=gate.country.value,
                locode=gate.locode,
                name_vi=gate.names.vi,
                name_zh=gate.names.zh,
                name_en=gate.names.en,
                counterpart_id=gate.counterpart_id,
                province=gate.province,
                latitude=gate.latitude,
                longitude=gate.longitude,
                opening_hours=[_period_to_json(p) for p in gate.opening_hours],
                revision=new_id(),
            )
        )
        self.conn.execute(delete(t.gate_lanes).where(t.gate_lanes.c.gate_id == gate.id))
        self._insert_lanes(gate)

    def _insert_lanes(self, gate: Gate) -> None:
        if gate.lanes:
            self.conn.execute(
                insert(t.gate_lanes),
                [
                    {
                        "gate_id": gate.id,
                        "code": ln.code,
                        "position": i,
                        "direction": ln.direction.value,
                        "kind": ln.kind.value,
                        "service_minutes": ln.service_minutes,
                    }
                    for i, ln in enumerate(gate.lanes)
                ],
            )

    def set_inspection_capacity(self, gate_id: str, bays: int, minutes: float) -> None:
        """The gate's quarantine inspection bays (the booking capacity counts them); a new revision."""
        self.conn.execute(
            update(t.gates)
            .where(t.gates.c.id == gate_id)
            .values(inspection_bays=bays, inspection_minutes=minutes, revision=new_id())
        )

    def set_opening_hours(self, gate_id: str, hours: list[dict[str, Any]]) -> None:
        """The gate's weekly hours replaced (a new revision: every process's cache sees it at commit)."""
        self.conn.execute(update(t.gates).where(t.gates.c.id == gate_id).values(opening_hours=hours, revision=new_id()))

    def remove_closure(self, gate_id: str, closure_id: str) -> bool:
        c = t.gate_closures
        if not self.conn.execute(delete(c).where(c.c.id == closure_id, c.c.gate_id == gate_id)).rowcount:
            return False
        self.conn.execute(update(t.gates).where(t.gates.c.id == gate_id).values(revision=new_id()))
        return True

    def add_closure(self, gate_id: str, closure: Closure) -> None:
        self.conn.execute(update(t.gates).where(t.gates.c.id == gate_id).values(revision=new_id()))
        self.conn.execute(
            insert(t.gate_closures),
            {
                "id": closure.id or new_id(),
                "gate_id": gate_id,
                "starts_at": closure.starts_at,
                "ends_at": closure.ends_at,
                "kind": closure.kind.value,
                "reason": closure.reason,
            },
        )

    def get(self, gate_id: str, *, revision: str | None = None) -> Gate | None:
        """One indexed lookup of the gate's revision when the process has it cached (adapters/db/cache.py).

        ``revision``: the gate's revision, already read in this transaction with another query.
        """
        if revision is None:
            revision = self.conn.execute(select(t.gates.c.revision).where(t.gates.c.id == gate_id)).scalar()
        if revision is None:
            return None
        cached = GATES.get(gate_id, revision)
        if cached is not None:
            return cached
        gates = self._load(t.gates.c.id == gate_id)
        if not gates:
            return None
        # Loaded after the revision was read: at worst a change newer than it, never an older state.
        GATES.put(gate_id, revision, gates[0])
        return gates[0]

    def all(self) -> list[Gate]:
        return self._load(None)

    def _load(self, where: Any) -> list[Gate]:
        q = select(t.gates).order_by(t.gates.c.id)
        if where is not None:
            q = q.where(where)
        rows = self.conn.execute(q).all()
        if not rows:
            return []
        ids = [r.id for r in rows]
        lanes: dict[str, list[Lane]] = {}
        for r in self.conn.execute(
            select(t.gate_lanes).where(t.gate_lanes.c.gate_id.in_(ids)).order_by(t.gate_lanes.c.position)
        ):
            lanes.setdefault(r.gate_id, []).append(
                Lane(r.code, Direction(r.direction), LaneKind(r.kind), r.service_minutes)
            )
        closures: dict[str, list[Closure]] = {}
        for r in self.conn.execute(
            select(t.gate_closures).where(t.gate_closures.c.gate_id.in_(ids)).order_by(t.gate_closures.c.starts_at)
        ):
            closures.setdefault(r.gate_id, []).append(
                Closure(r.starts_at, r.ends_at, r.reason, ClosureKind(r.kind), r.id)
            )
        return [
            Gate(
                id=r.id,
                country=Country(r.country),
                names=LocalizedText(r.name_vi, r.name_zh, r.name_en),
                counterpart_id=r.counterpart_id,
                locode=r.locode,
                province=r.province,
                latitude=r.latitude,
                longitude=r.longitude,
                lanes=lanes.get(r.id, []),
                opening_hours=[_period_from_json(p) for p in r.opening_hours],
                closures=closures.get(r.id, []),
                inspection_bays=r.inspection_bays,
                inspection_minutes=r.inspection_minutes,
            )
            for r in rows
        ]


# --- parties -----------------------------------------------------------------------------------------


def _enterprise(r: Row[Any]) -> Enterprise:
    return Enterprise(
        id=r.id,
        name=r.name,
        tax_id=TaxId(r.country, r.tax_id),
        roles=frozenset(EnterpriseRole(x) for x in r.roles),
        address=r.address,
        phone=r.phone,
        created_at=r.created_at,
    )


def _count(conn: Connection, table: Table, where: Any = None) -> int:
    q = select(func.count()).select_from(table)
    if where is not None:
        q = q.where(where)
    return int(conn.execute(q).scalar_one())


class SqlEnterpriseRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, e: Enterprise) -> None:
        _insert(
            self.conn,
            insert(t.enterprises),
            {
                "id": e.id,
                "name": e.name,
                "country": e.tax_id.country,
                "tax_id": e.tax_id.number,
                "roles": sorted(r.value for r in e.roles),
                "address": e.address,
                "phone": e.phone,
                "created_at": e.created_at,
            },
            code="enterprise.duplicate",
            field="tax_id",
        )

    def get(self, enterprise_id: str) -> Enterprise | None:
        r = self.conn.execute(select(t.enterprises).where(t.enterprises.c.id == enterprise_id)).first()
        return _enterprise(r) if r else None

    def get_by_tax_id(self, country: str, number: str) -> Enterprise | None:
        r = self.conn.execute(
            select(t.enterprises).where(t.enterprises.c.country == country, t.enterprises.c.tax_id == number)
        ).first()
        return _enterprise(r) if r else None

    def page(self, *, limit: int, offset: int) -> tuple[list[Enterprise], int]:
        rows = self.conn.execute(
            select(t.enterprises).order_by(t.enterprises.c.created_at, t.enterprises.c.id).limit(limit).offset(offset)
        ).all()
        return [_enterprise(r) for r in rows], _count(self.conn, t.enterprises)


def _vehicle(r: Row[Any]) -> Vehicle:
    return Vehicle(
        id=r.id,
        plate=Plate(r.plate, PlateCountry(r.plate_country), VehicleClass(r.vehicle_class)),
        owner_id=r.owner_id,
        refrigerated=r.refrigerated,
        created_at=r.created_at,
    )


class SqlVehicleRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, v: Vehicle) -> None:
        _insert(
            self.conn,
            insert(t.vehicles),
            {
                "id": v.id,
                "plate": v.plate.text,
                "plate_country": v.plate.country.value,
                "vehicle_class": v.plate.vehicle_class.value,
                "owner_id": v.owner_id,
                "refrigerated": v.refrigerated,
                "created_at": v.created_at,
            },
            code="vehicle.duplicate",
            field="plate",
        )

    def get(self, vehicle_id: str) -> Vehicle | None:
        r = self.conn.execute(select(t.vehicles).where(t.vehicles.c.id == vehicle_id)).first()
        return _vehicle(r) if r else None

    def get_by_plate(self, plate: str) -> Vehicle | None:
        r = self.conn.execute(select(t.vehicles).where(t.vehicles.c.plate == plate)).first()
        return _vehicle(r) if r else None

    def page(self, *, owner_id: str | None, limit: int, offset: int) -> tuple[list[Vehicle], int]:
        where = t.vehicles.c.owner_id == owner_id if owner_id else None
        q = select(t.vehicles).order_by(t.vehicles.c.plate).limit(limit).offset(offset)
        if where is not None:
            q = q.where(where)
        return [_vehicle(r) for r in self.conn.execute(q)], _count(self.conn, t.vehicles, where)


def _driver(r: Row[Any]) -> Driver:
    return Driver(
        id=r.id,
        full_name=r.full_name,
        document=IdentityDocument(IdentityDocumentKind(r.document_kind), r.document_number),
        nationality=r.nationality,
        phone=r.phone,
        employer_id=r.employer_id,
        created_at=r.created_at,
    )


class SqlDriverRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, d: Driver) -> None:
        _insert(
            self.conn,
            insert(t.drivers),
            {
                "id": d.id,
                "full_name": d.full_name,
                "document_kind": d.document.kind.value,
                "document_number": d.document.number,
                "nationality": d.nationality,
                "phone": d.phone,
                "employer_id": d.employer_id,
                "created_at": d.created_at,
            },
            code="driver.duplicate",
            field="document_number",
        )

    def get(self, driver_id: str) -> Driver | None:
        r = self.conn.execute(select(t.drivers).where(t.drivers.c.id == driver_id)).first()
        return _driver(r) if r else None

    def get_by_document(self, kind: str, number: str) -> Driver | None:
        r = self.conn.execute(
            select(t.drivers).where(t.drivers.c.document_kind == kind, t.drivers.c.document_number == number)
        ).first()
        return _driver(r) if r else None

    def page(self, *, limit: int, offset: int, employer_id: str | None = None) -> tuple[list[Driver], int]:
        if employer_id is not None:
            c = t.drivers.c
            where = c.employer_id == employer_id
            rows = self.conn.execute(
                select(t.drivers).where(where).order_by(c.full_name, c.id).limit(limit).offset(offset)
            )
            return [_driver(r) for r in rows], _count(self.conn, t.drivers, where)
        rows = self.conn.execute(
            select(t.drivers).order_by(t.drivers.c.full_name, t.drivers.c.id).limit(limit).offset(offset)
        )
        return [_driver(r) for r in rows], _count(self.conn, t.drivers)


# --- shipments ---------------------------------------------------------------------------------------


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
        _insert(
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
        )

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
            trip=_trip(r),
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


# --- trips -------------------------------------------------------------------------------------------


def _trip(r: Row[Any]) -> Trip:
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
        _insert(
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
        return _trip(r) if r else None

    def active_for_vehicle(self, vehicle_id: str) -> list[Trip]:
        rows = self.conn.execute(
            select(t.trips).where(
                t.trips.c.vehicle_id == vehicle_id, t.trips.c.state.not_in([s.value for s in TERMINAL_STATES])
            )
        )
        return [_trip(r) for r in rows]

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
            .order_by(t.trips.c.declared_at.desc(), t.trips.c.id)
            .limit(limit)
            .offset(offset)
        )
        cq = select(func.count()).select_from(joined)
        if where is not None:
            q, cq = q.where(where), cq.where(where)
        items = [
            TripSummary(
                trip=_trip(r),
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
            )
            for r in rows
        ]
