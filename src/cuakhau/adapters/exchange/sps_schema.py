"""What an SPS certificate may contain, and how it compares with the ePhyto schema.

Two checks run on the tree :mod:`cuakhau.adapters.exchange.sps` has read (after defusedxml refused DTDs and
entities), before anything is stored:

- **Markup from other vocabularies is refused.** Every element must be in a UN/CEFACT namespace
  (``urn:un:unece:uncefact:…``, the SPS Certificate and its aggregates and data types) or the IPPC hub's
  (``http://ephyto.ippc.int/…``); an attribute may also be unqualified or ``xml:`` / ``xsi:``. An XHTML ``script``,
  an SVG drawing, an XInclude, an unqualified element — anything a browser or an XML tool could act on — is a
  422 naming the element and its path (:func:`foreign_markup`). Processing instructions (``xml-stylesheet``)
  are refused by the reader itself.
- **The schema is a guide, not the authority.** The ePhyto hub's own schemas (shipped in ``cuakhau/data/ephyto``)
  are validated with ``xmlschema``; real certificates, the published sample included, break them in small ways
  (element order, a ``languageID`` the schema does not list), so each difference is a *warning* finding
  ``phyto.schema_mismatch`` naming the element, never a refusal (:func:`schema_findings`).

Paths are written one way everywhere: local names from the root, with ``[n]`` (1-based) where an element has
same-named siblings — ``/SPSCertificate/SPSConsignment/IncludedSPSConsignmentItem/IncludedSPSTradeLineItem[2]``.
A refusal's ``field`` is that path, and so is a finding's ``element``, as for every other certificate finding.
Messages people read never carry a library's English: each refusal and finding has a ``problem`` key translated
through the catalog (``phyto.problem.<key>``); the library's own words stay in the ``reason`` param.
"""

from __future__ import annotations

import re
import threading
from importlib.resources import as_file, files
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from cuakhau.domain.quarantine import Finding, Severity

if TYPE_CHECKING:
    import xmlschema

__all__ = [
    "ALLOWED_ATTRIBUTE_NAMESPACES",
    "MAX_SCHEMA_ELEMENTS",
    "MAX_SCHEMA_FINDINGS",
    "ForeignMarkup",
    "element_path",
    "foreign_markup",
    "schema_findings",
]

#: Namespace prefixes an element of a certificate may be in (compared case-insensitively: the hub's schemas write
#: both ``…:data:standard:…`` and ``…:data:Standard:…``).
ALLOWED_ELEMENT_NAMESPACES = ("urn:un:unece:uncefact:", "http://ephyto.ippc.int/")
#: Namespaces an attribute may be in besides those: none, ``xml:`` (``xml:lang``), ``xsi:`` (schema hints, never
#: followed).
ALLOWED_ATTRIBUTE_NAMESPACES = ("", "http://www.w3.org/XML/1998/namespace", "http://www.w3.org/2001/XMLSchema-instance")
#: Schema differences reported at most; past them one ``phyto.schema_truncated`` finding says the list was cut.
MAX_SCHEMA_FINDINGS = 20
#: A document with more elements is not compared with the schema (``phyto.schema_skipped``): xmlschema collects
#: every wrong child of an element before reporting any, and 85,000 wrong children cost 5.5 s. The real sample,
#: the messiest certificate we have, has 296 elements.
MAX_SCHEMA_ELEMENTS = 10_000

_CLARK = re.compile(r"\{[^}]*\}")
_QUOTED_PREFIX = re.compile(r"'[A-Za-z_][\w.-]*:([^':]*)'")  # 'tns:TypeCode' -> 'TypeCode'


def _split(tag: str) -> tuple[str, str]:
    """``{ns}local`` -> (ns, local); an unqualified name has the namespace ``""``."""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _allowed_element(ns: str) -> bool:
    lowered = ns.lower()
    return any(lowered.startswith(prefix) for prefix in ALLOWED_ELEMENT_NAMESPACES)


def element_path(el: Element, parents: dict[Element, Element]) -> str:
    """``/Root/Child[2]/Leaf``: local names, ``[n]`` only where same-named siblings exist."""
    steps: list[str] = []
    node: Element | None = el
    while node is not None:
        name = _split(node.tag)[1]
        parent = parents.get(node)
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                name = f"{name}[{next(i for i, c in enumerate(same, 1) if c is node)}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


def _parents(root: Element) -> dict[Element, Element]:
    return {child: parent for parent in root.iter() for child in parent}


class ForeignMarkup(Exception):
    """An element or attribute outside the SPS vocabularies: its path, local name and namespace."""

    def __init__(self, path: str, element: str, namespace: str) -> None:
        super().__init__(f"{path}: {{{namespace}}}{element}")
        self.path = path
        self.element = element
        self.namespace = namespace


def foreign_markup(root: Element) -> ForeignMarkup | None:
    """The first element or attribute (in document order) from a vocabulary a certificate has no use for."""
    for el in root.iter():
        ns, local = _split(el.tag)
        if not _allowed_element(ns):
            return ForeignMarkup(element_path(el, _parents(root)), local, ns)
        for key in el.attrib:
            attr_ns, attr_local = _split(key)
            if attr_ns not in ALLOWED_ATTRIBUTE_NAMESPACES and not _allowed_element(attr_ns):
                return ForeignMarkup(f"{element_path(el, _parents(root))}/@{attr_local}", f"@{attr_local}", attr_ns)
    return None


_lock = threading.Lock()
_built: list[xmlschema.XMLSchema] = []


def _schema() -> xmlschema.XMLSchema:
    """The SPS Certificate schema, built once per process (about 0.3 s) on first use."""
    with _lock:
        if not _built:
            import xmlschema

            with as_file(files("cuakhau.data") / "ephyto") as folder:
                # sandbox: imports only from that folder; defuse: no DTD or entity in a schema file either
                _built.append(
                    xmlschema.XMLSchema(str(folder.resolve() / "schema_1.xsd"), allow="sandbox", defuse="always")
                )
        return _built[0]


def _reason(text: str | None) -> str:
    cleaned = _QUOTED_PREFIX.sub(r"'\1'", _CLARK.sub("", text or "not valid"))
    return " ".join(cleaned.split())[:300]


def _missing_child(error: Exception, el: Element) -> str | None:
    """The required element an incomplete or out-of-order content lacks, when the error is about one.

    xmlschema reports a missing required child as an error on the parent ("Unexpected child …" or "The content
    … is not complete") with the particles it expected there; the first expected element that is required and
    appears nowhere among the children is the one missing."""
    present = {_split(c.tag)[1] for c in el if isinstance(c.tag, str)}
    for particle in getattr(error, "expected", None) or ():
        name = getattr(particle, "local_name", None)
        if isinstance(name, str) and getattr(particle, "min_occurs", 0) > 0 and name not in present:
            return name
    return None


def _problem(error: Exception) -> str:
    """What kind of difference it is, as a key people read translated (``phyto.problem.<key>``)."""
    from xmlschema.validators.attributes import XsdAttribute, XsdAttributeGroup
    from xmlschema.validators.exceptions import XMLSchemaChildrenValidationError, XMLSchemaDecodeError

    if isinstance(error, XMLSchemaChildrenValidationError):
        return "unexpected_child" if getattr(error, "invalid_child", None) is not None else "incomplete"
    if isinstance(getattr(error, "validator", None), (XsdAttribute, XsdAttributeGroup)):
        return "attribute"
    if isinstance(error, XMLSchemaDecodeError):
        return "value"
    return "other"


def schema_findings(root: Element) -> tuple[Finding, ...]:
    """Each difference between the certificate and the ePhyto schema, as a warning naming the element.

    A required element that is absent is named itself, with its path and its position among its parent's
    children (``phyto.schema_element_missing``); anything else names the element at fault
    (``phyto.schema_mismatch``). Every finding's ``element`` is the element's path from the root, the one form
    refusals use too; ``problem`` says what is wrong (translated for people), ``reason`` is xmlschema's English,
    for integrators. At most :data:`MAX_SCHEMA_FINDINGS` differences are listed; one more finding,
    ``phyto.schema_truncated``, says the list was cut. A document of more than :data:`MAX_SCHEMA_ELEMENTS`
    elements is not compared at all (``phyto.schema_skipped``)."""
    import xmlschema

    elements = sum(1 for _ in root.iter())
    if elements > MAX_SCHEMA_ELEMENTS:
        return (
            Finding("phyto.schema_skipped", Severity.WARN, None, None, {"count": elements, "max": MAX_SCHEMA_ELEMENTS}),
        )
    out: list[Finding] = []
    parents: dict[Element, Element] | None = None
    # the tree as it was read: nothing to fetch (no location hints followed, no URL or file allowed)
    resource = xmlschema.XMLResource(root, allow="none")
    for error in _schema().iter_errors(resource):
        if len(out) >= MAX_SCHEMA_FINDINGS:
            out.append(Finding("phyto.schema_truncated", Severity.WARN, None, None, {"max": MAX_SCHEMA_FINDINGS}))
            break
        if parents is None:
            parents = _parents(root)
        el = error.elem if isinstance(error.elem, Element) else root
        index = getattr(error, "index", None)
        reason = _reason(error.reason)
        missing = _missing_child(error, el)
        if missing is not None:
            path = f"{element_path(el, parents)}/{missing}"
            position = index + 1 if isinstance(index, int) else len(el) + 1
            params = {"element": missing, "path": path, "position": position, "problem": "missing", "reason": reason}
            out.append(Finding("phyto.schema_element_missing", Severity.WARN, None, path, params))
            continue
        if isinstance(index, int) and 0 <= index < len(el):  # a child out of place: name the child, not its parent
            el = el[index]
        path = element_path(el, parents)
        params = {"element": _split(el.tag)[1], "path": path, "problem": _problem(error), "reason": reason}
        out.append(Finding("phyto.schema_mismatch", Severity.WARN, None, path, params))
    return tuple(out)
