"""Which side of a gate pair is shut, why and until when, in its own local time (issue 21, item 3)."""

from __future__ import annotations

from datetime import datetime

from cuakhau import i18n
from cuakhau.domain.gate import pair_shut, shut_error
from cuakhau.reference.gates import reference_gates

GATES = {g.id: g for g in reference_gates(years=(2026, 2027))}
CHI_MA, AIDIAN = GATES["vn-chi-ma"], GATES["cn-aidian"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_pair_is_open_only_when_both_sides_are() -> None:
    assert pair_shut((CHI_MA, AIDIAN), at("2026-06-02T10:00:00+07:00")) is None
    evening = pair_shut((CHI_MA, AIDIAN), at("2026-06-02T17:45:00+07:00"))
    assert evening is not None and evening.gate is CHI_MA and evening.closure is None
    assert evening.until == at("2026-06-03T07:30:00+07:00")


def test_a_holiday_on_one_side_shuts_the_pair_and_names_that_side_in_its_own_time() -> None:
    # 1 October, China's National Day: Ái Điểm is closed, Chi Ma is open.
    noon = at("2026-10-01T12:00:00+07:00")
    assert CHI_MA.is_open(noon)
    shut = pair_shut((CHI_MA, AIDIAN), noon)
    assert shut is not None and shut.gate is AIDIAN and shut.closure is not None
    error = shut_error(shut)
    assert error.code == "gate.closed" and error.params["until_local"].endswith("+08:00")
    message = i18n.render(error.code, "zh", error.params)
    assert message.startswith("爱店口岸于 2026-10-01 13:00 (UTC+08:00) 关闭（") and "(UTC+08:00)：" in message


def test_a_param_in_three_languages_is_filled_in_the_messages_language() -> None:
    params = {"gate": {"vi": "Cửa khẩu Chi Ma", "zh": "支麻口岸", "en": "Chi Ma Border Gate"}}
    assert i18n.render("gate.closed", "vi", params).startswith("Cửa khẩu Chi Ma đóng cửa")
    assert i18n.render("gate.closed", "en", params).startswith("Chi Ma Border Gate is closed")
    assert i18n.render("gate.closed", "en", {"gate": {"a": 1}}).startswith("{'a': 1} is closed")  # not a translation
