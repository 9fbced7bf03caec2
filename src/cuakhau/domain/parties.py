"""Who moves the goods: enterprises (doanh nghiệp / 企业), vehicles (xe / 车辆) and drivers (lái xe / 司机)."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cuakhau.domain.common import MAX_NAME, clean_name, clean_phone, parse_country, parse_enum
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.values import (
    ECHO_LIMIT,
    IdentityDocument,
    Plate,
    PlateCountry,
    TaxId,
    VehicleClass,
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


class VehicleType(StrEnum):
    """The vehicle's type as its registration certificate states it, in the gate's classes."""

    TRUCK = "truck"  # xe tải / 货车
    TRACTOR_UNIT = "tractor_unit"  # ô tô đầu kéo / 牵引车
    VAN = "van"  # xe tải van / 厢式货车
    TRAILER = "trailer"  # rơ moóc / 全挂车
    SEMI_TRAILER = "semi_trailer"  # sơ mi rơ moóc / 半挂车

    @property
    def is_towed(self) -> bool:
        return self in TOWED_TYPES


TOWED_TYPES = frozenset({VehicleType.TRAILER, VehicleType.SEMI_TRAILER})

#: Registration certificate numbers by the plate's country: Vietnamese giấy chứng nhận đăng ký xe (a serial
#: of 6 to 8 digits, in some series after up to three letters), Chinese 机动车登记证书 (12 digits).
REGISTRATION_NUMBER_SHAPES: Mapping[PlateCountry, re.Pattern[str]] = {
    PlateCountry.VN: re.compile(r"[A-Z]{0,3}[0-9]{6,8}"),
    PlateCountry.CN: re.compile(r"[0-9]{12}"),
}
_REGISTRATION_SEPARATORS = re.compile(r"[\s\-./:·_]+")


def parse_registration_number(raw: str, country: PlateCountry, *, field: str = "registration_number") -> str:
    """A registration certificate number in canonical form (upper case, no separators), checked for shape."""
    text = _REGISTRATION_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()
    if not REGISTRATION_NUMBER_SHAPES[country].fullmatch(text):
        raise InvalidInput(
            "vehicle.registration_invalid", field=field, value=raw.strip()[:ECHO_LIMIT], country=country.value
        )
    return text


@dataclass(frozen=True, slots=True)
class VehicleWarning:
    """Something an officer should look at about a registered vehicle (a hint, never a refusal)."""

    code: str
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)


#: The plate-hint class a vehicle of unknown type is taken for (only goods hints are taken).
_TYPE_FROM_PLATE = {VehicleClass.TRUCK: VehicleType.TRUCK, VehicleClass.TRAILER: VehicleType.TRAILER}


@dataclass(slots=True)
class Vehicle:
    """A registered goods vehicle or trailer; its type comes from its registration, not from its plate.

    ``vehicle_type`` and ``registration_number`` are read off the registration certificate. The plate's series
    (Vietnam) or shape (China) is only a hint: one that does not usually mean a goods vehicle, or that
    disagrees with the declared type, gives a :class:`VehicleWarning` kept with the vehicle, never a refusal.
    Plates that are never goods vehicles (two-wheelers) are refused by :meth:`Plate.parse`.

    A client that declares no type (the API before types existed) gets the type the plate hints at, with the
    warning ``vehicle.type_from_plate``; a plate that hints at no goods vehicle then needs the type declared.
    """

    id: str
    plate: Plate
    owner_id: str
    refrigerated: bool = False
    created_at: datetime | None = None
    vehicle_type: VehicleType = VehicleType.TRUCK
    registration_number: str | None = None
    warnings: tuple[VehicleWarning, ...] = ()

    @classmethod
    def register(
        cls,
        *,
        vehicle_id: str,
        plate: str,
        owner_id: str,
        refrigerated: bool = False,
        created_at: datetime | None = None,
        vehicle_type: str | None = None,
        registration_number: str | None = None,
    ) -> Vehicle:
        parsed = Plate.parse(plate, field="plate")
        number = None
        if registration_number is not None and registration_number.strip():
            number = parse_registration_number(registration_number, parsed.country)
        warnings: list[VehicleWarning] = []
        if vehicle_type is None or not vehicle_type.strip():
            guessed = _TYPE_FROM_PLATE.get(parsed.vehicle_class)
            if guessed is None:
                raise InvalidInput("vehicle.type_required", field="vehicle_type", plate=parsed.display)
            kind = guessed
            warnings.append(VehicleWarning("vehicle.type_from_plate", {"plate": parsed.display}))
        else:
            kind = parse_enum(VehicleType, vehicle_type.strip().lower(), field="vehicle_type")
            if number is None:
                raise InvalidInput("vehicle.registration_missing", field="registration_number")
            warnings.extend(plate_warnings(parsed, kind))
        return cls(
            id=vehicle_id,
            plate=parsed,
            owner_id=owner_id,
            refrigerated=refrigerated,
            created_at=created_at,
            vehicle_type=kind,
            registration_number=number,
            warnings=tuple(warnings),
        )

    @property
    def is_trailer(self) -> bool:
        return self.vehicle_type.is_towed


def plate_warnings(plate: Plate, kind: VehicleType) -> list[VehicleWarning]:
    """What the plate hints that disagrees with the registered type."""
    params = {"plate": plate.display}
    if plate.vehicle_class not in (VehicleClass.TRUCK, VehicleClass.TRAILER):
        code = "vehicle.series_not_goods" if plate.country is PlateCountry.VN else "vehicle.plate_not_goods"
        return [VehicleWarning(code, {**params, "series": plate.series} if plate.series else params)]
    if kind.is_towed and plate.vehicle_class is not VehicleClass.TRAILER:
        return [VehicleWarning("vehicle.towed_with_motor_plate", params)]
    if not kind.is_towed and plate.vehicle_class is VehicleClass.TRAILER:
        return [VehicleWarning("vehicle.motor_with_trailer_plate", params)]
    return []


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
