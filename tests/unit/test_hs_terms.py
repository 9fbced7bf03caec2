"""Finding HS codes by the words traders use, in Vietnamese, Chinese and English."""

from __future__ import annotations

import pytest

from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.hs_terms import TERMS, find_goods


@pytest.fixture(scope="module")
def nomenclature() -> HsNomenclature:
    return HsNomenclature.load_default()


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Sầu riêng Ri6 tươi", "081060"),
        ("鲜榴莲", "081060"),
        ("durians", "081060"),
        ("thanh long ruột trắng", "081090"),
        ("火龙果", "081090"),
        ("0810", "081060"),
        ("0810.60", "081060"),
        ("chuối tươi", "080390"),
        ("复合肥", "310520"),
    ],
)
def test_goods_are_found_by_code_or_by_name_in_any_language(
    nomenclature: HsNomenclature, query: str, code: str
) -> None:
    codes = [hit.entry.code for hit in find_goods(nomenclature, query)]
    assert code in codes


def test_vietnamese_names_match_whole_words_only(nomenclature: HsNomenclature) -> None:
    # "các" (plural marker) is not "cá" (fish)
    assert not any(hit.entry.code.startswith("03") for hit in find_goods(nomenclature, "các loại cao su"))
    assert any(hit.entry.code.startswith("4001") for hit in find_goods(nomenclature, "các loại cao su"))


def test_every_glossary_code_is_a_real_declarable_entry(nomenclature: HsNomenclature) -> None:
    for term, codes in TERMS.items():
        for code in codes:
            found = nomenclature.search(code)
            assert found and all(e.declarable for e in found), (term, code)


def test_nothing_for_nonsense_and_limits_hold(nomenclature: HsNomenclature) -> None:
    assert find_goods(nomenclature, "   ") == []
    assert find_goods(nomenclature, "zzzqqq") == []
    assert len(find_goods(nomenclature, "08", limit=5)) == 5
