"""What every use case may need, handed over by the composition root (:mod:`cuakhau.bootstrap`)."""

from __future__ import annotations

from dataclasses import dataclass

from cuakhau.domain.clock import Clock
from cuakhau.domain.hs import HsNomenclature
from cuakhau.services.ports import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class ServiceContext:
    uow: UnitOfWorkFactory
    clock: Clock
    nomenclature: HsNomenclature
