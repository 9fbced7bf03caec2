"""The phytosanitary certificate as issued (UN/CEFACT SPS Certificate, ePhyto): parties, lines, treatments."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

#: Certificate type codes (UN/CEFACT 1001 as the IPPC ePhyto hub uses them).
PHYTOSANITARY = "851"  # giấy chứng nhận kiểm dịch thực vật / 植物检疫证书
PHYTOSANITARY_REEXPORT = "657"  # for re-export / 再出口植物检疫证书
CERTIFICATE_TYPES: Mapping[str, str] = {
    PHYTOSANITARY: "phytosanitary certificate",
    PHYTOSANITARY_REEXPORT: "phytosanitary certificate for re-export",
}

#: Status codes an importing country acts on: 70 issued, 39 approved (ePhyto hub list). Anything else is warned.
ACCEPTED_STATUS_CODES = frozenset({"70", "39"})

#: Weight units of UN/ECE Recommendation 20 and their value in kilograms.
KG_PER_UNIT: Mapping[str, Decimal] = {
    "KGM": Decimal(1),
    "TNE": Decimal(1000),
    "GRM": Decimal("0.001"),
    "LBR": Decimal("0.45359237"),
}


@dataclass(frozen=True, slots=True)
class Text:
    """A text with its ``languageID`` when the certificate gives one."""

    text: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """An ``IncludedSPSNote`` / ``AdditionalInformationSPSNote``: a coded subject and its content."""

    subject: str
    content: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Measure:
    value: Decimal
    unit: str | None = None

    def kilograms(self) -> Decimal | None:
        """The value in kg, or ``None`` when the unit is not a known weight unit (no unit means kg)."""
        factor = KG_PER_UNIT.get((self.unit or "KGM").upper())
        return None if factor is None else self.value * factor


@dataclass(frozen=True, slots=True)
class Party:
    """Consignor (người gửi hàng / 发货人) or consignee (người nhận hàng / 收货人)."""

    name: str
    country: str | None = None
    identifier: str | None = None
    address: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Classification:
    """``ApplicableSPSClassification``: HS code or an IPPC commodity class (``IPPCPCVP``, ``IPPCPCC``...)."""

    system: str
    code: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Package:
    level: int | None
    type_code: str | None
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Treatment:
    """An ``AppliedSPSProcess`` (xử lý / 处理): disinfestation or disinfection before export.

    ``types`` are the hub's treatment type codes (``TypeCode`` and the TTL1/TTL2 characteristics),
    ``chemicals`` the TTCH active-ingredient codes, ``concentration`` TTCO, ``temperature`` TTTM,
    ``duration`` the completion period's ``DurationMeasure``; ``notes`` the free texts (TTFT, TTAI).
    """

    types: tuple[str, ...] = ()
    chemicals: tuple[str, ...] = ()
    concentration: Measure | None = None
    temperature: Measure | None = None
    duration: Measure | None = None
    started_on: date | None = None
    ended_on: date | None = None
    notes: tuple[str, ...] = ()

    @property
    def recorded(self) -> bool:
        """A real treatment says at least what was done (``ZZZ`` alone, "mutually defined", says nothing)."""
        named = [t for t in self.types if t.upper() != "ZZZ"]
        return bool(named or self.chemicals or self.temperature or self.concentration or self.notes)


@dataclass(frozen=True, slots=True)
class CertificateLine:
    """An ``IncludedSPSTradeLineItem``: one commodity of the consignment."""

    sequence: int | None
    descriptions: tuple[Text, ...] = ()
    common_name: str | None = None
    scientific_name: str | None = None  # tên khoa học / 学名
    intended_use: str | None = None
    classifications: tuple[Classification, ...] = ()
    net_weight: Measure | None = None
    gross_weight: Measure | None = None
    packages: tuple[Package, ...] = ()
    origin_countries: tuple[str, ...] = ()
    origin_places: tuple[str, ...] = ()
    treatments: tuple[Treatment, ...] = ()
    additional_declarations: tuple[Text, ...] = ()
    planting_area_codes: tuple[str, ...] = ()  # mã số vùng trồng / 种植园登记号 (PUC)
    packing_house_codes: tuple[str, ...] = ()  # mã số cơ sở đóng gói / 包装厂登记号 (PHC)
    notes: tuple[Note, ...] = ()
    #: Where the line is in the document (``/SPSCertificate/SPSConsignment/IncludedSPSConsignmentItem[2]/…``),
    #: for findings to name it; not part of what the line says.
    path: str | None = dataclasses.field(default=None, compare=False)

    @property
    def description(self) -> str:
        """The English description when there is one, otherwise the first."""
        for d in self.descriptions:
            if (d.language or "").lower().startswith("en"):
                return d.text
        return self.descriptions[0].text if self.descriptions else ""

    @property
    def hs_codes(self) -> tuple[str, ...]:
        """Digits of every HS classification given (national extensions kept: 6, 8 or 10 digits)."""
        codes = []
        for c in self.classifications:
            if c.code and c.system.strip().upper().startswith("HS"):
                digits = re.sub(r"\D", "", c.code)
                if digits:
                    codes.append(digits)
        return tuple(codes)

    @property
    def package_count(self) -> Decimal | None:
        """Packages at the outermost level given (level 1 before 2; "100 bags of 20 boxes" counts 100)."""
        if not self.packages:
            return None
        outer = min((p.level for p in self.packages if p.level is not None), default=None)
        return sum((p.quantity for p in self.packages if p.level == outer), Decimal(0))


@dataclass(frozen=True, slots=True)
class ReferencedDocument:
    """A document the certificate refers to (import permit, replaced certificate, attachment by file name)."""

    identifier: str | None
    relationship: str | None = None
    information: str | None = None
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class TransportMovement:
    mode_code: str | None  # UN/ECE Rec. 19: 1 sea, 3 road...
    identifier: str | None = None
    means: str | None = None  # vessel name, truck plate


@dataclass(frozen=True, slots=True)
class PhytoCertificate:
    """A phytosanitary certificate as issued (giấy chứng nhận KDTV / 植物检疫证书)."""

    id: str
    type_code: str
    status_code: str | None
    issued_at: datetime  # aware, in the issuer's own offset
    issuer: str | None
    consignor: Party
    consignee: Party
    export_country: str | None
    import_country: str | None
    lines: tuple[CertificateLine, ...]
    transit_countries: tuple[str, ...] = ()
    place_of_issue: str | None = None
    signatory: str | None = None
    unloading_location: str | None = None
    additional_declarations: tuple[Text, ...] = ()
    notes: tuple[Note, ...] = ()
    transport: tuple[TransportMovement, ...] = ()
    containers: tuple[str, ...] = ()
    seals: tuple[str, ...] = ()
    referenced_documents: tuple[ReferencedDocument, ...] = ()

    @property
    def type_name(self) -> str | None:
        return CERTIFICATE_TYPES.get(self.type_code)
