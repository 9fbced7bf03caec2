"""Ports the use cases depend on: repositories and the unit of work (one transaction, one commit).

One module per feature; the :class:`~cuakhau.services.ports.uow.UnitOfWork` composes them. The names are
re-exported here, so ``from cuakhau.services.ports import X`` works for every port.
"""

from __future__ import annotations

from cuakhau.services.ports.accounts import AccessRepository, AccountRepository, RateLimiter, TokenRepository
from cuakhau.services.ports.activity import CrossingRow, GateActivity, OpenCall, OpenIncident, PresentTrip
from cuakhau.services.ports.customs import CustomsRepository
from cuakhau.services.ports.equeue import (
    BookingFacts,
    BookingRepository,
    IdempotencyRepository,
    Place,
    QuotaRepository,
    SlotRepository,
    SlotRow,
    Take,
)
from cuakhau.services.ports.exchange import ExchangeRepository
from cuakhau.services.ports.gate_ops import (
    DeviceLog,
    DeviceRecord,
    LaneCall,
    LaneCallRepository,
    ReviewItem,
    ReviewQueue,
    VisitRow,
    WaitingRow,
    YardRepository,
)
from cuakhau.services.ports.gates import GateRepository
from cuakhau.services.ports.inspections import InspectionRepository
from cuakhau.services.ports.jobs import Claim, JobLeaseRepository, JobState
from cuakhau.services.ports.outbox import OutboxRepository
from cuakhau.services.ports.parties import DriverRepository, EnterpriseRepository, VehicleRepository
from cuakhau.services.ports.registry import RegistryRepository
from cuakhau.services.ports.standby import StandbyRepository, StandbyRow
from cuakhau.services.ports.trips import ShipmentRepository, TripFilter, TripRepository, TripSummary
from cuakhau.services.ports.uow import Savepoint, UnitOfWork, UnitOfWorkFactory

__all__ = [
    "AccessRepository",
    "AccountRepository",
    "BookingFacts",
    "BookingRepository",
    "Claim",
    "CrossingRow",
    "CustomsRepository",
    "DeviceLog",
    "DeviceRecord",
    "DriverRepository",
    "EnterpriseRepository",
    "ExchangeRepository",
    "GateActivity",
    "GateRepository",
    "IdempotencyRepository",
    "InspectionRepository",
    "JobLeaseRepository",
    "JobState",
    "LaneCall",
    "LaneCallRepository",
    "OpenCall",
    "OpenIncident",
    "OutboxRepository",
    "Place",
    "PresentTrip",
    "QuotaRepository",
    "RateLimiter",
    "RegistryRepository",
    "ReviewItem",
    "ReviewQueue",
    "Savepoint",
    "ShipmentRepository",
    "SlotRepository",
    "SlotRow",
    "StandbyRepository",
    "StandbyRow",
    "Take",
    "TokenRepository",
    "TripFilter",
    "TripRepository",
    "TripSummary",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "VehicleRepository",
    "VisitRow",
    "WaitingRow",
    "YardRepository",
]
