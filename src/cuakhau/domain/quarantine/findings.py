"""What a certificate check finds (a stable code, the field and element at fault, a severity), and a check as kept."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """``block``: the truck may not be released on this certificate; ``warn``: an officer should look."""

    BLOCK = "block"
    WARN = "warn"


@dataclass(frozen=True, slots=True)
class Finding:
    """One discrepancy between certificate and declaration.

    ``field`` is the declaration path (``lines[0].net_kg``), ``element`` the certificate element
    (``SPSConsignment/ConsigneeSPSParty/Name``); either may be ``None`` when only one side is involved.
    """

    code: str
    severity: Severity
    field: str | None = None
    element: str | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.BLOCK


#: Every code :func:`check_certificate` can return (each has a vi / zh / en message).
FINDING_CODES = frozenset(
    {
        "phyto.number_missing",
        "phyto.number_mismatch",
        "phyto.wrong_type",
        "phyto.status_unexpected",
        "phyto.issued_in_future",
        "phyto.expired",
        "phyto.treatment_after_issue",
        "phyto.consignee_mismatch",
        "phyto.consignee_country_mismatch",
        "phyto.consignor_mismatch",
        "phyto.export_country_mismatch",
        "phyto.no_lines",
        "phyto.hs_not_covered",
        "phyto.line_not_declared",
        "phyto.net_weight_mismatch",
        "phyto.gross_weight_mismatch",
        "phyto.packages_mismatch",
        "phyto.weight_unit_unknown",
        "phyto.quantity_missing",
        "phyto.treatment_missing",
        "phyto.planting_area_inactive",
        "phyto.packing_house_inactive",
        "phyto.planting_area_mismatch",
        "phyto.packing_house_mismatch",
        "phyto.planting_area_not_certified",
        "phyto.packing_house_not_certified",
    }
)


@dataclass(frozen=True, slots=True)
class CertificateCheck:
    """One submitted certificate and what :func:`check_certificate` found, kept with the document itself.

    Blocking findings stop clearance until a quarantine officer accepts the certificate with a reason (their
    decision, recorded here); warnings are shown and never stop anything.
    """

    id: str
    shipment_id: str
    certificate_id: str
    document_sha256: str
    findings: tuple[Finding, ...]
    checked_at: datetime
    checked_by: str
    accepted_at: datetime | None = None
    accepted_by: str | None = None
    accepted_reason: str | None = None

    @property
    def blocking(self) -> bool:
        return any(f.blocking for f in self.findings)

    @property
    def blocks_clearance(self) -> bool:
        return self.blocking and self.accepted_at is None
