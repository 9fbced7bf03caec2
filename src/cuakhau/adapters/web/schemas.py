"""Request and response bodies of the HTTP API. Requests refuse unknown fields."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from cuakhau import i18n
from cuakhau.adapters.bounds import Instant
from cuakhau.domain.gate import Gate
from cuakhau.domain.parties import Driver, Enterprise, Vehicle
from cuakhau.domain.shipment import Shipment
from cuakhau.domain.trip import Actor, ActorRole, Trip, TripEvent, allowed_actions

Text = Annotated[str, Field(max_length=2000)]
Short = Annotated[str, Field(max_length=200)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
T = TypeVar("T")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActorIn(Strict):
    """Who takes the step. Optional: the step is recorded under the authenticated account. Only a
    ``system_admin`` (an integration replaying records) may name someone else; any other account that states a
    role other than its own is refused (``auth.actor_mismatch``)."""

    id: Short
    role: ActorRole

    def to_domain(self) -> Actor:
        return Actor(self.id, self.role)


class EnterpriseIn(Strict):
    name: Short
    country: Annotated[str, Field(max_length=2, description="VN or CN")]
    tax_id: Annotated[str, Field(max_length=32, description="Mã số thuế (VN) or 统一社会信用代码 (CN)")]
    roles: Annotated[list[Short], Field(max_length=4)]
    address: Text = ""
    phone: Annotated[str | None, Field(max_length=32)] = None


class VehicleIn(Strict):
    plate: Annotated[str, Field(max_length=32, examples=["12C-123.45", "桂F·12345"])]
    owner_id: Id
    refrigerated: bool = False
    vehicle_type: Annotated[
        str | None,
        Field(
            max_length=16,
            examples=["truck", "tractor_unit", "van", "trailer", "semi_trailer"],
            description="As the registration states it. Without it the plate's hint is taken, with a warning; "
            "a plate that hints at no goods vehicle then needs it.",
        ),
    ] = None
    registration_number: Annotated[
        str | None,
        Field(
            max_length=32,
            examples=["012345", "450001234567"],
            description="Registration certificate number (VN 6-8 digits, CN 12 digits); required with vehicle_type",
        ),
    ] = None


class VehiclePatch(Strict):
    """A correction of a registered vehicle: only the fields given change (the owner never does)."""

    plate: Annotated[str | None, Field(max_length=32, examples=["12C-123.45"])] = None
    refrigerated: bool | None = None
    vehicle_type: Annotated[str | None, Field(max_length=16, examples=["truck", "semi_trailer"])] = None
    registration_number: Annotated[str | None, Field(max_length=32, examples=["012345"])] = None


class DriverIn(Strict):
    full_name: Short
    document_kind: Annotated[str, Field(max_length=32)]
    document_number: Annotated[str, Field(max_length=32)]
    nationality: Annotated[str, Field(max_length=2)]
    phone: Annotated[str | None, Field(max_length=32)] = None
    employer_id: Id | None = None


class DriverPatch(Strict):
    """A correction of a registered driver: only the fields given change (the employer never does)."""

    full_name: Short | None = None
    document_kind: Annotated[str | None, Field(max_length=32)] = None
    document_number: Annotated[str | None, Field(max_length=32)] = None
    nationality: Annotated[str | None, Field(max_length=2)] = None
    phone: Annotated[str | None, Field(max_length=32, description="an empty string removes the phone")] = None


class CargoLineIn(Strict):
    hs_code: Annotated[str, Field(max_length=16, examples=["081090"])]
    description: Text
    net_kg: Decimal
    gross_kg: Decimal
    packages: int
    value: Decimal
    currency: Annotated[str, Field(max_length=3, examples=["USD", "CNY", "VND"])]
    perishability: Annotated[str | None, Field(max_length=20)] = None
    planting_area_code: Annotated[str | None, Field(max_length=60)] = None
    packing_house_code: Annotated[str | None, Field(max_length=60)] = None


class ShipmentBody(Strict):
    exporter_id: Id
    consignee_name: Text
    consignee_country: Annotated[str, Field(max_length=2)]
    lines: Annotated[list[CargoLineIn], Field(max_length=200)]
    phytosanitary_certificate_no: Annotated[str | None, Field(max_length=60)] = None
    part_of: Id | None = Field(
        None,
        description="A consignment needing several trucks: the shipment this one is a part of. The parts carry its "
        "certificate and together at most its quantities, per HS code.",
    )

    def fields(self) -> dict[str, Any]:
        data = self.model_dump()
        data["lines"] = [ln.model_dump() for ln in self.lines]
        return data


class TripIn(Strict):
    gate_id: Id
    direction: Annotated[str, Field(max_length=16)]
    vehicle_id: Id
    driver_id: Id
    trailer_id: Id | None = None
    shipment_id: Id | None = None
    shipment: ShipmentBody | None = None
    containers: Annotated[list[Annotated[str, Field(max_length=20)]], Field(max_length=8)] = []
    actor: ActorIn | None = None


class TransitionIn(Strict):
    action: Annotated[str, Field(max_length=32, examples=["book", "hold", "clear"])]
    actor: ActorIn | None = None
    reason: Text | None = None
    expected_version: int | None = Field(
        default=None, description="Refuse with 409 if the trip has moved since the caller saw this version"
    )
    override_reason: Text | None = Field(
        default=None,
        description="An officer calls forward or lets cross a truck while a side of the gate pair is closed "
        "(gate.closed): the reason, kept on the step",
    )


class ClosureIn(Strict):
    starts_at: Instant = Field(description="Not more than two years ahead")
    ends_at: Instant = Field(description="After the start; far ahead for a closure until further notice")
    reason: Text
    kind: Annotated[str, Field(max_length=16)] = "suspension"
    actor: ActorIn | None = None


# --- responses --------------------------------------------------------------------------------------


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=False)


class PageOut(Out, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class NamesOut(Out):
    vi: str
    zh: str
    en: str


class LaneOut(Out):
    code: str
    direction: str
    kind: str
    service_minutes: float


class PeriodOut(Out):
    opens: str = Field(description="Local time in the gate's own time zone, HH:MM")
    closes: str = Field(description="Local time; at or before `opens` means the period runs past midnight")
    weekdays: list[int] = Field(description="ISO weekdays, 1 = Monday")


class ClosureOut(Out):
    id: str | None
    starts_at: datetime
    ends_at: datetime
    starts_local: datetime
    ends_local: datetime
    kind: str
    reason: str


class GateStatusOut(Out):
    open_now: bool
    local_time: datetime
    closure_now: str | None = Field(description="The reason of the closure in force, if any")
    next_opening: datetime | None
    next_opening_local: datetime | None


class CoordinatesOut(Out):
    latitude: float
    longitude: float


class GateOut(Out):
    id: str
    country: str
    locode: str | None = Field(description="UN/LOCODE where one exists; most Vietnamese road gates have none")
    name: str = Field(description="In the request's language")
    names: NamesOut
    counterpart_id: str | None
    province: str
    coordinates: CoordinatesOut | None
    timezone: str
    lanes: list[LaneOut]
    opening_hours: list[PeriodOut]
    closures: list[ClosureOut] = Field(description="Current and upcoming closures")
    status: GateStatusOut


class GateListOut(Out):
    items: list[GateOut]
    total: int


class EnterpriseOut(Out):
    id: str
    name: str
    country: str
    tax_id: str
    roles: list[str]
    address: str
    phone: str | None
    created_at: datetime | None


class NoticeOut(Out):
    code: str
    message: str = Field(description="In the language of Accept-Language (vi, zh or en)")


class VehicleOut(Out):
    id: str
    plate: str = Field(description="Normalised: 12C-123.45, 桂F12345")
    plate_display: str = Field(description="As painted: 12C-123.45, 桂F·12345")
    plate_country: str
    vehicle_class: str = Field(description="What the plate hints at (truck, trailer, car, bus, special)")
    vehicle_type: str = Field(description="From the registration: truck, tractor_unit, van, trailer, semi_trailer")
    registration_number: str | None
    warnings: list[NoticeOut] = Field(description="What an officer should check; never a refusal")
    owner_id: str
    refrigerated: bool
    created_at: datetime | None


class DriverOut(Out):
    id: str
    full_name: str
    document_kind: str
    document_number: str
    nationality: str
    phone: str | None
    employer_id: str | None
    created_at: datetime | None


class CargoLineOut(Out):
    line_no: int
    hs_code: str
    hs_description: str
    description: str
    net_kg: Decimal
    gross_kg: Decimal
    packages: int
    value: Decimal
    currency: str
    perishability: str
    planting_area_code: str | None
    packing_house_code: str | None


class ShipmentOut(Out):
    id: str
    exporter_id: str
    consignee_name: str
    consignee_country: str
    phytosanitary_certificate_no: str | None
    part_of: str | None = Field(None, description="The consignment this shipment is one truck's part of")
    perishability: str = Field(description="The most urgent class among the lines")
    plant_product: bool
    net_kg: Decimal
    gross_kg: Decimal
    created_at: datetime | None
    lines: list[CargoLineOut]


class ActorOut(Out):
    id: str
    role: str


class EventOut(Out):
    seq: int
    action: str
    from_state: str | None
    to_state: str
    at: datetime
    at_local: datetime | None = Field(description="The same instant on the gate's own clock")
    actor: ActorOut
    reason: str | None
    override_reason: str | None = Field(
        default=None, description="An officer let this step through while a side of the gate pair was closed: why"
    )


class TripLinks(Out):
    self: str
    timeline: str


class TripVehicleOut(Out):
    """The truck as registered, for officers: what its registration says and what to check about it."""

    plate: str = Field(description="As painted: 12C-123.45, 桂F·12345")
    vehicle_type: str = Field(description="From the registration: truck, tractor_unit, van, trailer, semi_trailer")
    registration_number: str | None
    warnings: list[str] = Field(
        description="What an officer should check (a plate series trucks do not usually carry, a plate that "
        "disagrees with the registered type), as sentences in the language of Accept-Language; never a refusal"
    )


def trip_vehicle_out(v: Vehicle, language: str) -> TripVehicleOut:
    return TripVehicleOut(
        plate=v.plate.display,
        vehicle_type=v.vehicle_type.value,
        registration_number=v.registration_number,
        warnings=[i18n.render(w.code, language, w.params) for w in v.warnings],
    )


class TripOut(Out):
    id: str
    gate_id: str
    direction: str
    state: str
    version: int = Field(description="Number of recorded steps; send it back as expected_version to act safely")
    vehicle_id: str
    trailer_id: str | None
    driver_id: str
    shipment_id: str
    containers: list[str]
    declared_at: datetime | None
    updated_at: datetime | None
    allowed_actions: list[str]
    links: TripLinks
    plate: str | None = None
    driver_name: str | None = None
    exporter_id: str | None = None
    perishability: str | None = None
    event: EventOut | None = Field(default=None, description="The step just taken (transition responses only)")
    vehicle: TripVehicleOut | None = Field(
        default=None, description="For gate staff reading one trip: the truck as registered, with its warnings"
    )


class TimelineOut(Out):
    trip_id: str
    gate_id: str
    timezone: str
    state: str
    events: list[EventOut]


class ErrorDetail(Out):
    code: str
    field: str | None
    message: str


class ErrorBody(Out):
    code: str = Field(description="Stable machine code, e.g. hs.only_in_2017")
    message: str = Field(description="In the language of Accept-Language (vi, zh or en)")
    field: str | None = Field(description="The input at fault, e.g. shipment.lines[0].hs_code")
    params: dict[str, Any]
    details: list[ErrorDetail]


class ErrorOut(Out):
    error: ErrorBody


#: What each error answer means; every one has the body :class:`ErrorOut` (adapters/web/openapi.py: which route).
ERROR_TEXT: dict[int, str] = {
    400: "Malformed request: the body is not readable JSON",
    401: "No valid token (auth.unauthenticated)",
    403: "The role, gate or origin does not allow it (auth.forbidden and others)",
    404: "Not found, or not visible to the caller (<entity>.not_found)",
    409: "Conflict with the current state",
    413: "Body too large (request.too_large)",
    422: "Invalid input: the code names the rule, the field the input at fault",
    429: "Too many attempts (auth.rate_limited); Retry-After says when to try again",
    503: "Service unavailable for now (the database); Retry-After says when to try again",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error answers a route gives beyond those read off its dependencies: ``responses=errors(429)``."""
    return {status: {"model": ErrorOut, "description": ERROR_TEXT[status]} for status in statuses}


def gate_out(gate: Gate, language: str, now: datetime) -> GateOut:
    upcoming = [c for c in gate.closures if c.ends_at > now]
    next_opening = gate.next_opening(now)
    closure_now = gate.closure_at(now)
    return GateOut(
        id=gate.id,
        country=gate.country.value,
        locode=gate.locode,
        name=gate.names.get(language),
        names=NamesOut(vi=gate.names.vi, zh=gate.names.zh, en=gate.names.en),
        counterpart_id=gate.counterpart_id,
        province=gate.province,
        coordinates=(
            CoordinatesOut(latitude=gate.latitude, longitude=gate.longitude)
            if gate.latitude is not None and gate.longitude is not None
            else None
        ),
        timezone=gate.timezone.key,
        lanes=[
            LaneOut(code=ln.code, direction=ln.direction.value, kind=ln.kind.value, service_minutes=ln.service_minutes)
            for ln in gate.lanes
        ],
        opening_hours=[
            PeriodOut(
                opens=p.opens.isoformat("minutes"),
                closes=p.closes.isoformat("minutes"),
                weekdays=sorted(p.weekdays),
            )
            for p in gate.opening_hours
        ],
        closures=[
            ClosureOut(
                id=c.id,
                starts_at=c.starts_at,
                ends_at=c.ends_at,
                starts_local=gate.local(c.starts_at),
                ends_local=gate.local(c.ends_at),
                kind=c.kind.value,
                reason=c.reason,
            )
            for c in upcoming
        ],
        status=GateStatusOut(
            open_now=gate.is_open(now),
            local_time=gate.local(now),
            closure_now=closure_now.reason if closure_now else None,
            next_opening=next_opening,
            next_opening_local=gate.local(next_opening) if next_opening else None,
        ),
    )


def enterprise_out(e: Enterprise) -> EnterpriseOut:
    return EnterpriseOut(
        id=e.id,
        name=e.name,
        country=e.country,
        tax_id=e.tax_id.number,
        roles=sorted(r.value for r in e.roles),
        address=e.address,
        phone=e.phone,
        created_at=e.created_at,
    )


def vehicle_out(v: Vehicle, language: str) -> VehicleOut:
    return VehicleOut(
        id=v.id,
        plate=v.plate.text,
        plate_display=v.plate.display,
        plate_country=v.plate.country.value,
        vehicle_class=v.plate.vehicle_class.value,
        vehicle_type=v.vehicle_type.value,
        registration_number=v.registration_number,
        warnings=[NoticeOut(code=w.code, message=i18n.render(w.code, language, w.params)) for w in v.warnings],
        owner_id=v.owner_id,
        refrigerated=v.refrigerated,
        created_at=v.created_at,
    )


def driver_out(d: Driver) -> DriverOut:
    return DriverOut(
        id=d.id,
        full_name=d.full_name,
        document_kind=d.document.kind.value,
        document_number=d.document.number,
        nationality=d.nationality,
        phone=d.phone,
        employer_id=d.employer_id,
        created_at=d.created_at,
    )


def shipment_out(s: Shipment) -> ShipmentOut:
    return ShipmentOut(
        id=s.id,
        exporter_id=s.exporter_id,
        consignee_name=s.consignee_name,
        consignee_country=s.consignee_country,
        phytosanitary_certificate_no=s.phytosanitary_certificate_no,
        part_of=s.part_of,
        perishability=s.perishability.value,
        plant_product=s.plant_product,
        net_kg=s.net_kg,
        gross_kg=s.gross_kg,
        created_at=s.created_at,
        lines=[
            CargoLineOut(
                line_no=i + 1,
                hs_code=ln.hs.code,
                hs_description=ln.hs.subheading.description,
                description=ln.description,
                net_kg=ln.net_kg,
                gross_kg=ln.gross_kg,
                packages=ln.packages,
                value=ln.value,
                currency=ln.currency,
                perishability=ln.perishability.value,
                planting_area_code=ln.planting_area_code,
                packing_house_code=ln.packing_house_code,
            )
            for i, ln in enumerate(s.lines)
        ],
    )


def trip_out(trip: Trip, **extra: Any) -> TripOut:
    return TripOut(
        id=trip.id,
        gate_id=trip.gate_id,
        direction=trip.direction.value,
        state=trip.state.value,
        version=trip.version,
        vehicle_id=trip.vehicle_id,
        trailer_id=trip.trailer_id,
        driver_id=trip.driver_id,
        shipment_id=trip.shipment_id,
        containers=[c.text for c in trip.containers],
        declared_at=trip.declared_at,
        updated_at=trip.updated_at,
        allowed_actions=[a.value for a in allowed_actions(trip.state)],
        links=TripLinks(self=f"/api/v1/trips/{trip.id}", timeline=f"/api/v1/trips/{trip.id}/timeline"),
        **extra,
    )


def event_out(e: TripEvent, gate: Gate | None) -> EventOut:
    return EventOut(
        seq=e.seq,
        action=e.action.value,
        from_state=e.from_state.value if e.from_state else None,
        to_state=e.to_state.value,
        at=e.at,
        at_local=gate.local(e.at) if gate else None,
        actor=ActorOut(id=e.actor.id, role=e.actor.role.value),
        reason=e.reason,
        override_reason=e.override_reason,
    )
