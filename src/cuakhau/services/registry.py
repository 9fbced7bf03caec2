"""Register the parties of a trip: enterprises, vehicles, drivers. Each is registered once and reused."""

from __future__ import annotations

from collections.abc import Sequence

from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import Conflict, NotFound, require
from cuakhau.domain.parties import Driver, Enterprise, Vehicle
from cuakhau.domain.trip import new_id
from cuakhau.services.ports import UnitOfWork


def register_enterprise(
    uow: UnitOfWork,
    *,
    clock: Clock,
    name: str,
    country: str,
    tax_id: str,
    roles: list[str],
    address: str = "",
    phone: str | None = None,
) -> Enterprise:
    enterprise = Enterprise.register(
        enterprise_id=new_id(),
        name=name,
        country=country,
        tax_id=tax_id,
        roles=roles,
        address=address,
        phone=phone,
        created_at=clock.now(),
    )
    with uow:
        existing = uow.enterprises.get_by_tax_id(enterprise.tax_id.country, enterprise.tax_id.number)
        if existing is not None:
            raise Conflict("enterprise.duplicate", field="tax_id", tax_id=enterprise.tax_id.number, id=existing.id)
        uow.enterprises.add(enterprise)
        uow.commit()
    return enterprise


def register_vehicle(
    uow: UnitOfWork,
    *,
    clock: Clock,
    plate: str,
    owner_id: str,
    refrigerated: bool = False,
    vehicle_type: str | None = None,
    registration_number: str | None = None,
) -> Vehicle:
    """Register a vehicle with the type and number of its registration (see :class:`Vehicle` for the rules)."""
    vehicle = Vehicle.register(
        vehicle_id=new_id(),
        plate=plate,
        owner_id=owner_id,
        refrigerated=refrigerated,
        created_at=clock.now(),
        vehicle_type=vehicle_type,
        registration_number=registration_number,
    )
    with uow:
        if uow.enterprises.get(owner_id) is None:
            raise NotFound("enterprise", owner_id, field="owner_id")
        existing = uow.vehicles.get_by_plate(vehicle.plate.text)
        if existing is not None:
            raise Conflict("vehicle.duplicate", field="plate", plate=vehicle.plate.text, id=existing.id)
        uow.vehicles.add(vehicle)
        uow.commit()
    return vehicle


def register_driver(
    uow: UnitOfWork,
    *,
    clock: Clock,
    full_name: str,
    document_kind: str,
    document_number: str,
    nationality: str,
    phone: str | None = None,
    employer_id: str | None = None,
) -> Driver:
    driver = Driver.register(
        driver_id=new_id(),
        full_name=full_name,
        document_kind=document_kind,
        document_number=document_number,
        nationality=nationality,
        phone=phone,
        employer_id=employer_id,
        created_at=clock.now(),
    )
    with uow:
        if employer_id is not None and uow.enterprises.get(employer_id) is None:
            raise NotFound("enterprise", employer_id, field="employer_id")
        existing = uow.drivers.get_by_document(driver.document.kind.value, driver.document.number)
        if existing is not None:
            raise Conflict("driver.duplicate", field="document_number", id=existing.id)
        uow.drivers.add(driver)
        uow.commit()
    return driver


def update_vehicle(
    uow: UnitOfWork,
    *,
    vehicle_id: str,
    plate: str | None = None,
    refrigerated: bool | None = None,
    vehicle_type: str | None = None,
    registration_number: str | None = None,
) -> Vehicle:
    """Correct a registered vehicle: the fields given replace its own, checked as at registration (the type from
    the registration, the plate's warnings recomputed). A vehicle on an open trip keeps its plate: the trip, its
    booking and the gates' cameras know the truck by it (``vehicle.plate_on_open_trip``)."""
    with uow:
        current = require(uow.vehicles.get(vehicle_id), "vehicle", vehicle_id)
        typed = registration_number is not None or vehicle_type is not None or current.registration_number
        vehicle = Vehicle.register(
            vehicle_id=current.id,
            plate=current.plate.text if plate is None else plate,
            owner_id=current.owner_id,
            refrigerated=current.refrigerated if refrigerated is None else refrigerated,
            created_at=current.created_at,
            # a vehicle registered before types keeps the plate's hint until its registration is given
            vehicle_type=(vehicle_type or current.vehicle_type.value) if typed else None,
            registration_number=current.registration_number if registration_number is None else registration_number,
        )
        if vehicle.plate.text != current.plate.text:
            existing = uow.vehicles.get_by_plate(vehicle.plate.text)
            if existing is not None and existing.id != vehicle_id:
                raise Conflict("vehicle.duplicate", field="plate", plate=vehicle.plate.text, id=existing.id)
            if uow.vehicles.on_open_trip(vehicle_id):
                raise Conflict("vehicle.plate_on_open_trip", field="plate", plate=current.plate.display)
        uow.vehicles.update(vehicle)
        uow.commit()
    return vehicle


def update_driver(
    uow: UnitOfWork,
    *,
    driver_id: str,
    full_name: str | None = None,
    document_kind: str | None = None,
    document_number: str | None = None,
    nationality: str | None = None,
    phone: str | None = None,
) -> Driver:
    """Correct a registered driver: the fields given replace its own, checked as at registration; a document
    another driver holds is refused (``driver.duplicate``). The employer stays."""
    with uow:
        current = require(uow.drivers.get(driver_id), "driver", driver_id)
        driver = Driver.register(
            driver_id=current.id,
            full_name=current.full_name if full_name is None else full_name,
            document_kind=current.document.kind.value if document_kind is None else document_kind,
            document_number=current.document.number if document_number is None else document_number,
            nationality=current.nationality if nationality is None else nationality,
            phone=current.phone if phone is None else (phone or None),
            employer_id=current.employer_id,
            created_at=current.created_at,
        )
        if driver.document != current.document:
            existing = uow.drivers.get_by_document(driver.document.kind.value, driver.document.number)
            if existing is not None and existing.id != driver_id:
                raise Conflict("driver.duplicate", field="document_number", id=existing.id)
        uow.drivers.update(driver)
        uow.commit()
    return driver


def get_enterprise(uow: UnitOfWork, enterprise_id: str) -> Enterprise:
    with uow:
        return require(uow.enterprises.get(enterprise_id), "enterprise", enterprise_id)


def get_vehicle(uow: UnitOfWork, vehicle_id: str) -> Vehicle:
    with uow:
        return require(uow.vehicles.get(vehicle_id), "vehicle", vehicle_id)


def get_driver(uow: UnitOfWork, driver_id: str) -> Driver:
    with uow:
        return require(uow.drivers.get(driver_id), "driver", driver_id)


def list_enterprises(
    uow: UnitOfWork, *, limit: int, offset: int, only: Sequence[str] | None = None
) -> tuple[list[Enterprise], int]:
    """A page of enterprises and how many there are; ``only``: just these ids (those that exist)."""
    with uow:
        if only is None:
            return uow.enterprises.page(limit=limit, offset=offset)
        found = [e for e in (uow.enterprises.get(i) for i in only) if e is not None]
    return found[offset : offset + limit], len(found)


def list_vehicles(uow: UnitOfWork, *, owner_id: str | None, limit: int, offset: int) -> tuple[list[Vehicle], int]:
    """A page of vehicles (one owner's, if given) and how many there are."""
    with uow:
        return uow.vehicles.page(owner_id=owner_id, limit=limit, offset=offset)


def list_drivers(uow: UnitOfWork, *, employer_id: str | None, limit: int, offset: int) -> tuple[list[Driver], int]:
    """A page of drivers (one employer's, if given) and how many there are."""
    with uow:
        return uow.drivers.page(limit=limit, offset=offset, employer_id=employer_id)
