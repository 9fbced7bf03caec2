"""Helpers for tests that start real server processes on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2


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
