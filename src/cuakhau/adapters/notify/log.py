"""Notifications written to the log: what the demo uses, so a user can watch them go out."""

from __future__ import annotations

import logging
import threading
from collections import deque

from cuakhau.domain.notification import Notification

log = logging.getLogger("cuakhau.notify")


#: Messages to a person rather than about a trip (onboarding): the log shows whom and the link or reason.
PERSONAL = frozenset({"join_approved", "join_refused", "account_invited", "password_reset"})


def describe(n: Notification) -> str:
    """One readable line: what happened to which trip, where and when (or, for onboarding, to whom and what)."""
    p = n.payload
    if n.kind in PERSONAL:  # the demo's delivery: the one-time link is read from this line
        return (
            f"notify {n.kind} id={n.id[:8]} lang={n.language} to={p.get('to', '-')} "
            f"username={p.get('username', '-')} link={p.get('link', '-')} reason={p.get('reason') or '-'}"
        )
    return (
        f"notify {n.kind} id={n.id[:8]} lang={n.language} trip={(n.trip_id or '-')[:8]} "
        f"booking={(n.booking_id or '-')[:8]} gate={p.get('gate_id', '-')} slot={p.get('slot_start_local') or '-'} "
        f"status={p.get('status', '-')} rule={p.get('rule') or '-'} reason={p.get('reason') or '-'}"
    )


class LogNotifier:
    """Writes one line per notification to the ``cuakhau.notify`` logger and keeps the last ``keep`` in memory.

    The level defaults to WARNING so the line shows with Python's default logging set-up (the demo server).
    Never fails, so every message counts as delivered.
    """

    def __init__(self, keep: int = 200, *, level: int = logging.WARNING) -> None:
        self.level = level
        self._sent: deque[Notification] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def send(self, notification: Notification) -> None:
        log.log(self.level, "%s", describe(notification))
        with self._lock:
            self._sent.append(notification)

    @property
    def sent(self) -> list[Notification]:
        """The last notifications written, oldest first."""
        with self._lock:
            return list(self._sent)
