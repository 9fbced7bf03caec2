"""Read a phytosanitary certificate in UN/CEFACT SPS Certificate XML (the IPPC ePhyto hub format).

Certificates arrive from many national systems with their own namespace prefixes, spare whitespace, empty
elements and elements out of schema order, so elements are found by local name, in any namespace and any order.
Parsing goes through defusedxml: a DTD, entity declaration or external reference is refused outright (no
billion-laughs, no file reads). Anything that cannot be read raises :class:`InvalidInput` whose ``field`` is the
XPath-like path of the element at fault (``/SPSCertificate/SPSExchangedDocument/IssueDateTime/DateTimeString``)
and whose params name the ``element`` and the ``reason``.

A certificate is a record officers open, so it may carry nothing but certificate: an element or attribute from
another vocabulary (XHTML ``script``, SVG, XInclude …) is refused (``phyto.foreign_markup``), and so is any
processing instruction (``<?xml-stylesheet?>``: ``phyto.forbidden_xml``) and nesting deeper than
:data:`MAX_DEPTH`. :func:`read_sps_certificate` also compares the document with the ePhyto schema and returns
the differences as warning findings (:mod:`cuakhau.adapters.exchange.sps_schema`).

Note subjects read here (ePhyto hub code list): ``ADEDL``/``ADAOEDL`` (document) and ``ADTLIL``/``ADAOTLIL``
(line) are additional declarations; ``DM*`` distinguishing marks. Planting-area and packing-house codes — mã số
vùng trồng / 种植园登记号 and mã số cơ sở đóng gói / 包装厂登记号 — have no element of their own: they are read
from line notes with subject ``PUC`` / ``PHC``, and from distinguishing marks written ``PUC: code, code``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.parsers.expat import errors as expat_errors

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from cuakhau.adapters.exchange.sps_schema import foreign_markup, schema_findings
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.quarantine import (
    CertificateLine,
    Classification,
    Finding,
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

__all__ = ["MAX_BYTES", "MAX_DEPTH", "parse_sps_certificate", "read_sps_certificate"]

#: Larger documents are refused before parsing (the real sample, with four base64 images, is 221 kB).
MAX_BYTES = 8 * 1024 * 1024
#: Deeper nesting is refused while reading (a real certificate is about 8 deep; the schema check recurses).
MAX_DEPTH = 40
ROOT = "SPSCertificate"

DOC_DECLARATIONS = frozenset({"ADEDL", "ADAOEDL"})
LINE_DECLARATIONS = frozenset({"ADTLIL", "ADAOTLIL"})
PLANTING_AREA_SUBJECTS = frozenset({"PUC"})
PACKING_HOUSE_SUBJECTS = frozenset({"PHC"})
_MARKS_RE = re.compile(r"\b(PUC|PHC)\b\s*[:#]?\s*((?:[A-Z0-9][A-Z0-9./-]*[0-9][\s,]*)+)", re.IGNORECASE)
_CODE_SPLIT_RE = re.compile(r"[\s,;]+")
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Refused(Exception):
    """Raised from inside the parser's callbacks to stop reading at once."""

    def __init__(self, error: InvalidInput) -> None:
        super().__init__(error.code)
        self.error = error


class _TrackingBuilder:
    """A tree builder that knows which elements are open, to name the one at fault when the XML breaks.

    It also stops at the first processing instruction and at nesting deeper than :data:`MAX_DEPTH`."""

    def __init__(self) -> None:
        self._builder = TreeBuilder()
        self.stack: list[str] = []

    def _path(self) -> str:
        return "/" + "/".join(self.stack) if self.stack else "/"

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self.stack.append(_local(tag))
        if len(self.stack) > MAX_DEPTH:
            error = _fail("phyto.too_deep", self._path(), self.stack[-1], f"over {MAX_DEPTH} levels", "", max=MAX_DEPTH)
            raise _Refused(error)
        return self._builder.start(tag, attrs)

    def pi(self, target: str, data: str | None = None) -> None:
        where = self._path()
        raise _Refused(
            _fail("phyto.forbidden_xml", where, f"?{target}"[:60], "processing instruction", "processing_instruction")
        )

    def end(self, tag: str) -> Element:
        if self.stack:
            self.stack.pop()
        return self._builder.end(tag)

    def data(self, data: str) -> None:
        self._builder.data(data)

    def close(self) -> Element:
        return self._builder.close()


def _fail(code: str, path: str, element: str, reason: str, problem: str = "", **params: Any) -> InvalidInput:
    """A refusal at ``path``: ``problem`` is a key people read translated (``phyto.problem.<key>``), ``reason``
    the reader's own words in English, kept for integrators and logs but never shown in a message."""
    return InvalidInput(code, field=path, element=element, path=path, reason=reason, problem=problem, **params)


#: expat's errors → the problem people read (any other is ``malformed``).
_EXPAT_PROBLEMS = {
    expat_errors.codes[message]: problem
    for message, problem in (
        (expat_errors.XML_ERROR_SYNTAX, "syntax"),
        (expat_errors.XML_ERROR_NO_ELEMENTS, "truncated"),
        (expat_errors.XML_ERROR_INVALID_TOKEN, "invalid_character"),
        (expat_errors.XML_ERROR_UNCLOSED_TOKEN, "truncated"),
        (expat_errors.XML_ERROR_PARTIAL_CHAR, "encoding"),
        (expat_errors.XML_ERROR_TAG_MISMATCH, "mismatched_tag"),
        (expat_errors.XML_ERROR_DUPLICATE_ATTRIBUTE, "duplicate_attribute"),
        (expat_errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT, "after_root"),
        (expat_errors.XML_ERROR_UNDEFINED_ENTITY, "undefined_entity"),
        (expat_errors.XML_ERROR_MISPLACED_XML_PI, "misplaced_declaration"),
        (expat_errors.XML_ERROR_UNKNOWN_ENCODING, "encoding"),
        (expat_errors.XML_ERROR_INCORRECT_ENCODING, "encoding"),
        (expat_errors.XML_ERROR_UNCLOSED_CDATA_SECTION, "truncated"),
        (expat_errors.XML_ERROR_UNBOUND_PREFIX, "unbound_prefix"),
    )
}


def _read_tree(xml: bytes | str) -> Element:
    if len(xml) > MAX_BYTES:
        raise _fail("phyto.too_large", f"/{ROOT}", ROOT, f"over {MAX_BYTES} bytes", max=MAX_BYTES)
    if not xml.strip():
        raise _fail("phyto.unparseable", f"/{ROOT}", ROOT, "empty document", "empty_document")
    builder = _TrackingBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(xml)
        root: Element = parser.close()
    except _Refused as exc:
        raise exc.error from None
    except DTDForbidden as exc:
        raise _fail(
            "phyto.forbidden_xml", "/", "!DOCTYPE", f"document type declaration {exc.name!r}", "doctype"
        ) from None
    except EntitiesForbidden as exc:
        raise _fail("phyto.forbidden_xml", "/", "!ENTITY", f"entity declaration {exc.name!r}", "entity") from None
    except ExternalReferenceForbidden as exc:
        raise _fail(
            "phyto.forbidden_xml", "/", "!ENTITY", f"external reference {exc.sysid!r}", "external_reference"
        ) from None
    except DefusedXmlException as exc:  # any other construct defusedxml refuses
        raise _fail("phyto.forbidden_xml", "/", "?", str(exc)[:200], "malformed") from None
    except (LookupError, ValueError) as exc:  # an XML declaration naming an encoding Python does not know
        raise _fail("phyto.unparseable", "/", "?xml", str(exc)[:200], "encoding") from None
    except ParseError as exc:
        line, column = exc.position
        open_path = "/" + "/".join(builder.stack) if builder.stack else f"/{ROOT}"
        element = builder.stack[-1] if builder.stack else ROOT
        reason = str(exc).split(":", 1)[0]
        problem = _EXPAT_PROBLEMS.get(getattr(exc, "code", 0), "malformed")
        raise _fail("phyto.unparseable", open_path, element, reason, problem, line=line, column=column) from None
    if _local(root.tag) != ROOT:
        raise _fail("phyto.wrong_root", f"/{_local(root.tag)}", _local(root.tag), f"expected {ROOT}", "")
    foreign = foreign_markup(root)
    if foreign is not None:
        raise _fail(
            "phyto.foreign_markup",
            foreign.path,
            foreign.element,
            "not part of the SPS certificate vocabulary",
            namespace=foreign.namespace or "-",
        )
    return root


class _Node:
    """An element with its path, found by local name in any namespace."""

    __slots__ = ("el", "path")

    def __init__(self, el: Element, path: str) -> None:
        self.el = el
        self.path = path

    @property
    def name(self) -> str:
        return _local(self.el.tag)

    def all(self, name: str) -> list[_Node]:
        found = [c for c in self.el if isinstance(c.tag, str) and _local(c.tag) == name]
        if len(found) == 1:
            return [_Node(found[0], f"{self.path}/{name}")]
        return [_Node(c, f"{self.path}/{name}[{i}]") for i, c in enumerate(found, 1)]

    def first(self, name: str) -> _Node | None:
        found = self.all(name)
        return found[0] if found else None

    def require(self, name: str) -> _Node:
        node = self.first(name)
        if node is None:
            raise _fail("phyto.element_missing", f"{self.path}/{name}", name, "required element is missing", "missing")
        return node

    @property
    def text(self) -> str | None:
        """Text content with whitespace collapsed; ``None`` when empty."""
        collapsed = " ".join("".join(self.el.itertext()).split())
        return collapsed or None

    def text_of(self, name: str) -> str | None:
        node = self.first(name)
        return node.text if node is not None else None

    def required_text(self, name: str) -> str:
        node = self.require(name)
        value = node.text
        if value is None:
            raise _fail("phyto.element_missing", node.path, name, "required element is empty", "empty")
        return value

    def texts(self, name: str) -> Iterator[Text]:
        for node in self.all(name):
            if node.text:
                yield Text(node.text, node.el.get("languageID"))

    def walk(self, *names: str) -> list[_Node]:
        """Every node down a chain of names (all matches at each step)."""
        level = [self]
        for name in names:
            level = [child for node in level for child in node.all(name)]
        return level


def _number(node: _Node) -> Decimal:
    raw = node.text
    if raw is None:
        raise _fail("phyto.bad_number", node.path, node.name, "empty", "empty")
    # xsd:decimal has no exponent; refusing one also keeps "1E+999999999" from turning into a billion digits
    if not _DECIMAL_RE.fullmatch(raw) or len(raw) > 30:
        raise _fail("phyto.bad_number", node.path, node.name, f"not a decimal number: {raw[:40]!r}", "not_a_number")
    value = Decimal(raw)
    if value < 0:
        raise _fail("phyto.bad_number", node.path, node.name, f"negative: {raw[:40]}", "negative")
    return value


def _measure(node: _Node | None) -> Measure | None:
    if node is None or node.text is None:
        return None
    return Measure(_number(node), node.el.get("unitCode"))


def _date_node(node: _Node) -> _Node:
    """``IssueDateTime`` holds a ``DateTimeString`` (udt) or, in some systems, the text itself."""
    inner = node.first("DateTimeString")
    return inner if inner is not None else node


def _datetime(node: _Node) -> datetime | date | None:
    raw = node.text
    if raw is None:
        return None
    fmt = node.el.get("format") or node.el.get("formatCode")
    try:
        if fmt == "102" and re.fullmatch(r"\d{8}", raw):  # UN/EDIFACT 2379: CCYYMMDD
            return date.fromisoformat(f"{raw[:4]}-{raw[4:6]}-{raw[6:]}")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return date.fromisoformat(raw)
        return datetime.fromisoformat(raw)
    except ValueError:
        raise _fail("phyto.bad_datetime", node.path, node.name, f"not a date: {raw[:40]!r}", "not_a_date") from None


def _as_date(node: _Node | None) -> date | None:
    if node is None:
        return None
    value = _datetime(_date_node(node))
    return value.date() if isinstance(value, datetime) else value


def _notes(parent: _Node, name: str) -> tuple[Note, ...]:
    notes = []
    for node in parent.all(name):
        subject = node.text_of("Subject")
        content_node = node.first("Content")
        content = content_node.text if content_node is not None else None
        if subject and content and content_node is not None:
            notes.append(Note(subject.upper(), content, content_node.el.get("languageID")))
    return tuple(notes)


def _party(node: _Node) -> Party:
    name = node.required_text("Name")
    address = node.first("SpecifiedSPSAddress")
    lines: list[str] = []
    country = None
    if address is not None:
        for tag in ("LineOne", "LineTwo", "LineThree", "LineFour", "LineFive", "CityName", "PostcodeCode"):
            value = address.text_of(tag)
            if value:
                lines.append(value)
        country = address.text_of("CountryID")
    return Party(
        name=name,
        country=country.upper() if country else None,
        identifier=node.text_of("ID") or node.text_of("TypeCode"),
        address=tuple(lines),
    )


def _treatment(node: _Node) -> Treatment:
    types: list[str] = []
    if (code := node.text_of("TypeCode")) is not None:
        types.append(code)
    chemicals: list[str] = []
    notes: list[str] = []
    measures: dict[str, Measure | None] = {}
    for ch in node.all("ApplicableSPSProcessCharacteristic"):
        descriptions = [d.text for d in ch.all("Description") if d.text]
        if not descriptions:
            continue
        key, values = descriptions[0].upper(), descriptions[1:]
        if key in {"TTL1", "TTL2"}:
            types.extend(values)
        elif key == "TTCH":
            chemicals.extend(values)
        elif key in {"TTCO", "TTTM", "TTDU"}:
            measures[key] = _measure(ch.first("ValueMeasure"))
            notes.extend(values)
        else:
            notes.extend(values)
    period = node.first("CompletionSPSPeriod")
    duration = measures.get("TTDU")
    started = ended = None
    if period is not None:
        started = _as_date(period.first("StartDateTime"))
        ended = _as_date(period.first("EndDateTime"))
        duration = _measure(period.first("DurationMeasure")) or duration
    return Treatment(
        types=tuple(types),
        chemicals=tuple(chemicals),
        concentration=measures.get("TTCO"),
        temperature=measures.get("TTTM"),
        duration=duration,
        started_on=started,
        ended_on=ended,
        notes=tuple(notes),
    )


def _registry_codes(notes: tuple[Note, ...], subjects: frozenset[str], label: str) -> tuple[str, ...]:
    codes: list[str] = []
    for note in notes:
        if note.subject in subjects:
            codes.extend(c.upper() for c in _CODE_SPLIT_RE.split(note.content) if c)
        elif note.subject.startswith("DM"):
            for m in _MARKS_RE.finditer(note.content):
                if m.group(1).upper() == label:
                    codes.extend(c.upper() for c in _CODE_SPLIT_RE.split(m.group(2)) if c)
    return tuple(dict.fromkeys(codes))


def _line(node: _Node) -> CertificateLine:
    seq_node = node.first("SequenceNumeric")
    sequence = None
    if seq_node is not None and seq_node.text is not None:
        seq = _number(seq_node)
        if seq != seq.to_integral_value():
            raise _fail("phyto.bad_number", seq_node.path, seq_node.name, "not a whole number", "not_whole")
        sequence = int(seq)
    classifications = tuple(
        Classification(system=c.text_of("SystemName") or "", code=c.text_of("ClassCode"), name=c.text_of("ClassName"))
        for c in node.all("ApplicableSPSClassification")
    )
    packages = []
    for p in node.all("PhysicalSPSPackage"):
        qty = p.first("ItemQuantity")
        if qty is None or qty.text is None:
            continue
        level = p.first("LevelCode")
        level_value = None
        if level is not None and level.text is not None:
            level_number = _number(level)
            level_value = int(level_number)
        packages.append(Package(level_value, p.text_of("TypeCode"), _number(qty)))
    origins = node.all("OriginSPSCountry")
    notes = _notes(node, "AdditionalInformationSPSNote")
    return CertificateLine(
        sequence=sequence,
        descriptions=tuple(node.texts("Description")),
        common_name=node.text_of("CommonName"),
        scientific_name=node.text_of("ScientificName"),
        intended_use=node.text_of("IntendedUse"),
        classifications=classifications,
        net_weight=_measure(node.first("NetWeightMeasure")),
        gross_weight=_measure(node.first("GrossWeightMeasure")),
        packages=tuple(packages),
        origin_countries=tuple(c.upper() for o in origins if (c := o.text_of("ID"))),
        origin_places=tuple(
            place
            for o in origins
            for sub in o.all("SubordinateSPSCountrySubDivision")
            if (place := sub.text_of("Name") or sub.text_of("ID"))
        ),
        treatments=tuple(_treatment(t) for t in node.all("AppliedSPSProcess")),
        additional_declarations=tuple(Text(n.content, n.language) for n in notes if n.subject in LINE_DECLARATIONS),
        planting_area_codes=_registry_codes(notes, PLANTING_AREA_SUBJECTS, "PUC"),
        packing_house_codes=_registry_codes(notes, PACKING_HOUSE_SUBJECTS, "PHC"),
        notes=notes,
        path=node.path,
    )


def _first_text(nodes: Iterable[_Node]) -> str | None:
    return next((text for n in nodes if (text := n.text)), None)


def _country(parent: _Node, name: str) -> str | None:
    code = _first_text(n for c in parent.all(name) for n in c.all("ID"))
    return code.upper() if code else None


def read_sps_certificate(xml: bytes | str) -> tuple[PhytoCertificate, tuple[Finding, ...]]:
    """Read one SPS certificate like :func:`parse_sps_certificate`, and compare it with the ePhyto schema.

    Returns the certificate and the schema differences as warning findings (``phyto.schema_mismatch``, at most
    :data:`~cuakhau.adapters.exchange.sps_schema.MAX_SCHEMA_FINDINGS` of them, then ``phyto.schema_truncated``).
    """
    root = _read_tree(xml)
    return _certificate(root), schema_findings(root)


def parse_sps_certificate(xml: bytes | str) -> PhytoCertificate:
    """Read one SPS certificate (ePhyto) into a :class:`~cuakhau.domain.quarantine.PhytoCertificate`.

    Required: ``SPSExchangedDocument`` with ``ID``, ``TypeCode`` and an ``IssueDateTime`` carrying a UTC offset,
    and ``SPSConsignment`` with consignor and consignee names. Weights keep their ``unitCode``; empty optional
    elements are read as absent; base64 attachments are not decoded (only their file names are kept).

    Raises :class:`~cuakhau.domain.errors.InvalidInput` with ``field`` = the path of the element at fault and
    params ``element`` and ``reason``; codes: ``phyto.unparseable`` (empty or malformed XML; also ``line`` and
    ``column``), ``phyto.forbidden_xml`` (DTD, entities, external references, processing instructions),
    ``phyto.too_large``, ``phyto.too_deep``, ``phyto.wrong_root``, ``phyto.foreign_markup`` (an element or
    attribute outside the SPS vocabularies; also ``namespace``), ``phyto.element_missing``,
    ``phyto.bad_datetime``, ``phyto.bad_number``.
    """
    return _certificate(_read_tree(xml))


def _certificate(tree: Element) -> PhytoCertificate:
    root = _Node(tree, f"/{ROOT}")
    doc = root.require("SPSExchangedDocument")
    cert_id = doc.required_text("ID")
    type_code = doc.required_text("TypeCode")
    issue_node = _date_node(doc.require("IssueDateTime"))
    issued = _datetime(issue_node)
    if issued is None:
        raise _fail("phyto.element_missing", issue_node.path, issue_node.name, "required element is empty", "empty")
    if not isinstance(issued, datetime) or issued.utcoffset() is None:
        raise _fail(
            "phyto.bad_datetime", issue_node.path, issue_node.name, "the issue time needs a UTC offset", "no_utc_offset"
        )

    cons = root.require("SPSConsignment")
    consignor = _party(cons.require("ConsignorSPSParty"))
    consignee = _party(cons.require("ConsigneeSPSParty"))
    doc_notes = _notes(doc, "IncludedSPSNote")
    signatory = doc.walk("SignatorySPSAuthentication")
    equipment = cons.all("UtilizedSPSTransportEquipment")
    return PhytoCertificate(
        id=cert_id,
        type_code=type_code,
        status_code=doc.text_of("StatusCode"),
        issued_at=issued,
        issuer=next(iter(n.text_of("Name") for n in doc.all("IssuerSPSParty")), None),
        consignor=consignor,
        consignee=consignee,
        export_country=_country(cons, "ExportSPSCountry"),
        import_country=_country(cons, "ImportSPSCountry"),
        lines=tuple(_line(n) for n in cons.walk("IncludedSPSConsignmentItem", "IncludedSPSTradeLineItem")),
        transit_countries=tuple(c.upper() for n in cons.all("TransitSPSCountry") if (c := n.text_of("ID"))),
        place_of_issue=_first_text(n for s in signatory for n in s.walk("IssueSPSLocation", "Name")),
        signatory=_first_text(n for s in signatory for n in s.walk("ProviderSPSParty", "SpecifiedSPSPerson", "Name")),
        unloading_location=next(
            (n.text_of("ID") or n.text_of("Name") for n in cons.all("UnloadingBaseportSPSLocation")), None
        ),
        additional_declarations=tuple(Text(n.content, n.language) for n in doc_notes if n.subject in DOC_DECLARATIONS),
        notes=doc_notes,
        transport=tuple(
            TransportMovement(
                mode_code=m.text_of("ModeCode"),
                identifier=m.text_of("ID"),
                means=next((u.text_of("Name") for u in m.all("UsedSPSTransportMeans")), None),
            )
            for m in cons.all("MainCarriageSPSTransportMovement")
        ),
        containers=tuple(c for e in equipment if (c := e.text_of("ID"))),
        seals=tuple(s for e in equipment for n in e.all("AffixedSPSSeal") if (s := n.text_of("ID"))),
        referenced_documents=tuple(
            ReferencedDocument(
                identifier=r.text_of("ID"),
                relationship=r.text_of("RelationshipTypeCode"),
                information=r.text_of("Information"),
                filename=next((a.el.get("filename") for a in r.all("AttachmentBinaryObject")), None),
            )
            for r in doc.all("ReferenceSPSReferencedDocument")
        ),
    )
