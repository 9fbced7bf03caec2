"""The shipped gate pairs: symmetric, on their own clocks, with codes only where UN/LOCODE has them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cuakhau.domain.gate import Country, Direction, LaneKind
from cuakhau.domain.locode import LocodeRegistry
from cuakhau.reference.gates import counterpart_pairs, holiday_closures, reference_gates

GATES = {g.id: g for g in reference_gates(years=(2026, 2027))}


def test_five_pairs_each_pointing_at_the_other() -> None:
    pairs = counterpart_pairs()
    assert len(pairs) == 5 and len(GATES) == 10
    for vn_id, cn_id in pairs:
        vn, cn = GATES[vn_id], GATES[cn_id]
        assert (vn.country, cn.country) == (Country.VN, Country.CN)
        assert vn.counterpart_id == cn_id and cn.counterpart_id == vn_id


def test_every_locode_used_exists_and_tan_thanh_is_not_the_southern_one() -> None:
    registry = LocodeRegistry.load_default()
    for gate in GATES.values():
        if gate.locode:
            entry = registry.get(gate.locode)
            assert entry is not None, gate.locode
            assert entry.country == gate.country.value
    assert GATES["cn-youyiguan"].locode == "CNYYG" and GATES["cn-hekou"].locode == "CNHKM"
    assert GATES["vn-tan-thanh"].locode is None  # VNTTH is another Tan Thanh, far south
    assert registry.get("VNTTH").coordinate_defect  # type: ignore[union-attr]


def test_gates_are_near_their_counterparts() -> None:
    for vn_id, cn_id in counterpart_pairs():
        vn, cn = GATES[vn_id], GATES[cn_id]
        assert abs(vn.latitude - cn.latitude) < 0.1 and abs(vn.longitude - cn.longitude) < 0.1  # type: ignore[operator]


@pytest.mark.parametrize(("vn_id", "cn_id"), counterpart_pairs())
def test_a_pair_opens_over_the_same_instants(vn_id: str, cn_id: str) -> None:
    start = datetime(2026, 6, 2, tzinfo=UTC)  # an ordinary Tuesday
    end = start + timedelta(days=2)
    assert GATES[vn_id].open_intervals(start, end) == GATES[cn_id].open_intervals(start, end)
    assert GATES[vn_id].opening_hours != GATES[cn_id].opening_hours  # written on different clocks


def test_every_gate_has_export_and_import_cargo_lanes_and_the_fruit_gates_a_green_lane() -> None:
    for gate in GATES.values():
        assert gate.lanes_for(Direction.EXPORT, LaneKind.CARGO) and gate.lanes_for(Direction.IMPORT, LaneKind.CARGO)
    for gid in ("vn-huu-nghi", "vn-tan-thanh", "cn-youyiguan", "cn-pozhai"):
        assert GATES[gid].lanes_for(Direction.EXPORT, LaneKind.PERISHABLE) or GATES[gid].lanes_for(
            Direction.IMPORT, LaneKind.PERISHABLE
        )


@pytest.mark.parametrize(("year", "day"), [(2026, (2, 17)), (2027, (2, 6))])
def test_lunar_new_year_closes_both_sides(year: int, day: tuple[int, int]) -> None:
    noon = datetime(year, *day, 5, 0, tzinfo=UTC)  # 12:00 in Vietnam, 13:00 in China
    for gate in GATES.values():
        assert not gate.is_open(noon), gate.id
        assert gate.closure_at(noon).reason  # type: ignore[union-attr]


def test_national_days_close_only_their_own_side() -> None:
    china_national_day = datetime(2026, 10, 1, 4, 0, tzinfo=UTC)
    assert not GATES["cn-dongxing"].is_open(china_national_day)
    assert GATES["vn-mong-cai"].is_open(china_national_day)
    vietnam_national_day = datetime(2026, 9, 2, 4, 0, tzinfo=UTC)
    assert not GATES["vn-mong-cai"].is_open(vietnam_national_day)
    assert GATES["cn-dongxing"].is_open(vietnam_national_day)


def test_no_cliff_every_gate_has_its_holiday_closures_for_a_dozen_years_ahead() -> None:
    """The closures came from a table of four years and raised gate.holiday_year after it; now from the calendar."""
    this_year = datetime.now(UTC).year
    for year in range(this_year, this_year + 12):
        for gate in reference_gates(years=(year,)):
            closures = holiday_closures(gate, year)
            assert len(closures) == len(gate.closure_rules), (gate.id, year)
            tet = closures[0]
            assert "Tết Nguyên Đán" in tet.reason and tet.ends_at - tet.starts_at == timedelta(days=5)
            # the lunar new year falls between 21 January and 20 February, the eve one day before
            assert 20 <= gate.local(tet.starts_at).timetuple().tm_yday <= 51, (gate.id, year)


def test_the_reference_gates_closed_from_the_eve_to_mung_4_at_tet_2025() -> None:
    """Tết Ất Tỵ: mùng 1 on 29 January 2025; the pairs stopped freight from 28 January to the end of 1 February."""
    gates = {g.id: g for g in reference_gates(years=(2025,))}
    for gate_id in ("vn-huu-nghi", "cn-youyiguan"):
        gate = gates[gate_id]
        tet = next(c for c in gate.closures if "Tết" in c.reason)
        assert (gate.local(tet.starts_at).date(), gate.local(tet.ends_at).date()) == (
            date(2025, 1, 28),
            date(2025, 2, 2),
        )
        assert gate.local(tet.starts_at).hour == 0
    assert not gates["vn-huu-nghi"].is_open(datetime(2025, 2, 1, 5, 0, tzinfo=UTC))
    assert gates["vn-huu-nghi"].is_open(datetime(2025, 2, 3, 5, 0, tzinfo=UTC))  # Monday, mùng 6
