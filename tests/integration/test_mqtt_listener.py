"""The device listener against a real Mosquitto broker, started privately on a free port for each test.

Each test runs its own ``mosquitto`` with persistence in a temporary directory, so it can stop and restart the
broker without touching the machine's broker on port 1883. Every wait is bounded.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from cuakhau.adapters import logs
from cuakhau.adapters.db import tables as t
from cuakhau.adapters.devices.handler import ServiceDeviceHandler
from cuakhau.adapters.devices.mqtt import DeviceListener
from cuakhau.adapters.devices.schemas import command_filter, encode_message, parse_command
from cuakhau.adapters.devices.simulate import simulate_reads, simulated_stream
from cuakhau.cli import app
from cuakhau.domain.devices import BarrierCommand, Checkpoint, DeviceMessage, PlateRead
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import trips as trips_service
from cuakhau.services.context import ServiceContext
from tests.conftest import DEMO_NOW, service_unavailable
from tests.fixtures.factories import World

MOSQUITTO = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")
GATE = "vn-huu-nghi"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Broker:
    """A private Mosquitto: persistence on, saved every second and on a clean shutdown."""

    def __init__(self, directory: Path) -> None:
        assert MOSQUITTO is not None
        self.port = _free_port()
        self.dir = directory
        self.conf = directory / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {directory}/\n"
            "autosave_interval 1\n"
            # Root would otherwise drop to the mosquitto user, who cannot write the temporary directory.
            "user root\n"
            # The default (1000) would drop messages queued for an offline session in a longer outage.
            "max_queued_messages 100000\n"
            f"log_dest file {directory}/mosquitto.log\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def start(self, timeout: float = 10) -> None:
        assert MOSQUITTO is not None
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise AssertionError(f"mosquitto exited with {self.proc.returncode}: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"mosquitto did not listen on {self.port} within {timeout} s") from None
                time.sleep(0.05)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 10) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)
        if self.proc.stderr:
            self.proc.stderr.close()

    def restart(self) -> None:
        self.stop()
        self.start()
        self.restarts += 1


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    if MOSQUITTO is None:
        service_unavailable("the mosquitto binary is not installed (Debian package mosquitto)")
    b = Broker(tmp_path)
    b.start()
    try:
        yield b
    finally:
        b.stop()


@dataclass
class RecordingHandler:
    """Applies each message id once, like the database de-duplication of the real handler."""

    fail_first: set[str] = field(default_factory=set)  # raise on the first attempt of these ids
    fail_always: set[str] = field(default_factory=set)
    commands: Callable[[DeviceMessage], Sequence[BarrierCommand]] = lambda _m: ()
    work_s: float = 0.0  # time a database write would take
    calls: Counter[str] = field(default_factory=Counter)
    applied: list[str] = field(default_factory=list)
    ignored_duplicates: int = 0
    applied_by: Counter[str] = field(default_factory=Counter)  # worker thread name -> reads applied first
    rejects: list[tuple[str, bytes, InvalidInput]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, message: DeviceMessage) -> Sequence[BarrierCommand]:
        with self.lock:
            mid = message.message_id
            self.calls[mid] += 1
            if mid in self.fail_always or (mid in self.fail_first and self.calls[mid] == 1):
                raise RuntimeError(f"database unavailable while applying {mid}")
            if mid in self.applied_set:
                self.ignored_duplicates += 1
                return ()
            time.sleep(self.work_s)
            self.applied.append(mid)
            self.applied_set.add(mid)
            self.applied_by[threading.current_thread().name.removeprefix("cuakhau-devices-worker-")] += 1
        return self.commands(message)

    def reject(self, topic: str, payload: bytes, error: InvalidInput) -> None:
        with self.lock:
            self.rejects.append((topic, payload, error))

    def __post_init__(self) -> None:
        self.applied_set: set[str] = set()

    def count_applied(self) -> int:
        with self.lock:
            return len(self.applied)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


class Devices:
    """A device-side client: QoS 1; while the broker is away paho queues the messages and resends them after
    reconnecting. PUBACKs are tracked by packet id (``is_published`` raises for a message queued offline)."""

    def __init__(self, port: int) -> None:
        self.connected = threading.Event()
        self.acked: set[int] = set()
        self.lock = threading.Lock()
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-devices", protocol=MQTTProtocolVersion.MQTTv5)
        client.on_connect = lambda *a: self.connected.set()
        client.on_publish = self._on_publish
        client.reconnect_delay_set(1, 2)
        client.max_inflight_messages_set(20)
        client.connect_async("127.0.0.1", port)
        client.loop_start()
        self.client = client

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, rc: Any, props: Any) -> None:
        with self.lock:
            self.acked.add(mid)

    def send(self, message: DeviceMessage) -> int:
        topic, payload = encode_message(message)
        return self.raw(topic, payload)

    def raw(self, topic: str, payload: bytes) -> int:
        return self.client.publish(topic, payload, qos=1).mid

    def all_acked(self, mids: Sequence[int]) -> bool:
        with self.lock:
            return self.acked.issuperset(mids)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(broker: Broker) -> Iterator[Devices]:
    devices = Devices(broker.port)
    try:
        assert devices.connected.wait(10), "publisher could not connect"
        yield devices
    finally:
        devices.close()


def make_listener(handler: RecordingHandler, broker: Broker, **kw: Any) -> DeviceListener:
    options: dict[str, Any] = {"reconnect_min_delay_s": 1, "reconnect_max_delay_s": 2, "retry_delay_s": 0.2}
    return DeviceListener(handler, host="127.0.0.1", port=broker.port, gate_id=GATE, **(options | kw))


def plate_read(n: int, *, checkpoint: Checkpoint = Checkpoint.YARD_ENTRY, plate: str = "") -> PlateRead:
    return PlateRead(
        message_id=f"read-{n:05d}",
        device_id="cam-1",
        gate_id=GATE,
        checkpoint=checkpoint,
        plate_text=plate or f"51C-{100 + n % 900}.{n % 100:02d}",
        confidence=0.93,
        at=DEMO_NOW + timedelta(seconds=n),
        image_ref=f"anpr/{n}.jpg",
    )


def test_broker_restart_mid_stream_loses_no_read_and_applies_each_once(broker: Broker, publisher: Devices) -> None:
    """SIGTERM, not SIGKILL: Mosquitto writes its persistence file at autosave and on a clean shutdown only, so
    a SIGKILL can lose messages it acknowledged since the last save (a broker limit, see docs/devices.md).
    A restart of the broker service is a SIGTERM."""
    n = 300
    # Slow enough that a backlog waits at the broker when it stops: queued for our session, saved on shutdown.
    handler = RecordingHandler(work_s=0.003)
    with make_listener(handler, broker) as listener:
        assert listener.wait_ready(10)
        mids = [publisher.send(plate_read(i)) for i in range(100)]
        wait_until(lambda: handler.count_applied() > 20, 10, "the first reads to arrive")
        backlog = 100 - handler.count_applied()
        broker.stop(signal.SIGTERM)  # mid-stream: some reads are still queued for the listener or in flight
        # While the broker is down the devices keep reading; their client queues the messages.
        mids += [publisher.send(plate_read(i)) for i in range(100, 200)]
        time.sleep(0.5)
        broker.start()
        mids += [publisher.send(plate_read(i)) for i in range(200, n)]
        wait_until(lambda: publisher.all_acked(mids), 30, "PUBACKs for every read")
        wait_until(lambda: handler.count_applied() == n, 30, "every read applied")
        time.sleep(0.5)  # let any straggling redelivery arrive before counting
        stats = listener.stats()

    expected = {f"read-{i:05d}" for i in range(n)}
    assert set(handler.applied) == expected  # no read lost
    assert len(handler.applied) == n  # none applied twice
    deliveries = sum(handler.calls.values())
    assert deliveries == n + handler.ignored_duplicates
    assert stats.received == deliveries and stats.applied == deliveries
    assert stats.connections >= 2 and stats.failed == 0 and stats.rejected == 0
    print(
        f"\n{n} reads, broker restarted (SIGTERM) with {backlog} of the first 100 not yet applied: "
        f"{deliveries} deliveries, {handler.ignored_duplicates} applied already (ignored by message id), "
        f"{stats.redelivered} with the DUP flag, {stats.connections} connections"
    )


def test_two_listeners_across_a_broker_restart_apply_each_read_once(broker: Broker, publisher: Devices) -> None:
    """Two listeners with their own client ids, plain persistent subscriptions (the default), one handler that
    de-duplicates by message id as the database does: across a broker restart no read is lost or applied twice,
    both listeners apply reads, and neither takes the other's session (one connection each before the restart
    and one after; listeners sharing an id would take it from each other over and over)."""
    n = 240
    handler = RecordingHandler(work_s=0.002)
    first = make_listener(handler, broker, client_id="cuakhau-devices-test-1")
    second = make_listener(handler, broker)  # the derived id: host, process id, gate
    assert first.client_id != second.client_id
    assert second.client_id.startswith("cuakhau-devices-") and second.client_id.endswith(f"-{GATE}")
    with first, second:
        assert first.wait_ready(10) and second.wait_ready(10)
        mids = [publisher.send(plate_read(i)) for i in range(120)]
        wait_until(lambda: handler.count_applied() > 30, 10, "the first reads to arrive")
        broker.stop(signal.SIGTERM)
        mids += [publisher.send(plate_read(i)) for i in range(120, 180)]
        time.sleep(0.5)
        broker.start()
        mids += [publisher.send(plate_read(i)) for i in range(180, n)]
        wait_until(lambda: publisher.all_acked(mids), 30, "PUBACKs for every read")
        wait_until(lambda: handler.count_applied() == n, 30, "every read applied")
        wait_until(lambda: first.stats().received >= n and second.stats().received >= n, 30, "every delivery")
        time.sleep(0.5)
        a, b = first.stats(), second.stats()

    assert sorted(handler.applied) == [f"read-{i:05d}" for i in range(n)]  # none lost, none applied twice
    assert not a.shared and not b.shared
    assert handler.applied_by.keys() == {first.client_id, second.client_id}  # both applied some
    assert a.applied + b.applied == n + handler.ignored_duplicates  # the rest: the other's, ignored by id
    assert a.connections == 2 and b.connections == 2, (a.connections, b.connections)
    assert a.failed == b.failed == 0
    print(
        f"\n{n} reads, two listeners, broker restarted: applied first by {dict(handler.applied_by)}, "
        f"{handler.ignored_duplicates} deliveries ignored by message id"
    )


def test_two_listeners_in_a_share_group_split_the_stream_and_apply_each_read_once(
    broker: Broker, publisher: Devices
) -> None:
    """With ``$share/<group>/...`` the broker gives each read to one listener: the load is split, not doubled."""
    n = 200
    handler = RecordingHandler(work_s=0.002)
    first = make_listener(handler, broker, client_id="cuakhau-devices-test-1", share_group="cuakhau")
    second = make_listener(handler, broker, share_group="cuakhau")
    with first, second:
        assert first.wait_ready(10) and second.wait_ready(10)
        mids = [publisher.send(plate_read(i)) for i in range(n)]
        wait_until(lambda: publisher.all_acked(mids), 30, "PUBACKs for every read")
        wait_until(lambda: handler.count_applied() == n, 30, "every read applied")
        time.sleep(0.5)
        a, b = first.stats(), second.stats()
    assert sorted(handler.applied) == [f"read-{i:05d}" for i in range(n)]
    assert a.shared and b.shared
    assert a.received > n // 4 and b.received > n // 4, (a.received, b.received)
    assert a.received + b.received == n  # each read delivered to one listener only
    assert a.connections == b.connections == 1


def test_listeners_with_one_client_id_take_the_session_from_each_other(broker: Broker) -> None:
    """Why each listener needs its own id: the broker drops the older connection of an id when a new one comes."""
    handler = RecordingHandler()
    one = make_listener(handler, broker, client_id="cuakhau-devices-same")
    two = make_listener(handler, broker, client_id="cuakhau-devices-same")
    with one, two:
        assert one.wait_ready(10) and two.wait_ready(10)
        time.sleep(3)
        taken = one.stats().connections + two.stats().connections
    assert taken > 2


def test_listener_catches_up_on_reads_published_while_it_was_stopped(broker: Broker, publisher: Devices) -> None:
    handler = RecordingHandler()
    with make_listener(handler, broker) as listener:
        assert listener.wait_ready(10)
    mids = [publisher.send(plate_read(i)) for i in range(50)]
    wait_until(lambda: publisher.all_acked(mids), 10, "PUBACKs")
    assert handler.count_applied() == 0
    with make_listener(handler, broker) as listener:  # same client id: the broker kept the session
        wait_until(lambda: handler.count_applied() == 50, 15, "the queued reads")
    assert sorted(handler.applied) == [f"read-{i:05d}" for i in range(50)]


@pytest.mark.parametrize("share_group", [None, "cuakhau"])
def test_a_failed_message_is_not_acked_and_comes_back_once(
    broker: Broker, publisher: Devices, share_group: str | None
) -> None:
    handler = RecordingHandler(fail_first={"read-00004"})
    with make_listener(handler, broker, share_group=share_group) as listener:
        assert listener.wait_ready(10)
        for i in range(20):
            publisher.send(plate_read(i))
        wait_until(lambda: handler.count_applied() == 20, 20, "all reads applied")
        stats = listener.stats()
    assert handler.calls["read-00004"] == 2
    assert handler.applied.count("read-00004") == 1
    assert stats.failed == 1
    assert stats.connections == 2  # the listener reconnected to get the message back
    assert stats.redelivered >= 1  # ... and the broker resent it with the DUP flag
    assert len(handler.applied) == len(set(handler.applied)) == 20


def test_a_message_that_keeps_failing_goes_to_review_and_the_stream_moves_on(
    broker: Broker, publisher: Devices
) -> None:
    handler = RecordingHandler(fail_always={"read-00001"})
    with make_listener(handler, broker, max_attempts=3, retry_delay_s=0.05) as listener:
        assert listener.wait_ready(10)
        for i in range(5):
            publisher.send(plate_read(i))
        wait_until(lambda: handler.count_applied() == 4 and len(handler.rejects) == 1, 20, "the stream to move on")
        stats = listener.stats()
    assert handler.calls["read-00001"] == 3
    _topic, payload, error = handler.rejects[0]
    assert (error.code, error.field, error.params["attempts"]) == ("device.unprocessable", "device.payload", 3)
    assert json.loads(payload)["message_id"] == "read-00001"
    assert stats.failed == 3 and stats.rejected == 1


def test_malformed_messages_go_to_review_with_the_field_named(broker: Broker, publisher: Devices) -> None:
    good_topic, good = encode_message(plate_read(1))
    body = json.loads(good)
    bad: dict[tuple[str, bytes], tuple[str, str]] = {
        (good_topic, b"plate 51C-123.45"): ("device.payload_json", "device.payload"),
        (good_topic, json.dumps({k: v for k, v in body.items() if k != "confidence"}).encode()): (
            "device.missing_field",
            "device.payload.confidence",
        ),
        (good_topic, json.dumps(body | {"speed_kmh": 12}).encode()): (
            "device.unknown_field",
            "device.payload.speed_kmh",
        ),
        (good_topic, json.dumps(body | {"confidence": 1.7}).encode()): (
            "device.out_of_range",
            "device.payload.confidence",
        ),
        (f"cuakhau/{GATE}/plate/parking/cam-1", good): ("device.checkpoint", "device.topic"),
        (f"cuakhau/{GATE}/weighbridge/wb-1/extra", good): ("device.topic", "device.topic"),
    }
    handler = RecordingHandler()
    with make_listener(handler, broker) as listener:
        assert listener.wait_ready(10)
        for topic, payload in bad:
            publisher.raw(topic, payload)
        publisher.send(plate_read(2))
        wait_until(lambda: handler.count_applied() == 1 and len(handler.rejects) == len(bad), 15, "all messages")
        stats = listener.stats()
    got = {(topic, payload): (error.code, error.field) for topic, payload, error in handler.rejects}
    assert got == bad
    assert handler.applied == ["read-00002"]
    assert stats.rejected == len(bad) and stats.applied == 1 and stats.failed == 0


def test_barrier_commands_reach_the_barrier(broker: Broker, publisher: Devices) -> None:
    def open_at_border(message: DeviceMessage) -> Sequence[BarrierCommand]:
        assert isinstance(message, PlateRead)
        if message.checkpoint is not Checkpoint.BORDER_LINE:
            return ()
        return [
            BarrierCommand(
                command_id=f"open-{message.message_id}",
                gate_id=message.gate_id,
                device_id="barrier-border-1",
                checkpoint=Checkpoint.BORDER_LINE,
                plate=message.plate_text,
                trip_id="trip-0001",
                reason="export trip cleared by customs",
                at=message.at,
            )
        ]

    received: list[mqtt.MQTTMessage] = []
    subscribed = threading.Event()
    barrier = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id="barrier-border-1", protocol=MQTTProtocolVersion.MQTTv5
    )
    barrier.on_message = lambda c, u, m: received.append(m)
    barrier.on_subscribe = lambda *a: subscribed.set()
    barrier.on_connect = lambda c, *a: c.subscribe(command_filter(GATE), qos=1)
    barrier.connect("127.0.0.1", broker.port)
    barrier.loop_start()
    try:
        assert subscribed.wait(10)
        handler = RecordingHandler(commands=open_at_border)
        with make_listener(handler, broker, share_group=None) as listener:  # noLocal is refused on a shared one
            assert listener.wait_ready(10)
            publisher.send(plate_read(1, checkpoint=Checkpoint.YARD_ENTRY, plate="桂F12345"))
            publisher.send(plate_read(2, checkpoint=Checkpoint.BORDER_LINE, plate="桂F12345"))
            wait_until(lambda: len(received) == 1 and handler.count_applied() == 2, 10, "the barrier command")
            stats = listener.stats()
    finally:
        barrier.disconnect()
        barrier.loop_stop()
    msg = received[0]
    assert msg.topic == f"cuakhau/{GATE}/barrier/border_line/barrier-border-1/command"
    assert msg.qos == 1
    command = parse_command(msg.topic, msg.payload)
    assert command == open_at_border(plate_read(2, checkpoint=Checkpoint.BORDER_LINE, plate="桂F12345"))[0]
    assert stats.commands_published == 1 and stats.commands_unconfirmed == 0
    assert stats.ignored == 0  # noLocal: the listener does not hear its own command


def test_simulator_publishes_the_seeded_stream(broker: Broker) -> None:
    end = datetime(2026, 6, 2, 3, 0, tzinfo=UTC)
    got: list[tuple[str, bytes]] = []
    ready = threading.Event()
    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="sim-watch", protocol=MQTTProtocolVersion.MQTTv5)
    sub.on_message = lambda c, u, m: got.append((m.topic, bytes(m.payload)))
    sub.on_subscribe = lambda *a: ready.set()
    sub.on_connect = lambda c, *a: c.subscribe(f"cuakhau/{GATE}/#", qos=1)
    sub.connect("127.0.0.1", broker.port)
    sub.loop_start()
    try:
        assert ready.wait(10)
        plates = ["51C-123.45", "12C-456.78", "桂F12345"]
        sent = simulate_reads("127.0.0.1", broker.port, GATE, plates, count=120, seed=7, rate_per_s=0, end=end)
        wait_until(lambda: len(got) >= 120, 10, "the simulated stream")
    finally:
        sub.disconnect()
        sub.loop_stop()
    assert sent == 120
    assert got == simulated_stream(GATE, plates, count=120, seed=7, end=end)


def test_simulator_without_a_broker_says_so() -> None:
    with pytest.raises(ConnectionError):
        simulate_reads("127.0.0.1", _free_port(), GATE, count=1, seed=1, timeout_s=1.5)


def test_reads_through_the_real_handler_reach_the_database_once_across_a_broker_restart(
    broker: Broker, publisher: Devices, ctx: ServiceContext, engine: Engine
) -> None:
    """The listener with the production handler: every read is in the device log once, none lost, the one known
    truck arrives once, the unknown plates wait in the review queue — on SQLite and PostgreSQL."""
    world = World(ctx)
    trip_id = world.declare().id
    world.book(trip_id)
    trips_service.transition_trip(
        ctx.uow(), clock=ctx.clock, trip_id=trip_id, action="dispatch", actor=Actor("d1", ActorRole.DRIVER)
    )
    plate = world.truck.plate.display
    n = 120
    with make_listener(ServiceDeviceHandler(ctx), broker) as listener:  # type: ignore[arg-type]
        assert listener.wait_ready(10)
        mids = [publisher.send(plate_read(i, plate=plate if i == 7 else "")) for i in range(60)]
        broker.stop(signal.SIGTERM)
        mids += [publisher.send(plate_read(i)) for i in range(60, n)]
        time.sleep(0.3)
        broker.start()
        mids.append(publisher.send(plate_read(7, plate=plate)))  # the camera sends one read twice
        wait_until(lambda: publisher.all_acked(mids), 30, "PUBACKs for every read")

        def logged() -> int:
            with engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(t.device_messages)).scalar_one())

        wait_until(lambda: logged() == n and listener.stats().received >= n + 1, 30, "every read in the device log")
    with engine.connect() as conn:
        outcomes = dict(
            conn.execute(select(t.device_messages.c.outcome, func.count()).group_by(t.device_messages.c.outcome)).all()
        )
        reviews = conn.execute(select(func.count()).select_from(t.review_items)).scalar_one()
    assert outcomes == {"applied": 1, "review": n - 1} and reviews == n - 1
    events = trips_service.timeline(ctx.uow(), trip_id)[1]
    assert [e.action.value for e in events].count("arrive") == 1


def test_two_listeners_through_the_real_handler_log_each_read_once_across_a_broker_restart(
    broker: Broker, publisher: Devices, ctx: ServiceContext, engine: Engine
) -> None:
    """Two listeners on one database, each receiving every read: the device log's claim on the message id lets
    one apply it and the other see a duplicate — on SQLite and PostgreSQL."""
    n = 100
    first = make_listener(ServiceDeviceHandler(ctx), broker, client_id="cuakhau-devices-a")  # type: ignore[arg-type]
    second = make_listener(ServiceDeviceHandler(ctx), broker, client_id="cuakhau-devices-b")  # type: ignore[arg-type]

    def logged() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.device_messages)).scalar_one())

    with first, second:
        assert first.wait_ready(10) and second.wait_ready(10)
        mids = [publisher.send(plate_read(i)) for i in range(50)]
        broker.stop(signal.SIGTERM)
        mids += [publisher.send(plate_read(i)) for i in range(50, n)]
        time.sleep(0.3)
        broker.start()
        wait_until(lambda: publisher.all_acked(mids), 30, "PUBACKs for every read")
        wait_until(
            lambda: logged() == n and first.stats().received >= n and second.stats().received >= n,
            60,
            "every read in the device log and at both listeners",
        )
        time.sleep(0.5)
        a, b = first.stats(), second.stats()
    with engine.connect() as conn:
        outcomes = dict(
            conn.execute(select(t.device_messages.c.outcome, func.count()).group_by(t.device_messages.c.outcome)).all()
        )
        reviews = conn.execute(select(func.count()).select_from(t.review_items)).scalar_one()
    assert outcomes == {"review": n} and reviews == n  # unknown plates: each read once in review, none twice
    assert a.rejected == b.rejected == 0


def test_the_simulate_command_publishes_to_the_broker(broker: Broker) -> None:
    seen: list[str] = []
    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-sim-sub", protocol=MQTTProtocolVersion.MQTTv5)
    sub.on_message = lambda _c, _u, msg: seen.append(msg.topic)
    sub.connect("127.0.0.1", broker.port)
    sub.subscribe("cuakhau/#", qos=1)
    sub.loop_start()
    try:
        time.sleep(0.3)
        args = ["devices", "simulate", "12C-123.45", "--port", str(broker.port), "--count", "12", "--rate", "200"]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "12 messages acknowledged" in result.output
        wait_until(lambda: len(seen) >= 12, 10, "the simulated messages")
        assert all(topic.startswith("cuakhau/vn-huu-nghi/") for topic in seen)
    finally:
        sub.loop_stop()
        sub.disconnect()
    down = CliRunner().invoke(
        app, ["devices", "simulate", "--port", str(_free_port()), "--count", "1", "--timeout", "1"]
    )
    assert down.exit_code == 2


def test_the_lines_of_a_device_message_carry_its_message_id(broker: Broker, publisher: Devices) -> None:
    """docs/operations.md, "Logs": what a message causes is logged with its ``message_id`` (here, its failure)."""
    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("cuakhau.devices")
    logger.addHandler(capture)
    handler = RecordingHandler(fail_first={"read-00002"})
    try:
        with make_listener(handler, broker) as listener:
            assert listener.wait_ready(10)
            for i in range(3):
                publisher.send(plate_read(i))
            wait_until(lambda: handler.count_applied() == 3, 20, "all reads applied")
    finally:
        logger.removeHandler(capture)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    failed = [line for line in lines if line["msg"].startswith("device handler failed")]
    assert failed and all(line["message_id"] == "read-00002" for line in failed)
    assert failed[0]["topic"].startswith("cuakhau/")
