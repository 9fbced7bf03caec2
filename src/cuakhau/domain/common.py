"""Small parsers shared by the domain: enums, names, countries, decimals, registry codes."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

import pycountry

from cuakhau.domain.errors import InvalidInput

E = TypeVar("E", bound=StrEnum)

MAX_NAME = 300
PHONE_RE = re.compile(r"^\+?[0-9][0-9 .-]{6,19}$")
REGISTRY_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9./-]{1,39}$")


def parse_enum(enum: type[E], raw: str, *, field: str) -> E:
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidInput("enum.invalid", field=field, value=str(raw)[:40], allowed=allowed) from None


def clean_name(raw: str, *, field: str, max_length: int = MAX_NAME) -> str:
    """Trim the ends only: Vietnamese and Chinese text is stored exactly as written."""
    name = raw.strip()
    if not name:
        raise InvalidInput("text.required", field=field)
    if len(name) > max_length:
        raise InvalidInput("text.too_long", field=field, max=max_length)
    return name


def clean_phone(raw: str | None, *, field: str = "phone") -> str | None:
    if raw is None or not raw.strip():
        return None
    if not PHONE_RE.match(raw.strip()):
        raise InvalidInput("phone.invalid", field=field, value=raw[:30])
    return raw.strip()


def parse_country(raw: str, *, field: str) -> str:
    """An ISO 3166-1 alpha-2 code that exists."""
    code = raw.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidInput("country.invalid", field=field, value=raw[:10])
    return code


def parse_decimal(raw: object, *, field: str) -> Decimal:
    if isinstance(raw, bool):
        raise InvalidInput("number.invalid", field=field, value=str(raw))
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput("number.invalid", field=field, value=str(raw)[:40]) from None
    if not value.is_finite():
        raise InvalidInput("number.invalid", field=field, value=str(raw)[:40])
    return value


def parse_registry_code(raw: str | None, *, field: str) -> str | None:
    """Planting-area, packing-house and certificate numbers: upper-case letters, digits, ``-./``."""
    if raw is None or not raw.strip():
        return None
    code = raw.strip().upper()
    if not REGISTRY_CODE_RE.match(code):
        raise InvalidInput("registry_code.invalid", field=field, value=raw[:60])
    return code
