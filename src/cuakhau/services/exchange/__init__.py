"""Cross-border exchange use cases — the two gates of a pair talk through signed messages (docs/exchange.md).

Sending: every use case that changes something the other side must know (a closure, a manifest, a decision, a
crossing, an incident) writes the message to the exchange outbox *in the same unit of work* as the change, so a
message exists exactly when its change was committed. :func:`deliver_due` signs each message afresh (its
``sent_at`` is inside the receiver's replay window even after a long outage) and posts it; failures wait on the
published backoff and are never given up.

Receiving is :mod:`cuakhau.services.exchange_inbox` (checked, applied exactly once, in order per trip, or
refused and logged); the hotline's incidents, deadlines and escalation are :mod:`cuakhau.services.hotline`.

The package, one module per concern (each imports only :mod:`.common`):

* :mod:`.common` — who we are (:class:`Identity`), the signature scheme port, a message composed into the outbox;
* :mod:`.peers` — our signing keys, the partners and their keys;
* :mod:`.capacity` — our gate's hours, closures and acceptance, declared to the gate across;
* :mod:`.manifests` — pre-arrival manifests, decisions on them, crossings, the check before our truck crosses;
* :mod:`.delivery` — signing and posting the outbox with retries, and the exchange's health.
"""

from __future__ import annotations

from cuakhau.services.exchange.capacity import AcceptanceIn, declare_capacity, parse_hours
from cuakhau.services.exchange.common import Identity, Receipt, SignatureScheme, enqueue, own_gate, peer_for_gate
from cuakhau.services.exchange.delivery import (
    CLAIM_LEASE,
    FAILURES_PER_ROUND,
    DeliveryFailed,
    DeliveryRejected,
    DeliveryReport,
    Transport,
    deliver_due,
    health,
    sign_envelope,
)
from cuakhau.services.exchange.manifests import (
    ANNOUNCE_STATES,
    MAX_REASONS,
    announce_departures,
    check_crossing_in,
    confirm_crossing,
    decide,
    submit_manifest,
)
from cuakhau.services.exchange.peers import add_peer, add_peer_key, generate_key, revoke_key

__all__ = [
    "ANNOUNCE_STATES",
    "CLAIM_LEASE",
    "FAILURES_PER_ROUND",
    "MAX_REASONS",
    "AcceptanceIn",
    "DeliveryFailed",
    "DeliveryRejected",
    "DeliveryReport",
    "Identity",
    "Receipt",
    "SignatureScheme",
    "Transport",
    "add_peer",
    "add_peer_key",
    "announce_departures",
    "check_crossing_in",
    "confirm_crossing",
    "decide",
    "declare_capacity",
    "deliver_due",
    "enqueue",
    "generate_key",
    "health",
    "own_gate",
    "parse_hours",
    "peer_for_gate",
    "revoke_key",
    "sign_envelope",
    "submit_manifest",
]
