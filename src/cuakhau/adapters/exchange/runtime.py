"""The exchange as a server process runs it: identity, signature scheme, sender, and the inbox entry point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cuakhau.adapters.exchange import messages
from cuakhau.adapters.exchange.sender import ExchangeSender
from cuakhau.adapters.exchange.signing import Ed25519Scheme
from cuakhau.adapters.exchange.transport import HttpTransport
from cuakhau.config import Settings
from cuakhau.domain.exchange import REPLAY_WINDOW, ExchangeRefused, RetryPolicy
from cuakhau.services import exchange, exchange_inbox
from cuakhau.services.context import ServiceContext


@dataclass(slots=True)
class ExchangeRuntime:
    identity: exchange.Identity | None
    scheme: exchange.SignatureScheme
    window: timedelta = REPLAY_WINDOW
    sender: ExchangeSender | None = None

    def wake(self) -> None:
        if self.sender is not None:
            self.sender.wake()


def identity_of(settings: Settings) -> exchange.Identity | None:
    if not settings.exchange_id:
        return None
    gates = settings.exchange_gates or [settings.exchange_id]
    return exchange.Identity(settings.exchange_id, frozenset(gates))


def build_runtime(settings: Settings, context: ServiceContext) -> ExchangeRuntime:
    scheme = Ed25519Scheme()
    identity = identity_of(settings)
    sender = None
    if identity is not None:
        sender = ExchangeSender(
            context,
            HttpTransport(settings.exchange_timeout_seconds),
            scheme,
            poll_seconds=settings.exchange_poll_seconds,
            retry=RetryPolicy(
                timedelta(seconds=settings.exchange_retry_first_seconds),
                timedelta(seconds=settings.exchange_retry_max_seconds),
            ),
            # a sender that died mid-send has its messages due again after this (at least one timeout per try)
            lease=max(timedelta(seconds=5), timedelta(seconds=3 * settings.exchange_timeout_seconds)),
            identity=identity,
            link_fault_after=timedelta(seconds=settings.exchange_link_fault_seconds),
        )
    return ExchangeRuntime(identity, scheme, timedelta(seconds=settings.exchange_window_seconds), sender)


def accept(context: ServiceContext, runtime: ExchangeRuntime, raw: bytes) -> exchange.Receipt:
    """One message off the wire: parsed, checked, applied once — or refused, logged, and raised."""
    document: dict[str, Any] | None = None
    try:
        if runtime.identity is None:
            raise ExchangeRefused("exchange.not_for_us", field="recipient", recipient="-")
        document = messages.parse(raw)
        body = messages.validate(document)
        receipt = exchange_inbox.receive(
            context.uow(),
            clock=context.clock,
            identity=runtime.identity,
            scheme=runtime.scheme,
            document=document,
            body=body,
            window=runtime.window,
        )
    except ExchangeRefused as exc:
        if exc.code != "exchange.unapplicable":  # that one is logged with the message it rejected
            exchange_inbox.record_refusal(context.uow(), clock=context.clock, error=exc, document=document)
        raise
    if receipt.applied:
        runtime.wake()  # what was applied may have written replies or notifications
    return receipt
