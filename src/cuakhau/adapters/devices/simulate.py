"""Simulated gate devices for the demo: trucks pass the cameras and the weighbridge, devices publish over MQTT.

Each truck goes yard entry → weighbridge → yard exit → lane → border line (cổng vào bãi → cân → cổng ra bãi →
làn → đường biên / 堆场入口 → 地磅 → 堆场出口 → 通道 → 国境线) with plausible gaps between the steps. Like real
devices the stream has flaws: a few low-confidence reads, a few misreads (a character swapped for one that
looks alike), a weighbridge that sends an unstable reading before the stable one, and messages delivered twice
with the same ``message_id``. Everything comes from one seeded random stream, so a seed gives the same stream.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from cuakhau.adapters.clock import SystemClock
from cuakhau.adapters.devices.schemas import encode_message
from cuakhau.domain.devices import Checkpoint, DeviceMessage, PlateRead, WeighbridgeReading

DEFAULT_GATE = "vn-huu-nghi"
MAX_COUNT = 100_000

#: Provinces whose trucks are common at the northern gates: Lạng Sơn, Quảng Ninh, Hải Phòng, Hà Nội, Bắc Giang,
#: Bắc Ninh, Hồ Chí Minh City (fruit from the south), Tiền Giang.
_VN_PROVINCES = ("12", "14", "15", "29", "98", "99", "51", "63")
_CN_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
#: What an ANPR camera confuses.
_LOOKALIKE = {"8": "B", "B": "8", "0": "D", "D": "0", "5": "S", "1": "7", "7": "1", "2": "Z", "6": "G", "C": "G"}

P_LOW_CONFIDENCE = 0.06
P_MISREAD = 0.03
P_DUPLICATE = 0.03
P_UNSTABLE_WEIGHT = 0.15
#: Placeholder time of a step before the stream is laid out on the clock.
_EPOCH = datetime.fromisoformat("2026-01-01T00:00:00+00:00")


@dataclass(frozen=True, slots=True)
class _Step:
    checkpoint: Checkpoint | None  # None: the weighbridge
    device_id: str
    gap_s: tuple[int, int]  # after the previous step


_PATH = (
    _Step(Checkpoint.YARD_ENTRY, "cam-yard-entry-1", (0, 0)),
    _Step(None, "wb-1", (120, 360)),
    _Step(Checkpoint.YARD_EXIT, "cam-yard-exit-1", (1200, 5400)),  # inspection and clearance in the yard
    _Step(Checkpoint.LANE, "cam-lane-{lane}", (180, 600)),
    _Step(Checkpoint.BORDER_LINE, "cam-border-1", (120, 480)),
)


def random_plate(rng: random.Random) -> str:
    """A plausible truck plate: mostly Vietnamese (``51C-123.45``), some from Guangxi (``桂F12345``)."""
    if rng.random() < 0.2:
        return "桂" + rng.choice(_CN_LETTERS) + f"{rng.randrange(100000):05d}"
    return f"{rng.choice(_VN_PROVINCES)}C-{rng.randrange(100, 1000)}.{rng.randrange(100):02d}"


def _misread(rng: random.Random, plate: str) -> str:
    positions = [i for i, c in enumerate(plate) if c in _LOOKALIKE]
    if not positions:
        return plate[:-1] + "?"
    i = rng.choice(positions)
    return plate[:i] + _LOOKALIKE[plate[i]] + plate[i + 1 :]


def simulated_stream(
    gate_id: str,
    plates: Sequence[str] = (),
    *,
    count: int,
    seed: int,
    end: datetime,
    lanes: int = 4,
) -> list[tuple[str, bytes]]:
    """The ``(topic, payload)`` pairs to publish, in order, ``count`` of them; the last one is stamped ``end``.

    ``plates`` (seeded vehicles of the demo) are used in turn; without them plates are made up.
    """
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be between 1 and {MAX_COUNT}")
    rng = random.Random(seed)
    trucks = count // 5 + 2
    pool = list(plates) or [random_plate(rng) for _ in range(trucks)]
    # (offset in seconds from the first arrival, order, message); the order keeps ties deterministic.
    events: list[tuple[float, int, DeviceMessage | None]] = []
    arrival = 0.0
    for n in range(trucks):
        plate = pool[n % len(pool)]
        lane = rng.randrange(1, lanes + 1)
        t = arrival
        for step in _PATH:
            t += rng.uniform(*step.gap_s)
            if step.checkpoint is None:
                if rng.random() < P_UNSTABLE_WEIGHT:
                    events.append((t - rng.uniform(2, 8), len(events), _weight(rng, gate_id, step, plate, t, False)))
                events.append((t, len(events), _weight(rng, gate_id, step, plate, t, True)))
            else:
                events.append((t, len(events), _read(rng, gate_id, step, plate, lane, t)))
        arrival += rng.expovariate(1 / 90)  # a truck every minute and a half on average
    events.sort(key=lambda e: (e[0], e[1]))
    # Pick what is sent, repeats included (the device sent it again: lost PUBACK, device restart), then lay the
    # stream on the clock so that the last message is stamped ``end``.
    picks: list[tuple[float, DeviceMessage | None]] = []
    for offset, _, proto in events:
        picks.append((offset, proto))
        if len(picks) < count and rng.random() < P_DUPLICATE:
            picks.append((offset, None))
        if len(picks) >= count:
            break
    shift = end - timedelta(seconds=picks[-1][0])
    out: list[tuple[str, bytes]] = []
    for seq, (offset, proto) in enumerate(picks, start=1):
        if proto is None:
            out.append(out[-1])
            continue
        out.append(encode_message(_stamp(proto, shift + timedelta(seconds=offset), seq)))
    return out


def _read(rng: random.Random, gate_id: str, step: _Step, plate: str, lane: int, t: float) -> PlateRead:
    r = rng.random()
    if r < P_MISREAD:
        text, confidence = _misread(rng, plate), rng.uniform(0.45, 0.8)
    elif r < P_MISREAD + P_LOW_CONFIDENCE:
        text, confidence = plate, rng.uniform(0.4, 0.7)
    else:
        text, confidence = plate, rng.uniform(0.86, 0.99)
    assert step.checkpoint is not None
    return PlateRead(
        message_id="-",
        device_id=step.device_id.format(lane=lane),
        gate_id=gate_id,
        checkpoint=step.checkpoint,
        plate_text=text,
        confidence=round(confidence, 3),
        at=_EPOCH,
        lane_id=f"L{lane}" if step.checkpoint is Checkpoint.LANE else None,
    )


def _weight(rng: random.Random, gate_id: str, step: _Step, plate: str, t: float, stable: bool) -> WeighbridgeReading:
    # A loaded 40-foot reefer truck: tractor, trailer and 18-28 t of fruit, weighed to 10 kg.
    gross = Decimal(rng.randrange(2600, 4400)) * 10
    if not stable:
        gross += Decimal(rng.randrange(-150, 150)) * 10
    return WeighbridgeReading(
        message_id="-",
        device_id=step.device_id,
        gate_id=gate_id,
        gross_kg=gross,
        at=_EPOCH,
        plate_text=plate if rng.random() < 0.5 else None,
        stable=stable,
    )


def _stamp(proto: DeviceMessage, at: datetime, seq: int) -> DeviceMessage:
    at = at.replace(microsecond=(at.microsecond // 1000) * 1000)
    message_id = f"{proto.device_id}-{at:%Y%m%dT%H%M%S}-{seq:06d}"
    if isinstance(proto, PlateRead):
        image = f"anpr/{proto.gate_id}/{at:%Y/%m/%d}/{message_id}.jpg"
        return PlateRead(
            message_id=message_id,
            device_id=proto.device_id,
            gate_id=proto.gate_id,
            checkpoint=proto.checkpoint,
            plate_text=proto.plate_text,
            confidence=proto.confidence,
            at=at,
            image_ref=image,
            lane_id=proto.lane_id,
        )
    assert isinstance(proto, WeighbridgeReading)
    return WeighbridgeReading(
        message_id=message_id,
        device_id=proto.device_id,
        gate_id=proto.gate_id,
        gross_kg=proto.gross_kg,
        at=at,
        plate_text=proto.plate_text,
        stable=proto.stable,
    )


def simulate_reads(
    host: str = "127.0.0.1",
    port: int = 1883,
    gate_id: str = DEFAULT_GATE,
    plates: Sequence[str] = (),
    *,
    count: int = 100,
    seed: int = 1,
    rate_per_s: float = 20.0,
    end: datetime | None = None,
    timeout_s: float = 30.0,
) -> int:
    """Publish a simulated stream (QoS 1) to the broker; return how many messages the broker acknowledged.

    ``rate_per_s`` paces the publishing (0: as fast as possible); the device timestamps are spread over the
    simulated hours and end at ``end`` (default: now). Raises :class:`ConnectionError` when no broker answers
    within ``timeout_s``.
    """
    stream = simulated_stream(gate_id, plates, count=count, seed=seed, end=end or SystemClock().now())
    connected = threading.Event()

    def on_connect(client: mqtt.Client, userdata: Any, flags: Any, rc: ReasonCode, props: Any) -> None:
        if not rc.is_failure:
            connected.set()

    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"cuakhau-sim-{gate_id}-{seed}", protocol=MQTTProtocolVersion.MQTTv5
    )
    client.on_connect = on_connect
    client.connect_async(host, port, keepalive=30)
    client.loop_start()
    try:
        if not connected.wait(timeout_s):
            raise ConnectionError(f"no MQTT broker answered at {host}:{port} within {timeout_s:.0f} s")
        deadline = time.monotonic() + timeout_s + (count / rate_per_s if rate_per_s > 0 else 0)
        infos = []
        for topic, payload in stream:
            infos.append(client.publish(topic, payload, qos=1))
            if rate_per_s > 0:
                time.sleep(1 / rate_per_s)
        for info in infos:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                info.wait_for_publish(remaining)
            except (RuntimeError, ValueError):
                continue
        return sum(1 for info in infos if info.is_published())
    finally:
        client.disconnect()
        client.loop_stop()
