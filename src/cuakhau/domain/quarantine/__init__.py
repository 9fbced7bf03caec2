"""Plant quarantine — kiểm dịch thực vật / 植物检疫: the phytosanitary certificate and its check against a declaration.

:class:`PhytoCertificate` is what an electronic phytosanitary certificate (ePhyto, UN/CEFACT SPS Certificate)
says, read by :func:`cuakhau.adapters.exchange.sps.parse_sps_certificate`. :func:`check_certificate` compares it
with the declared :class:`~cuakhau.domain.shipment.Shipment` and returns every discrepancy as a
:class:`Finding` (a stable code, the declaration field and certificate element at fault, a severity, params for
the vi / zh / en message in :mod:`cuakhau.i18n.messages_quarantine`). Nothing here decides release: quarantine
officers do; the findings tell them where to look.

The package, one module per concern (each imports only the ones listed before it):

* :mod:`.certificate` — what the certificate says: parties, lines, measures, treatments, referenced documents;
* :mod:`.findings` — a finding, its severity, every code a check can return, and a check as kept;
* :mod:`.check` — :func:`check_certificate` and its rules, with their published defaults.
"""

from __future__ import annotations

from cuakhau.domain.quarantine.certificate import (
    ACCEPTED_STATUS_CODES,
    CERTIFICATE_TYPES,
    KG_PER_UNIT,
    PHYTOSANITARY,
    PHYTOSANITARY_REEXPORT,
    CertificateLine,
    Classification,
    Measure,
    Note,
    Package,
    Party,
    PhytoCertificate,
    ReferencedDocument,
    Text,
    TransportMovement,
    Treatment,
)
from cuakhau.domain.quarantine.check import (
    CLOCK_SKEW,
    DEFAULT_MAX_AGE_DAYS,
    DEFAULT_TOLERANCE,
    DEFAULT_TREATMENT_REQUIRED,
    PACKING_HOUSE,
    PLANTING_AREA,
    check_certificate,
    normalise_name,
)
from cuakhau.domain.quarantine.findings import FINDING_CODES, CertificateCheck, Finding, Severity

__all__ = [
    "ACCEPTED_STATUS_CODES",
    "CERTIFICATE_TYPES",
    "CLOCK_SKEW",
    "DEFAULT_MAX_AGE_DAYS",
    "DEFAULT_TOLERANCE",
    "DEFAULT_TREATMENT_REQUIRED",
    "FINDING_CODES",
    "KG_PER_UNIT",
    "PACKING_HOUSE",
    "PHYTOSANITARY",
    "PHYTOSANITARY_REEXPORT",
    "PLANTING_AREA",
    "CertificateCheck",
    "CertificateLine",
    "Classification",
    "Finding",
    "Measure",
    "Note",
    "Package",
    "Party",
    "PhytoCertificate",
    "ReferencedDocument",
    "Severity",
    "Text",
    "TransportMovement",
    "Treatment",
    "check_certificate",
    "normalise_name",
]
