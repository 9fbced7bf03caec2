"""Backups of the database: SQLite through its online backup API, PostgreSQL through ``pg_dump``/``pg_restore``.

SQLite: ``Connection.backup`` copies the live database page by page in one step, under one read transaction, so
the copy is a consistent snapshot even while a server keeps writing (WAL: the readers do not block the writers and
the writers do not block the reader). The copy is written to a temporary file next to the target, switched to a
single-file journal, checked (``PRAGMA integrity_check``, the Alembic revision) and only then renamed into place.

Restore never writes into a database a server may be using unless told to (``force``): by default it refuses an
existing target that holds anything, so the usual restore is into a new file that the server is then pointed at.

PostgreSQL: ``pg_dump -Fc`` (custom format, one consistent snapshot of a running database) and ``pg_restore`` into
a fresh database; the client tools must be of the server's major version or newer (``pg_dump`` refuses an older
client). See docs/operations.md, "Backups".
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from cuakhau.adapters.db.engine import normalise_url
from cuakhau.adapters.db.migrate import alembic_config, head_revision

#: The tables whose row counts a backup reports: the trips, their audit trail, the bookings.
COUNTED = ("trips", "trip_events", "bookings")


class BackupError(Exception):
    """A backup or restore that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds: where, how big, at which schema revision, how many rows, whether it is intact."""

    path: str
    size: int
    revision: str | None
    head: str | None
    integrity: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def at_head(self) -> bool:
        return self.revision is not None and self.revision == self.head

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at_head": self.at_head}


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, ``None`` for another database; an in-memory database cannot be backed up."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database has no file to back up or restore")
    return Path(parsed.database).expanduser()


def inspect_sqlite(path: Path) -> BackupInfo:
    """Check a SQLite file (integrity, revision) and count its rows, read-only."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    conn = sqlite3.connect(path, timeout=30)  # not mode=ro: a WAL file needs its -shm, which ro cannot create
    try:
        conn.execute("PRAGMA query_only=1")
        integrity = "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        counts = {
            name: int(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
            for name in COUNTED
            if name in tables
        }
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable SQLite database ({exc})") from None
    finally:
        conn.close()
    return BackupInfo(str(path), path.stat().st_size, revision, head_revision(), integrity, counts)


def backup_sqlite(source: Path, target: Path, *, force: bool = False) -> BackupInfo:
    """Copy the live database ``source`` to ``target`` (a consistent snapshot) and check the copy."""
    if not source.is_file():
        raise BackupError(f"{source}: no such database")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; choose another file or pass --force to replace it")
    if target.resolve() == source.resolve():
        raise BackupError("the backup file must not be the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # pages=-1: every page in one step, one read snapshot of the source
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            dst.close()
            src.close()
        info = inspect_sqlite(partial)
        if info.integrity != "ok":
            raise BackupError(f"the copy fails PRAGMA integrity_check: {info.integrity}")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"the backup failed: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return inspect_sqlite(target)


def restore_sqlite(backup: Path, target: Path, *, force: bool = False) -> BackupInfo:
    """Put the backup ``backup`` in place as the database ``target``, after checking it.

    Refuses a target that exists and holds anything unless ``force`` (stop the server first: its open connections
    and caches would otherwise keep serving the old state); the copy goes through SQLite, so the target's own
    journal stays coherent."""
    info = inspect_sqlite(backup)
    if info.integrity != "ok":
        raise BackupError(f"{backup} fails PRAGMA integrity_check: {info.integrity}")
    if info.revision is None:
        raise BackupError(f"{backup} has no Alembic revision: not a cuakhau database")
    if not known_revision(info.revision):
        raise BackupError(f"{backup} is at revision {info.revision}, which this version does not know (newer?)")
    if target.exists() and target.stat().st_size > 0 and not force:
        raise BackupError(
            f"{target} exists; restore into a new file (--database-url sqlite:///NEW.db) and point the server "
            "at it, or stop the server and pass --force to overwrite"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)  # takes the target's write lock: a writer still attached waits (busy timeout)
        dst.execute("PRAGMA journal_mode=WAL")  # as the server runs it
    except sqlite3.Error as exc:
        raise BackupError(f"the restore into {target} failed: {exc}") from None
    finally:
        dst.close()
        src.close()
    restored = inspect_sqlite(target)
    if restored.integrity != "ok":
        raise BackupError(f"the restored {target} fails PRAGMA integrity_check: {restored.integrity}")
    return restored


def known_revision(revision: str) -> bool:
    """Whether this version's migrations know ``revision`` (an older one is brought up by ``cuakhau db upgrade``)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def _libpq_url(url: str) -> str:
    """The URL as the PostgreSQL client tools read it (no SQLAlchemy driver suffix)."""
    parsed = make_url(normalise_url(url)).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH; install the PostgreSQL client of the server's major version")
    return found


def backup_postgres(url: str, target: Path, *, force: bool = False) -> Path:
    """``pg_dump -Fc`` of the running database at ``url`` into ``target`` (through a partial file)."""
    if target.exists() and not force:
        raise BackupError(f"{target} exists; choose another file or pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        run = subprocess.run(
            [_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(partial), "-d", _libpq_url(url)],
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            raise BackupError(f"pg_dump failed: {run.stderr.strip()}")
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return target


def restore_postgres(backup: Path, url: str) -> None:
    """``pg_restore`` of ``backup`` into the database at ``url``, which must exist and hold no tables."""
    if not backup.is_file():
        raise BackupError(f"{backup}: no such file")
    from sqlalchemy import create_engine, text

    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
            ).scalar_one()
    finally:
        engine.dispose()
    if tables:
        raise BackupError("the target database is not empty; create a new one (createdb) and restore into it")
    run = subprocess.run(
        [_tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", _libpq_url(url), str(backup)],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        raise BackupError(f"pg_restore failed: {run.stderr.strip()}")
