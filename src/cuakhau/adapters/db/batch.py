"""Inserts sent together: on PostgreSQL the rows a unit of work inserts between two other statements reach the
server as one statement, each insert a data-modifying ``WITH`` part of it. A booking's row, its change record,
its trip event, its notification and its idempotency key so cost one round trip instead of five.

Nothing reads them early: any other statement on the connection — a read, an update, a savepoint — and the
commit first send what is pending (like an ORM's autoflush), so the order of effects inside the transaction
is the order of the calls. A table appears at most once per statement, so an insert never depends on a row
inserted by a sibling part (parts do not see each other's rows; foreign keys are checked at the end of the
statement, when all are in). A unique violation is turned into the error its insert registered, found by the
table PostgreSQL names in the error. SQLite has no round trip to save: there each insert runs at once.

Statements are built once per shape (which tables, which columns) with bound parameters and kept: building
and hashing a fresh SQLAlchemy statement per row cost more CPU than the database spent on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, event, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

#: Builds the insert of one part: given a function naming this part's bound parameters, the SQL values of the
#: columns computed in the database (for example the next sequence number). Module-level functions only:
#: they are part of the key of the kept statements.
Computed = Callable[[Callable[[str], Any]], Mapping[str, ColumnElement[Any]]]


@dataclass(frozen=True, slots=True)
class _Pending:
    table: Table
    row: Mapping[str, Any]
    computed: Computed | None
    conflict: Callable[[], Exception] | None

    @property
    def shape(self) -> tuple[Any, ...]:
        return (self.table.name, tuple(self.row), self.computed)


_STATEMENTS: dict[tuple[Any, ...], Insert] = {}
_MAX_STATEMENTS = 512


def _part(p: _Pending, prefix: str) -> Insert:
    def param(name: str) -> Any:
        return bindparam(prefix + name, type_=p.table.c[name].type)

    values: dict[str, Any] = {name: param(name) for name in p.row}
    if p.computed is not None:
        values.update(p.computed(param))
    return insert(p.table).values(values)


def _statement(batch: list[_Pending]) -> Insert:
    key = tuple(p.shape for p in batch)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _part(batch[-1], f"p{len(batch) - 1}_")
        for i, p in enumerate(batch[:-1]):
            statement = statement.add_cte(_part(p, f"p{i}_").cte(f"batch_{i}"))
        if len(_STATEMENTS) >= _MAX_STATEMENTS:
            _STATEMENTS.clear()
        _STATEMENTS[key] = statement
    return statement


def _params(batch: list[_Pending]) -> dict[str, Any]:
    return {f"p{i}_{name}": value for i, p in enumerate(batch) for name, value in p.row.items()}


class InsertBatch:
    def __init__(self, conn: Connection, *, combine: bool | None = None) -> None:
        self.conn = conn
        self.combine = conn.dialect.name == "postgresql" if combine is None else combine
        self._pending: list[_Pending] = []
        self._flushing = False
        if self.combine:
            event.listen(conn, "before_execute", self._before_execute)

    def insert(
        self,
        table: Table,
        row: Mapping[str, Any],
        *,
        computed: Computed | None = None,
        conflict: Callable[[], Exception] | None = None,
    ) -> None:
        """Insert one row; ``conflict`` makes the error that a violated unique constraint raises."""
        if any(p.table is table for p in self._pending):
            self.flush()
        self._pending.append(_Pending(table, row, computed, conflict))
        if not self.combine:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self._flushing = True
        try:
            self.conn.execute(_statement(batch), _params(batch))
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


def insert_row(
    conn: Connection,
    batch: InsertBatch | None,
    table: Table,
    row: Mapping[str, Any],
    *,
    computed: Computed | None = None,
    conflict: Callable[[], Exception] | None = None,
) -> None:
    """Through the unit of work's batch when there is one, else at once; a violated constraint -> ``conflict()``."""
    (batch or InsertBatch(conn, combine=False)).insert(table, row, computed=computed, conflict=conflict)
