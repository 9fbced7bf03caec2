"""The wire format of the cross-border exchange: one envelope, one body schema per message kind (version 1).

The JSON Schema of each is exported to ``docs/exchange/`` (``cuakhau exchange schemas``), with examples; a test
keeps the files equal to these models. Bodies refuse unknown fields: a partner that sends something we do not
understand is told so (``exchange.schema``) instead of being half-applied. Numbers that are not whole (weights)
travel as decimal strings, because a float has no single canonical spelling to sign.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from cuakhau.adapters.bounds import Day, json_shape
from cuakhau.adapters.bounds import Instant as BoundedInstant
from cuakhau.domain.exchange import PROTOCOL, SCHEMA_VERSIONS, TOKEN_RE, ExchangeRefused, MessageKind

Token = Annotated[str, Field(pattern=TOKEN_RE.pattern, max_length=64)]
GateId = Annotated[str, Field(pattern=r"^(vn|cn)-[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]
Text = Annotated[str, Field(max_length=2000)]
Short = Annotated[str, Field(max_length=200)]
DecimalText = Annotated[str, Field(pattern=r"^[0-9]{1,12}(\.[0-9]{1,3})?$")]
Hhmm = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("a time zone is required")
    return value


#: An aware time inside the representable window (cuakhau.domain.timebounds).
Instant = Annotated[BoundedInstant, AfterValidator(_aware)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Envelope(Strict):
    """Every message. ``signature`` signs the canonical JSON of all other members (docs/exchange.md)."""

    protocol: Literal["cuakhau-exchange/1"] = Field(description="Protocol and its major version")
    id: Token = Field(description="The sender's message id, the same on every delivery attempt")
    kind: MessageKind
    schema_: str = Field(alias="schema", pattern=r"^[a-z.]+@[0-9]+$", description="kind@version of the body")
    sender: Token = Field(description="The sending partner's id")
    recipient: Token = Field(description="The receiving partner's id")
    gate_id: GateId = Field(description="The gate the sender speaks for in this message")
    trip_ref: Token | None = Field(default=None, description="The departing side's trip id (trip messages)")
    seq: int | None = Field(default=None, ge=1, description="Order of the sender's messages about this trip")
    created_at: Instant = Field(description="When the change happened")
    sent_at: Instant = Field(description="When this attempt was signed (replay window)")
    key_id: Token = Field(description="Which of the sender's keys signed")
    body: dict[str, Any]
    signature: str = Field(max_length=200, description="Ed25519 over the canonical bytes, base64url")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ClosureBody(Strict):
    id: Token
    starts_at: Instant
    ends_at: Instant
    kind: Literal["holiday", "suspension"]
    reason: Text


class AcceptanceBody(Strict):
    date: Day
    direction: Literal["import", "export"] = Field(description="Relative to the declaring gate's country")
    daily_quota: int | None = Field(default=None, ge=0, le=100_000)
    hourly_quota: int | None = Field(default=None, ge=0, le=100_000)
    reason: Text | None = None


class PeriodBody(Strict):
    opens: Hhmm
    closes: Hhmm
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1, max_length=7)


class CapacityDeclared(Strict):
    """capacity.declared@1 — the sender's gate: closures, lifted closures, acceptance, opening hours."""

    gate_id: GateId
    closures: list[ClosureBody] = Field(default_factory=list, max_length=100)
    lifted: list[Token] = Field(default_factory=list, max_length=100)
    acceptance: list[AcceptanceBody] = Field(default_factory=list, max_length=60)
    hours: list[PeriodBody] | None = Field(default=None, max_length=14)
    declared_by: Short


class Party(Strict):
    name: Short
    tax_id: Annotated[str, Field(max_length=32)] = ""


class Consignee(Strict):
    name: Short
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class ManifestLine(Strict):
    hs_code: Annotated[str, Field(pattern=r"^[0-9]{6,10}$")]
    description: Text
    net_kg: DecimalText
    gross_kg: DecimalText
    packages: int = Field(ge=0, le=10_000_000)
    perishability: Short


class ManifestSubmitted(Strict):
    """manifest.submitted@1 — a truck on its way: the trip and a summary of its cargo."""

    trip_ref: Token
    from_gate_id: GateId
    to_gate_id: GateId
    plate: Annotated[str, Field(max_length=32)]
    containers: list[Annotated[str, Field(max_length=16)]] = Field(default_factory=list, max_length=4)
    exporter: Party
    consignee: Consignee
    perishability: Short
    plant_product: bool
    phytosanitary_certificate_no: Short | None = None
    gross_kg: DecimalText
    lines: list[ManifestLine] = Field(min_length=1, max_length=200)
    slot_start: Instant | None = None


class GateDecision(Strict):
    """gate.decision@1 — the arriving gate's decision on an announced truck."""

    trip_ref: Token
    decision: Literal["accepted", "held", "returned"]
    reasons: list[Text] = Field(default_factory=list, max_length=20)
    decided_by: Short
    decided_at: Instant


class CrossingConfirmed(Strict):
    """crossing.confirmed@1 — the truck entered the sender's side."""

    trip_ref: Token
    crossed_at: Instant
    confirmed_by: Short


class IncidentRaised(Strict):
    """incident.raised@1 — a hotline call: what, how urgent, by when it must be acknowledged."""

    incident_id: Token
    kind: Literal["closure", "rejected_shipment", "link_fault", "congestion", "other"]
    severity: Literal["critical", "high", "normal"]
    summary: Text
    trip_ref: Token | None = None
    raised_at: Instant
    ack_due_at: Instant
    raised_by: Short


class IncidentAcknowledged(Strict):
    """incident.acknowledged@1 — the other side has taken the call."""

    incident_id: Token
    acknowledged_at: Instant
    acknowledged_by: Short
    note: Text = ""


BODIES: dict[MessageKind, type[Strict]] = {
    MessageKind.CAPACITY: CapacityDeclared,
    MessageKind.MANIFEST: ManifestSubmitted,
    MessageKind.DECISION: GateDecision,
    MessageKind.CROSSING: CrossingConfirmed,
    MessageKind.INCIDENT: IncidentRaised,
    MessageKind.ACKNOWLEDGEMENT: IncidentAcknowledged,
}


def parse(raw: bytes) -> dict[str, Any]:
    """The JSON object of a request body, or ``exchange.malformed`` — also for JSON too deep or too big to parse
    (reason ``depth`` or ``items``: see :func:`cuakhau.adapters.bounds.json_shape`)."""
    problem = json_shape(raw)
    if problem is not None:
        raise ExchangeRefused("exchange.malformed", field="body", reason=problem)
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ExchangeRefused("exchange.malformed", field="body", reason="json") from None
    if not isinstance(document, dict):
        raise ExchangeRefused("exchange.malformed", field="body", reason="object")
    return document


def validate(document: dict[str, Any]) -> dict[str, Any]:
    """The message's body checked against its kind's schema, in JSON form; refuses a bad envelope or body."""
    if document.get("protocol") != PROTOCOL:
        raise ExchangeRefused("exchange.protocol", field="protocol", expected=PROTOCOL)
    if "signature" not in document:
        raise ExchangeRefused("exchange.unsigned", field="signature")
    try:
        envelope = Envelope.model_validate(document)
    except ValidationError as exc:
        raise ExchangeRefused("exchange.schema", field=_where(exc), reason=_why(exc)) from None
    expected = f"{envelope.kind.value}@{SCHEMA_VERSIONS[envelope.kind]}"
    if envelope.schema_ != expected:
        raise ExchangeRefused("exchange.schema", field="schema", reason=f"expected {expected}")
    try:
        body = BODIES[envelope.kind].model_validate(envelope.body)
    except ValidationError as exc:
        raise ExchangeRefused("exchange.schema", field=f"body.{_where(exc)}", reason=_why(exc)) from None
    return body.model_dump(mode="json")


def _where(exc: ValidationError) -> str:
    loc = exc.errors()[0]["loc"] if exc.errors() else ()
    return ".".join(str(p) for p in loc) or "body"


def _why(exc: ValidationError) -> str:
    return str(exc.errors()[0]["type"]) if exc.errors() else "invalid"


# --- JSON Schema files -----------------------------------------------------------------------------------


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema of the envelope and of every body."""
    schemas = {"envelope.schema.json": Envelope.model_json_schema(by_alias=True)}
    for kind, model in BODIES.items():
        schema = model.model_json_schema()
        schema["$id"] = f"https://cuakhau.invalid/exchange/{kind.value}@{SCHEMA_VERSIONS[kind]}"
        schemas[f"{kind.value}.v{SCHEMA_VERSIONS[kind]}.schema.json"] = schema
    return schemas


def documents() -> dict[str, dict[str, Any]]:
    """Relative path -> JSON document of docs/exchange: the schemas, signed examples and the example key."""
    from cuakhau.adapters.exchange import examples
    from cuakhau.adapters.exchange.signing import Ed25519Scheme

    files = dict(json_schemas())
    for name, example in examples.examples().items():
        files[f"examples/{name}"] = example
    files["examples/example-key.json"] = {
        "note": "The key that signed these examples. Published on purpose: never use it for anything else.",
        "key_id": Ed25519Scheme().key_id(examples.EXAMPLE_PUBLIC_KEY),
        "public_key": examples.EXAMPLE_PUBLIC_KEY,
        "private_key": examples.EXAMPLE_PRIVATE_KEY,
    }
    return files


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    written = []
    for name, document in documents().items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(document), "utf-8")
        written.append(path)
    return written
