"""The SQL unit of work: one connection, one transaction, committed only by ``commit()``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

import psycopg
from sqlalchemy import Connection, Engine, NestedTransaction, RootTransaction
from sqlalchemy.exc import IntegrityError, OperationalError

from cuakhau.adapters.db.accounts import SqlAccessRepository, SqlAccountRepository, SqlTokenRepository
from cuakhau.adapters.db.activity import SqlGateActivity
from cuakhau.adapters.db.batch import InsertBatch, listen_for_batches
from cuakhau.adapters.db.customs import SqlCustomsRepository
from cuakhau.adapters.db.equeue import (
    SqlBookingRepository,
    SqlIdempotencyRepository,
    SqlQuotaRepository,
    SqlSlotRepository,
)
from cuakhau.adapters.db.exchange import SqlExchangeRepository
from cuakhau.adapters.db.gate_ops import SqlDeviceLog, SqlLaneCallRepository, SqlReviewQueue, SqlYardRepository
from cuakhau.adapters.db.gates import SqlGateRepository
from cuakhau.adapters.db.inspection import SqlInspectionRepository
from cuakhau.adapters.db.onboarding import SqlOnboardingRepository
from cuakhau.adapters.db.outbox import SqlOutbox
from cuakhau.adapters.db.parties import SqlDriverRepository, SqlEnterpriseRepository, SqlVehicleRepository
from cuakhau.adapters.db.registry import SqlRegistryRepository
from cuakhau.adapters.db.shipments import SqlShipmentRepository
from cuakhau.adapters.db.standby import SqlStandbyRepository
from cuakhau.adapters.db.trips import SqlTripRepository
from cuakhau.domain.errors import Conflict
from cuakhau.domain.hs import HsNomenclature
from cuakhau.services.ports.equeue import Place, Take

Savepoint = NestedTransaction


class SqlUnitOfWork:
    """Re-enterable: each ``with`` block is a fresh transaction, so a use case may retry inside one call."""

    gates: SqlGateRepository
    enterprises: SqlEnterpriseRepository
    vehicles: SqlVehicleRepository
    drivers: SqlDriverRepository
    shipments: SqlShipmentRepository
    trips: SqlTripRepository
    slots: SqlSlotRepository
    quotas: SqlQuotaRepository
    bookings: SqlBookingRepository
    idempotency: SqlIdempotencyRepository
    standby: SqlStandbyRepository
    registry: SqlRegistryRepository
    outbox: SqlOutbox
    devices: SqlDeviceLog
    reviews: SqlReviewQueue
    yards: SqlYardRepository
    lanes: SqlLaneCallRepository
    customs: SqlCustomsRepository
    activity: SqlGateActivity
    inspections: SqlInspectionRepository
    accounts: SqlAccountRepository
    tokens: SqlTokenRepository
    access: SqlAccessRepository
    exchange: SqlExchangeRepository
    onboarding: SqlOnboardingRepository

    def __init__(
        self,
        engine: Engine,
        nomenclature: HsNomenclature,
        *,
        read_only: bool = False,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        listen_for_batches(engine)  # before the options: an engine with options shares its parent's listeners
        self._engine = engine.execution_options(sqlite_begin="DEFERRED") if read_only else engine
        self._nomenclature = nomenclature
        self._after_commit = after_commit
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None
        self._batch: InsertBatch

    def __enter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("unit of work already open")
        self._conn = self._engine.connect()
        self._tx = self._conn.begin()
        conn = self._conn
        # On PostgreSQL, consecutive inserts go to the server as one statement (adapters/db/batch.py).
        self._batch = batch = InsertBatch(conn)
        self.gates = SqlGateRepository(conn)
        self.enterprises = SqlEnterpriseRepository(conn)
        self.vehicles = SqlVehicleRepository(conn)
        self.drivers = SqlDriverRepository(conn)
        self.shipments = SqlShipmentRepository(conn, self._nomenclature)
        self.trips = SqlTripRepository(conn, batch)
        self.slots = SqlSlotRepository(conn)
        self.quotas = SqlQuotaRepository(conn)
        self.bookings = SqlBookingRepository(conn, batch)
        self.idempotency = SqlIdempotencyRepository(conn, batch)
        self.standby = SqlStandbyRepository(conn)
        self.registry = SqlRegistryRepository(conn)
        self.outbox = SqlOutbox(conn, batch)
        self.devices = SqlDeviceLog(conn)
        self.reviews = SqlReviewQueue(conn)
        self.yards = SqlYardRepository(conn)
        self.lanes = SqlLaneCallRepository(conn)
        self.customs = SqlCustomsRepository(conn)
        self.activity = SqlGateActivity(conn)
        self.inspections = SqlInspectionRepository(conn)
        self.accounts = SqlAccountRepository(conn)
        self.tokens = SqlTokenRepository(conn)
        self.access = SqlAccessRepository(conn)
        self.exchange = SqlExchangeRepository(conn)
        self.onboarding = SqlOnboardingRepository(conn)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            if self._conn is not None:
                self._batch.close()
                self._conn.close()
            self._conn = None
            self._tx = None

    @contextmanager
    def savepoint(self) -> Iterator[Savepoint]:
        """A nested transaction: released at the end of the block unless ``rollback()`` was called."""
        if self._conn is None:
            raise RuntimeError("unit of work not open")
        nested = self._conn.begin_nested()
        try:
            yield nested
        except BaseException:
            if nested.is_active:
                nested.rollback()
            raise
        if nested.is_active:
            nested.commit()

    def commit(self) -> None:
        if self._tx is None:
            raise RuntimeError("unit of work not open")
        self._batch.flush()
        self._tx.commit()
        if self._after_commit is not None:
            self._after_commit()  # e.g. wake the live dashboards (adapters/web/live.py); must not raise

    def commit_taking(self, place: Place) -> Take:
        taken = self._commit_places(lambda: [place], batch=False)
        if taken is None:  # pragma: no cover - only a batch is refused without a Take
            raise RuntimeError("place refused without a reason")
        return taken

    def commit_placing(self, record: Callable[[], Sequence[Place]]) -> bool:
        return self._commit_places(record, batch=True) is Take.TAKEN

    def _commit_places(self, record: Callable[[], Sequence[Place]], *, batch: bool) -> Take | None:
        """What ``record`` writes, then its places, then COMMIT. A full place -> its ``Take``; any other
        violated constraint -> the error its insert registered, or, for a ``batch``, None. Either rolls back."""
        if self._tx is None or self._conn is None:
            raise RuntimeError("unit of work not open")
        if self._conn.dialect.name != "postgresql":
            # SQLite has one writer at a time: nothing can take the place between these statements and the commit.
            try:
                places = record()
                for place in places:
                    taken = self.slots.take_place(
                        place.gate_id, place.direction, place.starts_at, place.day, inspection=place.inspection
                    )
                    if taken is not Take.TAKEN:
                        self.rollback()
                        return taken
            except (IntegrityError, Conflict):  # a violated constraint, or the error its insert registered
                self.rollback()
                if batch:
                    return None
                raise
            self.commit()
            return Take.TAKEN
        # PostgreSQL: what the unit wrote, the places and the COMMIT in one round trip (psycopg's pipeline mode).
        # The server goes from the places' updates to the commit without waiting for this process, so the rows
        # every booking of the hour and the day meet on stay locked only as long as the database needs.
        raw: Any = self._conn.connection.dbapi_connection
        self._batch.pipelined()
        cursor = raw.cursor()
        try:
            with raw.pipeline():
                places = record()
                self._batch.flush()
                for place in places:
                    self.slots.send_take(cursor, place)
                raw.commit()
        except (psycopg.errors.IntegrityError, IntegrityError) as exc:
            # psycopg raises it at the sync, or SQLAlchemy (wrapped) at a later statement if it came back early
            diag = getattr(exc, "diag", None) or getattr(getattr(exc, "orig", None), "diag", None)
            refused = self.slots.refused(getattr(diag, "constraint_name", None))
            error = None if refused is not None or batch else self._batch.conflict_for(diag)
            self.rollback()
            if refused is not None:
                return refused
            if batch:
                return None
            if error is None:
                raise
            raise error from None
        except psycopg.OperationalError as exc:
            # The connection is gone (whether the COMMIT ran is unknown: a retry with the same idempotency key
            # tells). Give the pool a fresh one next time and raise what SQLAlchemy raises for a lost connection.
            self._conn.invalidate(exc)
            raise OperationalError("COMMIT (pipeline)", None, exc, connection_invalidated=True) from exc
        except BaseException:
            self.rollback()
            raise
        finally:
            cursor.close()
        self._tx.commit()  # already committed in the pipeline: this only closes SQLAlchemy's transaction
        if self._after_commit is not None:
            self._after_commit()
        return Take.TAKEN

    def rollback(self) -> None:
        if self._conn is not None:
            self._batch.discard()
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()


class SqlUnitOfWorkFactory:
    def __init__(self, engine: Engine, nomenclature: HsNomenclature) -> None:
        self.engine = engine
        self.nomenclature = nomenclature
        #: Called after every commit (set by the composition root; the web app's live feed listens here).
        self.after_commit: Callable[[], None] | None = None

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.nomenclature, read_only=read_only, after_commit=self.after_commit)
