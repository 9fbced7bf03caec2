"""Inserts sent together (adapters/db/batch.py): pending rows reach the database before any other statement of
their unit of work, never leak into the next unit of work on the same pooled connection, and the engine listens
once, not once per unit of work. Each test runs on SQLite (inserts at once) and PostgreSQL (inserts batched)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, event, func, select

from cuakhau.adapters.db import batch
from cuakhau.adapters.db.tables import idempotency_keys
from cuakhau.adapters.db.uow import SqlUnitOfWork
from cuakhau.domain.hs import HsNomenclature

AT = datetime.fromisoformat("2026-11-23T08:00:00+07:00")


def test_a_read_sees_the_inserts_still_pending(engine: Engine, nomenclature: HsNomenclature) -> None:
    with SqlUnitOfWork(engine, nomenclature) as uow:
        uow.idempotency.put("book:trip-1", "key-1", "hash-1", 201, {"booking_id": "b-1"}, AT)
        # On PostgreSQL the row is still pending here: the read sends it first, in the same transaction.
        assert uow.idempotency.get("book:trip-1", "key-1") == ("hash-1", 201, {"booking_id": "b-1"})
        uow.commit()
    with SqlUnitOfWork(engine, nomenclature) as uow:
        assert uow.idempotency.get("book:trip-1", "key-1") is not None


def test_pending_inserts_of_a_unit_left_without_commit_are_lost_not_carried_over(
    engine: Engine, nomenclature: HsNomenclature
) -> None:
    with SqlUnitOfWork(engine, nomenclature) as uow:
        uow.idempotency.put("book:trip-2", "abandoned", "hash", 201, {"booking_id": "b-2"}, AT)
    # The next user of the pooled connection — a unit of work or not — must not send the rows left pending.
    with engine.begin() as conn:
        conn.execute(select(func.count()).select_from(idempotency_keys))
    for n in range(3):
        with SqlUnitOfWork(engine, nomenclature) as uow:
            uow.idempotency.put("book:trip-3", f"kept-{n}", "hash", 201, {"booking_id": "b-3"}, AT)
            uow.commit()
        with SqlUnitOfWork(engine, nomenclature) as uow:
            assert uow.idempotency.get("book:trip-2", "abandoned") is None
            assert uow.idempotency.get("book:trip-3", f"kept-{n}") is not None


def test_a_read_only_unit_flushes_too(engine: Engine, nomenclature: HsNomenclature) -> None:
    # A read-only unit runs on the engine with options: it must share the parent's listener.
    with SqlUnitOfWork(engine, nomenclature, read_only=True) as uow:
        uow.idempotency.put("book:trip-4", "key-4", "hash-4", 201, {"booking_id": "b-4"}, AT)
        assert uow.idempotency.get("book:trip-4", "key-4") is not None


def test_the_engine_listens_once(engine: Engine, nomenclature: HsNomenclature) -> None:
    with SqlUnitOfWork(engine, nomenclature):
        pass
    assert event.contains(engine, "before_execute", batch._before_execute)
    listeners = len(engine.dispatch.before_execute)
    for read_only in (False, True, False, True):
        with SqlUnitOfWork(engine, nomenclature, read_only=read_only) as uow:
            uow.idempotency.get("book:trip-5", "key-5")
    assert len(engine.dispatch.before_execute) == listeners
