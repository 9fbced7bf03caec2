"""Inserts sent together: on PostgreSQL the rows a unit of work inserts between two other statements reach the
server as one statement, each insert a data-modifying ``WITH`` part of it. A booking's row, its change record,
its trip event, its notification and its idempotency key so cost one round trip instead of five.

Nothing reads them early: any other statement on the connection — a read, an update, a savepoint — and the
commit first send what is pending (like an ORM's autoflush), so the order of effects inside the transaction
is the order of the calls. A table appears at most once per statement, so an insert never depends on a row
inserted by a sibling part (parts do not see each other's rows; foreign keys are checked at the end of the
statement, when all are in). A unique violation is turned into the error its insert registered, found by the
table PostgreSQL names in the error. SQLite has no round trip to save: there each insert runs at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import Insert


@dataclass(frozen=True, slots=True)
class _Pending:
    table: Table
    statement: Insert
    conflict: Callable[[], Exception] | None


class InsertBatch:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.combine = conn.dialect.name == "postgresql"
        self._pending: list[_Pending] = []
        self._flushing = False
        if self.combine:
            event.listen(conn, "before_execute", self._before_execute)

    def insert(self, statement: Insert, *, conflict: Callable[[], Exception] | None = None) -> None:
        """Insert (``statement`` carries its values); ``conflict`` makes the error a violated constraint raises."""
        table = statement.table
        assert isinstance(table, Table)
        if any(p.table is table for p in self._pending):
            self.flush()
        self._pending.append(_Pending(table, statement, conflict))
        if not self.combine:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        statement = batch[-1].statement
        for i, part in enumerate(batch[:-1]):
            statement = statement.add_cte(part.statement.cte(f"batch_{i}"))
        self._flushing = True
        try:
            self.conn.execute(statement)
        except IntegrityError as exc:
            error = _conflict(batch, exc)
            if error is None:
                raise
            raise error from None
        finally:
            self._flushing = False

    def discard(self) -> None:
        self._pending = []

    def _before_execute(self, *_args: Any, **_kwargs: Any) -> None:
        if self._pending and not self._flushing:
            self.flush()


def _conflict(batch: list[_Pending], exc: IntegrityError) -> Exception | None:
    if len(batch) == 1:
        return batch[0].conflict() if batch[0].conflict else None
    table_name = getattr(getattr(exc.orig, "diag", None), "table_name", None)
    for part in batch:
        if part.table.name == table_name and part.conflict is not None:
            return part.conflict()
    return None


def insert_now(
    conn: Connection, batch: InsertBatch | None, statement: Insert, *, conflict: Callable[[], Exception] | None = None
) -> None:
    """Through the unit of work's batch when there is one, else at once; a violated constraint -> ``conflict()``."""
    if batch is not None:
        batch.insert(statement, conflict=conflict)
        return
    try:
        conn.execute(statement)
    except IntegrityError:
        if conflict is None:
            raise
        raise conflict() from None
