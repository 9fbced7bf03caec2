"""The hot read paths over a seeded history, timed (issue 16.3): one PostgreSQL database per run.

    PYTHONPATH=src:. python benchmarks/history_reads.py cuakhau_history 50000 head

builds the database ``cuakhau_history`` at the given migration (``head``, or ``0019`` for the schema before the
indexes and the change counter, with that code on PYTHONPATH), seeds ``trips`` crossed trips at Chi Ma with the
history of ``tests/integration/test_explain.py`` (7 events, a booking, a lane call, a yard visit, 3 device reads,
2 notifications, a manifest and an outbox message each), books and dispatches four trucks of today through the use
cases, and prints the median of 7 runs of each hot read path, one client. The database is dropped at the end.
"""

import statistics
import sys
import time
from datetime import timedelta

import tests.integration.test_explain as tx
from sqlalchemy import text
from tests.conftest import DEMO_NOW
from tests.fixtures.factories import World
from tests.integration.test_gate_ops import GATE, dispatched, plate_of, read

from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.migrate import upgrade
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.devices import Checkpoint
from cuakhau.domain.hs import HsNomenclature
from cuakhau.services.context import ServiceContext

name, n, revision = sys.argv[1], int(sys.argv[2]), sys.argv[3]
admin = make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test").execution_options(isolation_level="AUTOCOMMIT")
with admin.connect() as c:
    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    c.execute(text(f'CREATE DATABASE "{name}"'))
engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
upgrade(engine, revision)
nom = HsNomenclature.load_default()
ctx = ServiceContext(uow=SqlUnitOfWorkFactory(engine, nom), clock=ManualClock(DEMO_NOW), nomenclature=nom)
world = World(ctx)
t0 = time.perf_counter()
with engine.begin() as conn:
    yard = conn.execute(text("SELECT id FROM yards WHERE gate_id = :g LIMIT 1"), {"g": GATE}).scalar_one()
    p = dict(
        n=n,
        gate=GATE,
        yard=yard,
        peer=tx.PEER,
        exporter=world.exporter.id,
        vehicle=world.truck.id,
        driver=world.driver.id,
        t0=DEMO_NOW - timedelta(days=120),
    )
    for s in tx.SEED.split(";"):
        if s.strip():
            conn.execute(text(s), p)
today = [dispatched(world) for _ in range(4)]
for trip_id in today[:2]:
    read(ctx, plate_of(ctx, trip_id), Checkpoint.YARD_ENTRY)
with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
    conn.execute(text("VACUUM ANALYZE"))
print(f"seeded {n} trips in {time.perf_counter() - t0:.1f} s")
for label, run in tx._hot_paths(ctx, today).items():
    run()
    times = []
    for _ in range(7):
        s = time.perf_counter()
        run()
        times.append((time.perf_counter() - s) * 1000)
    print(f"{label:32s} median {statistics.median(times):9.2f} ms")
engine.dispose()
with admin.connect() as c:
    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
