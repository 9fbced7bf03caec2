"""The device handler the MQTT listener calls: each message applied once through the gate-operations use case."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cuakhau.adapters.devices.schemas import gate_of
from cuakhau.domain.devices import BarrierCommand, DeviceMessage
from cuakhau.domain.errors import InvalidInput
from cuakhau.services import gate_ops
from cuakhau.services.context import ServiceContext


class ServiceDeviceHandler:
    """Applies messages in one transaction each (the device log claims the id), so a redelivery does nothing."""

    def __init__(self, context: ServiceContext, *, observe: Callable[[str], None] | None = None) -> None:
        self.context = context
        self.observe = observe or (lambda _outcome: None)  # the metrics: each message's outcome

    def handle(self, message: DeviceMessage) -> Sequence[BarrierCommand]:
        try:
            outcome = gate_ops.apply_device_message(self.context.uow(), clock=self.context.clock, message=message)
        except Exception:
            self.observe("failed")
            raise
        self.observe(outcome.outcome)
        return outcome.commands

    def reject(self, topic: str, payload: bytes, error: InvalidInput) -> None:
        self.observe("invalid")
        gate_ops.reject_message(
            self.context.uow(),
            clock=self.context.clock,
            gate_id=gate_of(topic) or "unknown",
            topic=topic,
            payload=payload,
            error=error,
        )
