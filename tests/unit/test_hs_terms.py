"""Finding HS codes by the words traders use, in Vietnamese, Chinese and English."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.hs_terms import TERMS, HsText, describe, find_goods, fold, hs_names


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


# --- issue 18: names in Vietnamese and Chinese, diacritics folded, typos forgiven --------------------------------

GATE_CHAPTERS = ("01", "03", "07", "08", "10", "11", "40", "44", "85")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("荔枝", "081090"),
        ("vải", "081090"),
        ("vai thieu", "081090"),
        ("VẢI THIỀU Lục Ngạn", "081090"),
        ("sau rieng", "081060"),
        ("durain", "081060"),
        ("龙眼", "081090"),
        ("thanh long", "081090"),
        ("thanh lonh", "081090"),
        ("nhan long", "081090"),
        ("mang cut", "080450"),
        ("xoai tuoi", "080450"),
        ("mangoes", "080450"),
        ("dua hau", "080711"),
        ("西瓜", "080711"),
        ("chuoi", "080390"),
        ("rambutan", "081090"),
        ("jackfruit", "081090"),
        ("mit", "081090"),
        ("gỗ xẻ", "440711"),
        ("cao su", "400110"),
        ("天然橡胶", "4001"),
        ("điện thoại", "851713"),
    ],
)
def test_the_right_code_comes_first(nomenclature: HsNomenclature, query: str, code: str) -> None:
    hits = find_goods(nomenclature, query)
    assert hits and hits[0].entry.code.startswith(code), [(h.entry.code, h.score) for h in hits[:5]]


def test_found_goods_are_described_in_the_readers_language(nomenclature: HsNomenclature) -> None:
    lychee = find_goods(nomenclature, "荔枝")[0]
    assert "荔枝" in lychee.describe("zh").text and lychee.describe("zh").exact
    assert "vải" in lychee.describe("vi").text
    assert lychee.describe("en").text == "Fruit, edible; fruits n.e.c. in heading no. 0801 to 0810, fresh"
    durian = find_goods(nomenclature, "durain")[0]
    assert durian.describe("vi").text == "Quả sầu riêng, tươi" and durian.describe("zh").text == "鲜榴莲"


def test_a_subheading_without_a_name_of_its_own_takes_its_headings(nomenclature: HsNomenclature) -> None:
    entry = nomenclature.get("440711")
    assert entry is not None and "440711" not in hs_names()
    text = describe(entry, "vi")
    assert not text.exact and text.source == "4407" and text.text.startswith("Gỗ đã cưa")
    chapter_only = nomenclature.get("392620")
    assert chapter_only is not None
    assert describe(chapter_only, "zh") == HsText("塑料及其制品", "39", False)


def test_every_chapter_and_the_gate_chapters_headings_and_fruit_are_named(nomenclature: HsNomenclature) -> None:
    names = hs_names()
    entries = nomenclature.entries()
    wanted = [e.code for e in entries if e.level == 2 and not e.code.startswith("99")]
    wanted += [e.code for e in entries if e.level == 4 and e.code[:2] in GATE_CHAPTERS]
    wanted += [e.code for e in entries if e.level == 6 and e.code.startswith("08")]
    assert [code for code in wanted if code not in names] == []
    for code, (vi, zh) in names.items():
        assert nomenclature.get(code) is not None, code
        assert vi.strip() and not re.search(r"[\u4e00-\u9fff]", vi), code
        assert re.search(r"[\u4e00-\u9fff]", zh) and not re.search(r"[a-z]{3}", zh), code


@pytest.mark.parametrize(
    ("written", "folded"), [("Sầu Riêng", "sau rieng"), ("VẢI THIỀU", "vai thieu"), ("Đồng Đăng", "dong dang")]
)
def test_folding_drops_case_and_diacritics(written: str, folded: str) -> None:
    assert fold(written) == folded
    assert fold("火龙果") == "火龙果"


def test_diacritics_as_written_rank_first_among_folded_twins(nomenclature: HsNomenclature) -> None:
    # "vải" (lychee) and "vải dệt" (woven fabric) fold alike; the name that says only what was typed comes first
    codes = [hit.entry.code for hit in find_goods(nomenclature, "vải")]
    assert codes[0] == "081090" and any(code.startswith("5407") for code in codes)
    assert codes.index("081090") < min(codes.index(c) for c in codes if c.startswith("5407"))


def test_search_is_quick_once_built(nomenclature: HsNomenclature) -> None:
    find_goods(nomenclature, "warm up")
    queries = ["vai thieu", "durain", "sau rieng", "荔枝", "thanh long ruot do", "cao su tu nhien", "electric motors"]
    started = time.perf_counter()
    for query in queries * 5:
        assert len(find_goods(nomenclature, query, limit=20)) <= 20
    assert (time.perf_counter() - started) / (len(queries) * 5) < 0.05


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_any_text_gives_declarable_entries_within_the_limit(text: str) -> None:
    hits = find_goods(HsNomenclature.load_default(), text, limit=7)
    assert len(hits) <= 7 and all(hit.entry.declarable for hit in hits)
    assert len({hit.entry.code for hit in hits}) == len(hits)
