"""Storage of the parties: enterprises, vehicles and drivers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, Table, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.common import insert_unique
from cuakhau.domain.errors import Conflict
from cuakhau.domain.parties import Driver, Enterprise, EnterpriseRole, Vehicle, VehicleType, VehicleWarning
from cuakhau.domain.trip import TERMINAL_STATES
from cuakhau.domain.values import (
    IdentityDocument,
    IdentityDocumentKind,
    Plate,
    PlateCountry,
    TaxId,
    VehicleClass,
)


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
        insert_unique(
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
        vehicle_type=VehicleType(r.vehicle_type),
        registration_number=r.registration_number,
        warnings=tuple(VehicleWarning(w["code"], w.get("params") or {}) for w in r.warnings or ()),
    )


class SqlVehicleRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, v: Vehicle) -> None:
        insert_unique(
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
                "vehicle_type": v.vehicle_type.value,
                "registration_number": v.registration_number,
                "warnings": [{"code": w.code, "params": dict(w.params)} for w in v.warnings],
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

    def update(self, v: Vehicle) -> None:
        values = {
            "plate": v.plate.text,
            "plate_country": v.plate.country.value,
            "vehicle_class": v.plate.vehicle_class.value,
            "refrigerated": v.refrigerated,
            "vehicle_type": v.vehicle_type.value,
            "registration_number": v.registration_number,
            "warnings": [{"code": w.code, "params": dict(w.params)} for w in v.warnings],
        }
        try:  # a plate taken by another writer meanwhile: a 409, not a 500
            self.conn.execute(update(t.vehicles).where(t.vehicles.c.id == v.id).values(**values))
        except IntegrityError:
            raise Conflict("vehicle.duplicate", field="plate", plate=v.plate.display) from None

    def on_open_trip(self, vehicle_id: str) -> bool:
        c = t.trips.c
        open_ = c.state.not_in([s.value for s in TERMINAL_STATES])
        held = or_(c.vehicle_id == vehicle_id, c.trailer_id == vehicle_id)
        return bool(self.conn.execute(select(exists().where(open_, held))).scalar())

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
        insert_unique(
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

    def update(self, d: Driver) -> None:
        values = {
            "full_name": d.full_name,
            "document_kind": d.document.kind.value,
            "document_number": d.document.number,
            "nationality": d.nationality,
            "phone": d.phone,
        }
        try:
            self.conn.execute(update(t.drivers).where(t.drivers.c.id == d.id).values(**values))
        except IntegrityError:
            raise Conflict("driver.duplicate", field="document_number") from None

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
