"""A step's reason reads as a sentence in the reader's language: published codes, older three-language reasons."""

from __future__ import annotations

from cuakhau.domain.hs_terms import local_names
from cuakhau.i18n import step_reasons


def test_a_published_reason_with_free_text_reads_in_each_language() -> None:
    kept = step_reasons.compose("weight", " lệch 2 tấn ")
    assert kept == "[weight] lệch 2 tấn"
    assert step_reasons.describe(kept, "zh") == "过磅重量与申报不符: lệch 2 tấn"
    assert step_reasons.describe("[sample]", "en") == "Sampled for testing, waiting for the laboratory result"
    assert step_reasons.compose("no-such-code", "") is None and step_reasons.compose(None, "x") == "x"


def test_an_older_three_language_reason_shows_the_readers_part_and_other_text_is_kept() -> None:
    old = "Kiểm tra chứng từ / 单证核查 / document check"
    assert [step_reasons.describe(old, lang) for lang in ("vi", "zh", "en")] == [
        "Kiểm tra chứng từ",
        "单证核查",
        "document check",
    ]
    assert step_reasons.describe("[unknown] text", "vi") == "[unknown] text"
    assert step_reasons.describe(None, "vi") == ""


def test_hs_lines_are_named_in_vietnamese_and_chinese_from_the_glossary() -> None:
    assert "sầu riêng" in local_names("0810.60", "vi") and "榴莲" in local_names("081060", "zh")
    assert local_names("081060", "en") == []


def test_each_result_has_its_own_published_list_in_three_languages() -> None:
    lists = step_reasons.RESULT_REASONS
    assert lists["reject"] is step_reasons.REJECT_REASONS and lists["hold"] is step_reasons.HOLD_REASONS
    # A rejection is not a hold: the lists share no reason but "another reason", which reads the same in each.
    shared = set(step_reasons.REJECT_REASONS) & (set(step_reasons.HOLD_REASONS) | set(step_reasons.RELEASE_REASONS))
    assert shared == {"other"}
    for published in lists.values():
        for code, texts in published.items():
            assert set(texts) == {"vi", "zh", "en"} and all(t.strip() for t in texts.values()), code
    assert step_reasons.describe("[false_declaration] 少报 2 吨", "vi").startswith("Khai sai tên hàng")
    assert set(step_reasons.ACTION_NAMES) == set(lists)
