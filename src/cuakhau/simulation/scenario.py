"""Scenario files (YAML): what to simulate and which policies to compare, checked before anything runs.

A mistake is reported with the line and the field (``gates[0].arrivals.per_day``, line 14): the YAML is composed
into nodes first and every mapping key and list item keeps its line, so a pydantic error's location maps back
to the file. Unknown keys are refused, not ignored. See ``docs/simulation.md`` for the format.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cuakhau.domain.errors import CuakhauError, InvalidInput
from cuakhau.domain.perishability import PROFILES, Perishability
from cuakhau.services.yaml_lines import Lines, dotted

MAX_DAYS = 400
MAX_REPLICATIONS = 1000


class ScenarioInvalid(InvalidInput):
    """A scenario file that cannot be run; ``field`` is the dotted path, ``params["line"]`` its line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Distribution(_Strict):
    """A service or delay time in minutes."""

    distribution: Literal["exponential", "fixed", "lognormal", "uniform", "triangular"] = "exponential"
    mean_minutes: float = Field(gt=0, le=100_000)
    sd_minutes: float | None = Field(default=None, gt=0)  # lognormal
    min_minutes: float | None = Field(default=None, ge=0)  # uniform, triangular
    max_minutes: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _shape(self) -> Distribution:
        if self.distribution == "lognormal" and self.sd_minutes is None:
            raise ValueError("a lognormal distribution needs sd_minutes")
        if self.distribution in ("uniform", "triangular"):
            lo, hi = self.min_minutes, self.max_minutes
            if lo is None or hi is None or not lo <= self.mean_minutes <= hi or lo >= hi:
                raise ValueError(f"a {self.distribution} distribution needs min_minutes <= mean_minutes <= max_minutes")
            if self.distribution == "triangular" and not lo <= 3 * self.mean_minutes - lo - hi <= hi:
                raise ValueError("the triangular mode (3·mean − min − max) must lie between min and max")
        return self


class Hours(_Strict):
    """Opening hours on the Vietnamese clock; the Chinese side opens over the same instants (one hour ahead).

    A gate open all day is written ``open_all_day: true`` or ``closes: "24:00"`` (with ``opens: "00:00"``);
    ``closes`` at or before ``opens`` runs past midnight, as in the gate's own opening periods.
    """

    opens: time = time(0, 0)
    closes: time = time(0, 0)
    open_all_day: bool = False

    @field_validator("opens", "closes", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> Any:
        if isinstance(value, int):  # YAML reads 07:00 unquoted as a sexagesimal number of minutes (24:00: 1440)
            return time(value // 60 % 24, value % 60)
        if isinstance(value, str) and value.strip() in ("24:00", "24:00:00"):
            return time(0, 0)  # the end of the day: midnight, reached from the opening time
        return value

    @model_validator(mode="before")
    @classmethod
    def _all_day(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            if data.get("open_all_day"):
                extra = {"opens", "closes"} & set(data)
                if extra:
                    raise ValueError(f"open_all_day cannot be combined with {sorted(extra)[0]}")
            elif not {"opens", "closes"} <= set(data):
                raise ValueError("hours need opens and closes (or open_all_day: true)")
        return data


class ClosureSpec(_Strict):
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(min_length=1, max_length=200)
    side: Literal["both", "vn", "cn"] = "both"

    @model_validator(mode="after")
    def _order(self) -> ClosureSpec:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("closure instants need a UTC offset (e.g. 2026-06-03T07:00:00+07:00)")
        if self.ends_at <= self.starts_at:
            raise ValueError("a closure must end after it starts")
        return self


class Quota(_Strict):
    """What the counterpart accepts: trucks a day (its local day) and optionally an hour."""

    daily: int | None = Field(default=None, ge=0)
    hourly: int | None = Field(default=None, ge=0)


class Cargo(_Strict):
    """One kind of cargo in the arrival mix, with its harvest calendar."""

    name: str = Field(min_length=1, max_length=80)
    hs: str = Field(pattern=r"^[0-9]{6}([0-9]{2}){0,2}$")
    share: float = Field(gt=0)
    perishability: Perishability | None = None  # default: the published default for the HS code
    value_usd: float = Field(default=30_000, ge=0)  # cargo value of one truck
    #: Twelve monthly factors (January first) multiplying this cargo's arrivals; default: all 1.
    season: list[Annotated[float, Field(ge=0)]] | None = None
    #: The enterprise record behind these declarations (feeds the customs risk score).
    history: dict[str, int] = Field(default_factory=lambda: {"declarations": 200})

    @field_validator("season")
    @classmethod
    def _twelve(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and len(value) != 12:
            raise ValueError("season needs 12 monthly factors, January first")
        return value

    @field_validator("history")
    @classmethod
    def _history(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = set(value) - {"declarations", "holds", "rejections", "findings"}
        if unknown:
            raise ValueError(f"unknown history field {sorted(unknown)[0]!r}")
        return value


class Arrivals(_Strict):
    per_day: float = Field(gt=0, le=200_000)
    #: 24 relative weights of the gate's local hours (when trucks are ready); default: even.
    by_hour: list[Annotated[float, Field(ge=0)]] | None = None
    #: 7 factors, Monday first; default: all 1.
    by_weekday: list[Annotated[float, Field(ge=0)]] | None = None
    cargo: list[Cargo] = Field(min_length=1)

    @field_validator("by_hour")
    @classmethod
    def _hours(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 24 or sum(value) <= 0):
            raise ValueError("by_hour needs 24 weights (00:00 first), not all zero")
        return value

    @field_validator("by_weekday")
    @classmethod
    def _week(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and len(value) != 7:
            raise ValueError("by_weekday needs 7 factors, Monday first")
        return value


class Officers(_Strict):
    documents: int = Field(default=4, ge=1, le=500)  # document desks (hồ sơ / 单证)
    customs: int = Field(default=2, ge=1, le=500)  # customs officers for yellow-channel checks
    quarantine: int = Field(default=2, ge=1, le=500)  # plant-quarantine inspectors


class GateSpec(_Strict):
    """One gate pair's flow: the Vietnamese gate (a reference gate id) and the direction of the trucks."""

    gate: str
    direction: Literal["export", "import"] = "export"
    lanes: int | None = Field(default=None, ge=1, le=100)  # freight lanes for the direction; default: reference
    lane_minutes: Distribution | None = None  # default: exponential with the lanes' own mean
    hours: Hours | None = None  # default: the reference hours
    #: The Chinese side's own hours on its own clock when they differ (default: the same instants as ``hours``).
    counterpart_hours: Hours | None = None
    closures: list[ClosureSpec] = Field(default_factory=list)
    quota: Quota = Field(default_factory=Quota)
    yard_capacity: int = Field(default=300, ge=1, le=100_000)
    inspection_bays: int | None = Field(default=None, ge=1, le=500)
    officers: Officers = Field(default_factory=Officers)
    arrivals: Arrivals


class Stages(_Strict):
    documents: Distribution = Distribution(mean_minutes=8)
    customs_yellow: Distribution = Distribution(mean_minutes=20)
    customs_red: Distribution = Distribution(mean_minutes=60)
    quarantine: Distribution = Distribution(mean_minutes=25)
    laboratory: Distribution = Distribution(distribution="lognormal", mean_minutes=240, sd_minutes=120)
    laboratory_share: float = Field(default=0.03, ge=0, le=1)  # of quarantine inspections sending samples


class CustomsSpec(_Strict):
    red: float = Field(default=0.05, ge=0, le=1)
    yellow: float = Field(default=0.15, ge=0, le=1)
    random_red: float = Field(default=0.01, ge=0, le=1)
    random_yellow: float = Field(default=0.02, ge=0, le=1)
    window_size: int = Field(default=2000, ge=1, le=100_000)


class Spoilage(_Strict):
    #: Share of a truck's cargo value lost per hour it waits, by perishability (default: each class's profile;
    #: a class left out of a scenario's table loses nothing).
    per_hour: dict[Perishability, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: {kind: p.spoil_per_hour for kind, p in PROFILES.items()}
    )
    #: A booked truck waits for its slot at the orchard or cold store, where its cargo spoils this much slower.
    booked_wait_factor: float = Field(default=0.2, ge=0, le=1)


class Booking(StrEnum):
    NONE = "none"
    FCFS = "fcfs"
    PRIORITY = "priority"
    OPTIMAL = "optimal"


class CallForward(StrEnum):
    PERISHABLES_FIRST = "perishables_first"  # the production rule (domain.callforward)
    ARRIVAL_ORDER = "arrival_order"  # the baseline: first in the yard, first called


class Policy(_Strict):
    """One alternative to compare: the booking planner, the call-forward rule and what the board changes."""

    name: str = Field(min_length=1, max_length=60, pattern=r"^\S(.*\S)?$")
    booking: Booking = Booking.NONE
    call_forward: CallForward = CallForward.PERISHABLES_FIRST
    max_wait_hours: int | None = Field(default=24, ge=0, le=240)  # the planner's published waiting limit
    booking_horizon_days: int = Field(default=2, ge=1, le=14)
    hours: Hours | None = None  # overrides every gate's hours
    extra_lanes: int = Field(default=0, ge=0, le=50)
    yard_capacity: int | None = Field(default=None, ge=1, le=100_000)
    quota_daily: int | None = Field(default=None, ge=0)
    #: Booked trucks the gate asks to stand by near it, taking the places booked trucks leave unused (the
    #: standby list of :mod:`cuakhau.domain.standby`); 0: none. Booking policies only.
    standby: int = Field(default=20, ge=0, le=10_000)
    #: Booked trucks that do not come at all, and that come late (by ``late_minutes`` after their slot starts).
    no_show_share: float = Field(default=0.0, ge=0, le=1)
    late_share: float = Field(default=0.0, ge=0, le=1)
    late_minutes: Distribution = Distribution(mean_minutes=45)


class Scenario(_Strict):
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    start: date
    days: int = Field(ge=1, le=MAX_DAYS)
    warmup_days: int = Field(default=0, ge=0)
    replications: int = Field(default=10, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(default=1, ge=0, le=2**31)
    wait_bound_hours: float = Field(default=24, gt=0)
    gates: list[GateSpec] = Field(min_length=1, max_length=20)
    stages: Stages = Field(default_factory=Stages)
    customs: CustomsSpec = Field(default_factory=CustomsSpec)
    spoilage: Spoilage = Field(default_factory=Spoilage)
    policies: list[Policy] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.warmup_days >= self.days:
            raise ValueError("warmup_days must be shorter than days")
        names = [p.name for p in self.policies]
        if len(names) != len(set(names)):
            raise ValueError("policy names must differ")
        if self.customs.red + self.customs.yellow > 1:
            raise ValueError("customs red + yellow must not exceed 1")
        return self


# ------------------------------------------------------------------------------------------------ loading


class LoadedScenario:
    """A checked scenario and where each of its fields sits in the file (for errors found later)."""

    def __init__(self, scenario: Scenario, lines: Lines, source: str) -> None:
        self.scenario = scenario
        self.lines = lines
        self.source = source

    def error(self, path: tuple[str | int, ...], message: str) -> ScenarioInvalid:
        return _invalid(self.lines, self.source, path, message)


def _invalid(lines: Lines, source: str, path: tuple[str | int, ...], message: str) -> ScenarioInvalid:
    return ScenarioInvalid(
        "simulation.scenario_invalid", field=dotted(path), line=lines.line(path), source=source, message=message
    )


def parse_scenario(text: str, *, source: str = "<scenario>") -> LoadedScenario:
    """Read and check a scenario from YAML text (see :func:`load_scenario`)."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ScenarioInvalid(
            "simulation.scenario_yaml",
            field="scenario",
            line=(mark.line + 1) if mark else 1,
            column=(mark.column + 1) if mark else 1,
            source=source,
            message=str(exc.problem or exc)[:200],
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioInvalid(
            "simulation.scenario_yaml", field="scenario", line=1, column=1, source=source, message=str(exc)[:200]
        ) from None
    lines = Lines()
    if node is not None:
        lines.walk(node, ())
    if not isinstance(data, Mapping):
        raise ScenarioInvalid(
            "simulation.scenario_invalid", field="scenario", line=1, source=source, message="not a mapping of fields"
        )
    # top-level keys starting with "x-" hold YAML anchors for reuse (as in Compose files) and are not fields
    data = {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        # an unknown key is most often a misspelt one: name it rather than the "missing" field it hides
        first = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        path = tuple(p for p in first["loc"] if isinstance(p, str | int))
        message = first["msg"].removeprefix("Value error, ")
        raise _invalid(lines, source, path, message) from None
    loaded = LoadedScenario(scenario, lines, source)
    _check_references(loaded)
    return loaded


def _check_references(loaded: LoadedScenario) -> None:
    """What pydantic cannot know: the gates exist, the HS codes are in HS 2022."""
    from cuakhau.domain.hs import HsNomenclature
    from cuakhau.reference.gates import counterpart_pairs

    vn_gates = {vn for vn, _ in counterpart_pairs()}
    nomenclature = HsNomenclature.load_default()
    s = loaded.scenario
    seen: set[tuple[str, str]] = set()
    for i, g in enumerate(s.gates):
        if g.gate not in vn_gates:
            raise loaded.error(("gates", i, "gate"), f"unknown gate {g.gate!r}; known: {', '.join(sorted(vn_gates))}")
        if (g.gate, g.direction) in seen:
            raise loaded.error(("gates", i, "gate"), f"{g.gate} {g.direction} is listed twice")
        seen.add((g.gate, g.direction))
        for j, c in enumerate(g.arrivals.cargo):
            try:
                nomenclature.validate(c.hs)
            except CuakhauError as exc:
                raise loaded.error(("gates", i, "arrivals", "cargo", j, "hs"), f"{exc.code}: {c.hs}") from None
    if not math.isfinite(s.wait_bound_hours):
        raise loaded.error(("wait_bound_hours",), "must be finite")


def load_scenario(path: Path | str) -> LoadedScenario:
    """Read a scenario file; a missing or unreadable file is a :class:`ScenarioInvalid` too."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioInvalid(
            "simulation.scenario_unreadable", field="scenario", source=str(p), message=type(exc).__name__
        ) from None
    return parse_scenario(text, source=str(p))


def example_scenarios() -> dict[str, str]:
    """The scenarios shipped with cuakhau: file name -> YAML text."""
    folder = resources.files("cuakhau.simulation") / "scenarios"
    return {f.name: f.read_text(encoding="utf-8") for f in folder.iterdir() if f.name.endswith(".yaml")}
