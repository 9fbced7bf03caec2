"""Device topics and payloads: what parses, and what each malformed message is blamed on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from cuakhau import i18n
from cuakhau.adapters.devices.schemas import (
    MAX_PAYLOAD_BYTES,
    command_topic,
    encode_command,
    encode_message,
    is_command_topic,
    parse_command,
    parse_message,
    subscriptions,
)
from cuakhau.adapters.devices.simulate import simulated_stream
from cuakhau.domain.devices import (
    BarrierCommand,
    BarrierPosition,
    BarrierState,
    Checkpoint,
    PlateRead,
    WeighbridgeReading,
)
from cuakhau.domain.errors import InvalidInput

G = "vn-huu-nghi"
PLATE_TOPIC = f"cuakhau/{G}/plate/yard_entry/cam-1"
AT = "2026-06-02T08:00:00+07:00"
AT_UTC = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


def body(**kw: Any) -> bytes:
    return json.dumps(kw, ensure_ascii=False).encode("utf-8")


PLATE = {"message_id": "m-1", "at": AT, "plate": "51C-123.45", "confidence": 0.91, "image_ref": "anpr/1.jpg"}


def rejects(topic: str, payload: bytes) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_message(topic, payload)
    return info.value


def test_plate_read() -> None:
    read = parse_message(f"cuakhau/{G}/plate/lane/cam-lane-2", body(**PLATE, lane_id="L2"))
    assert read == PlateRead(
        message_id="m-1",
        device_id="cam-lane-2",
        gate_id=G,
        checkpoint=Checkpoint.LANE,
        plate_text="51C-123.45",
        confidence=0.91,
        at=AT_UTC,
        image_ref="anpr/1.jpg",
        lane_id="L2",
    )


def test_chinese_plate_text_survives_utf8() -> None:
    read = parse_message(PLATE_TOPIC, body(**(PLATE | {"plate": "桂F12345"})))
    assert isinstance(read, PlateRead) and read.plate_text == "桂F12345"
    topic, payload = encode_message(read)
    assert "桂F12345".encode() in payload  # sent as UTF-8, not \\u escapes
    assert parse_message(topic, payload) == read


def test_weighbridge_reading_accepts_a_number_or_a_decimal_string() -> None:
    for gross in (41250, "41250.5", 41250.5):
        reading = parse_message(
            f"cuakhau/{G}/weighbridge/wb-1", body(message_id="w-1", at=AT, gross_kg=gross, stable=False)
        )
        assert isinstance(reading, WeighbridgeReading)
        assert reading.gross_kg == Decimal(str(gross)) and reading.stable is False and reading.plate_text is None


def test_barrier_state() -> None:
    state = parse_message(
        f"cuakhau/{G}/barrier/border_line/barrier-1/state", body(message_id="b-1", at=AT, position="fault")
    )
    assert state == BarrierState("b-1", "barrier-1", G, Checkpoint.BORDER_LINE, BarrierPosition.FAULT, AT_UTC)


@pytest.mark.parametrize(
    "message",
    [
        PlateRead("m", "cam", G, Checkpoint.BORDER_LINE, "12C-456.78", 0.5, AT_UTC),
        WeighbridgeReading("w", "wb", G, Decimal("38120.5"), AT_UTC, plate_text="桂F12345"),
        BarrierState("b", "bar", G, Checkpoint.YARD_EXIT, BarrierPosition.OPEN, AT_UTC),
    ],
)
def test_encode_then_parse_is_identity(message: Any) -> None:
    assert parse_message(*encode_message(message)) == message


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        (b"plate 51C-123.45", "device.payload_json", "device.payload"),
        (b"\xff\xfe", "device.payload_json", "device.payload"),
        (b"[1, 2]", "device.payload_json", "device.payload"),
        (b"", "device.payload_json", "device.payload"),
        (body(**{k: v for k, v in PLATE.items() if k != "plate"}), "device.missing_field", "device.payload.plate"),
        (body(**{k: v for k, v in PLATE.items() if k != "at"}), "device.missing_field", "device.payload.at"),
        (body(**PLATE, speed=3), "device.unknown_field", "device.payload.speed"),
        (body(**(PLATE | {"confidence": 1.2})), "device.out_of_range", "device.payload.confidence"),
        (body(**(PLATE | {"confidence": -0.1})), "device.out_of_range", "device.payload.confidence"),
        (body(**(PLATE | {"confidence": "0.9"})), "device.invalid_value", "device.payload.confidence"),
        (body(**(PLATE | {"at": "2026-06-02T08:00:00"})), "device.naive_time", "device.payload.at"),
        (body(**(PLATE | {"at": "yesterday"})), "device.invalid_value", "device.payload.at"),
        (body(**(PLATE | {"plate": ""})), "device.invalid_value", "device.payload.plate"),
        (body(**(PLATE | {"plate": "   "})), "plate.invalid_format", "device.payload.plate"),
        (body(**(PLATE | {"plate": "X" * 33})), "device.too_long", "device.payload.plate"),
        (body(**(PLATE | {"message_id": ""})), "device.invalid_value", "device.payload.message_id"),
        (body(**(PLATE | {"message_id": "m" * 129})), "device.too_long", "device.payload.message_id"),
        (body(**(PLATE | {"image_ref": 7})), "device.invalid_value", "device.payload.image_ref"),
        (body(**PLATE).replace(b"0.91", b"NaN"), "device.invalid_value", "device.payload.confidence"),
        (b" " * (MAX_PAYLOAD_BYTES + 1), "device.payload_too_large", "device.payload"),
    ],
)
def test_malformed_plate_payload_names_the_field(payload: bytes, code: str, field: str) -> None:
    error = rejects(PLATE_TOPIC, payload)
    assert (error.code, error.field) == (code, field)


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        (body(message_id="w", at=AT, gross_kg=0, stable=True), "device.out_of_range", "device.payload.gross_kg"),
        (body(message_id="w", at=AT, gross_kg=-5, stable=True), "device.out_of_range", "device.payload.gross_kg"),
        (body(message_id="w", at=AT, gross_kg=10**7, stable=True), "device.out_of_range", "device.payload.gross_kg"),
        (body(message_id="w", at=AT, gross_kg="NaN", stable=True), "device.invalid_value", "device.payload.gross_kg"),
        (body(message_id="w", at=AT, gross_kg="heavy", stable=True), "device.invalid_value", "device.payload.gross_kg"),
        (body(message_id="w", at=AT, gross_kg=1, stable=1), "device.invalid_value", "device.payload.stable"),
        (body(message_id="w", at=AT, gross_kg=1), "device.missing_field", "device.payload.stable"),
    ],
)
def test_malformed_weighbridge_payload_names_the_field(payload: bytes, code: str, field: str) -> None:
    error = rejects(f"cuakhau/{G}/weighbridge/wb-1", payload)
    assert (error.code, error.field) == (code, field)


def test_unknown_barrier_position() -> None:
    error = rejects(f"cuakhau/{G}/barrier/lane/b-1/state", body(message_id="b", at=AT, position="half"))
    assert (error.code, error.field) == ("device.invalid_value", "device.payload.position")


@pytest.mark.parametrize(
    ("topic", "code"),
    [
        ("cuakhau", "device.topic"),
        ("other/vn-huu-nghi/plate/lane/cam-1", "device.topic"),
        (f"cuakhau/{G}/plate/lane", "device.topic"),
        (f"cuakhau/{G}/plate/lane/cam-1/extra", "device.topic"),
        (f"cuakhau/{G}/camera/lane/cam-1", "device.topic"),
        (f"cuakhau/{G}/weighbridge", "device.topic"),
        (f"cuakhau/{G}/barrier/lane/b-1", "device.topic"),
        (f"cuakhau/{G}/barrier/lane/b-1/command", "device.topic"),
        (f"cuakhau/{G}/plate/parking/cam-1", "device.checkpoint"),
        (f"cuakhau/{G}/plate/lane/", "device.device_id"),
        ("cuakhau//plate/lane/cam-1", "device.gate_id"),
    ],
)
def test_malformed_topic_is_blamed_on_the_topic(topic: str, code: str) -> None:
    error = rejects(topic, body(**PLATE))
    assert error.code == code
    assert error.field is not None and error.field.startswith("device.topic")


def test_every_device_code_has_a_message_that_renders() -> None:
    error = rejects(PLATE_TOPIC, body(**PLATE, speed=3))
    text = i18n.render(error.code, "vi", error.params)
    assert "speed" in text and "{" not in text


COMMAND = BarrierCommand(
    command_id="cmd-1",
    gate_id=G,
    device_id="barrier-border-1",
    checkpoint=Checkpoint.BORDER_LINE,
    plate="桂F12345",
    trip_id="trip-42",
    reason="customs released",
    at=AT_UTC,
)


def test_barrier_command_round_trip() -> None:
    topic = command_topic(COMMAND)
    assert topic == f"cuakhau/{G}/barrier/border_line/barrier-border-1/command"
    assert is_command_topic(topic) and not is_command_topic(f"cuakhau/{G}/barrier/border_line/b/state")
    payload = encode_command(COMMAND)
    assert json.loads(payload) == {
        "command_id": "cmd-1",
        "action": "open",
        "plate": "桂F12345",
        "trip_id": "trip-42",
        "reason": "customs released",
        "at": "2026-06-02T01:00:00+00:00",
    }
    assert parse_command(topic, payload) == COMMAND


@pytest.mark.parametrize("bad", ["a/b", "+", "#", ""])
def test_ids_that_would_break_a_topic_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput) as info:
        command_topic(BarrierCommand("c", G, bad, Checkpoint.LANE, "51C-123.45", "t", "r", AT_UTC))
    assert (info.value.code, info.value.field) == ("device.topic_segment", "device_id")


def test_subscriptions_cover_one_gate_or_all() -> None:
    assert subscriptions(G) == [f"cuakhau/{G}/plate/#", f"cuakhau/{G}/weighbridge/#", f"cuakhau/{G}/barrier/#"]
    assert all(t.startswith("cuakhau/+/") for t in subscriptions())


END = datetime(2026, 6, 2, 3, 0, tzinfo=timezone(timedelta(hours=7)))


def test_simulated_stream_is_seeded_realistic_and_valid() -> None:
    stream = simulated_stream(G, count=400, seed=11, end=END)
    assert stream == simulated_stream(G, count=400, seed=11, end=END)
    assert stream != simulated_stream(G, count=400, seed=12, end=END)
    assert len(stream) == 400
    messages = [parse_message(t, p) for t, p in stream]
    reads = [m for m in messages if isinstance(m, PlateRead)]
    weights = [m for m in messages if isinstance(m, WeighbridgeReading)]
    assert {r.checkpoint for r in reads} == set(Checkpoint)
    assert any(0.4 <= r.confidence <= 0.7 for r in reads)  # low-confidence reads for the review queue
    assert any(r.plate_text.startswith("桂") for r in reads)
    assert any(not w.stable for w in weights) and all(20_000 <= w.gross_kg <= 50_000 for w in weights)
    ids = [m.message_id for m in messages]
    assert len(set(ids)) < len(ids)  # some deliveries repeat a message id
    assert max(m.at for m in messages) == END
    assert [m.at for m in messages] == sorted(m.at for m in messages)


def test_simulated_stream_uses_the_given_plates() -> None:
    plates = {"51C-123.45", "12C-456.78", "桂F12345"}
    stream = simulated_stream(G, sorted(plates), count=100, seed=2, end=END)
    messages = [parse_message(t, p) for t, p in stream]
    texts = {m.plate_text for m in messages if isinstance(m, PlateRead) and m.confidence > 0.85}
    assert texts == plates


def test_simulated_stream_is_bounded() -> None:
    with pytest.raises(ValueError, match="count"):
        simulated_stream(G, count=0, seed=1, end=END)
