"""Documents that users handed in, given back only as downloads.

Anything a user uploaded (today: the phytosanitary certificate XML) may carry markup a browser would act on, and
it is served from the app's own origin to officers who are logged in. So every such answer goes through
:func:`attachment`, which makes it a file to save, never a page:

- ``Content-Disposition: attachment`` with a plain-ASCII ``filename`` and the exact name as ``filename*``
  (RFC 6266 / RFC 5987), both built from a sanitised name, never from raw user text;
- ``X-Content-Type-Options: nosniff``: the declared type is the only one a browser may use;
- ``Content-Security-Policy: sandbox; default-src 'none'``: if a browser displays it anyway, it runs in a unique
  origin with no script, no form, no plugin and no fetch (no access to the officer's session or cookies);
- ``Cache-Control: private, no-store`` and ``Cross-Origin-Resource-Policy: same-origin``.

Security headers for every answer are the app's middleware's business; these are set here on the response
itself so a document is safe whatever the middleware does.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi import Response

__all__ = ["DOCUMENT_HEADERS", "SANDBOX_CSP", "XML", "attachment", "safe_filename"]

XML = "application/xml"
SANDBOX_CSP = "sandbox; default-src 'none'"
DOCUMENT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": SANDBOX_CSP,
    "Cache-Control": "private, no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}
MAX_NAME = 100

_UNSAFE = re.compile(r'[\\/:*?"<>|;,=%\s]+')
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str | None, prefix: str, suffix: str) -> str:
    """``{prefix}-{name}{suffix}``, with ``name`` (user text, e.g. a certificate number) made harmless: no control,
    format or private-use characters, no path separators, quotes or spaces, no leading dot, at most
    :data:`MAX_NAME` characters. ``{prefix}{suffix}`` when nothing is left."""
    kept = "".join(c for c in unicodedata.normalize("NFC", name or "") if unicodedata.category(c)[0] != "C")
    cleaned = _UNSAFE.sub("_", kept).strip("._-")[:MAX_NAME]
    return f"{prefix}-{cleaned}{suffix}" if cleaned else f"{prefix}{suffix}"


def _ascii_fallback(filename: str) -> str:
    decomposed = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = _NOT_ASCII_SAFE.sub("_", decomposed).strip("._-")
    return ascii_name or "document"


def content_disposition(filename: str) -> str:
    """``attachment; filename="…"; filename*=UTF-8''…`` for an already sanitised name."""
    return f"attachment; filename=\"{_ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment(content: bytes | str, *, filename: str, media_type: str) -> Response:
    """A user-supplied document as a download with the headers above (``filename`` from :func:`safe_filename`)."""
    if isinstance(content, str):
        content = content.encode("utf-8")
        media_type = f"{media_type}; charset=utf-8"
    headers = {"Content-Disposition": content_disposition(filename), **DOCUMENT_HEADERS}
    return Response(content, media_type=media_type, headers=headers)
