"""UN/LOCODE coordinates: parsed when sane, refused with a reason when not."""

from __future__ import annotations

import pytest

from cuakhau.domain.locode import LocodeRegistry, parse_coordinates, read_locode_csv


def test_parse_coordinates() -> None:
    assert parse_coordinates("2157N 10642E") == (21.95, 106.7)
    assert parse_coordinates("3352S 15112E") == (-33.8667, 151.2)


@pytest.mark.parametrize("text", ["1448N 10786E", "2175N 10642E", "9500N 10000E", "2157 10642", "N E"])
def test_defective_coordinates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="coordinate"):
        parse_coordinates(text)


def test_shipped_registry_keeps_entries_with_defects_but_drops_their_coordinates() -> None:
    registry = LocodeRegistry.load_default()
    assert len(registry) > 1800
    youyiguan = registry.get("cnyyg")
    assert youyiguan is not None and youyiguan.is_road_point and youyiguan.coordinates == (21.95, 106.7)
    tan_thanh = registry.get("VNTTH")
    assert tan_thanh is not None and tan_thanh.coordinates is None
    assert "minutes over 59" in (tan_thanh.coordinate_defect or "")
    assert tan_thanh in registry.defects()
    assert registry.get("VN") is None  # the country's own row is not a location


def test_reader_skips_country_rows_and_short_rows() -> None:
    text = (
        ',"VN",,".VIET NAM",,,,,,,,\n'
        ',"VN","LCA","Lao Cai","Lao Cai","02","--3-----","RL","1101",,"2229N 10357E",\n'
        "bad\n"
    )
    [entry] = read_locode_csv(text)
    assert entry.code == "VNLCA" and entry.subdivision == "02" and entry.is_road_point
