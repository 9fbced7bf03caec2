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

An update whose row count nobody reads (``update``: e.g. a trip's state, guarded by its event's primary key
instead) joins the statement as one more part. So a unit of work that commits with ``commit_taking`` sends
all it wrote, the place it takes and the COMMIT in one round trip (psycopg's pipeline mode): errors then
surface at the commit, and ``conflict_for`` turns a unique violation into the error its insert registered.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, bindparam, event, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import Insert, Update
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
    #: An update of the rows whose columns equal these values (``row`` then holds the values set).
    key: Mapping[str, Any] | None = None

    @property
    def shape(self) -> tuple[Any, ...]:
        return (self.table.name, tuple(self.row), self.computed, tuple(self.key or ()))


_STATEMENTS: dict[tuple[Any, ...], Insert | Update] = {}
_MAX_STATEMENTS = 512


def _part(p: _Pending, prefix: str) -> Insert | Update:
    def param(name: str) -> Any:
        return bindparam(prefix + name, type_=p.table.c[name].type)

    values: dict[str, Any] = {name: param(name) for name in p.row}
    if p.computed is not None:
        values.update(p.computed(param))
    if p.key is not None:
        match = [p.table.c[name] == bindparam(f"{prefix}k_{name}", type_=p.table.c[name].type) for name in p.key]
        return update(p.table).where(and_(*match)).values(values)
    return insert(p.table).values(values)


def _statement(batch: list[_Pending]) -> Insert | Update:
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
    params = {f"p{i}_{name}": value for i, p in enumerate(batch) for name, value in p.row.items()}
    for i, p in enumerate(batch):
        if p.key is not None:
            params.update({f"p{i}_k_{name}": value for name, value in p.key.items()})
    return params


_BATCH = "cuakhau.insert_batch"  # the open batch of a connection, in its info (kept with the DBAPI connection)
_LISTENING: weakref.WeakSet[Engine] = weakref.WeakSet()


def listen_for_batches(engine: Engine) -> None:
    """Have any statement on ``engine``'s connections send the pending inserts of the batch open on that connection
    first. Once per engine: a listener per connection cost more than the inserts it saved (adapters/db/uow.py)."""
    if engine not in _LISTENING:
        event.listen(engine, "before_execute", _before_execute)
        _LISTENING.add(engine)


def _before_execute(conn: Connection, *_args: Any, **_kwargs: Any) -> None:
    batch = conn.info.get(_BATCH)
    if batch is not None and batch._pending and not batch._flushing:
        batch.flush()


class InsertBatch:
    """Open on a connection until ``close``; its engine must have ``listen_for_batches`` (when combining)."""

    def __init__(self, conn: Connection, *, combine: bool | None = None) -> None:
        self.conn = conn
        self.combine = conn.dialect.name == "postgresql" if combine is None else combine
        self._pending: list[_Pending] = []
        self._sent: list[_Pending] | None = None  # kept while pipelined, for conflict_for
        self._flushing = False
        if self.combine:
            conn.info[_BATCH] = self

    def close(self) -> None:
        """Forget what is pending and leave the connection (before it goes back to the pool)."""
        self.discard()
        # An invalidated connection's DBAPI connection, and the info with it, is gone (asking would reconnect).
        if self.combine and not self.conn.invalidated and self.conn.info.get(_BATCH) is self:
            del self.conn.info[_BATCH]

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

    def update(self, table: Table, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        """Update the rows matching ``key`` with the next flush; its row count is not read (PostgreSQL only)."""
        if not self.combine:
            raise RuntimeError("updates wait only where statements are combined (PostgreSQL)")
        if any(p.table is table for p in self._pending):
            self.flush()
        self._pending.append(_Pending(table, values, None, None, key))

    def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self._flushing = True
        try:
            self._send(batch)
        finally:
            self._flushing = False

    def _send(self, batch: list[_Pending]) -> None:
        if self._sent is not None:  # pipelined: an error may surface at any later statement (conflict_for)
            self._sent.extend(batch)
            self.conn.execute(_statement(batch), _params(batch))
            return
        try:
            self.conn.execute(_statement(batch), _params(batch))
        except IntegrityError as exc:
            error = _conflict(batch, getattr(exc.orig, "diag", None))
            if error is None:
                raise
            raise error from None

    def pipelined(self) -> None:
        """From now on remember what is sent: its errors come back only at the commit (``conflict_for``)."""
        self._sent = []

    def conflict_for(self, diag: Any) -> Exception | None:
        """The error registered for the insert that a unique violation reported at the commit names."""
        return _conflict(self._sent or [], diag)

    def discard(self) -> None:
        self._pending, self._sent = [], None


def _conflict(batch: list[_Pending], diag: Any) -> Exception | None:
    if len(batch) == 1:
        return batch[0].conflict() if batch[0].conflict else None
    table_name = getattr(diag, "table_name", None)
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
