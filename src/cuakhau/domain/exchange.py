"""Cross-border exchange — trao đổi thông tin qua biên giới / 跨境信息交换: the rules both sides agree on.

Two systems, one per side of the line, send each other signed JSON messages (see ``docs/exchange.md``). The
pure parts of the protocol live here: message kinds, the canonical bytes that are signed, the replay window,
a partner's scope, delivery backoff and hotline deadlines. Cryptography, storage and HTTP are adapters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, ClassVar

from cuakhau.domain.errors import CuakhauError
from cuakhau.i18n.times import local_time

#: The envelope format; a receiver refuses a version it does not speak.
PROTOCOL = "cuakhau-exchange/1"
#: A message is accepted only if it was signed within this long of the receiver's clock (either way).
REPLAY_WINDOW = timedelta(minutes=5)
#: The reserved owner name of this instance's own keys.
SELF = "self"
#: Message ids, partner ids, key ids: letters, digits and - _ . : only (they end up in URLs and logs).
TOKEN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
#: Notification kind sent to a trip's holder when the other side decides on it.
COUNTERPART_DECISION = "counterpart_decision"
INCIDENT_ESCALATED = "incident_escalated"


class MessageKind(StrEnum):
    CAPACITY = "capacity.declared"  # hours, closures, daily/hourly acceptance of the sender's gate
    MANIFEST = "manifest.submitted"  # pre-arrival: trip and cargo summary
    DECISION = "gate.decision"  # accepted, held or returned, with reasons
    CROSSING = "crossing.confirmed"  # the truck crossed into the sender's side
    INCIDENT = "incident.raised"  # hotline
    ACKNOWLEDGEMENT = "incident.acknowledged"


#: Kinds about one trip: kept in order per (sender, trip) by a sequence number.
TRIP_KINDS = frozenset({MessageKind.MANIFEST, MessageKind.DECISION, MessageKind.CROSSING})
#: Schema version of each kind's body (``kind@version`` in the envelope).
SCHEMA_VERSIONS: dict[MessageKind, int] = dict.fromkeys(MessageKind, 1)


class Decision(StrEnum):
    ACCEPTED = "accepted"
    HELD = "held"
    RETURNED = "returned"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    NORMAL = "normal"


class IncidentKind(StrEnum):
    CLOSURE = "closure"
    REJECTED_SHIPMENT = "rejected_shipment"
    LINK_FAULT = "link_fault"
    CONGESTION = "congestion"
    OTHER = "other"


#: How long the other side has to acknowledge an incident, by severity; each miss escalates one level.
ACK_DEADLINES: dict[Severity, timedelta] = {
    Severity.CRITICAL: timedelta(minutes=15),
    Severity.HIGH: timedelta(minutes=30),
    Severity.NORMAL: timedelta(hours=2),
}
#: Refusals that another attempt cannot cure: the sender marks the message ``rejected`` instead of retrying.
FINAL_REFUSALS = frozenset({"exchange.schema", "exchange.protocol", "exchange.malformed", "exchange.unapplicable"})
#: Escalation stops here (level 1: duty officer, 2: gate director, 3: provincial border committee).
MAX_ESCALATION = 3


class ExchangeRefused(CuakhauError):
    """A message from a partner is refused: nothing changed, the refusal is logged under ``code``.

    ``http_status`` depends on the reason (401 signature, 403 scope, 409 replay, 400 malformed).
    """

    default_code = "exchange.refused"
    STATUS: ClassVar[dict[str, int]] = {
        "exchange.malformed": 400,
        "exchange.protocol": 400,
        "exchange.schema": 422,
        "exchange.unapplicable": 422,
        "exchange.unsigned": 401,
        "exchange.bad_signature": 401,
        "exchange.unknown_key": 401,
        "exchange.key_revoked": 401,
        "exchange.unknown_sender": 403,
        "exchange.out_of_scope": 403,
        "exchange.not_for_us": 403,
        "exchange.stale": 401,
        "exchange.replayed": 409,
    }

    def __init__(self, code: str, /, *, field: str | None = None, **params: Any) -> None:
        super().__init__(code, field=field, **params)
        self.http_status = self.STATUS.get(code, 400)  # type: ignore[misc]


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: UTF-8 JSON, keys sorted, no spaces, no floats (they have no single spelling).

    Both sides compute it over the envelope *without* its ``signature`` member.
    """
    _no_floats(document, "")
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _no_floats(value: Any, path: str) -> None:
    if isinstance(value, float):
        raise ExchangeRefused("exchange.malformed", field=path or "body", reason="float")
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ExchangeRefused("exchange.malformed", field=path or "body", reason="key")
            _no_floats(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_floats(v, f"{path}[{i}]")


def check_window(sent_at: datetime, now: datetime, window: timedelta = REPLAY_WINDOW, *, tz: tzinfo) -> None:
    """Refuse a message signed too long ago or too far ahead (a captured message replayed later). The refusal
    gives ``sent_at`` in ``tz``, the zone of the gate receiving it, with its UTC offset."""
    if abs(now - sent_at) > window:
        raise ExchangeRefused(
            "exchange.stale", field="sent_at", sent_at=local_time(sent_at, tz), window_s=int(window.total_seconds())
        )


def check_token(value: object, field: str) -> str:
    if not isinstance(value, str) or not TOKEN_RE.match(value):
        raise ExchangeRefused("exchange.malformed", field=field, reason="token")
    return value


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Delivery retries: ``first`` after the first failure, doubling up to ``longest``; never given up.

    Messages between two governments' gates are not dropped after N attempts: they wait (and the health view
    shows the backlog and the last error) until the link is back.
    """

    first: timedelta = timedelta(seconds=2)
    longest: timedelta = timedelta(minutes=5)

    def delay(self, attempts: int) -> timedelta:
        if attempts <= 0:
            return timedelta(0)
        delay = self.first
        for _ in range(min(attempts - 1, 40)):
            delay *= 2
            if delay >= self.longest:
                return self.longest
        return min(delay, self.longest)


def ack_deadline(severity: Severity, raised_at: datetime) -> datetime:
    return raised_at + ACK_DEADLINES[severity]


def next_escalation(severity: Severity, level: int, now: datetime) -> tuple[int, datetime] | None:
    """After a missed deadline: the new level and the next deadline, or None at the top level."""
    if level >= MAX_ESCALATION:
        return None
    return level + 1, now + ACK_DEADLINES[severity]
