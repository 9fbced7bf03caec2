"""Helpers for tests that start real server processes on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.conftest import service_unavailable

#: Debian's Chromium, driven by Playwright (never a downloaded browser).
CHROMIUM = os.environ.get("CUAKHAU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        service_unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)")


#: Demo databases seeded in this session, by their number of trips: each module gets its own copy.
_SEEDED: dict[int, Path] = {}


def seed_demo(work: Path, trips: int) -> str:
    """A demo database of ``trips`` trips in ``work`` (``cuakhau demo --no-serve``): its URL.

    The demo is seeded once per size in a session and copied for each module (the copy is the module's own to
    change): seeding is the slow part of most browser modules."""
    seeded = _SEEDED.get(trips)
    if seeded is None:
        home = Path(tempfile.mkdtemp(prefix=f"cuakhau-demo-{trips}-"))
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "cuakhau",
                "demo",
                "--db",
                str(home / "demo.db"),
                "--no-serve",
                "--trips",
                str(trips),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=home,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        seeded = _SEEDED[trips] = home / "demo.db"
    db = work / "demo.db"
    shutil.copyfile(seeded, db)
    return f"sqlite:///{db}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for the module's pages (skipped with the reason when it is not installed)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(
    args: list[str],
    *,
    cwd: Path,
    port: int,
    env: dict[str, str] | None = None,
    timeout: float = 180,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[httpx2.Client]:
    """Run ``python -m cuakhau ARGS`` until /healthz answers; stop it afterwards (bounded in time).
    ``preexec_fn`` runs in the child before it starts (e.g. to lower its file-descriptor limit)."""
    log = cwd / f"server-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cuakhau", *args],
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            preexec_fn=preexec_fn,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
                try:
                    if httpx2.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx2.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"server did not answer within {timeout}s:\n{log.read_text()[-4000:]}")
                time.sleep(0.3)
            with httpx2.Client(base_url=base, timeout=30) as client:
                yield client
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
