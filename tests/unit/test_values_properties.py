"""Properties of the value parsers: canonical forms are fixed points, noise is ignored, check digits bite."""

from __future__ import annotations

import contextlib
import csv
import io
import string
from importlib.resources import files

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import iso6346

from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.values import (
    CN_PROVINCES,
    CN_SPECIAL_SUFFIXES,
    VN_SERIES_CLASSES,
    ContainerNumber,
    IdentityDocument,
    Plate,
    TaxId,
    make_cn_uscc,
    make_vn_tax_code,
    parse_currency,
    plate_shape,
)

HS = HsNomenclature.load_default()

LETTERS = string.ascii_uppercase
PLATE_LETTERS = LETTERS.replace("I", "").replace("O", "")
PLATE_CHARS = PLATE_LETTERS + string.digits
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
SEPARATORS = ["", " ", "-", ".", "·", "•", "．", "－", "　"]


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(string.digits, min_size=n, max_size=n)


def _chars(alphabet: str, n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=n, max_size=n)


def _vn_tail(number: str) -> str:
    return f"{number[:3]}.{number[3:]}" if len(number) == 5 else number


@st.composite
def vn_plates(draw: st.DrawFn) -> str:
    """Car, truck, van, bus, diplomatic and trailer (R) plates: five or four digits after one or two letters."""
    province = draw(st.integers(11, 99))
    series = draw(st.sampled_from(list(LETTERS)) | st.sampled_from(sorted(VN_SERIES_CLASSES)) | _chars(LETTERS, 2))
    number = draw(_digits(5) | _digits(4))
    return f"{province}{series}-{_vn_tail(number)}"


@st.composite
def vn_two_wheelers(draw: st.DrawFn) -> str:
    """Motorcycle and moped plates: one or two letters (MĐ for electric ones), then a digit, then the number."""
    province = draw(st.integers(11, 99))
    letters = draw(st.sampled_from(list(LETTERS)) | _chars(LETTERS, 2) | st.just("MĐ"))
    number = draw(_digits(5) | _digits(4))
    return f"{province}{letters}{draw(_digits(1))}-{_vn_tail(number)}"


@st.composite
def cn_plates(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["ordinary", "large_new_energy", "small_new_energy", "suffix", "cross_border"]))
    if shape == "cross_border":  # Guangdong–Hong Kong / Macau
        return "粤Z" + draw(_chars(PLATE_CHARS, 4)) + draw(st.sampled_from("港澳"))
    head = draw(st.sampled_from(list(CN_PROVINCES))) + draw(st.sampled_from(list(PLATE_LETTERS)))
    if shape == "ordinary":
        body = draw(_chars(PLATE_CHARS, 5))
    elif shape == "large_new_energy":
        body = draw(_digits(5)) + draw(st.sampled_from("DF"))
    elif shape == "small_new_energy":
        body = draw(st.sampled_from("DF")) + draw(_chars(PLATE_CHARS, 1)) + draw(_digits(4))
    else:  # trailer 挂 or a special-use suffix
        body = draw(_chars(PLATE_CHARS, 4)) + draw(st.sampled_from("挂" + CN_SPECIAL_SUFFIXES))
    return head + body


plates = vn_plates() | cn_plates()


def _breaks(text: str) -> frozenset[int]:
    """Where a canonical plate is split into groups, counted in its letters and digits (``12C-123.45``: 3, 6)."""
    cuts, at = set(), 0
    for ch in text:
        if ch in "-.·":
            cuts.add(at)
        else:
            at += 1
    return frozenset(cuts)


@st.composite
def noisy(draw: st.DrawFn, text: str) -> str:
    """The same plate in random case, with separators and spaces around it and at the breaks it already has.

    A Vietnamese plate's grouping is part of what it says (``29C1-1234`` is a motorbike, ``29C-112.34`` a truck),
    so noise never adds a break inside a group: it may only drop a break or change its separator, and add one
    between the province code and the series. A Chinese plate has one reading, so noise may go anywhere."""
    vietnamese = text[0].isdigit()
    allowed = {*_breaks(text), 2} if vietnamese else set(range(1, len(text)))
    body = text.replace("-", "").replace(".", "") if vietnamese else text
    out = [draw(st.sampled_from(SEPARATORS))]
    for i, ch in enumerate(body):
        if i in allowed:
            out.append(draw(st.sampled_from(SEPARATORS)))
        out.append(ch.lower() if draw(st.booleans()) else ch)
    out.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(out)


@given(plates)
def test_canonical_plate_reparses_to_itself(text: str) -> None:
    plate = Plate.parse(text)
    assert plate.text == text
    assert Plate.parse(plate.text) == plate
    assert Plate.parse(plate.display) == plate


@given(st.data(), plates)
def test_formatting_noise_does_not_change_the_plate(data: st.DataObject, text: str) -> None:
    assert Plate.parse(data.draw(noisy(text))) == Plate.parse(text)


@given(st.data(), vn_two_wheelers())
def test_two_wheelers_are_refused_as_two_wheelers_whatever_the_noise(data: st.DataObject, text: str) -> None:
    raw = data.draw(noisy(text))
    digits_after_series = sum(ch.isdigit() for ch in text[2:])
    # Only an unbroken motorbike plate with four digits (29C11234) is also a truck's: the camera's reading wins.
    assume(digits_after_series == 6 or _keeps_series_break(raw))
    with pytest.raises(InvalidInput) as info:
        Plate.parse(raw)
    assert info.value.code == "plate.two_wheeler"
    assert info.value.params["plate"] == text
    assert info.value.params["shape"] == plate_shape(raw)


def _keeps_series_break(raw: str) -> bool:
    """Whether a separator follows the series' digit (``29C1-…``): what tells a motorbike from a truck."""
    body = [ch for ch in raw.upper() if ch.isalnum()]
    letters = [i for i, ch in enumerate(body) if ch.isalpha()]
    after = letters[-1] + 2  # index in body just after the digit that follows the last series letter
    count = 0
    for i, ch in enumerate(raw):
        if ch.isalnum():
            count += 1
            if count == after:
                return any(not c.isalnum() for c in raw[i + 1 : i + 2])
    return False


#: Everything plates are made of, and what people put between the parts.
PLATE_LIKE = st.text(alphabet="0123456789CDRBANGMĐL桂粤FZ挂警港 -.·", max_size=14)


@given(PLATE_LIKE)
def test_normalisation_is_idempotent_and_keeps_the_grouping(raw: str) -> None:
    """Any input the parser accepts keeps its characters in order and its breaks where the plate has them;
    every input it refuses is refused with the shape it saw."""
    try:
        plate = Plate.parse(raw)
    except InvalidInput as exc:
        assert exc.params["shape"] == (plate_shape(raw) if raw.strip(" -.·") else "")
        return
    assert Plate.parse(plate.text) == plate == Plate.parse(plate.display)
    alnum = "".join(ch for ch in raw.upper() if ch.isalnum())
    assert "".join(ch for ch in plate.text if ch.isalnum()) == alnum
    if plate.country.value == "VN":
        typed_breaks, at = set(), 0
        for ch in raw.strip(" -.·"):
            if ch.isalnum():
                at += 1
            elif at:
                typed_breaks.add(at)
        assert typed_breaks <= {*_breaks(plate.text), 2}, (raw, plate.text)


@st.composite
def container_numbers(draw: st.DrawFn) -> str:
    body = draw(_chars(LETTERS, 3)) + draw(st.sampled_from("UJZ")) + draw(_digits(6))
    return body + iso6346.calc_check_digit(body)


@given(container_numbers(), st.data())
def test_container_number_round_trips_and_ignores_noise(number: str, data: st.DataObject) -> None:
    assert ContainerNumber.parse(number).text == number
    assert ContainerNumber.parse(data.draw(noisy(number))).text == number


@given(container_numbers(), st.sampled_from(string.digits))
def test_any_other_check_digit_is_refused(number: str, digit: str) -> None:
    assume(digit != number[-1])
    with pytest.raises(InvalidInput) as info:
        ContainerNumber.parse(number[:-1] + digit, field="containers[0]")
    assert info.value.code == "container.check_digit"
    assert info.value.params["expected"] == number[-1]
    assert info.value.field == "containers[0]"


@given(_digits(9), st.integers(1, 999))
def test_generated_vietnamese_tax_codes_validate(prefix: str, branch: int) -> None:
    code = make_vn_tax_code(prefix)
    assert len(code) == 10
    assert code[:2] == prefix[:2] and code[3:9] == prefix[3:9]
    assert TaxId.parse("VN", code) == TaxId("VN", code)
    assert TaxId.parse("VN", f"{code}{branch:03d}") == TaxId("VN", f"{code}-{branch:03d}")


@given(_digits(8), _chars(USCC_ALPHABET, 9))
def test_generated_chinese_usccs_validate(region: str, organisation: str) -> None:
    code = make_cn_uscc(region + organisation)
    assert code.startswith(region + organisation)
    assert TaxId.parse("CN", code) == TaxId("CN", code)
    assert TaxId.parse("CN", code.lower()) == TaxId("CN", code)


def _subheadings_2022() -> list[str]:
    text = files("cuakhau.data").joinpath("hs2022.csv").read_text(encoding="utf-8-sig")
    rows = csv.DictReader(io.StringIO(text))
    return [r["hscode"] for r in rows if len(r["hscode"]) == 6 and r["hscode"].isdigit()]


SUBHEADINGS = [code for code in _subheadings_2022() if not code.startswith("99")]


def test_every_2022_subheading_outside_chapter_99_validates() -> None:
    assert len(SUBHEADINGS) == 5612
    for code in SUBHEADINGS:
        assert HS.validate(code).subheading.code == code


@given(st.sampled_from(SUBHEADINGS), st.sampled_from(["", "00", "0000", "90", "1234"]), st.booleans())
def test_subheadings_validate_in_any_declared_form(code: str, extension: str, dotted: bool) -> None:
    raw = f"{code[:4]}.{code[4:]}{extension}" if dotted else code + extension
    declared = HS.validate(raw)
    assert declared.code == code + extension
    assert declared.subheading.code == code


@given(st.text(max_size=30))
def test_parsers_refuse_only_with_invalid_input(raw: str) -> None:
    calls = (
        lambda: Plate.parse(raw),
        lambda: ContainerNumber.parse(raw),
        lambda: TaxId.parse("VN", raw),
        lambda: TaxId.parse("CN", raw),
        lambda: TaxId.parse(raw, raw),
        lambda: parse_currency(raw),
        lambda: IdentityDocument.parse("vn_citizen_id", raw),
        lambda: IdentityDocument.parse("cn_resident_id", raw),
        lambda: IdentityDocument.parse("passport", raw),
        lambda: IdentityDocument.parse(raw, raw),
        lambda: HS.validate(raw),
        lambda: HS.search(raw),
        lambda: HS.get(raw),
    )
    for call in calls:
        with contextlib.suppress(InvalidInput):
            call()
