"""HS 2022 nomenclature: declared codes with national extensions, retired 2017 codes, lookup and search."""

from __future__ import annotations

import pytest

from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.hs import HsCode, HsEntry, HsNomenclature, is_plant_product, read_hs_csv


@pytest.fixture(scope="module")
def hs() -> HsNomenclature:
    return HsNomenclature.load_default()


def refusal(hs: HsNomenclature, raw: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        hs.validate(raw, field="cargo_lines[0].hs_code")
    assert info.value.field == "cargo_lines[0].hs_code"
    return info.value


def test_loaded_once_and_complete(hs: HsNomenclature) -> None:
    assert HsNomenclature.load_default() is hs
    # 97 chapters (01–97 without 77, plus the 99 filler), 1229 headings, 5613 subheadings; TOTAL dropped.
    assert (hs.count(2), hs.count(4), hs.count(6)) == (97, 1229, 5613)
    assert len(hs) == 97 + 1229 + 5613


@pytest.mark.parametrize(
    ("raw", "code", "subheading"),
    [
        ("081060", "081060", "081060"),  # durian — sầu riêng / 榴莲
        ("0810.60", "081060", "081060"),
        ("0810 60", "081060", "081060"),
        (" 0810.60.00 ", "08106000", "081060"),
        ("081090", "081090", "081090"),  # lychee, longan, dragon fruit: "fruits n.e.c." in HS 2022
        ("08109050", "08109050", "081090"),  # Vietnamese AHTN line for dragon fruit — thanh long
        ("0810600000", "0810600000", "081060"),  # Chinese 10-digit tariff line
        ("０８１０６０", "081060", "081060"),  # full-width digits
        ("080299", "080299", "080299"),  # new in HS 2022 (was part of 080290)
        ("970690", "970690", "970690"),
    ],
)
def test_valid_codes_keep_the_declared_digits(hs: HsNomenclature, raw: str, code: str, subheading: str) -> None:
    declared = hs.validate(raw)
    assert declared.code == code
    assert declared.subheading.code == subheading
    assert declared.subheading.level == 6
    assert declared.chapter == code[:2]
    assert declared.heading == code[:4]
    assert declared.national_extension == code[6:]


def test_subheading_entry_is_the_2022_line(hs: HsNomenclature) -> None:
    durian = hs.validate("08106000").subheading
    assert durian == HsEntry("081060", "Fruit, edible; durians, fresh", 6, "0810", "II")


def test_national_extension_is_not_checked(hs: HsNomenclature) -> None:
    # Neither national tariff is loaded: any extension of a valid subheading passes unchanged.
    assert hs.validate("0810.90.99").code == "08109099"
    assert hs.validate("0810909999").code == "0810909999"


@pytest.mark.parametrize("raw", ["", "   ", "0810.6", "0810600", "081060000", "08106000000", "0810-60", "HS081060"])
def test_invalid_format(hs: HsNomenclature, raw: str) -> None:
    err = refusal(hs, raw)
    assert err.code == "hs.invalid_format"
    assert dict(err.params) == {"value": raw.strip()}


def test_non_string_is_invalid_format(hs: HsNomenclature) -> None:
    with pytest.raises(InvalidInput) as info:
        hs.validate(81060)  # type: ignore[arg-type]
    assert info.value.code == "hs.invalid_format"


@pytest.mark.parametrize(("raw", "code"), [("08", "08"), ("0810", "0810"), ("08.10", "0810"), ("99", "99")])
def test_chapter_or_heading_is_not_enough(hs: HsNomenclature, raw: str, code: str) -> None:
    err = refusal(hs, raw)
    assert err.code == "hs.not_subheading"
    assert dict(err.params) == {"code": code}


@pytest.mark.parametrize("raw", ["999999", "9999.99", "99999900", "9999990000"])
def test_statistical_filler_is_not_declarable(hs: HsNomenclature, raw: str) -> None:
    err = refusal(hs, raw)
    assert err.code == "hs.not_declarable"
    assert dict(err.params) == {"code": "999999"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        # "Nuts, edible; n.e.c. in heading 0801 and 0802": split in 2022 into 080291 / 080292 (pine nuts)
        # and 080299.
        ("080290", "080290"),
        ("0802.90.00", "080290"),
        ("030510", "030510"),  # fish flours and meals, moved to 0309 in 2022
        ("151000", "151000"),
    ],
)
def test_codes_retired_in_2022(hs: HsNomenclature, raw: str, code: str) -> None:
    err = refusal(hs, raw)
    assert err.code == "hs.only_in_2017"
    assert dict(err.params) == {"code": code}
    assert hs.get(code) is None


@pytest.mark.parametrize(("raw", "code"), [("081099", "081099"), ("000000", "000000"), ("77010000", "770100")])
def test_unknown_codes(hs: HsNomenclature, raw: str, code: str) -> None:
    err = refusal(hs, raw)
    assert err.code == "hs.unknown"
    assert dict(err.params) == {"code": code}


def test_get_any_level(hs: HsNomenclature) -> None:
    chapter = hs.get("08")
    assert chapter is not None and chapter.level == 2 and chapter.parent == ""
    heading = hs.get("0810")
    assert heading is not None and heading.level == 4 and heading.parent == "08"
    assert heading.description == "Fruit, fresh; n.e.c. in chapter 08"
    sub = hs.get("0810.60")
    assert sub is not None and sub.description == "Fruit, edible; durians, fresh"
    assert hs.get("99") is not None  # the filler is in the table, just not declarable
    assert hs.get("081099") is None
    assert hs.get("08106000") is None  # national lines are not in the nomenclature
    assert hs.get("TOTAL") is None
    assert hs.get("") is None


def test_search_by_code_prefix(hs: HsNomenclature) -> None:
    found = hs.search("0810")
    assert [e.code for e in found] == ["081010", "081020", "081030", "081040", "081050", "081060", "081070", "081090"]
    assert [e.code for e in hs.search("08.10 6")] == ["081060"]
    assert [e.code for e in hs.search("0810", limit=2)] == ["081010", "081020"]
    assert hs.search("99") == []  # fillers are not offered
    assert hs.search("0810", limit=0) == []


def test_search_by_words(hs: HsNomenclature) -> None:
    assert [e.code for e in hs.search("DURIANS")] == ["081060"]
    assert [e.code for e in hs.search("durian fresh")] == ["081060"]
    assert [e.code for e in hs.search("pine nuts")] == ["080291", "080292"]
    fruit = hs.search("fresh fruit", limit=1000)
    assert fruit == sorted(fruit, key=lambda e: e.code)
    assert all(e.level == 6 for e in fruit)
    assert len(hs.search("fresh", limit=5)) == 5
    assert hs.search("no such commodity xyzzy") == []
    assert hs.search("   ") == []
    assert hs.search("specified according to kind") == []  # the filler line


def test_plant_products_need_plant_quarantine(hs: HsNomenclature) -> None:
    assert is_plant_product(hs.validate("081060"))  # durian
    assert is_plant_product(hs.validate("060311"))  # cut roses, chapter 06
    assert is_plant_product(hs.validate("140190"))  # chapter 14
    assert not is_plant_product(hs.validate("030289"))  # fish, chapter 03
    assert not is_plant_product(hs.validate("200799"))  # jams, chapter 20: processed
    assert not is_plant_product(hs.validate("850440"))
    assert hs.is_plant_product(hs.validate("090111"))  # coffee


def test_hs_code_properties_do_not_need_the_table() -> None:
    line = HsCode("08109050", HsEntry("081090", "", 6, "0810", ""))
    assert (line.chapter, line.heading, line.national_extension) == ("08", "0810", "50")


def test_reading_rows() -> None:
    text = (
        "\ufeffsection,hscode,description,parent,level\n"
        "II,08,Fruit,TOTAL,2\n"
        'II,0810,"Fruit, fresh",08,4\n'
        'II,081060,"Fruit, edible; durians, fresh",0810,6\n'
        "TOTAL,TOTAL,All Commodities,TOTAL,5\n"
        ",,,,\n"
    )
    rows = read_hs_csv(text)
    assert [e.code for e in rows] == ["08", "0810", "081060"]
    small = HsNomenclature(rows, previous_edition=[HsEntry("080290", "Nuts", 6, "0802", "II")])
    assert len(small) == 3
    assert small.validate("081060").subheading.section == "II"
    with pytest.raises(InvalidInput) as info:
        small.validate("080290")
    assert info.value.code == "hs.only_in_2017"
