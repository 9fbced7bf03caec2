"""The registry of planting areas and packing houses that may export fresh produce, imported from CSV.

The authorities publish these lists (mã số vùng trồng, mã số cơ sở đóng gói / 种植园、包装厂登记号); a gate
board imports the current file and dispatch checks every fresh-produce line against it. The CSV has a header
``kind,code,holder,province,crops,status`` with ``kind`` one of ``planting_area``/``packing_house`` and
``status`` one of ``active``/``suspended``. A bad row is refused naming its line and column; nothing is
imported from a file with any bad row.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_registry_code
from cuakhau.domain.errors import CuakhauError, InvalidInput
from cuakhau.services.ports import UnitOfWork

COLUMNS = ("kind", "code", "holder", "province", "crops", "status")
KINDS = ("planting_area", "packing_house")
STATUSES = ("active", "suspended")
MAX_ROWS = 200_000


def parse_registry_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput("registry.columns", field="header", missing=", ".join(missing))
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for line, raw in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise InvalidInput("registry.too_many_rows", field="file", max=MAX_ROWS)
        kind = (raw.get("kind") or "").strip()
        if kind not in KINDS:
            raise InvalidInput("enum.invalid", field=f"line {line}.kind", value=kind[:40], allowed=", ".join(KINDS))
        status = (raw.get("status") or "").strip()
        if status not in STATUSES:
            raise InvalidInput(
                "enum.invalid", field=f"line {line}.status", value=status[:40], allowed=", ".join(STATUSES)
            )
        try:
            code = parse_registry_code(raw.get("code"), field="code")
        except CuakhauError as exc:
            raise exc.at(f"line {line}") from None
        if code is None:
            raise InvalidInput("text.required", field=f"line {line}.code")
        if (kind, code) in seen:
            raise InvalidInput("registry.duplicate", field=f"line {line}.code", code=code)
        seen.add((kind, code))
        rows.append(
            {
                "kind": kind,
                "code": code,
                "holder": (raw.get("holder") or "").strip(),
                "province": (raw.get("province") or "").strip(),
                "crops": (raw.get("crops") or "").strip(),
                "status": status,
            }
        )
    return rows


def import_registry(uow: UnitOfWork, *, clock: Clock, text: str) -> dict[str, int]:
    """Replace the registry with the file's rows, all or nothing."""
    rows = parse_registry_csv(text)
    now = clock.now()
    with uow:
        uow.registry.replace_all([{**r, "imported_at": now} for r in rows])
        counts = uow.registry.count()
        uow.commit()
    return counts


def registry_counts(uow: UnitOfWork) -> dict[str, int]:
    """How many codes of each kind the registry holds."""
    with uow:
        return uow.registry.count()
