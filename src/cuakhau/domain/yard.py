"""Yards — bãi chờ / 堆场 — where trucks wait at the gate, with the published tariff, and the weighbridge check.

A yard has a capacity in trucks; its occupancy is the trucks that entered and have not left. Fees accrue under a
published tariff: the first hours are free, then each started block is charged, with a surcharge for refrigerated
trucks (they draw shore power — điện cắm container lạnh / 冷藏箱插电). The weighbridge check compares a weighed
truck with its declaration: declared gross cargo plus the vehicle's tare (a published default per kind of truck
when the registration does not give one), within a published tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from math import ceil
from typing import Any

from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.gate import LocalizedText


@dataclass(frozen=True, slots=True)
class YardTariff:
    """Published yard fees (biểu phí bãi / 堆场收费标准)."""

    currency: str
    free_hours: int = 4
    block_hours: int = 12
    fee_per_block: Decimal = Decimal("150000")
    reefer_surcharge_per_block: Decimal = Decimal("100000")

    def __post_init__(self) -> None:
        if self.block_hours <= 0:
            raise InvalidInput("number.not_positive", field="block_hours", value=self.block_hours)
        if self.free_hours < 0 or self.fee_per_block < 0 or self.reefer_surcharge_per_block < 0:
            raise InvalidInput("number.not_positive", field="tariff", value=str(self.fee_per_block))

    def fee(self, dwell: timedelta, *, refrigerated: bool) -> Decimal:
        """Fee for a stay of ``dwell``: nothing within the free hours, then every started block."""
        hours = max(0.0, dwell / timedelta(hours=1) - self.free_hours)
        blocks = ceil(hours / self.block_hours) if hours > 0 else 0
        per_block = self.fee_per_block + (self.reefer_surcharge_per_block if refrigerated else Decimal(0))
        return per_block * blocks

    def as_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "free_hours": self.free_hours,
            "block_hours": self.block_hours,
            "fee_per_block": str(self.fee_per_block),
            "reefer_surcharge_per_block": str(self.reefer_surcharge_per_block),
        }


@dataclass(frozen=True, slots=True)
class Yard:
    id: str
    gate_id: str
    names: LocalizedText
    capacity: int
    tariff: YardTariff

    def __post_init__(self) -> None:
        if self.capacity <= 0:
            raise InvalidInput("number.not_positive", field="capacity", value=self.capacity)


@dataclass(frozen=True, slots=True)
class YardVisit:
    """One truck's stay in a yard: entered, maybe left; each end says whether a device or an officer saw it."""

    trip_id: str
    yard_id: str
    plate: str
    entered_at: datetime
    refrigerated: bool = False
    exited_at: datetime | None = None

    def dwell(self, now: datetime) -> timedelta:
        return (self.exited_at or now) - self.entered_at


@dataclass(frozen=True, slots=True)
class WeighRule:
    """Published weighbridge rule: flag a truck whose weight is far from what its declaration implies."""

    #: Tare of an unladen truck when its registration gives none: container tractor + trailer, and a reefer unit.
    default_tare_kg: Decimal = Decimal("15000")
    reefer_extra_tare_kg: Decimal = Decimal("1500")
    tolerance: Decimal = Decimal("0.10")  # ±10 % of the expected weight

    def expected_kg(self, declared_gross_kg: Decimal, *, refrigerated: bool) -> Decimal:
        extra = self.reefer_extra_tare_kg if refrigerated else Decimal(0)
        return declared_gross_kg + self.default_tare_kg + extra

    def deviation(self, weighed_kg: Decimal, declared_gross_kg: Decimal, *, refrigerated: bool) -> Decimal | None:
        """The relative deviation when it is beyond the tolerance, else ``None``."""
        expected = self.expected_kg(declared_gross_kg, refrigerated=refrigerated)
        deviation = (weighed_kg - expected) / expected
        return deviation.quantize(Decimal("0.001")) if abs(deviation) > self.tolerance else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "default_tare_kg": str(self.default_tare_kg),
            "reefer_extra_tare_kg": str(self.reefer_extra_tare_kg),
            "tolerance": str(self.tolerance),
        }
