"""Backups taken under writes restore to the same state (docs/operations.md, "Backups").

SQLite: ``cuakhau db backup`` while a thread keeps declaring, booking and moving trips, then ``cuakhau db
restore`` into a new file. PostgreSQL: the shell block of docs/operations.md run as it stands (``pg_dump -Fc`` of a
database under writes, ``pg_restore`` into a database created for the test). Each time the restored copy passes
its checks, holds everything committed before the backup started, nothing the live database does not, agrees on
trips vs their events, and its audit trail is the live one's rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.engine import make_engine, normalise_url
from cuakhau.adapters.db.migrate import current_revision, head_revision, upgrade
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.adapters.web.app import build_app
from cuakhau.cli import app as cli
from cuakhau.domain.accounts import Role
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import trips
from cuakhau.services.context import ServiceContext
from tests.conftest import DEMO_NOW, POSTGRES_URL, _postgres_admin, service_unavailable
from tests.fixtures.accounts import bearer, token_for
from tests.fixtures.factories import World

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
OFFICER = Actor("officer-backup", ActorRole.CUSTOMS)
#: Trips committed before the backup starts (the writer keeps going during and after it).
BEFORE = 12
WRITER_BOUND_S = 60.0


def _context(engine: Engine, nomenclature: HsNomenclature) -> ServiceContext:
    return ServiceContext(
        uow=SqlUnitOfWorkFactory(engine, nomenclature), clock=ManualClock(DEMO_NOW), nomenclature=nomenclature
    )


@dataclass
class Writer:
    """A thread that declares, books and cancels (with its reason) trip after trip until stopped,
    recording what it has committed (each step is its own transaction)."""

    ctx: ServiceContext
    world: World
    shipment_id: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    versions: dict[str, int] = field(default_factory=dict)  # trip -> committed version (number of events)
    bookings: set[str] = field(default_factory=set)
    finished: list[str] = field(default_factory=list)  # trips the writer will not touch again
    stop: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def run(self) -> None:
        deadline = time.monotonic() + WRITER_BOUND_S
        try:
            while not self.stop.is_set() and time.monotonic() < deadline:
                trip = trips.declare_trip(
                    self.ctx.uow(),
                    self.ctx.nomenclature,
                    clock=self.ctx.clock,
                    gate_id="vn-huu-nghi",
                    direction="export",
                    vehicle_id=self.world.new_truck(),
                    driver_id=self.world.new_driver(),  # a driver and a shipment are on one open trip at a time
                    shipment=self.world.shipment(),
                )
                self._committed(trip.id, trip.version)
                booking = self.world.book(trip.id)
                with self.lock:
                    self.bookings.add(booking.id)
                moved, _event = trips.transition_trip(
                    self.ctx.uow(),
                    clock=self.ctx.clock,
                    trip_id=trip.id,
                    action="cancel",
                    actor=OFFICER,
                    reason="lô hàng hoãn / shipment postponed",
                )  # frees the slot, so the writer never runs out of capacity
                self._committed(trip.id, moved.version)
                with self.lock:
                    self.finished.append(trip.id)
        except BaseException as exc:  # reported by the test
            self.error = exc

    def _committed(self, trip_id: str, version: int) -> None:
        with self.lock:
            self.versions[trip_id] = version

    def snapshot(self) -> tuple[dict[str, int], set[str], list[str]]:
        with self.lock:
            return dict(self.versions), set(self.bookings), list(self.finished)

    def wait_for(self, trips_finished: int) -> None:
        deadline = time.monotonic() + WRITER_BOUND_S
        while time.monotonic() < deadline and self.error is None:
            with self.lock:
                if len(self.finished) >= trips_finished:
                    return
            time.sleep(0.02)
        raise AssertionError(f"the writer did not finish {trips_finished} trips: {self.error!r}")


@pytest.fixture(scope="module")
def nomenclature() -> HsNomenclature:
    return HsNomenclature.load_default()


def _start_writer(engine: Engine, nomenclature: HsNomenclature) -> tuple[Writer, threading.Thread, ServiceContext]:
    ctx = _context(engine, nomenclature)
    world = World(ctx)
    shipment_id = world.declare().shipment_id
    writer = Writer(ctx, world, shipment_id)
    thread = threading.Thread(target=writer.run, name="backup-writer", daemon=True)
    thread.start()
    return writer, thread, ctx


def _stop(writer: Writer, thread: threading.Thread) -> None:
    writer.stop.set()
    thread.join(timeout=WRITER_BOUND_S)
    assert not thread.is_alive()
    assert writer.error is None, repr(writer.error)


def _rows(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {
            "trips": {r.id: r.version for r in conn.execute(select(t.trips.c.id, t.trips.c.version))},
            "bookings": {r.id: r.trip_id for r in conn.execute(select(t.bookings.c.id, t.bookings.c.trip_id))},
            "events": {
                (r.trip_id, r.seq): (r.action, r.from_state, r.to_state, r.at.isoformat(), r.actor_id)
                for r in conn.execute(select(t.trip_events))
            },
        }


def _checksum(events: dict[tuple[str, int], tuple[Any, ...]]) -> str:
    digest = hashlib.sha256()
    for key in sorted(events):
        digest.update(repr((key, events[key])).encode())
    return digest.hexdigest()


def _assert_restored(
    restored: dict[str, Any],
    live: dict[str, Any],
    before: tuple[dict[str, int], set[str], list[str]],
) -> None:
    versions, bookings, _finished = before
    # everything committed before the backup started is there (at least as far as it had gone) ...
    missing = {tid for tid, version in versions.items() if restored["trips"].get(tid, 0) < version}
    assert not missing, f"trips committed before the backup are missing or behind: {sorted(missing)}"
    assert bookings <= set(restored["bookings"]), "bookings committed before the backup are missing"
    # ... nothing the live database does not hold ...
    assert set(restored["trips"]) <= set(live["trips"])
    assert set(restored["bookings"]) <= set(live["bookings"])
    # ... one consistent snapshot: each trip's version is its number of events, each booking's trip is there ...
    per_trip: dict[str, int] = {}
    for trip_id, _seq in restored["events"]:
        per_trip[trip_id] = per_trip.get(trip_id, 0) + 1
    assert per_trip == restored["trips"], "trips.version disagrees with the trip_events of the restored copy"
    assert set(restored["bookings"].values()) <= set(restored["trips"])
    # ... and its audit trail is the live one's rows (events are append-only: a prefix of each trip's history)
    same_keys = {k: live["events"][k] for k in restored["events"] if k in live["events"]}
    assert len(same_keys) == len(restored["events"])
    assert _checksum(restored["events"]) == _checksum(same_keys)


def _same_trip_answers(source: Engine, restored: Engine, trip_ids: list[str], token_ctx: str) -> None:
    """``GET /api/v1/trips/{id}`` answers the same from both databases (the token was in the backup too)."""
    nomenclature = HsNomenclature.load_default()
    answers = []
    for engine in (source, restored):
        with TestClient(build_app(_context(engine, nomenclature)), headers=bearer(token_ctx)) as client:
            got = [client.get(f"/api/v1/trips/{trip_id}") for trip_id in trip_ids]
        assert [r.status_code for r in got] == [200] * len(trip_ids), [r.text for r in got]
        answers.append([r.json() for r in got])
    assert answers[0] == answers[1]


# --- SQLite --------------------------------------------------------------------------------------------------


def test_a_sqlite_backup_under_writes_restores_to_a_consistent_copy(
    tmp_path: Path, nomenclature: HsNomenclature
) -> None:
    live_url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = make_engine(live_url)
    upgrade(engine)
    writer, thread, ctx = _start_writer(engine, nomenclature)
    token = token_for(ctx, Role.SYSTEM_ADMIN)
    try:
        writer.wait_for(BEFORE)
        before = writer.snapshot()
        backup = tmp_path / "backups" / "cuakhau.db"
        made = CliRunner().invoke(cli, ["db", "backup", str(backup), "--database-url", live_url, "--json"])
        assert made.exit_code == 0, made.output
        # still writing after the backup: more trips finished than the backup holds (one is the shipment's)
        writer.wait_for(json.loads(made.stdout)["counts"]["trips"] + 1)
    finally:
        _stop(writer, thread)
    report = json.loads(made.stdout)
    assert report["path"] == str(backup) and report["size"] == backup.stat().st_size > 0
    assert report["integrity"] == "ok" and report["revision"] == head_revision() and report["at_head"]
    assert report["counts"]["trips"] >= BEFORE + 1 and report["counts"]["trip_events"] >= 2 * BEFORE
    assert not list(backup.parent.glob("*-wal")) and not list(backup.parent.glob(".*partial"))

    # restore into a new file; an existing database is refused without --force
    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    refused = CliRunner().invoke(cli, ["db", "restore", str(backup), "--database-url", live_url])
    assert refused.exit_code == 2 and "--force" in " ".join(refused.output.split())
    done = CliRunner().invoke(cli, ["db", "restore", str(backup), "--database-url", restored_url, "--json"])
    assert done.exit_code == 0, done.output
    restored_report = json.loads(done.stdout)
    assert restored_report["integrity"] == "ok" and restored_report["at_head"]
    assert restored_report["counts"] == report["counts"]

    restored = make_engine(restored_url)
    try:
        with restored.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        assert current_revision(restored) == head_revision()
        restored_rows, live_rows = _rows(restored), _rows(engine)
        assert len(restored_rows["trips"]) == report["counts"]["trips"]
        assert len(live_rows["trips"]) > len(restored_rows["trips"]), "the writer kept writing after the backup"
        _assert_restored(restored_rows, live_rows, before)
        _same_trip_answers(engine, restored, before[2][:5], token)
    finally:
        restored.dispose()
        engine.dispose()


def test_restore_refuses_a_damaged_or_foreign_file_and_force_overwrites(tmp_path: Path) -> None:
    live_url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = make_engine(live_url)
    upgrade(engine)
    engine.dispose()
    backup = tmp_path / "b.db"
    assert CliRunner().invoke(cli, ["db", "backup", str(backup), "--database-url", live_url]).exit_code == 0
    again = CliRunner().invoke(cli, ["db", "backup", str(backup), "--database-url", live_url])
    assert again.exit_code == 2 and "exists" in again.output
    assert CliRunner().invoke(cli, ["db", "backup", str(backup), "--database-url", live_url, "--force"]).exit_code == 0
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 100)
    bad = CliRunner().invoke(cli, ["db", "restore", str(garbage), "--database-url", f"sqlite:///{tmp_path / 'x.db'}"])
    assert bad.exit_code == 2 and "not a readable SQLite database" in " ".join(bad.output.split())
    assert not (tmp_path / "x.db").exists()
    failed = CliRunner().invoke(
        cli, ["db", "backup", str(tmp_path / "g.bak"), "--database-url", f"sqlite:///{garbage}"]
    )
    assert failed.exit_code == 2 and "not a database" in failed.output
    assert sorted(p.name for p in tmp_path.iterdir() if "g.bak" in p.name) == []  # no partial file left
    forced = CliRunner().invoke(cli, ["db", "restore", str(backup), "--database-url", live_url, "--force"])
    assert forced.exit_code == 0, forced.output


# --- PostgreSQL: the documented procedure -------------------------------------------------------------------


def _procedure() -> str:
    found = re.search(
        r"<!-- procedure: postgres-backup -->\n```sh\n(.*?)```\n<!-- /procedure -->", DOCS.read_text(), re.S
    )
    assert found, "docs/operations.md lost its PostgreSQL backup procedure"
    return found.group(1)


@pytest.fixture
def pg_databases() -> Iterator[tuple[str, str, str]]:
    """Database names on the test server: the source (created), the one the documented restore creates, and an
    empty one (created) for ``cuakhau db restore``; all dropped afterwards."""
    admin = _postgres_admin()
    if admin is None:
        service_unavailable("no PostgreSQL answers for the backup procedure")
    assert admin is not None
    for tool in ("pg_dump", "pg_restore", "createdb", "psql"):
        if shutil.which(tool) is None:
            service_unavailable(f"{tool} is not installed")
    suffix = uuid.uuid4().hex[:10]
    source, restored, empty = (f"cuakhau_bk_{part}_{suffix}" for part in ("src", "dst", "cli"))
    with admin.connect() as conn:
        for name in (source, empty):
            conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    try:
        yield source, restored, empty
    finally:
        with admin.connect() as conn:
            for name in (source, restored, empty):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_the_documented_postgres_procedure_restores_a_database_under_writes(
    pg_databases: tuple[str, str, str], tmp_path: Path, nomenclature: HsNomenclature
) -> None:
    source, restored_name, empty = pg_databases
    server = make_url(normalise_url(POSTGRES_URL))
    source_url = server.set(database=source).render_as_string(hide_password=False)
    restored_url = server.set(database=restored_name).render_as_string(hide_password=False)
    engine = make_engine(source_url, pool_size=2, max_overflow=0)
    upgrade(engine)
    backup = tmp_path / "cuakhau.dump"
    env = {**os.environ, "SOURCE_DB": source, "RESTORED_DB": restored_name, "BACKUP": str(backup)}
    env.update(PGHOST=server.host or "127.0.0.1", PGPORT=str(server.port or 5432), PGUSER=server.username or "")
    if server.password:
        env["PGPASSWORD"] = str(server.password)
    writer, thread, ctx = _start_writer(engine, nomenclature)
    token = token_for(ctx, Role.SYSTEM_ADMIN)
    try:
        writer.wait_for(BEFORE)
        before = writer.snapshot()
        run = subprocess.run(  # the block as the operator runs it (the doc exports PGHOST/PGPORT/PGUSER)
            ["bash", "-euo", "pipefail", "-c", _procedure()],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        out = run.stdout.split()
        assert out[0] == head_revision(), run.stdout  # step 4: the revision, then the counts
        counts = dict(line.split("|") for line in out[1:])
        writer.wait_for(int(counts["trips"]) + 1)  # still writing after the dump
    finally:
        _stop(writer, thread)

    restored = create_engine(normalise_url(restored_url))
    try:
        restored_rows, live_rows = _rows(restored), _rows(engine)
        assert counts == {
            "trips": str(len(restored_rows["trips"])),
            "trip_events": str(len(restored_rows["events"])),
            "bookings": str(len(restored_rows["bookings"])),
        }
        assert len(live_rows["trips"]) > len(restored_rows["trips"]), "the writer kept writing after the dump"
        _assert_restored(restored_rows, live_rows, before)
        _same_trip_answers(engine, restored, before[2][:5], token)

        # the same through the command line, of the source now quiet: the restored copy is row for row the same
        dump = tmp_path / "cli.dump"
        made = CliRunner().invoke(cli, ["db", "backup", str(dump), "--database-url", source_url, "--json"])
        assert made.exit_code == 0, made.output
        report = json.loads(made.stdout)
        assert report["size"] == dump.stat().st_size > 0 and report["revision"] == head_revision()
        refused = CliRunner().invoke(cli, ["db", "restore", str(dump), "--database-url", restored_url])
        assert refused.exit_code == 2 and "not empty" in " ".join(refused.output.split())
        empty_url = server.set(database=empty).render_as_string(hide_password=False)
        done = CliRunner().invoke(cli, ["db", "restore", str(dump), "--database-url", empty_url])
        assert done.exit_code == 0, done.output
        copy = create_engine(normalise_url(empty_url))
        try:
            copied = _rows(copy)
        finally:
            copy.dispose()
        assert copied["trips"] == live_rows["trips"] and copied["bookings"] == live_rows["bookings"]
        assert _checksum(copied["events"]) == _checksum(live_rows["events"])
    finally:
        restored.dispose()
        engine.dispose()
