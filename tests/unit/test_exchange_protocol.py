"""The exchange protocol without a database: canonical bytes, Ed25519, the replay window, schemas, backoff,
hotline deadlines, and the published schema and example files."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cuakhau.adapters.exchange import messages
from cuakhau.adapters.exchange.examples import EXAMPLE_PUBLIC_KEY, examples
from cuakhau.adapters.exchange.signing import Ed25519Scheme
from cuakhau.domain.exchange import (
    ACK_DEADLINES,
    MAX_ESCALATION,
    ExchangeRefused,
    MessageKind,
    RetryPolicy,
    Severity,
    canonical_bytes,
    check_window,
    next_escalation,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "exchange"
SCHEME = Ed25519Scheme()
NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


def unsigned(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "signature"}


def test_canonical_bytes_sort_keys_keep_unicode_and_have_no_spaces() -> None:
    assert canonical_bytes({"b": 1, "a": {"d": "Hữu Nghị", "c": ["友谊关", None, True]}}) == (
        '{"a":{"c":["友谊关",null,true],"d":"Hữu Nghị"},"b":1}'.encode()
    )


def test_canonical_bytes_refuse_floats_anywhere() -> None:
    with pytest.raises(ExchangeRefused) as info:
        canonical_bytes({"body": {"lines": [{"net_kg": 1.5}]}})
    assert info.value.code == "exchange.malformed" and info.value.field == "body.lines[0].net_kg"


@given(st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=8), st.booleans()), max_size=6))
def test_canonical_bytes_do_not_depend_on_insertion_order(d: dict[str, Any]) -> None:
    assert canonical_bytes(d) == canonical_bytes(dict(reversed(list(d.items()))))


def test_a_signature_verifies_only_with_its_key_and_its_bytes() -> None:
    private, public = SCHEME.new_keypair()
    other_private, other_public = SCHEME.new_keypair()
    data = canonical_bytes({"id": "m1", "body": {"decision": "accepted"}})
    signature = SCHEME.sign(private, data)
    assert SCHEME.verify(public, data, signature)
    assert not SCHEME.verify(other_public, data, signature)
    assert not SCHEME.verify(public, data.replace(b"accepted", b"returned"), signature)
    assert not SCHEME.verify(public, data, SCHEME.sign(other_private, data))
    assert not SCHEME.verify(public, data, "not base64 !!")
    assert not SCHEME.verify("short", data, signature)
    assert SCHEME.key_id(public).startswith("ed25519:") and SCHEME.key_id(public) != SCHEME.key_id(other_public)


def test_the_replay_window_accepts_within_and_refuses_outside_both_ways() -> None:
    check_window(NOW - timedelta(minutes=4, seconds=59), NOW, tz=UTC)
    check_window(NOW + timedelta(minutes=5), NOW, tz=UTC)
    for sent in (NOW - timedelta(minutes=5, seconds=1), NOW + timedelta(minutes=6)):
        with pytest.raises(ExchangeRefused) as info:
            check_window(sent, NOW, tz=UTC)
        assert info.value.code == "exchange.stale" and info.value.http_status == 401


def test_refusal_codes_have_their_http_status() -> None:
    assert ExchangeRefused("exchange.replayed").http_status == 409
    assert ExchangeRefused("exchange.out_of_scope").http_status == 403
    assert ExchangeRefused("exchange.bad_signature").http_status == 401
    assert ExchangeRefused("exchange.schema").http_status == 422


def test_retry_policy_doubles_to_its_cap_and_never_gives_up() -> None:
    policy = RetryPolicy(timedelta(seconds=2), timedelta(minutes=5))
    waits = [policy.delay(n).total_seconds() for n in range(0, 12)]
    assert waits[:9] == [0, 2, 4, 8, 16, 32, 64, 128, 256]
    assert waits[9:] == [300, 300, 300]
    assert policy.delay(10_000) == timedelta(minutes=5)


def test_escalation_moves_a_level_and_the_deadline_until_the_top() -> None:
    assert next_escalation(Severity.CRITICAL, 0, NOW) == (1, NOW + ACK_DEADLINES[Severity.CRITICAL])
    assert next_escalation(Severity.NORMAL, MAX_ESCALATION, NOW) is None


@pytest.mark.parametrize("name", sorted(examples()))
def test_every_example_validates_and_verifies_with_the_example_key(name: str) -> None:
    doc = examples()[name]
    body = messages.validate(copy.deepcopy(doc))
    model = messages.BODIES[MessageKind(doc["kind"])]
    assert model.model_validate(body) == model.model_validate(doc["body"])  # times may be respelt, not changed
    assert SCHEME.verify(EXAMPLE_PUBLIC_KEY, canonical_bytes(unsigned(doc)), doc["signature"])


def test_the_published_files_are_the_models_schemas_and_examples() -> None:
    """docs/exchange/ is generated: `cuakhau exchange schemas --out docs/exchange` after changing a model."""
    expected = messages.documents()
    found = {str(p.relative_to(DOCS)): p.read_text("utf-8") for p in DOCS.rglob("*.json")}
    assert set(found) == set(expected)
    for name, document in expected.items():
        assert found[name] == messages.render(document), name


def test_bodies_refuse_unknown_fields_bad_kinds_and_wrong_versions() -> None:
    doc = copy.deepcopy(examples()["gate.decision.json"])
    doc["body"]["comment"] = "extra"
    with pytest.raises(ExchangeRefused) as info:
        messages.validate(doc)
    assert info.value.code == "exchange.schema" and info.value.field == "body.comment"
    doc = copy.deepcopy(examples()["gate.decision.json"])
    doc["body"]["decision"] = "maybe"
    with pytest.raises(ExchangeRefused):
        messages.validate(doc)
    doc = copy.deepcopy(examples()["gate.decision.json"])
    doc["schema"] = "gate.decision@2"
    with pytest.raises(ExchangeRefused) as info:
        messages.validate(doc)
    assert info.value.field == "schema"
    doc = copy.deepcopy(examples()["manifest.submitted.json"])
    doc["body"]["lines"][0]["net_kg"] = "18000.12345"
    with pytest.raises(ExchangeRefused):
        messages.validate(doc)


@pytest.mark.parametrize("raw", [b"", b"[]", b"{", b"\xff", json.dumps({"protocol": "cuakhau-exchange/1"}).encode()])
def test_unreadable_or_unsigned_input_is_refused_not_crashed(raw: bytes) -> None:
    with pytest.raises(ExchangeRefused) as info:
        messages.validate(messages.parse(raw))
    assert info.value.code in {"exchange.malformed", "exchange.unsigned"}


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda c: st.lists(c) | st.dictionaries(st.text(max_size=5), c),
        max_leaves=10,
    )
)
def test_any_json_value_is_refused_with_a_known_code(value: Any) -> None:
    raw = json.dumps(value).encode()
    with pytest.raises(ExchangeRefused) as info:
        messages.validate(messages.parse(raw))
    assert info.value.code.startswith("exchange.")
