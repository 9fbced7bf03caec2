"""What this side's staff read of the cross-border exchange: manifests, incidents, refusals, partners and keys.

Reads only; the API routers and the CLI call these instead of the repositories. Who may see which record (their
own gate pairs) is decided by the callers through :mod:`cuakhau.services.access`. A private key never leaves
here: :func:`keys` hands out the public half and the key's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cuakhau.domain.exchange import SELF
from cuakhau.services.ports import UnitOfWork
from cuakhau.services.ports.exchange import IncidentRow, ManifestRow, PeerRow, RefusalRow


def find_manifest(uow: UnitOfWork, trip_ref: str) -> ManifestRow | None:
    """The manifest of ``trip_ref``, sent or received, if there is one."""
    with uow:
        return uow.exchange.find_manifest(trip_ref)


def manifests(
    uow: UnitOfWork, *, way: str | None, status: str | None, limit: int, offset: int = 0
) -> tuple[list[ManifestRow], int]:
    """Manifests sent (``way="out"``) and announced to us (``"in"``), newest first, and how many there are."""
    with uow:
        return uow.exchange.manifests(way=way, status=status, limit=limit, offset=offset)


def find_incident(uow: UnitOfWork, incident_id: str) -> IncidentRow | None:
    with uow:
        return uow.exchange.get_incident(incident_id)


def incidents(uow: UnitOfWork, *, status: str | None, limit: int, offset: int = 0) -> tuple[list[IncidentRow], int]:
    """Hotline incidents raised by either side, newest first, and how many there are."""
    with uow:
        return uow.exchange.incidents(status=status, limit=limit, offset=offset)


def refusals(uow: UnitOfWork, *, limit: int, offset: int = 0) -> tuple[list[RefusalRow], int]:
    """Messages refused (unsigned, forged, replayed, out of scope …), newest first, and how many there are."""
    with uow:
        return uow.exchange.refusals(limit=limit, offset=offset)


def _public(key: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in key.items() if k != "private_key"}


def keys(uow: UnitOfWork, owner: str = SELF) -> list[dict[str, Any]]:
    """The keys of ``owner`` (ours by default), oldest first, without their private half."""
    with uow:
        return [_public(key) for key in uow.exchange.keys(owner)]


def peers(uow: UnitOfWork) -> list[tuple[PeerRow, list[dict[str, Any]]]]:
    """Each partner with its keys (oldest first)."""
    with uow:
        return [(peer, [_public(key) for key in uow.exchange.keys(peer["id"])]) for peer in uow.exchange.peers()]
