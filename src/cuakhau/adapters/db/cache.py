"""A per-process cache of gates, checked against the database on every read.

A gate with its lanes and closures takes three queries to load, and the booking path reads one on every
request although gates almost never change. Each gate row carries a ``revision``: a fresh random value written
in the same transaction as any change to the gate or its closures. A read fetches only that value (one indexed
lookup) and reuses the cached gate when it matches, so every process sees a change as soon as it is committed —
no time-to-live, no cross-process messages. Random values, not a counter: a change rolled back after another
transaction cached it can never come back under the same revision.
"""

from __future__ import annotations

import copy
import threading

from cuakhau.domain.gate import Gate


class GateCache:
    def __init__(self, max_entries: int = 256) -> None:
        self._entries: dict[str, tuple[str, Gate]] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, gate_id: str, revision: str) -> Gate | None:
        entry = self._entries.get(gate_id)
        if entry is None or entry[0] != revision:
            return None
        return _copy(entry[1])

    def put(self, gate_id: str, revision: str, gate: Gate) -> None:
        with self._lock:
            if len(self._entries) >= self._max and gate_id not in self._entries:
                self._entries.clear()  # far more gates than the border has: start over rather than grow
            self._entries[gate_id] = (revision, _copy(gate))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _copy(gate: Gate) -> Gate:
    # Gate is mutable (add_closure appends): callers get their own lists, never the cached ones.
    clone = copy.copy(gate)
    clone.lanes, clone.closures = list(gate.lanes), list(gate.closures)
    clone.closure_rules = list(gate.closure_rules)
    clone.special_hours = dict(gate.special_hours)
    return clone


#: One per process: every unit of work of the process shares it.
GATES = GateCache()
