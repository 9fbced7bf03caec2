"""What the exchange use cases share: who we are, how we sign, and composing a message into the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import InvalidInput, NotFound, require
from cuakhau.domain.exchange import PROTOCOL, SCHEMA_VERSIONS, MessageKind, canonical_bytes, check_token
from cuakhau.domain.gate import Gate
from cuakhau.domain.trip import new_id
from cuakhau.services.ports import UnitOfWork
from cuakhau.services.ports.exchange import PeerRow


class SignatureScheme(Protocol):
    """Ed25519 in production (:mod:`cuakhau.adapters.exchange.signing`); keys are base64url text."""

    def new_keypair(self) -> tuple[str, str]:
        """(private, public)."""
        ...

    def key_id(self, public_key: str) -> str: ...
    def sign(self, private_key: str, data: bytes) -> str: ...
    def verify(self, public_key: str, data: bytes, signature: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Identity:
    """Who this instance is on the exchange: its partner id and the gates it speaks for."""

    partner_id: str
    gates: frozenset[str]

    def __post_init__(self) -> None:
        check_token(self.partner_id, "exchange_id")
        if not self.gates:
            raise InvalidInput("exchange.no_gates", field="exchange_gates")


@dataclass(frozen=True, slots=True)
class Receipt:
    message_id: str
    status: str  # applied, held
    applied: tuple[str, ...] = ()  # every message applied by this delivery (held ones may follow)


def peer_for_gate(uow: UnitOfWork, gate_id: str) -> PeerRow:
    """The partner that speaks for ``gate_id`` (the counterpart of one of ours)."""
    for peer in uow.exchange.peers():
        if gate_id in peer["gates"]:
            return peer
    raise NotFound("exchange_peer", gate_id, field="gate_id")


def own_gate(uow: UnitOfWork, identity: Identity, gate_id: str) -> Gate:
    if gate_id not in identity.gates:
        raise InvalidInput("exchange.not_our_gate", field="gate_id", gate=gate_id)
    gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
    if gate.counterpart_id is None:
        raise InvalidInput("exchange.no_counterpart", field="gate_id", gate=gate_id)
    return gate


def enqueue(
    uow: UnitOfWork,
    clock: Clock,
    identity: Identity,
    peer_id: str,
    kind: MessageKind,
    gate_id: str,
    body: dict[str, Any],
    trip_ref: str | None = None,
) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "protocol": PROTOCOL,
        "id": new_id(),
        "kind": kind.value,
        "schema": f"{kind.value}@{SCHEMA_VERSIONS[kind]}",
        "sender": identity.partner_id,
        "recipient": peer_id,
        "gate_id": gate_id,
        "created_at": clock.now().isoformat(),
        "body": body,
    }
    if trip_ref is not None:
        envelope["trip_ref"] = trip_ref
        envelope["seq"] = uow.exchange.next_seq(peer_id, "out", trip_ref)
    canonical_bytes(envelope)  # refuse a float or a non-text key before it is stored
    uow.exchange.enqueue(envelope, peer_id, clock.now())
    return envelope
