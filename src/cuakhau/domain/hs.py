"""The Harmonized System — mã HS / 商品编码 — edition 2022, with HS 2017 kept to explain retired codes.

Declarations at the Vietnam–China line carry national extensions of the six-digit HS subheading: 8 digits
in Vietnam (AHTN) and 10 in China. Only the international six digits are checked here.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files

from cuakhau.domain.errors import InvalidInput

#: Chapters 06–14, plants and plant products: they need plant quarantine (kiểm dịch thực vật / 植物检疫).
PLANT_CHAPTERS = frozenset(f"{chapter:02d}" for chapter in range(6, 15))

#: "Commodities not specified according to kind": a statistical filler, never a declarable good.
FILLER_CHAPTER = "99"

DECLARED_LENGTHS = (6, 8, 10)
ECHO_LIMIT = 40

_DIGITS_RE = re.compile(r"[0-9]+")
_NOISE_RE = re.compile(r"[\s.]+")
_WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class HsEntry:
    """One line of the nomenclature: a chapter (2 digits), heading (4) or subheading (6).

    ``parent`` is the code one level up (empty for a chapter); ``section`` the Roman section number.
    """

    code: str
    description: str
    level: int
    parent: str
    section: str

    @property
    def declarable(self) -> bool:
        return self.level == 6 and not self.code.startswith(FILLER_CHAPTER)


@dataclass(frozen=True, slots=True)
class HsCode:
    """A code as declared (6, 8 or 10 digits) with the HS 2022 subheading it falls under."""

    code: str
    subheading: HsEntry

    @property
    def chapter(self) -> str:
        return self.code[:2]

    @property
    def heading(self) -> str:
        return self.code[:4]

    @property
    def national_extension(self) -> str:
        """The digits after the subheading (AHTN or Chinese tariff line), empty for a 6-digit code."""
        return self.code[6:]


def is_plant_product(code: HsCode) -> bool:
    """Plants and plant products (chapters 06–14) need a phytosanitary certificate and plant quarantine."""
    return code.chapter in PLANT_CHAPTERS


def read_hs_csv(text: str) -> list[HsEntry]:
    """Entries from a ``section,hscode,description,parent,level`` file; the TOTAL line and blanks dropped."""
    entries = []
    for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))):
        code = (row.get("hscode") or "").strip()
        if not _DIGITS_RE.fullmatch(code) or len(code) not in (2, 4, 6):
            continue
        parent = (row.get("parent") or "").strip()
        entries.append(
            HsEntry(
                code=code,
                description=(row.get("description") or "").strip(),
                level=len(code),
                parent="" if parent == "TOTAL" else parent,
                section=(row.get("section") or "").strip(),
            )
        )
    return entries


class HsNomenclature:
    """HS 2022 for lookups and validation; the HS 2017 codes only to say why an old code is refused."""

    def __init__(self, entries: Iterable[HsEntry], *, previous_edition: Iterable[HsEntry] = ()) -> None:
        self._entries = {entry.code: entry for entry in entries}
        self._previous_subheadings = frozenset(e.code for e in previous_edition if e.level == 6)
        self._declarable = sorted((entry for entry in self._entries.values() if entry.declarable), key=lambda e: e.code)
        self._declarable_codes = [entry.code for entry in self._declarable]

    @classmethod
    def load_default(cls) -> HsNomenclature:
        """The packaged HS 2022 and HS 2017 tables, read once per process."""
        return _load_default()

    def __len__(self) -> int:
        return len(self._entries)

    def count(self, level: int) -> int:
        """How many chapters (2), headings (4) or subheadings (6) the 2022 edition has."""
        return Counter(entry.level for entry in self._entries.values())[level]

    def entries(self) -> list[HsEntry]:
        """Every HS 2022 chapter, heading and subheading, in code order."""
        return sorted(self._entries.values(), key=lambda e: e.code)

    def get(self, code: str) -> HsEntry | None:
        """The HS 2022 chapter, heading or subheading with this code (dots and spaces ignored)."""
        return self._entries.get(_strip_noise(code))

    def validate(self, raw: str, *, field: str = "hs_code") -> HsCode:
        """Check a declared code: ``081060``, ``0810.60``, ``0810 60``, ``08106000``, ``0810600000``.

        The first six digits must be an HS 2022 subheading. Digits beyond six are the national extension
        (Vietnamese AHTN 8 digits, Chinese tariff 10 digits): kept as given, *not* checked, since neither
        national tariff is loaded here.
        """
        if not isinstance(raw, str):
            raise InvalidInput("hs.invalid_format", field=field, value=repr(raw)[:ECHO_LIMIT])
        digits = _strip_noise(raw)
        if not _DIGITS_RE.fullmatch(digits):
            raise InvalidInput("hs.invalid_format", field=field, value=raw.strip()[:ECHO_LIMIT])
        if len(digits) in (2, 4):
            raise _code_error("hs.not_subheading", field=field, code=digits)
        if len(digits) not in DECLARED_LENGTHS:
            raise InvalidInput("hs.invalid_format", field=field, value=raw.strip()[:ECHO_LIMIT])
        subheading = digits[:6]
        if subheading.startswith(FILLER_CHAPTER):
            raise _code_error("hs.not_declarable", field=field, code=subheading)
        entry = self._entries.get(subheading)
        if entry is not None:
            return HsCode(digits, entry)
        if subheading in self._previous_subheadings:
            raise _code_error("hs.only_in_2017", field=field, code=subheading)
        raise _code_error("hs.unknown", field=field, code=subheading)

    def search(self, text: str, limit: int = 20) -> list[HsEntry]:
        """Declarable subheadings, by code: a code prefix when ``text`` is digits, else every word of it
        found (case-insensitively) in the English description."""
        if limit <= 0:
            return []
        query = _strip_noise(text)
        if not query:
            return []
        if _DIGITS_RE.fullmatch(query):
            start = bisect.bisect_left(self._declarable_codes, query)
            found: list[HsEntry] = []
            for entry in self._declarable[start:]:
                if not entry.code.startswith(query) or len(found) == limit:
                    break
                found.append(entry)
            return found
        words = _WORD_RE.findall(text.casefold())
        if not words:
            return []
        hits = (e for e in self._declarable if all(w in e.description.casefold() for w in words))
        return [entry for _, entry in zip(range(limit), hits, strict=False)]

    def is_plant_product(self, code: HsCode) -> bool:
        return is_plant_product(code)


def _code_error(error_code: str, *, field: str, code: str) -> InvalidInput:
    # ``code`` is also the name of InvalidInput's first parameter, so this param is set after construction.
    error = InvalidInput(error_code, field=field)
    error.params = {"code": code}
    error.args = (error.describe(),)
    return error


def _strip_noise(raw: str) -> str:
    return _NOISE_RE.sub("", unicodedata.normalize("NFKC", raw))


@functools.cache
def _load_default() -> HsNomenclature:
    data = files("cuakhau.data")
    return HsNomenclature(
        read_hs_csv(data.joinpath("hs2022.csv").read_text(encoding="utf-8-sig")),
        previous_edition=read_hs_csv(data.joinpath("hs2017.csv").read_text(encoding="utf-8-sig")),
    )
