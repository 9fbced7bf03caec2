"""Gate devices — thiết bị cửa khẩu / 口岸设备: what ANPR cameras, weighbridges and barriers say, and what we tell them.

Device messages arrive over MQTT (see ``docs/devices.md``) and are parsed by ``adapters/devices`` into these
values. Each carries the device's own ``message_id``: a message redelivered by the broker has the same id and is
applied once. Checkpoints follow a truck's path through the gate: yard entry, yard exit, the lane, the border line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from cuakhau.domain.clock import ensure_utc
from cuakhau.domain.errors import InvalidInput


class Checkpoint(StrEnum):
    """Where a camera or barrier stands on the truck's path (điểm kiểm soát / 卡口)."""

    YARD_ENTRY = "yard_entry"  # cổng vào bãi / 堆场入口
    YARD_EXIT = "yard_exit"  # cổng ra bãi / 堆场出口
    LANE = "lane"  # làn kiểm tra / 查验通道
    BORDER_LINE = "border_line"  # đường biên / 国境线


class BarrierPosition(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    FAULT = "fault"


class ReadOrigin(StrEnum):
    """A read came from a device, or an officer recorded it by hand while the device or link was down."""

    DEVICE = "device"
    MANUAL = "manual"


#: A device message id: unique per device, kept for de-duplication.
MAX_ID = 128


def _check_common(message_id: str, device_id: str, gate_id: str, at: datetime) -> datetime:
    if not message_id or len(message_id) > MAX_ID:
        raise InvalidInput("device.message_id", field="message_id")
    if not device_id or len(device_id) > MAX_ID:
        raise InvalidInput("device.device_id", field="device_id")
    if not gate_id or len(gate_id) > MAX_ID:
        raise InvalidInput("device.gate_id", field="gate_id")
    return ensure_utc(at, field="at")


@dataclass(frozen=True, slots=True)
class PlateRead:
    """An ANPR camera saw a plate (đọc biển số / 车牌识别)."""

    message_id: str
    device_id: str
    gate_id: str
    checkpoint: Checkpoint
    plate_text: str  # as the camera read it, before normalisation
    confidence: float  # 0..1
    at: datetime
    image_ref: str | None = None
    lane_id: str | None = None
    origin: ReadOrigin = ReadOrigin.DEVICE

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _check_common(self.message_id, self.device_id, self.gate_id, self.at))
        if not 0.0 <= self.confidence <= 1.0:
            raise InvalidInput("device.confidence", field="confidence", value=self.confidence)
        if not self.plate_text.strip() or len(self.plate_text) > 32:
            raise InvalidInput("plate.invalid_format", field="plate", value=self.plate_text[:32])


@dataclass(frozen=True, slots=True)
class WeighbridgeReading:
    """A weighbridge weighed a truck (cân xe / 过磅)."""

    message_id: str
    device_id: str
    gate_id: str
    gross_kg: Decimal
    at: datetime
    plate_text: str | None = None  # weighbridges with their own camera send it; otherwise the last plate on it
    stable: bool = True
    origin: ReadOrigin = ReadOrigin.DEVICE

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _check_common(self.message_id, self.device_id, self.gate_id, self.at))
        if not self.gross_kg > 0:
            raise InvalidInput("number.not_positive", field="gross_kg", value=str(self.gross_kg))


@dataclass(frozen=True, slots=True)
class BarrierState:
    """A barrier reports its position (trạng thái barie / 道闸状态)."""

    message_id: str
    device_id: str
    gate_id: str
    checkpoint: Checkpoint
    position: BarrierPosition
    at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _check_common(self.message_id, self.device_id, self.gate_id, self.at))


DeviceMessage = PlateRead | WeighbridgeReading | BarrierState


@dataclass(frozen=True, slots=True)
class BarrierCommand:
    """What cuakhau tells a barrier: open for this plate, because this trip may pass this checkpoint."""

    command_id: str
    gate_id: str
    device_id: str  # the barrier
    checkpoint: Checkpoint
    plate: str
    trip_id: str
    reason: str
    at: datetime
