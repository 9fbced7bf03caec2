"""The page catalogs: every text a page can show has Vietnamese and Chinese, with the same placeholders."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from cuakhau.adapters.web.pages.i18n import BABEL_LOCALES, LANGUAGES, po_path, translations
from cuakhau.domain.perishability import PROFILES

WEB = Path(str(files("cuakhau.adapters.web")))
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def used_msgids() -> set[str]:
    """Every msgid the templates and page modules use, found the way ``pybabel extract`` finds them, and the
    perishability labels the templates show from the classes' profiles."""
    found = {p.label for p in PROFILES.values()}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB),
        method_map=[("templates/**.html", "jinja2.ext:babel_extract"), ("pages/**.py", "python")],
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalog(language: str) -> Catalog:
    with open(po_path(language), "rb") as f:
        return read_po(f, locale=BABEL_LOCALES[language])


def test_templates_use_texts_and_the_catalogs_hold_every_one() -> None:
    used = used_msgids()
    assert len(used) > 150
    for language in LANGUAGES:
        ids = {m.id for m in catalog(language) if m.id}
        assert used - ids == set(), f"{language}: not in the catalog"
        assert ids - used == set(), f"{language}: in the catalog but used nowhere"


@pytest.mark.parametrize("language", ["vi", "zh"])
def test_every_msgid_is_translated_with_the_same_placeholders(language: str) -> None:
    messages = [m for m in catalog(language) if m.id]
    untranslated = [m.id for m in messages if not m.string or m.fuzzy]
    assert untranslated == []
    for m in messages:
        assert sorted(PLACEHOLDER.findall(str(m.id))) == sorted(PLACEHOLDER.findall(str(m.string))), m.id
    # Not a copy of the English: at most a handful may coincide (codes, units), never most of them.
    same = [m.id for m in messages if m.string == m.id]
    assert len(same) <= 3, same


def test_catalogs_compile_and_translate() -> None:
    assert translations("vi").gettext("Border wait times") == "Thời gian chờ tại cửa khẩu"
    assert translations("zh").gettext("Border wait times") == "口岸等待时间"
    assert translations("en").gettext("Border wait times") == "Border wait times"
