"""Our signing keys and the partners we talk to: their inboxes, the gates they speak for, their keys."""

from __future__ import annotations

from collections.abc import Sequence

from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import InvalidInput, NotFound, require
from cuakhau.domain.exchange import SELF, check_token
from cuakhau.services.exchange.common import SignatureScheme
from cuakhau.services.ports import UnitOfWork
from cuakhau.services.ports.exchange import PeerRow


def generate_key(uow: UnitOfWork, *, clock: Clock, scheme: SignatureScheme) -> dict[str, str]:
    """A new signing key of our own. Older active keys stay valid until revoked (rotation without a gap)."""
    private, public = scheme.new_keypair()
    key_id = scheme.key_id(public)
    with uow:
        uow.exchange.add_key(SELF, key_id, public, private, clock.now())
        uow.commit()
    return {"key_id": key_id, "public_key": public}


def revoke_key(uow: UnitOfWork, *, clock: Clock, key_id: str, owner: str = SELF) -> None:
    with uow:
        if not uow.exchange.revoke_key(owner, key_id, clock.now()):
            raise NotFound("exchange_key", key_id, field="key_id")
        uow.commit()


def add_peer(
    uow: UnitOfWork,
    *,
    clock: Clock,
    peer_id: str,
    inbox_url: str,
    gates: Sequence[str],
    keys: Sequence[tuple[str, str]] = (),
    name: str | None = None,
) -> PeerRow:
    """Add (or update) a partner: where its inbox is, which gates it speaks for, and its public keys."""
    check_token(peer_id, "peer_id")
    if peer_id == SELF:
        raise InvalidInput("exchange.peer_id", field="peer_id", value=peer_id)
    if not inbox_url.startswith(("http://", "https://")):
        raise InvalidInput("exchange.inbox_url", field="inbox_url", value=inbox_url[:200])
    if not gates:
        raise InvalidInput("exchange.no_gates", field="gates")
    now = clock.now()
    with uow:
        for gate_id in gates:
            require(uow.gates.get(gate_id), "gate", gate_id, field="gates")
        uow.exchange.put_peer(peer_id, name or peer_id, inbox_url, sorted(set(gates)), now)
        for key_id, public in keys:
            check_token(key_id, "key_id")
            uow.exchange.add_key(peer_id, key_id, public, None, now)
        peer = require(uow.exchange.get_peer(peer_id), "exchange_peer", peer_id)
        uow.commit()
    return peer


def add_peer_key(uow: UnitOfWork, *, clock: Clock, peer_id: str, key_id: str, public_key: str) -> None:
    check_token(key_id, "key_id")
    with uow:
        require(uow.exchange.get_peer(peer_id), "exchange_peer", peer_id, field="peer_id")
        uow.exchange.add_key(peer_id, key_id, public_key, None, clock.now())
        uow.commit()
