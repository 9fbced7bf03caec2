"""The unit of work: one transaction and one commit, composing the repositories of every feature."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Protocol, Self

from cuakhau.services.ports.accounts import AccessRepository, AccountRepository, TokenRepository
from cuakhau.services.ports.activity import GateActivity
from cuakhau.services.ports.customs import CustomsRepository
from cuakhau.services.ports.equeue import (
    BookingRepository,
    IdempotencyRepository,
    Place,
    QuotaRepository,
    SlotRepository,
    Take,
)
from cuakhau.services.ports.exchange import ExchangeRepository
from cuakhau.services.ports.gate_ops import DeviceLog, LaneCallRepository, ReviewQueue, YardRepository
from cuakhau.services.ports.gates import GateRepository
from cuakhau.services.ports.inspections import InspectionRepository
from cuakhau.services.ports.onboarding import OnboardingRepository
from cuakhau.services.ports.outbox import OutboxRepository
from cuakhau.services.ports.parties import DriverRepository, EnterpriseRepository, VehicleRepository
from cuakhau.services.ports.registry import RegistryRepository
from cuakhau.services.ports.standby import StandbyRepository
from cuakhau.services.ports.trips import ShipmentRepository, TripRepository


class UnitOfWork(Protocol):
    @property
    def gates(self) -> GateRepository: ...
    @property
    def enterprises(self) -> EnterpriseRepository: ...
    @property
    def vehicles(self) -> VehicleRepository: ...
    @property
    def drivers(self) -> DriverRepository: ...
    @property
    def shipments(self) -> ShipmentRepository: ...
    @property
    def trips(self) -> TripRepository: ...
    @property
    def slots(self) -> SlotRepository: ...
    @property
    def quotas(self) -> QuotaRepository: ...
    @property
    def bookings(self) -> BookingRepository: ...
    @property
    def idempotency(self) -> IdempotencyRepository: ...
    @property
    def standby(self) -> StandbyRepository: ...
    @property
    def registry(self) -> RegistryRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def devices(self) -> DeviceLog: ...
    @property
    def reviews(self) -> ReviewQueue: ...
    @property
    def yards(self) -> YardRepository: ...
    @property
    def lanes(self) -> LaneCallRepository: ...
    @property
    def customs(self) -> CustomsRepository: ...
    @property
    def activity(self) -> GateActivity: ...
    @property
    def inspections(self) -> InspectionRepository: ...
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def access(self) -> AccessRepository: ...
    @property
    def exchange(self) -> ExchangeRepository: ...
    @property
    def onboarding(self) -> OnboardingRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def commit_taking(self, place: Place) -> Take:
        """Take ``place`` and commit, as one step: the place is the last thing written, so the rows every booking
        of a slot and a day meet on stay locked as briefly as possible. Anything but ``Take.TAKEN`` commits
        nothing: the unit of work is rolled back."""
        ...

    def commit_placing(self, record: Callable[[], Sequence[Place]]) -> bool:
        """Run ``record`` (writes only: it must read nothing), take the places it returns and commit, as one
        step (``commit_taking`` for several bookings). False when a place was full or a write conflicted:
        then nothing is kept, the unit of work is rolled back."""
        ...

    def rollback(self) -> None: ...

    def savepoint(self) -> AbstractContextManager[Savepoint]:
        """A nested transaction inside this unit: released at the end unless rolled back."""
        ...


class Savepoint(Protocol):
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...
