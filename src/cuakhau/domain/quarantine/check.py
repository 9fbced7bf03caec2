"""The check of a phytosanitary certificate against the declared shipment (:func:`check_certificate`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from cuakhau.domain.clock import ensure_utc
from cuakhau.domain.quarantine.certificate import (
    ACCEPTED_STATUS_CODES,
    CERTIFICATE_TYPES,
    CertificateLine,
    Measure,
    PhytoCertificate,
)
from cuakhau.domain.quarantine.findings import Finding, Severity
from cuakhau.domain.shipment import CargoLine, Shipment
from cuakhau.i18n.times import local_time

#: A certificate older than this many days at the gate is expired (a published default; pass ``max_age_days``).
DEFAULT_MAX_AGE_DAYS = 14
#: Clocks of two authorities may disagree a little; "issued in the future" allows this much.
CLOCK_SKEW = timedelta(minutes=5)
#: Relative difference allowed between declared and certified weights and package counts (2 %).
DEFAULT_TOLERANCE = Decimal("0.02")
#: HS prefix → accepted treatment type codes (empty set: any recorded treatment). Published default: none required.
#: An importing country's protocol (e.g. vapour heat for some fruit) is passed as ``treatment_required``.
DEFAULT_TREATMENT_REQUIRED: Mapping[str, frozenset[str]] = {}

PLANTING_AREA = "planting_area"
PACKING_HOUSE = "packing_house"


# --- the check ---------------------------------------------------------------------------------------------------

# Findings name certificate elements by one path form, from the root (as the reader's refusals do).
_DOC = "/SPSCertificate/SPSExchangedDocument"
_CONS = "/SPSCertificate/SPSConsignment"
_LINE = "/SPSCertificate/SPSConsignment/IncludedSPSConsignmentItem/IncludedSPSTradeLineItem"


_ABBREVIATION_MARKS = frozenset(".'’")


def normalise_name(raw: str) -> str:
    """Fold a party name for comparison: compatibility forms, case, diacritics (đ too), punctuation, whitespace.

    ``"CÔNG TY TNHH Thanh-Long  Hoàng Hậu."`` and ``"cong ty tnhh thanh long hoang hau"`` fold alike; full stops
    and apostrophes vanish (``S.A.`` = ``SA``), other punctuation separates words (``Co.,Ltd`` = ``Co., Ltd``).
    Chinese characters are kept; full-width punctuation is folded like ASCII.
    """
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", raw)).casefold()
    text = text.replace("đ", "d")
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Mn" or ch in _ABBREVIATION_MARKS:
            continue
        kept.append(" " if cat[0] in "PSZ" else ch)
    return " ".join("".join(kept).split())


def _rel(a: Decimal, b: Decimal) -> Decimal:
    """Relative difference of ``b`` against ``a`` (0 when both are 0)."""
    if a == b:
        return Decimal(0)
    base = max(abs(a), abs(b))
    return abs(a - b) / base


def _hs_match(declared: str, certified: str) -> bool:
    """Same goods at the common precision, at least a heading (4 digits); 6 when both sides have 6 or more."""
    n = min(len(declared), len(certified), 6)
    return n >= 4 and declared[:n] == certified[:n]


class _Components:
    """Union–find over declared lines (``d0``...) and certificate lines (``c0``...)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def check_certificate(
    cert: PhytoCertificate,
    shipment: Shipment,
    *,
    registry_is_active: Callable[[str, str], bool],
    now: datetime,
    exporter_name: str | None = None,
    exporter_country: str | None = None,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    treatment_required: Mapping[str, Iterable[str]] = DEFAULT_TREATMENT_REQUIRED,
    consignment: Shipment | None = None,
) -> list[Finding]:
    """Every discrepancy between ``cert`` and the declared ``shipment``, blocking ones first.

    ``consignment``: when ``shipment`` is one truck's part of a consignment split explicitly (``part_of``), the
    consignment it was split from; the certificate covers the whole consignment, so quantities are compared with
    the consignment's, not the part's (the parts' share is bounded at declaration: ``shipment.split_exceeds``).

    Rules (codes in brackets; *block* unless marked *warn*):

    - the certificate number equals the declared one (``phyto.number_missing``, ``phyto.number_mismatch``);
    - it is a phytosanitary certificate, type 851 or 657 for re-export (``phyto.wrong_type``); its status is
      issued or approved, 70/39 (``phyto.status_unexpected``, *warn*);
    - dates: not issued after ``now`` (five minutes of clock skew allowed; ``phyto.issued_in_future``) and issued
      at most ``max_age_days`` days before ``now`` — default **14 days** (``phyto.expired``); a treatment that
      ended after issue is *warned* (``phyto.treatment_after_issue``); the issue time in a finding is the
      certificate's own, with the offset it states (``2026-06-01 16:30 UTC+07:00``), never a UTC stamp;
    - parties: consignee name and country match the declaration after :func:`normalise_name`
      (``phyto.consignee_mismatch``, ``phyto.consignee_country_mismatch``; the country is the consignee's address
      country, else the import country); when ``exporter_name`` / ``exporter_country`` are given, the consignor
      and export country match them (``phyto.consignor_mismatch``, ``phyto.export_country_mismatch``);
    - goods: each declared line is covered by a certificate line with the same HS code, compared at six digits or
      at the certificate's precision when it gives only a heading (``phyto.hs_not_covered``); certificate lines
      that no declared line matches are *warned* (``phyto.line_not_declared``); the certificate must list
      something (``phyto.no_lines``);
    - quantities, per group of lines that match each other, within ``tolerance`` (default 2 %): net weight
      (``phyto.net_weight_mismatch``), gross weight and packages *warn* (``phyto.gross_weight_mismatch``,
      ``phyto.packages_mismatch``); a weight in an unknown unit or missing is *warned*
      (``phyto.weight_unit_unknown``, ``phyto.quantity_missing``); for a part of a split consignment the figures
      compared are the consignment's (the finding's field is then ``part_of`` and ``part`` gives the part's own);
    - treatments: when a declared HS code starts with a prefix of ``treatment_required`` (published default:
      none), a matching certificate line records a treatment of an accepted type (``phyto.treatment_missing``);
    - registry: declared planting-area and packing-house codes are active (``registry_is_active(kind, code)``
      with kinds ``"planting_area"`` / ``"packing_house"``; ``phyto.planting_area_inactive``,
      ``phyto.packing_house_inactive``); when the certificate names codes for the line, the declared code is
      among them (``phyto.planting_area_mismatch``, ``phyto.packing_house_mismatch``) and the certificate's own
      codes are active too; a declared code absent from a certificate that names none is *warned*
      (``phyto.planting_area_not_certified``, ``phyto.packing_house_not_certified``).
    """
    now = ensure_utc(now, field="now")
    out: list[Finding] = []

    def add(code: str, severity: Severity, fld: str | None, element: str | None, /, **params: Any) -> None:
        out.append(Finding(code, severity, fld, element, params))

    block, warn = Severity.BLOCK, Severity.WARN

    # identity and kind
    declared_no = shipment.phytosanitary_certificate_no
    if not declared_no:
        add("phyto.number_missing", block, "phytosanitary_certificate_no", None, certificate=cert.id)
    elif _fold_id(declared_no) != _fold_id(cert.id):
        add(
            "phyto.number_mismatch",
            block,
            "phytosanitary_certificate_no",
            f"{_DOC}/ID",
            declared=declared_no,
            certificate=cert.id,
        )
    if cert.type_code not in CERTIFICATE_TYPES:
        add("phyto.wrong_type", block, None, f"{_DOC}/TypeCode", type_code=cert.type_code)
    if cert.status_code is not None and cert.status_code not in ACCEPTED_STATUS_CODES:
        add("phyto.status_unexpected", warn, None, f"{_DOC}/StatusCode", status_code=cert.status_code)

    # dates
    issued = cert.issued_at
    if issued > now + CLOCK_SKEW:
        add("phyto.issued_in_future", block, None, f"{_DOC}/IssueDateTime", issued=local_time(issued, None))
    elif now - issued > timedelta(days=max_age_days):
        age = (now - issued).days
        add(
            "phyto.expired",
            block,
            None,
            f"{_DOC}/IssueDateTime",
            issued=local_time(issued, None),
            days=age,
            max=max_age_days,
        )

    # parties and countries
    if normalise_name(cert.consignee.name) != normalise_name(shipment.consignee_name):
        add(
            "phyto.consignee_mismatch",
            block,
            "consignee_name",
            f"{_CONS}/ConsigneeSPSParty/Name",
            declared=shipment.consignee_name,
            certificate=cert.consignee.name,
        )
    consignee_country = cert.consignee.country or cert.import_country
    if consignee_country is None or consignee_country.upper() != shipment.consignee_country:
        add(
            "phyto.consignee_country_mismatch",
            block,
            "consignee_country",
            f"{_CONS}/ImportSPSCountry/ID",
            declared=shipment.consignee_country,
            certificate=consignee_country or "-",
        )
    if exporter_name is not None and normalise_name(cert.consignor.name) != normalise_name(exporter_name):
        add(
            "phyto.consignor_mismatch",
            block,
            "exporter_id",
            f"{_CONS}/ConsignorSPSParty/Name",
            declared=exporter_name,
            certificate=cert.consignor.name,
        )
    if exporter_country is not None and (cert.export_country or "").upper() != exporter_country.upper():
        add(
            "phyto.export_country_mismatch",
            block,
            "exporter_id",
            f"{_CONS}/ExportSPSCountry/ID",
            declared=exporter_country.upper(),
            certificate=cert.export_country or "-",
        )

    # goods: which certificate lines cover which declared lines
    if not cert.lines:
        add("phyto.no_lines", block, "lines", _LINE)
    members = _matching_groups(shipment, cert)
    for i, line in enumerate(shipment.lines):
        if cert.lines and not any(i in declared_idx and cert_idx for declared_idx, cert_idx in members):
            add("phyto.hs_not_covered", block, f"lines[{i}].hs_code", _LINE, hs_code=line.hs.code)
    # A certificate line is declared when the shipment — or, for a part, its consignment — declares its goods.
    declaring = members if consignment is None else _matching_groups(consignment, cert)
    covered = {j for declared_idx, cert_idx in declaring if declared_idx for j in cert_idx}
    for j, cl in enumerate(cert.lines):
        if j not in covered:
            add(
                "phyto.line_not_declared",
                warn,
                None,
                _line_element(cl, j),
                hs_code=", ".join(cl.hs_codes) or "-",
                description=cl.description[:80],
            )

    for declared_idx, cert_idx in members:
        if not declared_idx:
            continue
        if cert_idx:
            if consignment is None:
                _check_quantities(add, shipment, cert, declared_idx, cert_idx, tolerance)
            _check_treatments(add, shipment, cert, declared_idx, cert_idx, issued, treatment_required)
        _check_registry(add, shipment, cert, declared_idx, cert_idx, registry_is_active)
    if consignment is not None:  # the certificate covers the whole consignment: compare with its quantities
        for declared_idx, cert_idx in _matching_groups(consignment, cert):
            if declared_idx and cert_idx:
                _check_quantities(add, consignment, cert, declared_idx, cert_idx, tolerance, part=shipment)

    out.sort(key=lambda f: f.severity is not Severity.BLOCK)
    return out


def _matching_groups(shipment: Shipment, cert: PhytoCertificate) -> list[tuple[list[int], list[int]]]:
    """The declared lines and certificate lines that match each other (same HS code, at six digits or the
    certificate's heading), grouped transitively: (declared indexes, certificate indexes) per group."""
    groups = _Components()
    for i, line in enumerate(shipment.lines):
        groups.find(f"d{i}")
        for j, cl in enumerate(cert.lines):
            if any(_hs_match(line.hs.code, c) for c in cl.hs_codes):
                groups.union(f"d{i}", f"c{j}")
    members: dict[str, tuple[list[int], list[int]]] = {}
    for i in range(len(shipment.lines)):
        members.setdefault(groups.find(f"d{i}"), ([], []))[0].append(i)
    for j in range(len(cert.lines)):
        members.setdefault(groups.find(f"c{j}"), ([], []))[1].append(j)
    return list(members.values())


def _fold_id(raw: str) -> str:
    return re.sub(r"[\s]+", "", raw).upper()


def _line_element(line: CertificateLine, index: int) -> str:
    """The line's own path when the reader recorded it, otherwise its place among all lines."""
    return line.path or f"{_LINE}[{index + 1}]"


_Add = Callable[..., None]


def _check_quantities(
    add: _Add,
    shipment: Shipment,
    cert: PhytoCertificate,
    declared_idx: list[int],
    cert_idx: list[int],
    tolerance: Decimal,
    *,
    part: Shipment | None = None,
) -> None:
    """Quantities of ``shipment``'s lines against the certificate's; with ``part``, ``shipment`` is the consignment
    it was split from: a finding then points at ``part_of`` and gives the part's own figure (``part``)."""
    first = declared_idx[0]
    element = _line_element(cert.lines[cert_idx[0]], cert_idx[0])
    codes = {line.hs.code for i, line in enumerate(shipment.lines) if i in declared_idx}
    own = [] if part is None else [line for line in part.lines if line.hs.code in codes]

    def where(quantity: str) -> str:
        return "part_of" if part is not None else f"lines[{first}].{quantity}"

    def mine(quantity: str) -> dict[str, str]:
        if part is None:
            return {}
        return {"part": _fmt(sum((Decimal(getattr(line, quantity)) for line in own), Decimal(0)))}

    for attr, code, severity in (
        ("net", "phyto.net_weight_mismatch", Severity.BLOCK),
        ("gross", "phyto.gross_weight_mismatch", Severity.WARN),
    ):
        declared = sum((getattr(shipment.lines[i], f"{attr}_kg") for i in declared_idx), Decimal(0))
        measures: list[Measure | None] = [getattr(cert.lines[j], f"{attr}_weight") for j in cert_idx]
        tag = "NetWeightMeasure" if attr == "net" else "GrossWeightMeasure"
        if any(m is None for m in measures):
            add("phyto.quantity_missing", Severity.WARN, where(f"{attr}_kg"), f"{element}/{tag}", quantity=tag)
            continue
        kilos = [m.kilograms() for m in measures if m is not None]
        if any(k is None for k in kilos):
            units = ", ".join(sorted({m.unit or "-" for m in measures if m is not None}))
            add("phyto.weight_unit_unknown", Severity.WARN, where(f"{attr}_kg"), f"{element}/{tag}", unit=units)
            continue
        certified = sum((k for k in kilos if k is not None), Decimal(0))
        if _rel(declared, certified) > tolerance:
            add(
                code,
                severity,
                where(f"{attr}_kg"),
                f"{element}/{tag}",
                declared=_fmt(declared),
                certificate=_fmt(certified),
                tolerance=_fmt(tolerance * 100),
                **mine(f"{attr}_kg"),
            )
    counts = [cert.lines[j].package_count for j in cert_idx]
    if all(c is not None for c in counts):
        certified_packages = sum((c for c in counts if c is not None), Decimal(0))
        declared_packages = Decimal(sum(shipment.lines[i].packages for i in declared_idx))
        if _rel(declared_packages, certified_packages) > tolerance:
            add(
                "phyto.packages_mismatch",
                Severity.WARN,
                where("packages"),
                f"{element}/PhysicalSPSPackage/ItemQuantity",
                declared=_fmt(declared_packages),
                certificate=_fmt(certified_packages),
                tolerance=_fmt(tolerance * 100),
                **mine("packages"),
            )


def _check_treatments(
    add: _Add,
    shipment: Shipment,
    cert: PhytoCertificate,
    declared_idx: list[int],
    cert_idx: list[int],
    issued: datetime,
    required: Mapping[str, Iterable[str]],
) -> None:
    treatments = [(j, t) for j in cert_idx for t in cert.lines[j].treatments if t.recorded]
    for j, t in treatments:
        if t.ended_on is not None and t.ended_on > issued.date():
            add(
                "phyto.treatment_after_issue",
                Severity.WARN,
                None,
                f"{_line_element(cert.lines[j], j)}/AppliedSPSProcess",
                ended=t.ended_on.isoformat(),
                issued=issued.date().isoformat(),
            )
    for i in declared_idx:
        code = shipment.lines[i].hs.code
        for prefix, accepted in required.items():
            if not code.startswith(re.sub(r"\D", "", prefix)):
                continue
            wanted = {a.upper() for a in accepted}
            if not any(not wanted or wanted & {x.upper() for x in t.types} for _, t in treatments):
                add(
                    "phyto.treatment_missing",
                    Severity.BLOCK,
                    f"lines[{i}].hs_code",
                    f"{_line_element(cert.lines[cert_idx[0]], cert_idx[0])}/AppliedSPSProcess",
                    hs_code=code,
                    treatments=", ".join(sorted(wanted)) or "*",
                )


def _check_registry(
    add: _Add,
    shipment: Shipment,
    cert: PhytoCertificate,
    declared_idx: list[int],
    cert_idx: list[int],
    registry_is_active: Callable[[str, str], bool],
) -> None:
    for kind, attr, certified_attr in (
        (PLANTING_AREA, "planting_area_code", "planting_area_codes"),
        (PACKING_HOUSE, "packing_house_code", "packing_house_codes"),
    ):
        certified: list[tuple[int, str]] = [
            (j, c.upper()) for j in cert_idx for c in getattr(cert.lines[j], certified_attr)
        ]
        certified_set = {c for _, c in certified}
        checked: set[str] = set()
        for i in declared_idx:
            line: CargoLine = shipment.lines[i]
            code: str | None = getattr(line, attr)
            if code is None:
                continue
            fld = f"lines[{i}].{attr}"
            if code not in checked:
                checked.add(code)
                if not registry_is_active(kind, code):
                    add(f"phyto.{kind}_inactive", Severity.BLOCK, fld, None, code=code)
            if not cert_idx:
                continue
            element = f"{_line_element(cert.lines[cert_idx[0]], cert_idx[0])}/AdditionalInformationSPSNote"
            if not certified_set:
                add(f"phyto.{kind}_not_certified", Severity.WARN, fld, element, code=code)
            elif code not in certified_set:
                add(
                    f"phyto.{kind}_mismatch",
                    Severity.BLOCK,
                    fld,
                    element,
                    declared=code,
                    certificate=", ".join(sorted(certified_set)),
                )
        for j, c in certified:
            if c not in checked:
                checked.add(c)
                if not registry_is_active(kind, c):
                    add(
                        f"phyto.{kind}_inactive",
                        Severity.BLOCK,
                        None,
                        f"{_line_element(cert.lines[j], j)}/AdditionalInformationSPSNote",
                        code=c,
                    )


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")
