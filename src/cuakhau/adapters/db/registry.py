"""Storage of the plant-quarantine registry: planting areas and packing houses, replaced as a whole on import."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select

from cuakhau.adapters.db import tables as t


class SqlRegistryRepository:
    """Registered planting areas and packing houses (mã số vùng trồng, cơ sở đóng gói / 种植园、包装厂)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def is_active(self, kind: str, code: str) -> bool:
        r = self.conn.execute(
            select(t.registry_codes.c.status).where(t.registry_codes.c.kind == kind, t.registry_codes.c.code == code)
        ).first()
        return r is not None and r.status == "active"

    def replace_all(self, rows: list[dict[str, Any]]) -> None:
        self.conn.execute(t.registry_codes.delete())
        if rows:
            self.conn.execute(insert(t.registry_codes), rows)

    def count(self) -> dict[str, int]:
        rows = self.conn.execute(select(t.registry_codes.c.kind, func.count()).group_by(t.registry_codes.c.kind)).all()
        return {kind: int(n) for kind, n in rows}
