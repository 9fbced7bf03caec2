"""Page text in Vietnamese, Chinese and English: gettext catalogs (Babel ``.po`` files) and locale formatting.

The ``.po`` files in ``adapters/web/locale/<lang>/LC_MESSAGES/messages.po`` are the source; they are compiled in
memory when the app starts (Babel's ``read_po``/``write_mo``), so an editable install needs no build step and no
``.mo`` file is committed. Error messages keep their own catalogs (:mod:`cuakhau.i18n`) keyed by stable codes.

Dates and times are shown in the *gate's* time zone (a Lạng Sơn officer and a Pingxiang importer each read their
own gate's clock) and the reader's locale; numbers follow the reader's locale.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
from importlib.resources import files
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from cuakhau import i18n

LANGUAGES = i18n.LANGUAGES
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "zh": "中文", "en": "English"}
#: Babel locale for each page language (Chinese: simplified, mainland).
BABEL_LOCALES = {"vi": "vi_VN", "zh": "zh_Hans_CN", "en": "en_GB"}
COOKIE = "cuakhau_lang"


def po_path(language: str) -> str:
    return str(files("cuakhau.adapters.web").joinpath("locale", language, "LC_MESSAGES", "messages.po"))


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language`` (English falls back to the msgids themselves)."""
    with open(po_path(language), "rb") as f:
        catalog = read_po(f, locale=BABEL_LOCALES[language])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def pick_language(*, query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then the language cookie, then the browser's ``Accept-Language``."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return i18n.negotiate(accept_language)


class Formatter:
    """Formats for one reader: their locale; times in a given zone (the gate's)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = BABEL_LOCALES[language]

    def datetime(self, value: dt.datetime | None, tz: ZoneInfo, fmt: str = "short") -> str:
        return "—" if value is None else format_datetime(value, fmt, tzinfo=tz, locale=self.locale)

    def time(self, value: dt.datetime | None, tz: ZoneInfo) -> str:
        return "—" if value is None else format_time(value, "short", tzinfo=tz, locale=self.locale)

    def date(self, value: dt.datetime, tz: ZoneInfo) -> str:
        return format_date(value.astimezone(tz).date(), "medium", locale=self.locale)

    def weekday(self, iso: int) -> str:
        """The short name of an ISO weekday (1 = Monday) in the reader's language."""
        return str(get_day_names("abbreviated", locale=self.locale)[iso - 1])

    def number(self, value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=self.locale)

    def percent(self, value: float | None) -> str:
        """A share as a percentage in the reader's locale ("15%", "15 %")."""
        return "—" if value is None else format_percent(value, locale=self.locale)

    def minutes(self, value: int | float | None) -> str:
        """A duration in hours and minutes ("2 h 05 min" / "2 giờ 05 phút" / "2 小时 05 分")."""
        if value is None:
            return "—"
        total = round(value)
        hours, mins = divmod(total, 60)
        unit_h, unit_m = {"vi": ("giờ", "phút"), "zh": ("小时", "分")}.get(self.language, ("h", "min"))
        if hours:
            return f"{self.number(hours)} {unit_h} {mins:02d} {unit_m}"
        return f"{mins} {unit_m}"

    def age(self, since: dt.datetime, now: dt.datetime) -> str:
        return self.minutes((now - since) / dt.timedelta(minutes=1))
