"""Gates — cửa khẩu / 口岸 — with their lanes, opening hours and closures.

A gate keeps its opening hours in its *own* time zone: Vietnam runs on UTC+7 (``Asia/Ho_Chi_Minh``) and
China on UTC+8 (``Asia/Shanghai``), so 07:00 at Hữu Nghị is 08:00 at Youyiguan across the line. Every
question about "is it open" is asked with an aware UTC instant and answered in the gate's local time.

The platform gives every gate its own id (``vn-huu-nghi``): UN/LOCODE has no code for most Vietnamese
road gates, so the LOCODE is kept beside the id where one exists (``CNYYG`` Youyiguan), never used as the id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from cuakhau.domain.clock import ensure_utc
from cuakhau.domain.errors import InvalidInput

GATE_ID_RE = re.compile(r"^(vn|cn)-[a-z0-9]+(?:-[a-z0-9]+)*$")
LOCODE_RE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")

COUNTRY_TIMEZONES = {"VN": "Asia/Ho_Chi_Minh", "CN": "Asia/Shanghai"}


class Country(StrEnum):
    VN = "VN"
    CN = "CN"


class Direction(StrEnum):
    """Relative to the gate's own country: ``export`` leaves it, ``import`` enters it."""

    EXPORT = "export"
    IMPORT = "import"


class LaneKind(StrEnum):
    CARGO = "cargo"  # general freight
    PERISHABLE = "perishable"  # green channel for fresh produce — luồng xanh nông sản / 果蔬绿色通道
    EMPTY = "empty"  # empty trucks returning
    PASSENGER = "passenger"  # not for freight; kept so a gate's lanes are complete


class ClosureKind(StrEnum):
    HOLIDAY = "holiday"  # Tết Nguyên Đán / 春节, national days
    SUSPENSION = "suspension"  # ad-hoc: weather, epidemic control, system outage, policy


@dataclass(frozen=True, slots=True)
class LocalizedText:
    """A name in the three working languages. ``vi`` and ``zh`` are kept exactly as written."""

    vi: str
    zh: str
    en: str

    def get(self, language: str) -> str:
        return {"vi": self.vi, "zh": self.zh}.get(language, self.en)


@dataclass(frozen=True, slots=True)
class Lane:
    code: str
    direction: Direction
    kind: LaneKind = LaneKind.CARGO
    service_minutes: float = 6.0  # mean time a truck occupies the lane; feeds capacity planning
    #: A lane the gate administrator closed (works, an accident) serves no truck: no capacity, no call-forward.
    open: bool = True

    def __post_init__(self) -> None:
        if not self.code or len(self.code) > 16:
            raise InvalidInput("gate.lane_code", field="code", value=self.code)
        if self.service_minutes <= 0:
            raise InvalidInput("number.not_positive", field="service_minutes", value=self.service_minutes)


@dataclass(frozen=True, slots=True)
class OpeningPeriod:
    """Open from ``opens`` to ``closes`` (local time) on the given ISO weekdays (1 = Monday ... 7 = Sunday).

    ``closes`` at or before ``opens`` means the period runs past midnight into the next day.
    """

    opens: time
    closes: time
    weekdays: frozenset[int] = frozenset(range(1, 8))

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= frozenset(range(1, 8)):
            raise InvalidInput("gate.weekdays", field="weekdays", value=sorted(self.weekdays))

    def interval_on(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
        """The UTC interval this period opens on ``day`` (local date), or None if not that weekday."""
        if day.isoweekday() not in self.weekdays:
            return None
        start = datetime.combine(day, self.opens, tzinfo=tz)
        end_day = day if self.closes > self.opens else day + timedelta(days=1)
        end = datetime.combine(end_day, self.closes, tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Closure:
    """The gate is shut from ``starts_at`` to ``ends_at`` (aware instants), with the reason published."""

    starts_at: datetime
    ends_at: datetime
    reason: str
    kind: ClosureKind = ClosureKind.SUSPENSION
    id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts_at", ensure_utc(self.starts_at, field="starts_at"))
        object.__setattr__(self, "ends_at", ensure_utc(self.ends_at, field="ends_at"))
        if self.ends_at <= self.starts_at:
            raise InvalidInput("time.end_before_start", field="ends_at")
        if not self.reason.strip():
            raise InvalidInput("reason.required", field="reason")

    def covers(self, instant: datetime) -> bool:
        return self.starts_at <= instant < self.ends_at


@dataclass(slots=True)
class Gate:
    """A road border gate on one side of the line (cửa khẩu / 口岸)."""

    id: str
    country: Country
    names: LocalizedText
    counterpart_id: str | None = None
    locode: str | None = None
    province: str = ""
    latitude: float | None = None
    longitude: float | None = None
    lanes: list[Lane] = field(default_factory=list)
    opening_hours: list[OpeningPeriod] = field(default_factory=list)
    closures: list[Closure] = field(default_factory=list)
    #: Plant-quarantine inspection bays (bãi kiểm dịch / 查验台) and the mean time a truck spends in one.
    inspection_bays: int = 2
    inspection_minutes: float = 30.0
    #: Exceptions to the weekly hours (giờ làm việc đặc biệt / 特殊作业时间): on these local dates the gate keeps
    #: these periods instead (an empty list: closed all day). Closures still apply on top.
    special_hours: dict[date, list[OpeningPeriod]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not GATE_ID_RE.match(self.id) or not self.id.startswith(self.country.lower() + "-"):
            raise InvalidInput("gate.id", field="id", value=self.id)
        if self.locode is not None and (
            not LOCODE_RE.match(self.locode) or not self.locode.startswith(self.country.value)
        ):
            raise InvalidInput("gate.locode", field="locode", value=self.locode)
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            raise InvalidInput("gate.coordinates", field="latitude", value=self.latitude)
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            raise InvalidInput("gate.coordinates", field="longitude", value=self.longitude)
        if self.inspection_bays < 0:
            raise InvalidInput("number.not_positive", field="inspection_bays", value=self.inspection_bays)
        if self.inspection_minutes <= 0:
            raise InvalidInput("number.not_positive", field="inspection_minutes", value=self.inspection_minutes)
        codes = [lane.code for lane in self.lanes]
        if len(codes) != len(set(codes)):
            raise InvalidInput("gate.lane_duplicate", field="lanes", value=codes)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(COUNTRY_TIMEZONES[self.country.value])

    def local(self, instant: datetime) -> datetime:
        """The gate's wall-clock reading at ``instant``."""
        return ensure_utc(instant).astimezone(self.timezone)

    def lanes_for(self, direction: Direction, kind: LaneKind | None = None) -> list[Lane]:
        return [ln for ln in self.lanes if ln.direction == direction and (kind is None or ln.kind == kind)]

    def closure_at(self, instant: datetime) -> Closure | None:
        instant = ensure_utc(instant)
        return next((c for c in self.closures if c.covers(instant)), None)

    def within_hours(self, instant: datetime) -> bool:
        """True when ``instant`` falls in an opening period (closures not considered)."""
        instant = ensure_utc(instant)
        local_day = self.local(instant).date()
        # A period that started yesterday evening may still be running after midnight.
        for day in (local_day - timedelta(days=1), local_day):
            for period in self.periods_on(day):
                iv = period.interval_on(day, self.timezone)
                if iv and iv[0] <= instant < iv[1]:
                    return True
        return False

    def periods_on(self, day: date) -> list[OpeningPeriod]:
        """The opening periods of a local date: its exception if it has one, else the weekly hours."""
        return self.special_hours.get(day, self.opening_hours)

    def is_open(self, instant: datetime) -> bool:
        return self.within_hours(instant) and self.closure_at(instant) is None

    def open_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """UTC intervals within [start, end) when the gate is open: hours minus closures, merged."""
        start, end = ensure_utc(start, field="start"), ensure_utc(end, field="end")
        raw: list[tuple[datetime, datetime]] = []
        day = self.local(start).date() - timedelta(days=1)
        last = self.local(end).date()
        while day <= last:
            for period in self.periods_on(day):
                iv = period.interval_on(day, self.timezone)
                if iv:
                    raw.append((max(iv[0], start), min(iv[1], end)))
            day += timedelta(days=1)
        intervals = _merge([iv for iv in raw if iv[0] < iv[1]])
        for closure in self.closures:
            intervals = _subtract(intervals, (closure.starts_at, closure.ends_at))
        return intervals

    def next_opening(self, instant: datetime, horizon: timedelta = timedelta(days=30)) -> datetime | None:
        """When the gate is next open at or after ``instant`` (within ``horizon``), or None."""
        instant = ensure_utc(instant)
        intervals = self.open_intervals(instant, instant + horizon)
        return intervals[0][0] if intervals else None

    def add_closure(self, closure: Closure) -> None:
        self.closures.append(closure)
        self.closures.sort(key=lambda c: c.starts_at)


def _merge(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _subtract(
    intervals: list[tuple[datetime, datetime]], cut: tuple[datetime, datetime]
) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    cs, ce = cut
    for s, e in intervals:
        if ce <= s or cs >= e:
            out.append((s, e))
            continue
        if s < cs:
            out.append((s, cs))
        if ce < e:
            out.append((ce, e))
    return out
