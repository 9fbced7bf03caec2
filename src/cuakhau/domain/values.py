"""Value objects read from user input: plates, container numbers, tax ids, currencies, identity documents.

Every parser is tolerant on input (case, spacing, separators, full-width characters) and strict on content;
it returns one canonical form and raises only :class:`~cuakhau.domain.errors.InvalidInput`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

import pycountry
from stdnum import iso6346
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError
from stdnum.vn import mst

from cuakhau.domain.errors import InvalidInput

#: How much of a rejected input is echoed back in an error (enough to recognise it, never a whole payload).
ECHO_LIMIT = 40

# Characters people put between the parts of a number; NFKC has already folded the full-width forms
# (－ ． 　) into these. "·" "•" "・" are the separators printed on Chinese plates.
_SEPARATORS_RE = re.compile(r"[\s\-‐‑‒–—―.·•・‧∙⋅/_]+")


def _echo(raw: object) -> str:
    return (raw if isinstance(raw, str) else repr(raw)).strip()[:ECHO_LIMIT]


def _fold(raw: str) -> str:
    """NFKC (full-width digits and letters become ASCII), upper case, separators removed."""
    return _SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", raw)).upper()


# ---------------------------------------------------------------------------------------------- plates


class PlateCountry(StrEnum):
    VN = "VN"
    CN = "CN"


class VehicleClass(StrEnum):
    TRUCK = "truck"  # trucks, tractor units and vans — xe tải, đầu kéo / 货车, 牵引车
    TRAILER = "trailer"  # trailers and semi-trailers — rơ moóc, sơ mi rơ moóc / 挂车
    CAR = "car"
    BUS = "bus"
    SPECIAL = "special"  # police, embassy, learner, military, test vehicles


#: Classes allowed to register as goods vehicles at a gate.
GOODS_VEHICLE_CLASSES = frozenset({VehicleClass.TRUCK, VehicleClass.TRAILER})

#: Vietnamese series (sê-ri, the letters after the province code) → vehicle class.
#:
#: C trucks and tractor units, D vans and light goods vehicles, LD vehicles of foreign-invested companies and
#: leased vehicles (mostly commercial), R trailers and semi-trailers (rơ moóc); B buses; NG / NN / QT / CV
#: diplomatic, foreign and international-organisation vehicles. Any other series (A, E, F, G, H, K, ...) reads
#: as a passenger car. This is a hint only: series are issued in sequence as each runs out, so trucks carry
#: series beyond C and D; a vehicle's type comes from its registration, and a series that does not hint at a
#: goods vehicle is a warning an officer sees (``vehicle.series_not_goods``), never a refusal.
VN_SERIES_CLASSES: MappingProxyType[str, VehicleClass] = MappingProxyType(
    {
        "C": VehicleClass.TRUCK,
        "D": VehicleClass.TRUCK,
        "LD": VehicleClass.TRUCK,
        "R": VehicleClass.TRAILER,
        "B": VehicleClass.BUS,
        "NG": VehicleClass.SPECIAL,
        "NN": VehicleClass.SPECIAL,
        "QT": VehicleClass.SPECIAL,
        "CV": VehicleClass.SPECIAL,
    }
)

#: The 31 province abbreviations (省份简称) that open a mainland Chinese plate.
CN_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

#: Suffix characters of Chinese special-use plates: learner 学, police 警, embassy 使, consulate 领,
#: road-test 试, over-limit test 超.
CN_SPECIAL_SUFFIXES = "学警使领试超"

#: Goods series: the letters a Vietnamese goods vehicle's plate usually carries (C trucks and tractor units,
#: D vans, LD leased and foreign-invested companies' vehicles, R trailers and semi-trailers). Only a hint:
#: series are issued in sequence as each runs out, so trucks also carry E, F, G, H, K, ... (see parties.Vehicle).
VN_GOODS_SERIES = frozenset(s for s, c in VN_SERIES_CLASSES.items() if c in GOODS_VEHICLE_CLASSES)

# A Vietnamese car, truck or trailer plate: province 11-99, one or two series letters, four or five digits.
_VN_PLATE_RE = re.compile(r"^(?P<province>[0-9]{2})(?P<series>[A-Z]{1,2})(?P<number>[0-9]{4,5})$")
# A Vietnamese two-wheeler plate (xe mô tô, xe gắn máy): the series letter(s) are followed by a digit (29B1,
# 29MĐ1 for electric motorbikes), then four or five digits. Never a goods vehicle.
_VN_TWO_WHEELER_RE = re.compile(r"^(?P<province>[0-9]{2})(?P<series>[A-ZĐ]{1,2}[0-9])(?P<number>[0-9]{4,5})$")

_CN_HEAD = f"[{CN_PROVINCES}][A-HJ-NP-Z]"  # issuing office letter: never I or O
_CN_CHAR = "[A-HJ-NP-Z0-9]"
#: Chinese plate shapes in GA 36-2018 terms, tried in order; each decides the class on its own.
_CN_PLATE_SHAPES: tuple[tuple[re.Pattern[str], VehicleClass], ...] = (
    # Ordinary blue / yellow plate: the colour, not the text, tells a car from a truck (see Plate.parse).
    (re.compile(f"^{_CN_HEAD}{_CN_CHAR}{{5}}$"), VehicleClass.TRUCK),
    # New-energy, large vehicle (trucks and buses): five digits then D (electric) or F (other).
    (re.compile(f"^{_CN_HEAD}[0-9]{{5}}[DF]$"), VehicleClass.TRUCK),
    # New-energy, small vehicle (cars): D or F first, then a letter or digit and four digits.
    (re.compile(f"^{_CN_HEAD}[DF]{_CN_CHAR}[0-9]{{4}}$"), VehicleClass.CAR),
    (re.compile(f"^{_CN_HEAD}{_CN_CHAR}{{4}}挂$"), VehicleClass.TRAILER),
    (re.compile(f"^{_CN_HEAD}{_CN_CHAR}{{4}}[{CN_SPECIAL_SUFFIXES}]$"), VehicleClass.SPECIAL),
    # Guangdong–Hong Kong / Macau cross-border plates (粤Z…港 / 粤Z…澳), issued for cross-border freight.
    (re.compile(f"^粤Z{_CN_CHAR}{{4}}[港澳]$"), VehicleClass.TRUCK),
)


def plate_shape(raw: str) -> str:
    """The shape of what was typed, for a refusal: digits as ``9``, Latin letters as ``A``, the rest as typed.

    ``29B1-123.45`` → ``99A9-999.99``; ``桂F1234I`` → ``桂A9999A``. Bounded like every echo."""
    text = unicodedata.normalize("NFKC", raw).strip().upper()[:ECHO_LIMIT]
    return "".join("9" if ch.isdigit() else "A" if "A" <= ch <= "Z" or ch == "Đ" else ch for ch in text)


def _groups(raw: str) -> tuple[str, frozenset[int]]:
    """The characters without separators, and where in them the typed separators fell."""
    parts = [p for p in _SEPARATORS_RE.split(unicodedata.normalize("NFKC", raw).upper()) if p]
    cuts: set[int] = set()
    at = 0
    for part in parts[:-1]:
        at += len(part)
        cuts.add(at)
    return "".join(parts), frozenset(cuts)


def _vn_fits(m: re.Match[str], cuts: frozenset[int]) -> bool:
    """Separators only between province, series and number, or before the last two of five digits.

    This is what keeps a grouping from being read as another plate: ``29C1-1234`` (a motorbike) has a
    separator after the series' digit, where no car or truck plate has one, so it is never re-read as
    ``29C-112.34``."""
    series_end = m.end("series")
    allowed = {m.end("province"), series_end}
    if len(m["number"]) == 5:
        allowed.add(series_end + 3)
    return cuts <= allowed and int(m["province"]) >= 11


@dataclass(frozen=True, slots=True)
class Plate:
    """A registration plate — biển số xe / 车牌号 — in canonical text with the class it hints at.

    ``text`` is canonical: Vietnamese ``12C-123.45`` (or the older ``12C-1234``), Chinese without the
    separator, ``桂F12345``. :attr:`display` is the form printed on the plate. ``vehicle_class`` is what the
    plate's shape or series usually means; a vehicle's type comes from its registration
    (:class:`cuakhau.domain.parties.Vehicle`), the plate is only a hint.
    """

    text: str
    country: PlateCountry
    vehicle_class: VehicleClass

    @classmethod
    def parse(cls, raw: str, *, field: str = "plate") -> Plate:
        """Read a Vietnamese or Chinese plate as typed or as read by a camera.

        Case, full-width characters and separators are forgiven, but a Vietnamese plate's grouping is kept:
        separators may fall only where a plate has them (``12C-123.45``, ``12C 12345``, ``12C12345``), so
        digits are never moved between series and number to make another plate. Two-wheeler plates
        (``29B1-123.45``, ``29MĐ1-123.45``) are refused as such (``plate.two_wheeler``). Every refusal has the
        params ``value`` (what was typed, bounded) and ``shape`` (:func:`plate_shape`).

        An ordinary five-character Chinese plate (``桂F12345``) is classed TRUCK: cars and trucks share that
        shape and only the plate colour (blue for small, yellow for large vehicles) tells them apart, which
        the text does not carry.
        """
        if not isinstance(raw, str):
            raise InvalidInput("plate.invalid_format", field=field, value=_echo(raw), shape="?")
        folded, cuts = _groups(raw)
        if not folded:
            raise InvalidInput("plate.empty", field=field, shape="")
        vn = _VN_PLATE_RE.match(folded)
        if vn is not None and _vn_fits(vn, cuts):
            number = vn["number"]
            tail = f"{number[:3]}.{number[3:]}" if len(number) == 5 else number
            series = vn["series"]
            return cls(
                f"{vn['province']}{series}-{tail}",
                PlateCountry.VN,
                VN_SERIES_CLASSES.get(series, VehicleClass.CAR),
            )
        bike = _VN_TWO_WHEELER_RE.match(folded)
        if bike is not None and _vn_fits(bike, cuts):
            number = bike["number"]
            tail = f"{number[:3]}.{number[3:]}" if len(number) == 5 else number
            raise InvalidInput(
                "plate.two_wheeler",
                field=field,
                value=_echo(raw),
                shape=plate_shape(raw),
                plate=f"{bike['province']}{bike['series']}-{tail}",
                series=bike["series"],
            )
        for shape, vehicle_class in _CN_PLATE_SHAPES:
            if shape.match(folded):
                return cls(folded, PlateCountry.CN, vehicle_class)
        raise InvalidInput("plate.invalid_format", field=field, value=_echo(raw), shape=plate_shape(raw))

    @property
    def display(self) -> str:
        """As printed: Chinese plates have a dot after the province and office letter (``桂F·12345``)."""
        if self.country is PlateCountry.CN:
            return f"{self.text[:2]}·{self.text[2:]}"
        return self.text

    @property
    def series(self) -> str:
        """The Vietnamese series (``C`` in ``12C-123.45``, ``LD`` in ``51LD-123.45``); ``""`` for Chinese plates."""
        if self.country is not PlateCountry.VN:
            return ""
        return self.text[2:].split("-", 1)[0]

    @property
    def hints_goods_vehicle(self) -> bool:
        """Whether the plate's series or shape is one goods vehicles usually carry (a hint, never a rule)."""
        return self.vehicle_class in GOODS_VEHICLE_CLASSES


# ------------------------------------------------------------------------------------------ containers

_CONTAINER_RE = re.compile(r"^[A-Z]{3}[UJZ][0-9]{7}$")


@dataclass(frozen=True, slots=True)
class ContainerNumber:
    """An ISO 6346 container number — số container / 集装箱号: owner code, category, serial, check digit."""

    text: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "container_number") -> ContainerNumber:
        """``csqu 305438-3`` → ``CSQU3054383``. Categories U (container), J (equipment), Z (chassis)."""
        if not isinstance(raw, str):
            raise InvalidInput("container.invalid_format", field=field, value=_echo(raw))
        number = _fold(raw)
        if not _CONTAINER_RE.match(number):
            raise InvalidInput("container.invalid_format", field=field, value=_echo(raw))
        expected = iso6346.calc_check_digit(number[:10])
        if number[10] != expected:
            raise InvalidInput("container.check_digit", field=field, value=number, expected=expected)
        return cls(number)


# ------------------------------------------------------------------------------------------- tax ids

TAX_ID_COUNTRIES = (PlateCountry.VN.value, PlateCountry.CN.value)


@dataclass(frozen=True, slots=True)
class TaxId:
    """An enterprise's tax number: Vietnamese MST (mã số thuế) or Chinese USCC (统一社会信用代码).

    ``country`` is ``"VN"`` or ``"CN"``; ``number`` is canonical: ``0100109106``, a branch
    ``0100109106-001``, or an upper-case 18-character USCC.
    """

    country: str
    number: str

    @classmethod
    def parse(cls, country: str, raw: str, *, field: str = "tax_id") -> TaxId:
        code = country.strip().upper() if isinstance(country, str) else ""
        if code not in TAX_ID_COUNTRIES:
            raise InvalidInput("taxid.country", field=field, country=_echo(country))
        if not isinstance(raw, str):
            raise InvalidInput("taxid.invalid", field=field, country=code, value=_echo(raw))
        text = _fold(raw)
        try:
            number = str(mst.format(mst.validate(text)) if code == "VN" else uscc.validate(text))
        except ValidationError:
            raise InvalidInput("taxid.invalid", field=field, country=code, value=_echo(raw)) from None
        return cls(code, number)


def make_vn_tax_code(prefix9: str) -> str:
    """A valid 10-digit MST built on ``prefix9`` (province code + 7-digit serial) — for demo data and tests.

    About one prefix in eleven has no check digit (it would have to be 10), and serial
    ``0000000`` is never issued; for those the first serial digit is stepped up until the code is valid, so
    every prefix gives a code. Raises ``ValueError`` for anything but nine ASCII digits (a programming error).
    """
    if not re.fullmatch(r"[0-9]{9}", prefix9):
        raise ValueError(f"a Vietnamese tax code prefix is 9 digits, got {prefix9!r}")
    for step in range(10):
        candidate = prefix9[:2] + str((int(prefix9[2]) + step) % 10) + prefix9[3:]
        code = candidate + mst.calc_check_digit(candidate)
        if mst.is_valid(code):
            return str(code)
    raise AssertionError("unreachable: the third digit has weight 1 mod 11, so some step fits")


def make_cn_uscc(prefix17: str) -> str:
    """A valid USCC built on its first 17 characters — for demo data and tests.

    Raises ``ValueError`` unless the prefix is 8 digits followed by 9 characters of the USCC alphabet.
    """
    prefix = prefix17.upper()
    if not re.fullmatch(r"[0-9]{8}[0-9ABCDEFGHJKLMNPQRTUWXY]{9}", prefix):
        raise ValueError(f"not the first 17 characters of a USCC: {prefix17!r}")
    return prefix + str(uscc.calc_check_digit(prefix))


# ----------------------------------------------------------------------------------------- currencies


def parse_currency(raw: str, *, field: str = "currency") -> str:
    """An ISO 4217 alphabetic code that exists (``vnd`` → ``VND``, ``CNY``, ``USD``)."""
    code = unicodedata.normalize("NFKC", raw).strip().upper() if isinstance(raw, str) else ""
    if not re.fullmatch(r"[A-Z]{3}", code) or pycountry.currencies.get(alpha_3=code) is None:
        raise InvalidInput("currency.unknown", field=field, value=_echo(raw))
    return code


# -------------------------------------------------------------------------------- identity documents


class IdentityDocumentKind(StrEnum):
    VN_CITIZEN_ID = "vn_citizen_id"  # căn cước công dân (CCCD), 12 digits
    PASSPORT = "passport"  # hộ chiếu / 护照
    CN_RESIDENT_ID = "cn_resident_id"  # 居民身份证, 18 characters
    BORDER_PASS = "border_pass"  # giấy thông hành biên giới / 边境通行证


_PASSPORT_RE = re.compile(r"^[A-Z0-9]{6,9}$")
_BORDER_PASS_RE = re.compile(r"^[A-Z0-9]{6,12}$")
_VN_CITIZEN_ID_RE = re.compile(r"^(?P<province>[0-9]{3})[0-9]{9}$")


@dataclass(frozen=True, slots=True)
class IdentityDocument:
    """A driver's identity document: its kind and canonical number (upper case, no separators)."""

    kind: IdentityDocumentKind
    number: str

    @classmethod
    def parse(cls, kind: str, raw: str, *, field: str = "identity_document") -> IdentityDocument:
        try:
            parsed_kind = IdentityDocumentKind(kind.strip().lower())
        except (AttributeError, ValueError):
            allowed = ", ".join(k.value for k in IdentityDocumentKind)
            raise InvalidInput("identity.kind", field=field, value=_echo(kind), allowed=allowed) from None
        number = _fold(raw) if isinstance(raw, str) else ""
        if not _number_fits(parsed_kind, number):
            raise InvalidInput("identity.invalid", field=field, kind=parsed_kind.value, value=_echo(raw))
        return cls(parsed_kind, number)


def _number_fits(kind: IdentityDocumentKind, number: str) -> bool:
    if kind is IdentityDocumentKind.VN_CITIZEN_ID:
        # The first three digits are the province of birth registration, 001 Hà Nội … 096 Cà Mau.
        m = _VN_CITIZEN_ID_RE.match(number)
        return m is not None and 1 <= int(m["province"]) <= 96
    if kind is IdentityDocumentKind.CN_RESIDENT_ID:
        return ric.is_valid(number) is True
    if kind is IdentityDocumentKind.PASSPORT:
        return _PASSPORT_RE.match(number) is not None
    return _BORDER_PASS_RE.match(number) is not None
