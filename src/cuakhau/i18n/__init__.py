"""Messages for users in Vietnamese, Chinese and English, keyed by the stable error codes.

Catalogs live in sibling modules (one per area) as ``MESSAGES = {code: {"vi": ..., "zh": ..., "en": ...}}``
with ``str.format`` placeholders filled from the error's params. :func:`render` is the only place a code
becomes text; a test checks that every catalog entry has all three languages and the same placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cuakhau.i18n import (
    messages_auth,
    messages_bounds,
    messages_core,
    messages_customs,
    messages_declare,
    messages_devices,
    messages_equeue,
    messages_exchange,
    messages_gates,
    messages_inspection,
    messages_onboarding,
    messages_pages,
    messages_quarantine,
    messages_simulation,
    messages_values,
)

LANGUAGES = ("vi", "zh", "en")
DEFAULT_LANGUAGE = "en"

CATALOG: dict[str, dict[str, str]] = {}
_CATALOGS = (
    messages_core,
    messages_values,
    messages_gates,
    messages_equeue,
    messages_devices,
    messages_customs,
    messages_quarantine,
    messages_pages,
    messages_inspection,
    messages_auth,
    messages_exchange,
    messages_simulation,
    messages_bounds,
    messages_onboarding,
    messages_declare,
)
for _module in _CATALOGS:
    for _code, _texts in _module.MESSAGES.items():
        if _code in CATALOG:
            raise RuntimeError(f"message code {_code!r} defined twice")
        CATALOG[_code] = _texts


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


#: Params whose value is a key, not text: ``problem="mismatched_tag"`` on ``phyto.unparseable`` is rendered from
#: the catalog entry ``phyto.problem.mismatched_tag`` in the same language, so a library's English never shows.
TRANSLATED_PARAMS = ("problem",)


def render(code: str, language: str, params: Mapping[str, Any] | None = None) -> str:
    """The message for ``code`` in ``language`` (falling back to English, then to the code itself)."""
    texts = CATALOG.get(code)
    if texts is None:
        family = code.split(".", 1)[0] + ".invalid"
        texts = CATALOG.get(family) or CATALOG["invalid"]
    template = texts.get(language) or texts[DEFAULT_LANGUAGE]
    values = _Params({k: _param(v, language) for k, v in (params or {}).items()})
    for name in TRANSLATED_PARAMS:
        key = values.get(name)
        if isinstance(key, str):
            term = CATALOG.get(f"{code.split('.', 1)[0]}.{name}.{key}")
            if term is not None:
                values[name] = term.get(language) or term[DEFAULT_LANGUAGE]
    return template.format_map(values)


def _param(value: Any, language: str) -> Any:
    """A parameter in the reader's language: a name or phrase given in each language (``{"vi": .., "zh": ..,
    "en": ..}``: a gate's name, "until further notice") or a message of its own (``{"code": "trip.state.booked"}``,
    e.g. a state's name); any other value as it is."""
    if isinstance(value, Mapping):
        if "code" in value:
            return render(str(value["code"]), language, {k: v for k, v in value.items() if k != "code"})
        if DEFAULT_LANGUAGE in value and set(value) <= set(LANGUAGES):
            return value.get(language) or value[DEFAULT_LANGUAGE]
    return value


_LANG_RE = re.compile(r"^\s*([A-Za-z]{1,8})(?:[-_][A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def negotiate(accept_language: str | None) -> str:
    """Pick vi, zh or en from an ``Accept-Language`` header (q-values honoured; default English)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept_language.split(",")[:32]):
        m = _LANG_RE.match(part)
        if not m:
            continue
        lang = m.group(1).lower()
        try:
            q = float(m.group(2)) if m.group(2) else 1.0
        except ValueError:
            continue
        if lang in LANGUAGES and q > 0 and (best is None or (q, -position) > (best[0], best[1])):
            best = (q, -position, lang)
    return best[2] if best else DEFAULT_LANGUAGE
