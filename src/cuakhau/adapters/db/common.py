"""Helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from cuakhau.domain.errors import Conflict


def insert_unique(conn: Connection, stmt: Any, rows: Any, *, code: str, field: str | None = None) -> None:
    """Insert, turning a unique-constraint race lost to another writer into a 409 instead of a 500."""
    try:
        conn.execute(stmt, rows)
    except IntegrityError:
        raise Conflict(code, field=field) from None
