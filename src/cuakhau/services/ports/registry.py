"""Port of the plant-quarantine registry (planting areas and packing houses)."""

from __future__ import annotations

from typing import Any, Protocol


class RegistryRepository(Protocol):
    def is_active(self, kind: str, code: str) -> bool: ...
    def replace_all(self, rows: list[dict[str, Any]]) -> None: ...
    def count(self) -> dict[str, int]: ...
