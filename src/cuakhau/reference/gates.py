"""The five Vietnam–China road gate pairs, as a gate management board would first configure them.

Hours: each pair opens over the same absolute instants, written in each side's own time (VN 07:00–19:00 is
CN 08:00–20:00). Hours change by agreement between the provinces (extended to 22:00 in harvest peaks);
this is the seed a board edits. Lanes are sized to reported throughput (Hữu Nghị about 860 trucks a day,
Tân Thanh about 440, Kim Thành and Chi Ma less, Móng Cái in between). Coordinates are from the map, not from
UN/LOCODE, whose entries for these places are missing or wrong.

Closures: rules over each country's public holidays (:data:`CLOSURE_RULES`; the dates come from the
``holidays`` calendars through :mod:`cuakhau.domain.calendar`, for any year). A closure's reason is written
"vi / zh / en" so both sides' officers and drivers can read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from cuakhau.domain.calendar import holiday_closures
from cuakhau.domain.gate import (
    ClosureRule,
    Country,
    Direction,
    Gate,
    Lane,
    LaneKind,
    LocalizedText,
    OpeningPeriod,
)

#: The holidays that close every gate of a side, as the boards publish them: freight stops from the eve of
#: Tết / 春节 to the fourth day (mùng 4 / 初四), as the Lạng Sơn and Guangxi gates announce yearly (Tết 2025:
#: 28 January to 1 February, while Vietnam's civil servants were off from 25 January to 2 February and China's
#: Spring Festival break ran from 28 January to 4 February); the national days close only their own side.
CLOSURE_RULES: dict[Country, tuple[ClosureRule, ...]] = {
    Country.VN: (
        ClosureRule("lunar_new_year", start=-1, days=5),
        ClosureRule("reunification_day", start=0, days=1),
        ClosureRule("labour_day", start=0, days=1),
        ClosureRule("national_day", start=0, days=1),
    ),
    Country.CN: (
        ClosureRule("lunar_new_year", start=-1, days=5),
        ClosureRule("national_day", start=0, days=3),
    ),
}


def _lanes(export_cargo: int, export_fresh: int, import_cargo: int, import_empty: int, minutes: float) -> list[Lane]:
    lanes: list[Lane] = []
    for prefix, direction, counts in (
        ("X", Direction.EXPORT, ((LaneKind.CARGO, export_cargo), (LaneKind.PERISHABLE, export_fresh))),
        ("N", Direction.IMPORT, ((LaneKind.CARGO, import_cargo), (LaneKind.EMPTY, import_empty))),
    ):
        n = 0
        for kind, count in counts:
            for _ in range(count):
                n += 1
                lanes.append(Lane(f"{prefix}{n}", direction, kind, minutes))
    return lanes


def _hours(country: Country, vn_open: time, vn_close: time) -> list[OpeningPeriod]:
    """The pair's hours written in this side's own clock (China is one hour ahead)."""
    if country is Country.VN:
        return [OpeningPeriod(vn_open, vn_close)]
    shift = timedelta(hours=1)
    day = date(2026, 1, 5)
    return [
        OpeningPeriod((datetime.combine(day, vn_open) + shift).time(), (datetime.combine(day, vn_close) + shift).time())
    ]


@dataclass(frozen=True)
class _Side:
    id: str
    names: tuple[str, str, str]  # vi, zh, en
    locode: str | None
    province: str
    coordinates: tuple[float, float]
    lanes: list[Lane]


@dataclass(frozen=True)
class _Pair:
    vn: _Side
    cn: _Side
    opens: time  # Vietnamese clock
    closes: time


_PAIRS = [
    _Pair(
        _Side(
            "vn-huu-nghi",
            ("Cửa khẩu quốc tế Hữu Nghị", "友谊口岸（越方）", "Huu Nghi International Border Gate"),
            None,
            "Lạng Sơn",
            (21.97, 106.71),
            _lanes(4, 2, 3, 1, 5.0),
        ),
        _Side(
            "cn-youyiguan",
            ("Cửa khẩu Hữu Nghị Quan", "友谊关口岸", "Youyiguan Port"),
            "CNYYG",
            "广西 Guangxi",
            (21.98, 106.71),
            _lanes(3, 1, 4, 2, 5.0),
        ),
        time(7, 0),
        time(19, 0),
    ),
    _Pair(
        _Side(
            "vn-tan-thanh",
            ("Cửa khẩu Tân Thanh", "新清口岸", "Tan Thanh Border Gate"),
            None,
            "Lạng Sơn",
            (21.95, 106.65),
            _lanes(2, 2, 2, 1, 6.0),
        ),
        _Side(
            "cn-pozhai",
            ("Cửa khẩu Pò Chài", "浦寨口岸", "Pozhai (Puzhai) Port"),
            None,
            "广西 Guangxi",
            (21.96, 106.65),
            _lanes(2, 1, 2, 2, 6.0),
        ),
        time(7, 0),
        time(19, 0),
    ),
    _Pair(
        _Side(
            "vn-chi-ma",
            ("Cửa khẩu Chi Ma", "支麻口岸", "Chi Ma Border Gate"),
            None,
            "Lạng Sơn",
            (21.80, 107.03),
            _lanes(1, 1, 1, 1, 7.0),
        ),
        _Side(
            "cn-aidian",
            ("Cửa khẩu Ái Điểm", "爱店口岸", "Aidian Port"),
            "CNAID",
            "广西 Guangxi",
            (21.81, 107.02),
            _lanes(1, 1, 1, 1, 7.0),
        ),
        time(7, 30),
        time(17, 30),
    ),
    _Pair(
        _Side(
            "vn-kim-thanh",
            ("Cửa khẩu quốc tế đường bộ số II Kim Thành", "金城口岸", "Kim Thanh Road Border Gate"),
            None,
            "Lào Cai",
            (22.51, 103.96),
            _lanes(2, 1, 2, 1, 6.0),
        ),
        _Side(
            "cn-hekou",
            ("Cửa khẩu Hà Khẩu", "河口口岸", "Hekou Port"),
            "CNHKM",
            "云南 Yunnan",
            (22.52, 103.96),
            _lanes(2, 1, 2, 1, 6.0),
        ),
        time(7, 0),
        time(22, 0),
    ),
    _Pair(
        _Side(
            "vn-mong-cai",
            ("Cửa khẩu quốc tế Móng Cái", "芒街口岸", "Mong Cai International Border Gate"),
            "VNMOC",
            "Quảng Ninh",
            (21.53, 107.96),
            _lanes(2, 1, 2, 1, 6.0),
        ),
        _Side(
            "cn-dongxing",
            ("Cửa khẩu Đông Hưng", "东兴口岸", "Dongxing Port"),
            "CNDOX",
            "广西 Guangxi",
            (21.54, 107.97),
            _lanes(2, 1, 2, 1, 6.0),
        ),
        time(7, 0),
        time(19, 0),
    ),
]


def counterpart_pairs() -> list[tuple[str, str]]:
    return [(p.vn.id, p.cn.id) for p in _PAIRS]


def reference_gates(years: Iterable[int] = (2026, 2027)) -> list[Gate]:
    """The ten gates of the five pairs, with their closure rules and the holiday closures of ``years``."""
    wanted = list(years)
    gates: list[Gate] = []
    for pair in _PAIRS:
        for side, country, other in ((pair.vn, Country.VN, pair.cn), (pair.cn, Country.CN, pair.vn)):
            gate = Gate(
                id=side.id,
                country=country,
                names=LocalizedText(*side.names),
                counterpart_id=other.id,
                locode=side.locode,
                province=side.province,
                latitude=side.coordinates[0],
                longitude=side.coordinates[1],
                lanes=list(side.lanes),
                opening_hours=_hours(country, pair.opens, pair.closes),
                closure_rules=list(CLOSURE_RULES[country]),
            )
            for year in wanted:
                for closure in holiday_closures(gate, year):
                    gate.add_closure(closure)
            gates.append(gate)
    return gates
