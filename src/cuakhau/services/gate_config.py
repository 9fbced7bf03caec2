"""A gate's configuration, in one place: the schema of ``cuakhau gates export`` / ``import`` files (documented in
``docs/gate-config.md``), of ``cuakhau gates install``'s reference, and of what gate administration edits.

:class:`GateConfig` is the file's shape (pydantic, unknown keys refused); :class:`GateSetup` the same as domain
objects — the gate with its lanes, weekly hours, closure rules and published closures, its yards and its
inspection resources. :func:`to_setup` and :func:`from_setup` convert between them; :func:`check_file` checks what
a schema cannot (ids against countries, repeated codes, holidays that exist), naming the field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_serializer, field_validator

from cuakhau.domain import calendar
from cuakhau.domain.gate import (
    COUNTRY_TIMEZONES,
    GATE_ID_RE,
    LOCODE_RE,
    Closure,
    ClosureKind,
    ClosureRule,
    Country,
    Direction,
    Gate,
    Lane,
    LaneKind,
    LocalizedText,
    OpeningPeriod,
)
from cuakhau.domain.inspection import InspectionResource, ResourceKind, WorkingHours
from cuakhau.domain.yard import Yard, YardTariff
from cuakhau.services.yaml_lines import Path

FORMAT_VERSION = 1
ALL_WEEK = [1, 2, 3, 4, 5, 6, 7]
#: Holiday closures made from the rules have ids starting with this (domain/calendar.py); random ids never do.
GENERATED_PREFIX = "hol"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _clock(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads 07:00 unquoted as minutes (420)
        return time(value // 60 % 24, value % 60)
    return value


Weekday = Annotated[int, Field(ge=1, le=7)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class Names(_Strict):
    """A text in the three working languages."""

    vi: Text
    zh: Text
    en: Text


class Coordinates(_Strict):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class LaneConfig(_Strict):
    code: str = Field(min_length=1, max_length=16)
    direction: Direction
    kind: LaneKind = LaneKind.CARGO
    service_minutes: float = Field(default=6.0, gt=0, le=1440)


class _Clock(_Strict):
    opens: time
    closes: time

    @field_validator("opens", "closes", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        return _clock(value)

    @field_serializer("opens", "closes")
    def _hhmm(self, value: time) -> str:
        return value.isoformat("minutes")


class HoursConfig(_Clock):
    """Open from ``opens`` to ``closes`` (the gate's local time; ``closes`` before ``opens``: past midnight)."""

    weekdays: list[Weekday] = Field(default_factory=lambda: list(ALL_WEEK), min_length=1, max_length=7)


class ClosureRuleConfig(_Strict):
    """See :class:`cuakhau.domain.gate.ClosureRule`."""

    holiday: str = Field(min_length=1, max_length=40)
    start: int | None = Field(default=None, ge=-60, le=60)
    days: int | None = Field(default=None, ge=1, le=60)
    bridge: bool = False
    extra_days_before: int = Field(default=0, ge=0, le=60)
    extra_days_after: int = Field(default=0, ge=0, le=60)
    reason: Names | None = None


class ClosureConfig(_Strict):
    """A published closure that no rule makes (a suspension, a closure agreed for one year)."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=2000)
    kind: ClosureKind = ClosureKind.SUSPENSION


class WorkingHoursConfig(_Clock):
    """When an inspection resource works (the gate's local time; ISO weekdays, 1 = Monday)."""

    weekdays: list[Weekday] = Field(min_length=1, max_length=7)


class InspectionConfig(_Strict):
    kind: ResourceKind
    capacity: int = Field(ge=0, le=500)
    service_minutes: float = Field(ge=1, le=14 * 24 * 60)
    #: None: around the clock.
    hours: WorkingHoursConfig | None = None


class TariffConfig(_Strict):
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    free_hours: int = Field(default=4, ge=0, le=720)
    block_hours: int = Field(default=12, ge=1, le=720)
    fee_per_block: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    reefer_surcharge_per_block: Decimal = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2)

    @field_serializer("fee_per_block", "reefer_surcharge_per_block")
    def _text(self, value: Decimal) -> str:
        return str(value)


class YardConfig(_Strict):
    id: str = Field(min_length=1, max_length=64)
    names: Names
    capacity: int = Field(ge=1, le=100_000)
    tariff: TariffConfig


class GateConfig(_Strict):
    """One gate (one side of a pair)."""

    id: str = Field(min_length=4, max_length=64)
    country: Country
    #: The gate's time zone; the country's (Asia/Ho_Chi_Minh, Asia/Shanghai): written out for people, checked.
    timezone: str | None = None
    names: Names
    counterpart: str | None = Field(default=None, max_length=64)
    locode: str | None = None
    province: str = Field(default="", max_length=200)
    coordinates: Coordinates | None = None
    lanes: list[LaneConfig] = Field(default_factory=list, max_length=200)
    opening_hours: list[HoursConfig] = Field(default_factory=list, max_length=50)
    closure_rules: list[ClosureRuleConfig] = Field(default_factory=list, max_length=50)
    closures: list[ClosureConfig] = Field(default_factory=list, max_length=1000)
    inspection: list[InspectionConfig] = Field(default_factory=list, max_length=3)
    yards: list[YardConfig] = Field(default_factory=list, max_length=50)


class GateFile(_Strict):
    """A configuration file: its format version and the gates it configures."""

    version: Literal[1] = 1
    gates: list[GateConfig] = Field(min_length=1, max_length=200)


# --------------------------------------------------------------------------------------------- domain objects


@dataclass(frozen=True, slots=True)
class GateSetup:
    """A gate's whole configuration as domain objects (what install and import apply, export reads)."""

    gate: Gate
    yards: tuple[Yard, ...] = ()
    inspection: tuple[InspectionResource, ...] = field(default_factory=tuple)


def is_generated(closure: Closure) -> bool:
    """A holiday closure made from the gate's rules (not published on its own)."""
    return closure.id is not None and closure.id.startswith(GENERATED_PREFIX)


def _names(n: Names) -> LocalizedText:
    return LocalizedText(n.vi, n.zh, n.en)


def _names_out(t: LocalizedText) -> Names:
    return Names(vi=t.vi, zh=t.zh, en=t.en)


def to_setup(config: GateConfig) -> GateSetup:
    """The domain objects of a checked gate configuration (see :func:`check_file`)."""
    resources = tuple(_resource(config, i) for i in config.inspection)
    quarantine = next((r for r in resources if r.kind is ResourceKind.QUARANTINE_BAY), None)
    gate = Gate(
        id=config.id,
        country=config.country,
        names=_names(config.names),
        counterpart_id=config.counterpart,
        locode=config.locode,
        province=config.province,
        latitude=config.coordinates.latitude if config.coordinates else None,
        longitude=config.coordinates.longitude if config.coordinates else None,
        lanes=[Lane(ln.code, ln.direction, ln.kind, ln.service_minutes) for ln in config.lanes],
        opening_hours=[OpeningPeriod(h.opens, h.closes, frozenset(h.weekdays)) for h in config.opening_hours],
        closures=sorted(
            (Closure(c.starts_at, c.ends_at, c.reason, c.kind) for c in config.closures), key=lambda c: c.starts_at
        ),
        closure_rules=[
            ClosureRule(
                r.holiday,
                r.start,
                r.days,
                r.bridge,
                r.extra_days_before,
                r.extra_days_after,
                _names(r.reason) if r.reason else None,
            )
            for r in config.closure_rules
        ],
    )
    if quarantine is not None:  # the booking plan counts the quarantine bays too
        gate.inspection_bays = quarantine.capacity
        gate.inspection_minutes = quarantine.service_time / timedelta(minutes=1)
    yards = tuple(
        Yard(
            y.id,
            config.id,
            _names(y.names),
            y.capacity,
            YardTariff(
                y.tariff.currency,
                y.tariff.free_hours,
                y.tariff.block_hours,
                y.tariff.fee_per_block,
                y.tariff.reefer_surcharge_per_block,
            ),
        )
        for y in config.yards
    )
    return GateSetup(gate, yards, resources)


def _resource(config: GateConfig, i: InspectionConfig) -> InspectionResource:
    hours = None
    if i.hours is not None:
        tz = COUNTRY_TIMEZONES[config.country.value]
        hours = WorkingHours(i.hours.opens, i.hours.closes, frozenset(d - 1 for d in i.hours.weekdays), tz)
    return InspectionResource(config.id, i.kind, i.capacity, timedelta(minutes=i.service_minutes), hours)


def from_setup(setup: GateSetup, *, now: datetime | None = None) -> GateConfig:
    """The configuration file's view of a gate: its published closures still to come (``now``), not those its
    rules make."""
    gate = setup.gate
    now = now or datetime.now(UTC)
    tz = gate.timezone
    return GateConfig(
        id=gate.id,
        country=gate.country,
        timezone=tz.key,
        names=_names_out(gate.names),
        counterpart=gate.counterpart_id,
        locode=gate.locode,
        province=gate.province,
        coordinates=(
            Coordinates(latitude=gate.latitude, longitude=gate.longitude)
            if gate.latitude is not None and gate.longitude is not None
            else None
        ),
        lanes=[
            LaneConfig(code=ln.code, direction=ln.direction, kind=ln.kind, service_minutes=ln.service_minutes)
            for ln in gate.lanes
        ],
        opening_hours=[
            HoursConfig(opens=p.opens, closes=p.closes, weekdays=sorted(p.weekdays)) for p in gate.opening_hours
        ],
        closure_rules=[
            ClosureRuleConfig(
                holiday=r.holiday,
                start=r.start,
                days=r.days,
                bridge=r.bridge,
                extra_days_before=r.extra_days_before,
                extra_days_after=r.extra_days_after,
                reason=_names_out(r.reason) if r.reason else None,
            )
            for r in gate.closure_rules
        ],
        closures=[
            ClosureConfig(
                starts_at=c.starts_at.astimezone(tz), ends_at=c.ends_at.astimezone(tz), reason=c.reason, kind=c.kind
            )
            for c in gate.closures
            if not is_generated(c) and c.ends_at > now
        ],
        inspection=[
            InspectionConfig(
                kind=r.kind,
                capacity=r.capacity,
                service_minutes=r.service_time / timedelta(minutes=1),
                hours=(
                    WorkingHoursConfig(
                        opens=r.hours.opens, closes=r.hours.closes, weekdays=sorted(d + 1 for d in r.hours.weekdays)
                    )
                    if r.hours
                    else None
                ),
            )
            for r in setup.inspection
        ],
        yards=[
            YardConfig(
                id=y.id,
                names=_names_out(y.names),
                capacity=y.capacity,
                tariff=TariffConfig(
                    currency=y.tariff.currency,
                    free_hours=y.tariff.free_hours,
                    block_hours=y.tariff.block_hours,
                    fee_per_block=y.tariff.fee_per_block,
                    reefer_surcharge_per_block=y.tariff.reefer_surcharge_per_block,
                ),
            )
            for y in setup.yards
        ],
    )


# ------------------------------------------------------------------------------------------------ checks


def _err(code: str, path: Path, **params: Any) -> tuple[str, Path, dict[str, Any]]:
    return code, path, params


def check_file(config: GateFile) -> tuple[str, Path, dict[str, Any]] | None:
    """The first thing a schema cannot check that is wrong, as (code, path, params); None when all is well."""
    seen_gates: set[str] = set()
    seen_yards: set[str] = set()
    for i, g in enumerate(config.gates):
        at: Path = ("gates", i)
        if not GATE_ID_RE.match(g.id) or not g.id.startswith(g.country.lower() + "-"):
            return _err("gateconf.gate_id", (*at, "id"), value=g.id, country=g.country.value)
        if g.id in seen_gates:
            return _err("gateconf.duplicate", (*at, "id"), value=g.id)
        seen_gates.add(g.id)
        expected = COUNTRY_TIMEZONES[g.country.value]
        if g.timezone is not None and g.timezone != expected:
            return _err("gateconf.timezone", (*at, "timezone"), value=g.timezone, expected=expected)
        if g.locode is not None and (not LOCODE_RE.match(g.locode) or not g.locode.startswith(g.country.value)):
            return _err("gateconf.locode", (*at, "locode"), value=g.locode, country=g.country.value)
        if g.counterpart is not None and (g.counterpart == g.id or not GATE_ID_RE.match(g.counterpart)):
            return _err("gateconf.counterpart", (*at, "counterpart"), value=g.counterpart)
        codes: set[str] = set()
        for j, lane in enumerate(g.lanes):
            if lane.code in codes:
                return _err("gateconf.duplicate", (*at, "lanes", j, "code"), value=lane.code)
            codes.add(lane.code)
        for j, rule in enumerate(g.closure_rules):
            if rule.holiday not in calendar.HOLIDAYS[g.country]:
                known = ", ".join(calendar.HOLIDAYS[g.country])
                return _err("gateconf.holiday", (*at, "closure_rules", j, "holiday"), value=rule.holiday, known=known)
        for j, c in enumerate(g.closures):
            if c.ends_at <= c.starts_at:
                return _err("gateconf.end_before_start", (*at, "closures", j, "ends_at"), value=c.ends_at.isoformat())
        for j, h in enumerate([r.hours for r in g.inspection]):
            if h is not None and h.closes <= h.opens:
                return _err("gateconf.end_before_start", (*at, "inspection", j, "hours", "closes"), value=str(h.closes))
        kinds: set[str] = set()
        for j, r in enumerate(g.inspection):
            if r.kind in kinds:
                return _err("gateconf.duplicate", (*at, "inspection", j, "kind"), value=r.kind.value)
            kinds.add(r.kind)
        for j, y in enumerate(g.yards):
            if y.id in seen_yards:
                return _err("gateconf.duplicate", (*at, "yards", j, "id"), value=y.id)
            seen_yards.add(y.id)
    return None


def to_file(setups: list[GateSetup], *, now: datetime | None = None) -> GateFile:
    return GateFile(version=FORMAT_VERSION, gates=[from_setup(s, now=now) for s in setups])
