"""Gates — cửa khẩu / 口岸 — with their lanes, opening hours and closures.

A gate keeps its opening hours in its *own* time zone: Vietnam runs on UTC+7 (``Asia/Ho_Chi_Minh``) and
China on UTC+8 (``Asia/Shanghai``), so 07:00 at Hữu Nghị is 08:00 at Youyiguan across the line. Every
question about "is it open" is asked with an aware UTC instant and answered in the gate's local time.

The platform gives every gate its own id (``vn-huu-nghi``): UN/LOCODE has no code for most Vietnamese
road gates, so the LOCODE is kept beside the id where one exists (``CNYYG`` Youyiguan), never used as the id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from cuakhau.domain.clock import ensure_utc
from cuakhau.domain.errors import GateClosed, InvalidInput

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


#: Bounds of a closure rule's day counts (a rule closes at most a season, never a year).
RULE_MAX_OFFSET = 60
RULE_MAX_DAYS = 60


@dataclass(frozen=True, slots=True)
class ClosureRule:
    """Which public holiday of the gate's country closes it, and for how long (data of the gate's configuration).

    The days are counted in the gate's local dates: ``start`` is the first closed day in days from the holiday's
    main day (mùng 1 Tết / 正月初一, 2 September, 1 October; ``-1`` is the eve), ``None`` for the first day of
    the holiday as the country's calendar publishes it; ``days`` how many days from there, ``None`` to the last
    published day. ``bridge`` also closes the weekends and days off that join the closure to the published break
    (made-up working days stay open), then ``extra_days_before`` / ``extra_days_after`` are added.
    :mod:`cuakhau.domain.calendar` turns a rule into the closure of a year.
    """

    holiday: str
    start: int | None = None
    days: int | None = None
    bridge: bool = False
    extra_days_before: int = 0
    extra_days_after: int = 0
    #: The published reason; ``None``: the holiday's name in the three languages.
    reason: LocalizedText | None = None

    def __post_init__(self) -> None:
        if not self.holiday:
            raise InvalidInput("gate.holiday_unknown", field="holiday", value=self.holiday)
        if self.start is not None and not -RULE_MAX_OFFSET <= self.start <= RULE_MAX_OFFSET:
            raise InvalidInput("gate.rule_days", field="start", value=self.start, max=RULE_MAX_OFFSET)
        if self.days is not None and not 1 <= self.days <= RULE_MAX_DAYS:
            raise InvalidInput("gate.rule_days", field="days", value=self.days, max=RULE_MAX_DAYS)
        for name in ("extra_days_before", "extra_days_after"):
            if not 0 <= getattr(self, name) <= RULE_MAX_OFFSET:
                raise InvalidInput("gate.rule_days", field=name, value=getattr(self, name), max=RULE_MAX_OFFSET)

    def as_dict(self) -> dict[str, Any]:
        """As stored (the ``closure_rules`` column) and exported; :meth:`from_dict` reads it back."""
        reason = self.reason
        return {
            "holiday": self.holiday,
            "start": self.start,
            "days": self.days,
            "bridge": self.bridge,
            "extra_days_before": self.extra_days_before,
            "extra_days_after": self.extra_days_after,
            "reason": {"vi": reason.vi, "zh": reason.zh, "en": reason.en} if reason else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClosureRule:
        reason = data.get("reason")
        return cls(
            holiday=str(data["holiday"]),
            start=data.get("start"),
            days=data.get("days"),
            bridge=bool(data.get("bridge", False)),
            extra_days_before=int(data.get("extra_days_before", 0)),
            extra_days_after=int(data.get("extra_days_after", 0)),
            reason=LocalizedText(reason["vi"], reason["zh"], reason["en"]) if reason else None,
        )


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
    #: The public holidays that close the gate (the holiday closures are made from them, year by year).
    closure_rules: list[ClosureRule] = field(default_factory=list)
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


#: How far ahead "closed until" looks for the next opening; beyond it a side is closed until further notice.
REOPENING_HORIZON = timedelta(days=60)

OUTSIDE_HOURS = {"vi": "ngoài giờ mở cửa", "zh": "非开放时间", "en": "outside its opening hours"}
FURTHER_NOTICE = {"vi": "khi có thông báo mới", "zh": "另行通知", "en": "further notice"}


@dataclass(frozen=True, slots=True)
class Shut:
    """One side of a gate pair shut at an instant: by ``closure`` (None: outside its opening hours), until
    ``until`` (its next opening; None: not within :data:`REOPENING_HORIZON`)."""

    gate: Gate
    at: datetime
    closure: Closure | None
    until: datetime | None


def shut_at(gate: Gate, instant: datetime) -> Shut | None:
    """Why ``gate`` is shut at ``instant``, or None when it is open."""
    instant = ensure_utc(instant)
    if gate.is_open(instant):
        return None
    return Shut(gate, instant, gate.closure_at(instant), gate.next_opening(instant, REOPENING_HORIZON))


def pair_shut(sides: Iterable[Gate | None], instant: datetime) -> Shut | None:
    """The first of a gate pair's sides (the gate itself first, then its counterpart) shut at ``instant``."""
    for side in sides:
        if side is not None and (shut := shut_at(side, instant)) is not None:
            return shut
    return None


def local_text(gate: Gate, instant: datetime) -> str:
    """``instant`` on ``gate``'s wall clock with its offset, as people read it: ``2026-06-02 07:00 (UTC+07:00)``."""
    local = gate.local(instant)
    return f"{local:%Y-%m-%d %H:%M} (UTC{local.isoformat()[-6:]})"


def shut_params(shut: Shut) -> dict[str, object]:
    """The facts of ``shut`` for a message or a review item: the side's name in the three languages (``gate``),
    why it is shut (``why``), until when in its local time with its offset (``until``), and the same for
    machines (``gate_id``, ``country``, ``closure_id``, ``until_local``)."""
    g = shut.gate
    return {
        "gate": {"vi": g.names.vi, "zh": g.names.zh, "en": g.names.en},
        "gate_id": g.id,
        "country": g.country.value,
        "why": shut.closure.reason if shut.closure is not None else dict(OUTSIDE_HOURS),
        "closure_id": shut.closure.id if shut.closure is not None else None,
        "until": local_text(g, shut.until) if shut.until is not None else dict(FURTHER_NOTICE),
        "until_local": g.local(shut.until).isoformat() if shut.until is not None else None,
        "at": local_text(g, shut.at),
    }


def shut_error(shut: Shut, *, field: str | None = None) -> GateClosed:
    return GateClosed("gate.closed", field=field, **shut_params(shut))


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
