"""Delivering the outbox: sign each message afresh, post it, retry on the published backoff; the health view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from cuakhau.domain.clock import Clock
from cuakhau.domain.exchange import SELF, RetryPolicy, canonical_bytes
from cuakhau.services.exchange.common import SignatureScheme
from cuakhau.services.ports import UnitOfWork, UnitOfWorkFactory
from cuakhau.services.ports.exchange import no_inbox_stats, no_outbox_stats

#: How long a sender owns the messages it claimed (a sender that dies loses nothing: they are due again).
CLAIM_LEASE = timedelta(seconds=30)

#: Failed posts to one peer in a round after which it is taken as down until the backoff has passed.
FAILURES_PER_ROUND = 3


class DeliveryFailed(Exception):
    """The peer did not take the message (it is tried again after the backoff)."""


class DeliveryRejected(DeliveryFailed):
    """The peer refused the message for good (its content, not the link): it is not tried again."""


class Transport(Protocol):
    def post(self, url: str, document: Mapping[str, Any]) -> None:
        """Deliver one signed envelope; return when the peer has it, raise :class:`DeliveryFailed` otherwise."""
        ...


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)
    #: Refused by the peer for good (not retried; see the health view).
    rejected: int = 0
    #: Claimed but not posted: the lease ran out and another sender claimed the message (it posts it).
    lost: int = 0


def sign_envelope(
    envelope: Mapping[str, Any], *, key: Mapping[str, Any], scheme: SignatureScheme, now: datetime
) -> dict[str, Any]:
    """The envelope as sent on this attempt: dated now, naming the key, signed over its canonical bytes."""
    document = {k: v for k, v in envelope.items() if k not in {"signature", "sent_at", "key_id"}}
    document["sent_at"] = now.isoformat()
    document["key_id"] = key["key_id"]
    document["signature"] = scheme.sign(key["private_key"], canonical_bytes(document))
    return document


def deliver_due(
    uow_factory: UnitOfWorkFactory,
    transport: Transport,
    scheme: SignatureScheme,
    clock: Clock,
    *,
    retry: RetryPolicy = RetryPolicy(),
    limit: int = 50,
    lease: timedelta = CLAIM_LEASE,
) -> DeliveryReport:
    """Claim due messages (short transaction), sign and post each (no transaction), record each outcome.

    One failed message does not hold back the others (the receiver keeps each trip's order itself), but after
    :data:`FAILURES_PER_ROUND` failures a peer is taken as down and the rest of its messages wait for the backoff.

    The claim of a whole batch may outlive its lease when the peer answers slowly, and another sender may then
    claim what is left. So each message's lease is renewed (for ``lease`` from now) just before it is posted, and a
    message whose renewal fails — another sender claimed it — is skipped, not posted a second time. ``lease``
    must be longer than one post can take (the HTTP transport's timeout; the runtime gives three of them).
    """
    with uow_factory() as uow:
        now = clock.now()
        batch = uow.exchange.claim_due(now, limit, lease)
        key = uow.exchange.signing_key()
        peers = {p["id"]: p for p in uow.exchange.peers()}
        uow.commit()
    delivered = retried = rejected = lost = 0
    errors: list[str] = []
    failures: dict[str, list[str]] = {}
    for row, attempt in batch:
        peer = peers.get(row["peer_id"])
        failed = failures.setdefault(row["peer_id"], [])
        error: str | None = None
        if key is None:
            error = "no signing key: run `cuakhau exchange keygen`"
        elif peer is None:
            error = f"unknown peer {row['peer_id']}"
        elif len(failed) >= FAILURES_PER_ROUND:
            error = f"not tried: {failed[-1]}"
        else:
            with uow_factory() as uow:
                held = uow.exchange.renew_lease(row["id"], attempt, clock.now() + lease)
                uow.commit()
            if not held:
                lost += 1
                continue
            document = sign_envelope(row["envelope"], key=key, scheme=scheme, now=clock.now())
            try:
                transport.post(peer["inbox_url"], document)
            except DeliveryRejected as exc:
                with uow_factory() as uow:
                    uow.exchange.mark_rejected_out(row["id"], str(exc), clock.now())
                    uow.commit()
                rejected += 1
                errors.append(str(exc))
                continue
            except DeliveryFailed as exc:
                error = str(exc) or type(exc).__name__
                failed.append(error)
        with uow_factory() as uow:
            if error is None:
                uow.exchange.mark_delivered(row["id"], clock.now())
                delivered += 1
            else:
                uow.exchange.mark_retry(row["id"], attempt, error, clock.now() + retry.delay(attempt))
                retried += 1
                errors.append(error)
            uow.commit()
    return DeliveryReport(delivered, retried, tuple(errors), rejected, lost)


def health(uow: UnitOfWork, *, clock: Clock) -> dict[str, Any]:
    """Backlog, last delivery and failures per peer; what arrived; refusals by reason; open incidents."""
    with uow:
        outbox = uow.exchange.outbox_stats()
        inbox = uow.exchange.inbox_stats()
        peers = uow.exchange.peers()
        own_keys = [{k: v for k, v in key.items() if k != "private_key"} for key in uow.exchange.keys(SELF)]
        _, open_incidents = uow.exchange.incidents(status="open", limit=1, offset=0)
        refusals = uow.exchange.refusal_counts()
    now = clock.now()
    out = []
    for peer in peers:
        o = outbox.get(peer["id"]) or no_outbox_stats()
        i = inbox.get(peer["id"]) or no_inbox_stats()
        oldest = o["oldest_pending"]
        out.append(
            {
                "peer_id": peer["id"],
                "inbox_url": peer["inbox_url"],
                "gates": peer["gates"],
                "backlog": o["pending"],
                "delivered": o["delivered"],
                "rejected": o["rejected"],
                "last_delivery": o["last_delivery"],
                "oldest_pending_age_s": int((now - oldest).total_seconds()) if oldest else 0,
                "failing": o["failing"],
                "most_attempts": o["most_attempts"],
                "last_error": o["last_error"],
                "received": i["applied"],
                "held": i["held"],
                "last_received": i["last_received"],
            }
        )
    return {"peers": out, "keys": own_keys, "refusals": refusals, "open_incidents": open_incidents}
