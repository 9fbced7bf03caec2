"""MQTT topics and JSON payloads of gate devices, parsed into the domain values of :mod:`cuakhau.domain.devices`.

Topics say *who* spoke (gate, kind, checkpoint, device); the JSON payload says *what* it said::

    cuakhau/<gate_id>/plate/<checkpoint>/<device_id>                ANPR camera  -> PlateRead
    cuakhau/<gate_id>/weighbridge/<device_id>                       weighbridge  -> WeighbridgeReading
    cuakhau/<gate_id>/barrier/<checkpoint>/<device_id>/state        barrier      -> BarrierState
    cuakhau/<gate_id>/barrier/<checkpoint>/<device_id>/command      cuakhau      -> barrier (BarrierCommand)

Payloads are validated strictly (no coercion, unknown keys refused). Anything malformed raises
:class:`~cuakhau.domain.errors.InvalidInput` with a stable ``device.*`` code and the field at fault, prefixed
``device.topic`` or ``device.payload`` (``device.payload.confidence``), so the listener can hand it to review.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Final, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from cuakhau.adapters.bounds import AwareInstant
from cuakhau.domain.devices import (
    MAX_ID,
    BarrierCommand,
    BarrierPosition,
    BarrierState,
    Checkpoint,
    DeviceMessage,
    PlateRead,
    WeighbridgeReading,
)
from cuakhau.domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)

ROOT: Final = "cuakhau"
#: Larger payloads are refused before parsing: a plate read is a few hundred bytes.
MAX_PAYLOAD_BYTES: Final = 16 * 1024
#: Heaviest plausible gross weight on a road weighbridge (a 150 t scale with margin).
MAX_GROSS_KG: Final = Decimal(200_000)

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID)]
PlateText = Annotated[str, Field(min_length=1, max_length=32)]


class _Payload(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    message_id: Id
    at: AwareInstant


class PlatePayload(_Payload):
    plate: PlateText
    confidence: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
    image_ref: Annotated[str, Field(min_length=1, max_length=512)] | None = None
    lane_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class WeighbridgePayload(_Payload):
    gross_kg: Annotated[Decimal, Field(gt=0, le=MAX_GROSS_KG, allow_inf_nan=False, decimal_places=3)]
    stable: bool
    plate: PlateText | None = None


class BarrierStatePayload(_Payload):
    position: BarrierPosition


class CommandPayload(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    command_id: Id
    action: Annotated[str, Field(pattern="^open$")] = "open"
    plate: PlateText
    trip_id: Id
    reason: Annotated[str, Field(max_length=256)]
    at: AwareInstant


# Pydantic error types → stable codes (the i18n scan reads this name).
_PYDANTIC_CODES: Final = {
    "missing": "device.missing_field",
    "extra_forbidden": "device.unknown_field",
    "json_invalid": "device.payload_json",
    "json_type": "device.payload_json",
    "model_type": "device.payload_json",
    "string_too_long": "device.too_long",
    "too_long": "device.too_long",
    "greater_than": "device.out_of_range",
    "greater_than_equal": "device.out_of_range",
    "less_than": "device.out_of_range",
    "less_than_equal": "device.out_of_range",
    "decimal_max_places": "device.out_of_range",
    "timezone_aware": "device.naive_time",
    "time_out_of_range": "device.out_of_range",
}
_FALLBACK_CODE: Final = "device.invalid_value"


# ---------------------------------------------------------------------------------------------------------------
# Topics


def _segment(value: str, field: str) -> str:
    """A topic level taken from an identifier: non-empty, no separator or wildcard."""
    if not value or any(c in value for c in "/+#\x00") or len(value) > MAX_ID:
        raise InvalidInput("device.topic_segment", field=field, value=value[:MAX_ID])
    return value


def plate_topic(gate_id: str, checkpoint: Checkpoint, device_id: str) -> str:
    return f"{ROOT}/{_segment(gate_id, 'gate_id')}/plate/{checkpoint.value}/{_segment(device_id, 'device_id')}"


def weighbridge_topic(gate_id: str, device_id: str) -> str:
    return f"{ROOT}/{_segment(gate_id, 'gate_id')}/weighbridge/{_segment(device_id, 'device_id')}"


def barrier_topic(gate_id: str, checkpoint: Checkpoint, device_id: str, leaf: str) -> str:
    gate, device = _segment(gate_id, "gate_id"), _segment(device_id, "device_id")
    return f"{ROOT}/{gate}/barrier/{checkpoint.value}/{device}/{leaf}"


def subscriptions(gate_id: str | None = None) -> list[str]:
    """Topic filters the listener subscribes to: every device topic of one gate, or of all gates.

    They are wider than the valid topics on purpose, so a device that publishes on a wrong topic is
    caught and sent to review instead of going unheard. Command topics also match ``barrier/#``; the
    listener skips them.
    """
    gate = "+" if gate_id is None else _segment(gate_id, "gate_id")
    return [f"{ROOT}/{gate}/plate/#", f"{ROOT}/{gate}/weighbridge/#", f"{ROOT}/{gate}/barrier/#"]


def command_filter(gate_id: str | None = None) -> str:
    """The filter a barrier (or a test) subscribes to for its commands."""
    gate = "+" if gate_id is None else _segment(gate_id, "gate_id")
    return f"{ROOT}/{gate}/barrier/+/+/command"


def is_command_topic(topic: str) -> bool:
    parts = topic.split("/")
    return len(parts) == 6 and parts[0] == ROOT and parts[2] == "barrier" and parts[5] == "command"


def gate_of(topic: str) -> str | None:
    """The gate a device topic names, if it is shaped like one (used to file an unreadable message)."""
    parts = topic.split("/")
    return parts[1] if len(parts) > 1 and parts[0] == ROOT and parts[1] else None


def command_topic(cmd: BarrierCommand) -> str:
    return barrier_topic(cmd.gate_id, cmd.checkpoint, cmd.device_id, "command")


def _bad_topic(topic: str) -> InvalidInput:
    return InvalidInput("device.topic", field="device.topic", topic=topic[:256])


def _checkpoint(value: str) -> Checkpoint:
    try:
        return Checkpoint(value)
    except ValueError:
        raise InvalidInput(
            "device.checkpoint", field="device.topic", value=value[:64], allowed=", ".join(Checkpoint)
        ) from None


# ---------------------------------------------------------------------------------------------------------------
# Parsing


def _field_path(loc: Sequence[int | str]) -> str:
    path = ""
    for p in loc:
        path += f"[{p}]" if isinstance(p, int) else (f".{p}" if path else str(p))
    return path


def _from_pydantic(exc: ValidationError) -> InvalidInput:
    errors = exc.errors(include_url=False, include_input=False)
    first: ErrorDetails = errors[0]
    code = _PYDANTIC_CODES.get(first["type"], _FALLBACK_CODE)
    name = _field_path(first["loc"])
    field = f"device.payload.{name}" if name else "device.payload"
    return InvalidInput(code, field=field, name=name or "-", problems=len(errors))


def _validate(model: type[M], payload: bytes) -> M:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise InvalidInput("device.payload_too_large", field="device.payload", limit=MAX_PAYLOAD_BYTES)
    try:
        return model.model_validate_json(payload)
    except ValidationError as exc:
        raise _from_pydantic(exc) from None


def parse_message(topic: str, payload: bytes) -> DeviceMessage:
    """Read one device message from its MQTT topic and payload, or raise :class:`InvalidInput`."""
    parts = topic.split("/")
    if len(parts) < 4 or parts[0] != ROOT:
        raise _bad_topic(topic)
    gate_id, kind = parts[1], parts[2]
    try:
        if kind == "plate" and len(parts) == 5:
            checkpoint = _checkpoint(parts[3])
            p = _validate(PlatePayload, payload)
            return PlateRead(
                message_id=p.message_id,
                device_id=parts[4],
                gate_id=gate_id,
                checkpoint=checkpoint,
                plate_text=p.plate,
                confidence=p.confidence,
                at=p.at,
                image_ref=p.image_ref,
                lane_id=p.lane_id,
            )
        if kind == "weighbridge" and len(parts) == 4:
            w = _validate(WeighbridgePayload, payload)
            return WeighbridgeReading(
                message_id=w.message_id,
                device_id=parts[3],
                gate_id=gate_id,
                gross_kg=w.gross_kg,
                at=w.at,
                plate_text=w.plate,
                stable=w.stable,
            )
        if kind == "barrier" and len(parts) == 6 and parts[5] == "state":
            checkpoint = _checkpoint(parts[3])
            b = _validate(BarrierStatePayload, payload)
            return BarrierState(
                message_id=b.message_id,
                device_id=parts[4],
                gate_id=gate_id,
                checkpoint=checkpoint,
                position=b.position,
                at=b.at,
            )
    except InvalidInput as exc:
        # The domain's own checks name a bare field; say which part of the message it came from.
        if exc.field is not None and not exc.field.startswith("device."):
            exc.at("device.topic" if exc.field in ("device_id", "gate_id") else "device.payload")
        raise
    raise _bad_topic(topic)


# ---------------------------------------------------------------------------------------------------------------
# Encoding (cuakhau's commands; device messages for the simulator and tests)


def _dumps(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _iso(at: datetime) -> str:
    return at.isoformat()


def encode_command(cmd: BarrierCommand) -> bytes:
    """The JSON a barrier receives: open for this plate, for this trip."""
    return _dumps(
        {
            "command_id": cmd.command_id,
            "action": "open",
            "plate": cmd.plate,
            "trip_id": cmd.trip_id,
            "reason": cmd.reason,
            "at": _iso(cmd.at),
        }
    )


def parse_command(topic: str, payload: bytes) -> BarrierCommand:
    """Read a barrier command back (what a barrier controller or a test does)."""
    parts = topic.split("/")
    if not is_command_topic(topic):
        raise _bad_topic(topic)
    checkpoint = _checkpoint(parts[3])
    c = _validate(CommandPayload, payload)
    return BarrierCommand(
        command_id=c.command_id,
        gate_id=parts[1],
        device_id=parts[4],
        checkpoint=checkpoint,
        plate=c.plate,
        trip_id=c.trip_id,
        reason=c.reason,
        at=c.at,
    )


def encode_message(message: DeviceMessage) -> tuple[str, bytes]:
    """The topic and payload a device would publish for ``message`` (inverse of :func:`parse_message`)."""
    data: dict[str, Any] = {"message_id": message.message_id, "at": _iso(message.at)}
    if isinstance(message, PlateRead):
        data |= {"plate": message.plate_text, "confidence": message.confidence}
        if message.image_ref is not None:
            data["image_ref"] = message.image_ref
        if message.lane_id is not None:
            data["lane_id"] = message.lane_id
        return plate_topic(message.gate_id, message.checkpoint, message.device_id), _dumps(data)
    if isinstance(message, WeighbridgeReading):
        data |= {"gross_kg": str(message.gross_kg), "stable": message.stable}
        if message.plate_text is not None:
            data["plate"] = message.plate_text
        return weighbridge_topic(message.gate_id, message.device_id), _dumps(data)
    data["position"] = message.position.value
    return barrier_topic(message.gate_id, message.checkpoint, message.device_id, "state"), _dumps(data)


__all__ = [
    "command_filter",
    "command_topic",
    "encode_command",
    "encode_message",
    "is_command_topic",
    "parse_command",
    "parse_message",
    "subscriptions",
]
