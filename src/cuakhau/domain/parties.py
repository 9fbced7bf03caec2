"""Who moves the goods: enterprises (doanh nghiệp / 企业), vehicles (xe / 车辆) and drivers (lái xe / 司机)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cuakhau.domain.common import MAX_NAME, clean_name, clean_phone, parse_country, parse_enum
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.values import (
    IdentityDocument,
    Plate,
    TaxId,
    VehicleClass,
    require_goods_vehicle,
)


class EnterpriseRole(StrEnum):
    EXPORTER = "exporter"
    IMPORTER = "importer"
    HAULIER = "haulier"
    BROKER = "broker"  # customs broker — đại lý hải quan / 报关行


@dataclass(slots=True)
class Enterprise:
    id: str
    name: str
    tax_id: TaxId
    roles: frozenset[EnterpriseRole]
    address: str = ""
    phone: str | None = None
    created_at: datetime | None = None

    @classmethod
    def register(
        cls,
        *,
        enterprise_id: str,
        name: str,
        country: str,
        tax_id: str,
        roles: list[str],
        address: str = "",
        phone: str | None = None,
        created_at: datetime | None = None,
    ) -> Enterprise:
        parsed_roles = {parse_enum(EnterpriseRole, role, field=f"roles[{i}]") for i, role in enumerate(roles)}
        if not parsed_roles:
            raise InvalidInput("enterprise.no_role", field="roles")
        if len(address) > MAX_NAME:
            raise InvalidInput("text.too_long", field="address", max=MAX_NAME)
        return cls(
            id=enterprise_id,
            name=clean_name(name, field="name"),
            tax_id=TaxId.parse(country, tax_id, field="tax_id"),
            roles=frozenset(parsed_roles),
            address=address.strip(),
            phone=clean_phone(phone),
            created_at=created_at,
        )

    @property
    def country(self) -> str:
        return self.tax_id.country


@dataclass(slots=True)
class Vehicle:
    """A registered goods vehicle or trailer. Only trucks, tractors, vans and trailers are accepted."""

    id: str
    plate: Plate
    owner_id: str
    refrigerated: bool = False
    created_at: datetime | None = None

    @classmethod
    def register(
        cls,
        *,
        vehicle_id: str,
        plate: str,
        owner_id: str,
        refrigerated: bool = False,
        created_at: datetime | None = None,
    ) -> Vehicle:
        parsed = require_goods_vehicle(Plate.parse(plate, field="plate"), field="plate")
        return cls(id=vehicle_id, plate=parsed, owner_id=owner_id, refrigerated=refrigerated, created_at=created_at)

    @property
    def is_trailer(self) -> bool:
        return self.plate.vehicle_class is VehicleClass.TRAILER


@dataclass(slots=True)
class Driver:
    id: str
    full_name: str
    document: IdentityDocument
    nationality: str
    phone: str | None = None
    employer_id: str | None = None
    created_at: datetime | None = None

    @classmethod
    def register(
        cls,
        *,
        driver_id: str,
        full_name: str,
        document_kind: str,
        document_number: str,
        nationality: str,
        phone: str | None = None,
        employer_id: str | None = None,
        created_at: datetime | None = None,
    ) -> Driver:
        nat = parse_country(nationality, field="nationality")
        return cls(
            id=driver_id,
            full_name=clean_name(full_name, field="full_name"),
            document=IdentityDocument.parse(document_kind, document_number, field="document_number"),
            nationality=nat,
            phone=clean_phone(phone),
            employer_id=employer_id,
            created_at=created_at,
        )
