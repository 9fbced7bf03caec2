"""The device listener: MQTT in, domain messages to a handler, barrier commands out.

Delivery is *at least once* from the broker and *exactly once in effect*: the listener subscribes with QoS 1 on
a persistent session and acknowledges a message (PUBACK) only after the handler has applied it durably, so a
message is lost neither by a crash of cuakhau nor by a broker restart; a message applied but not yet
acknowledged comes again, and the handler recognises it by its ``message_id`` (the lead's service keeps applied
ids in the database). See ``docs/devices.md``.

Threads: paho's network thread only queues incoming messages; one worker thread parses them, calls the handler
in arrival order, publishes the resulting commands and acknowledges. The broker sends at most
``receive_maximum`` unacknowledged messages, which bounds the queue.

Several listeners: each has its own client id (:func:`default_client_id`, or a stable one set per listener).
Each receives every message by default, and the handler's de-duplication applies it once; with ``share_group``
they subscribe to ``$share/<group>/...`` where the broker offers it and split the stream instead. See
``docs/operations.md``, "Devices".
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import re
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from cuakhau.adapters import logs
from cuakhau.adapters.devices.schemas import (
    command_topic,
    encode_command,
    is_command_topic,
    parse_message,
    subscriptions,
)
from cuakhau.domain.devices import BarrierCommand, DeviceMessage
from cuakhau.domain.errors import InvalidInput

log = logging.getLogger("cuakhau.devices")

#: Prefix of the client id the broker keeps our session under. Two listeners with one id would take the session
#: from each other in turn, so each listener has its own (see :func:`default_client_id`).
CLIENT_ID_PREFIX = "cuakhau-devices"
#: How long the broker keeps our subscriptions and queued messages while the listener is away (7 days).
DEFAULT_SESSION_EXPIRY_S = 7 * 24 * 3600


def default_client_id(gate_id: str | None = None) -> str:
    """``cuakhau-devices-<host>-<pid>-<gate|all>``: distinct for every listener process on every host.

    Two listeners in one process would get the same one: pass ``client_id`` to each. It changes when the
    process restarts; set a stable one (``CUAKHAU_DEVICES_CLIENT_ID``) per listener so a
    restarted listener resumes its own session (docs/operations.md, "Devices").
    """
    host = re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname())[:64] or "host"
    return f"{CLIENT_ID_PREFIX}-{host}-{os.getpid()}-{gate_id or 'all'}"


def shared_filter(group: str, topic_filter: str) -> str:
    """``$share/<group>/<filter>``: the broker gives each message to one subscriber of the group."""
    if not group or any(c in group for c in "/+#\x00"):
        raise ValueError(f"share group must be non-empty without / + #: {group!r}")
    return f"$share/{group}/{topic_filter}"


class DeviceHandler(Protocol):
    """What the listener hands device messages to. Called from one thread, in arrival order."""

    def handle(self, message: DeviceMessage) -> Sequence[BarrierCommand]:
        """Apply ``message`` durably (once per ``message_id``) and return the barrier commands it leads to.

        Returning means "applied, acknowledge it". Raising anything means "not applied": the message stays
        unacknowledged and the broker delivers it again.
        """
        ...

    def reject(self, topic: str, payload: bytes, error: InvalidInput) -> None:
        """Keep a message that could not be read (or kept failing) for an officer to review."""
        ...


@dataclass(frozen=True, slots=True)
class ListenerStats:
    """Counters for health output; every one only grows, except ``connected``."""

    connected: bool
    shared: bool  # subscribed as a member of the share group (the broker offers shared subscriptions)
    connections: int  # successful CONNACKs, the first one included
    received: int
    applied: int  # handle() returned
    rejected: int  # reject() returned (malformed, or given up after max_attempts)
    redelivered: int  # arrived with the DUP flag: the broker sent it before without our PUBACK
    failed: int  # handle() or reject() raised; left unacknowledged for redelivery
    ignored: int  # command topics (ours) seen on the barrier filter
    commands_published: int  # PUBACK from the broker within command_timeout_s
    commands_unconfirmed: int  # still queued in the client when the wait ended; sent after reconnect


@dataclass(frozen=True, slots=True)
class _Inbound:
    generation: int
    mid: int
    qos: int
    topic: str
    payload: bytes
    dup: bool


_STOP = object()


class DeviceListener:
    """Subscribe to gate devices and feed their messages to a :class:`DeviceHandler`.

    ``start()`` returns at once (the first connection is retried in the background, as are later ones with
    backoff); ``wait_ready()`` blocks until subscribed. Use as a context manager or call ``stop()``.
    """

    def __init__(
        self,
        handler: DeviceHandler,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        gate_id: str | None = None,
        client_id: str | None = None,
        share_group: str | None = None,
        session_expiry_s: int = DEFAULT_SESSION_EXPIRY_S,
        receive_maximum: int = 32,
        keepalive_s: int = 30,
        reconnect_min_delay_s: int = 1,
        reconnect_max_delay_s: int = 30,
        retry_delay_s: float = 1.0,
        retry_max_delay_s: float = 30.0,
        max_attempts: int = 10,
        command_timeout_s: float = 5.0,
    ) -> None:
        if max_attempts < 1 or receive_maximum < 1:
            raise ValueError("max_attempts and receive_maximum must be at least 1")
        self._handler = handler
        self._host, self._port, self._keepalive = host, port, keepalive_s
        self._topics = subscriptions(gate_id)
        if share_group is not None:
            shared_filter(share_group, "x")  # refuse a bad group name now, not at the first connection
        self._share_group = share_group
        self.client_id = client_id or default_client_id(gate_id)
        self._retry_delay, self._retry_max_delay = retry_delay_s, retry_max_delay_s
        self._max_attempts = max_attempts
        self._command_timeout = command_timeout_s

        self._connect_props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        self._connect_props.SessionExpiryInterval = session_expiry_s
        self._connect_props.ReceiveMaximum = receive_maximum

        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            manual_ack=True,
        )
        client.reconnect_delay_set(reconnect_min_delay_s, reconnect_max_delay_s)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self._client = client

        self._inbox: queue.Queue[_Inbound | object] = queue.Queue()
        # Guards the connection generation and the counters. A message is acknowledged only on the connection
        # it came on: after a reconnect its packet id may name another message (if the session was lost).
        self._lock = threading.Lock()
        self._lifecycle = threading.Lock()
        self._generation = 0
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self._attempts: dict[bytes, int] = {}
        self._consecutive_failures = 0
        self._counts = dict.fromkeys(
            (
                "connections",
                "received",
                "applied",
                "rejected",
                "redelivered",
                "failed",
                "ignored",
                "commands_published",
                "commands_unconfirmed",
            ),
            0,
        )
        self._connected = False
        self._shared = False

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> DeviceListener:
        with self._lifecycle:
            if self._worker is not None:
                raise RuntimeError("listener already started")
            self._stopping.clear()
            self._worker = threading.Thread(
                target=self._work, name=f"cuakhau-devices-worker-{self.client_id}", daemon=True
            )
            self._worker.start()
            self._connect()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Finish the message in hand, disconnect cleanly (the broker keeps the session) and stop the threads."""
        self._stopping.set()
        self._inbox.put(_STOP)
        worker = self._worker
        if worker is not None:
            worker.join(timeout_s)
            if worker.is_alive():
                log.warning("device worker still busy after %.1f s; it stops after the current message", timeout_s)
        with self._lifecycle:
            self._client.disconnect()
            self._client.loop_stop()
            self._worker = None
        self._ready.clear()

    def __enter__(self) -> DeviceListener:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def wait_ready(self, timeout_s: float) -> bool:
        """True once connected with the subscriptions in place (within ``timeout_s``)."""
        return self._ready.wait(timeout_s)

    def stats(self) -> ListenerStats:
        with self._lock:
            return ListenerStats(connected=self._connected, shared=self._shared, **self._counts)

    def _connect(self) -> None:
        # clean_start=False on every connection, the first included: messages queued for us while cuakhau was
        # down are delivered when it comes back.
        self._client.connect_async(
            self._host, self._port, self._keepalive, clean_start=False, properties=self._connect_props
        )
        self._client.loop_start()

    def _reconnect(self) -> None:
        """Drop the connection; paho reconnects on the same session and the broker resends what we did not ack.

        The socket is shut down under paho's network thread rather than stopping and restarting that thread:
        paho handles it as a lost connection (the path a broker restart takes) and reconnects after its
        minimum delay.
        """
        with self._lifecycle:
            if self._stopping.is_set():
                return
            with self._lock:
                self._generation += 1
                self._connected = False
            self._ready.clear()
            sock = self._client.socket()
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    # -- paho callbacks (network thread) ---------------------------------------------------------------------

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            log.warning("broker %s:%s refused the connection: %s", self._host, self._port, reason_code)
            return
        with self._lock:
            self._generation += 1
            self._connected = True
            self._counts["connections"] += 1
        topics = self._filters(properties)
        if flags.session_present and not self._shared:
            log.info("connected to %s:%s as %s, session resumed", self._host, self._port, self.client_id)
            self._ready.set()
            return
        # A new session (first start, expired, or the broker lost it): subscribe again. Not done for a plain
        # subscription when the session is present, because re-subscribing would resend retained messages. A
        # shared subscription is renewed on every connection: the broker sends it no retained messages, and
        # Mosquitto 2.0.11 keeps the session across a restart but not its shared subscriptions (measured).
        log.info(
            "connected to %s:%s as %s (session %s); subscribing to %s",
            self._host,
            self._port,
            self.client_id,
            "resumed" if flags.session_present else "new",
            topics,
        )
        # noLocal is not allowed on a shared subscription (MQTT 5, 3.8.3.1); the command topics it kept away
        # from us are skipped by topic anyway (is_command_topic).
        options = SubscribeOptions(qos=1, noLocal=not self._shared)
        client.subscribe([(topic, options) for topic in topics])

    def _filters(self, properties: Properties | None) -> list[str]:
        """The topic filters, in the share group when one is set and the broker offers shared subscriptions
        (CONNACK ``SharedSubscriptionAvailable``: absent means available). Without them every listener gets
        every message and the handler's de-duplication by message id keeps each applied once."""
        offered = getattr(properties, "SharedSubscriptionAvailable", 1) != 0
        shared = self._share_group is not None and offered
        if self._share_group is not None and not offered:
            log.warning(
                "broker %s:%s offers no shared subscriptions: every listener receives every message",
                self._host,
                self._port,
            )
        with self._lock:
            self._shared = shared
        if not shared or self._share_group is None:
            return list(self._topics)
        return [shared_filter(self._share_group, topic) for topic in self._topics]

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        refused = [str(rc) for rc in reason_codes if rc.is_failure]
        if refused:
            log.error("broker refused subscriptions %s: %s", self._topics, refused)
            return
        self._ready.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        with self._lock:
            self._generation += 1
            self._connected = False
        self._ready.clear()
        if not self._stopping.is_set():
            log.warning("lost the broker at %s:%s (%s); reconnecting", self._host, self._port, reason_code)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            generation = self._generation
        self._inbox.put(_Inbound(generation, msg.mid, msg.qos, msg.topic, bytes(msg.payload), bool(msg.dup)))

    # -- worker thread ---------------------------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stopping.is_set():
            item = self._inbox.get()
            if item is _STOP or self._stopping.is_set():
                return
            assert isinstance(item, _Inbound)
            with self._lock:
                stale = item.generation != self._generation
            if stale:
                continue  # came on a connection that is gone: the broker sends it again on the new one
            with logs.scope(topic=item.topic):
                try:
                    self._process(item)
                except Exception:  # the worker must outlive any bug below the handler
                    log.exception("device worker error on %s", item.topic)

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def _ack(self, item: _Inbound) -> None:
        with self._lock:
            if item.qos > 0 and item.generation == self._generation:
                self._client.ack(item.mid, item.qos)

    def _process(self, item: _Inbound) -> None:
        self._count("received")
        if item.dup:
            self._count("redelivered")
        if is_command_topic(item.topic):
            self._count("ignored")
            self._ack(item)
            return
        key = hashlib.sha256(item.topic.encode() + b"\x00" + item.payload).digest()
        try:
            message = parse_message(item.topic, item.payload)
        except InvalidInput as error:
            self._reject(item, key, error)
            return
        logs.bind(message_id=str(message.message_id))
        try:
            commands = self._handler.handle(message)
        except Exception:
            log.exception("device handler failed on %s %s", item.topic, message.message_id)
            self._failed(item, key)
            return
        self._count("applied")
        self._succeeded(key)
        for command in commands:
            self._publish(command)
        self._ack(item)

    def _reject(self, item: _Inbound, key: bytes, error: InvalidInput) -> None:
        try:
            self._handler.reject(item.topic, item.payload, error)
        except Exception:
            log.exception("device handler could not store a rejected message from %s", item.topic)
            self._failed(item, key, give_up=False)
            return
        log.info("device message on %s sent for review: %s", item.topic, error)
        self._count("rejected")
        self._succeeded(key)
        self._ack(item)

    def _succeeded(self, key: bytes) -> None:
        self._attempts.pop(key, None)
        self._consecutive_failures = 0

    def _failed(self, item: _Inbound, key: bytes, *, give_up: bool = True) -> None:
        """Leave ``item`` unacknowledged, wait (growing delays), then reconnect so the broker redelivers it.

        Waiting stops one failing message (or a database outage) from turning into a reconnect storm. A
        message that fails ``max_attempts`` times goes to review instead of blocking the stream forever.
        """
        self._count("failed")
        attempts = self._attempts[key] = self._attempts.get(key, 0) + 1
        if len(self._attempts) > 1024:  # forget the oldest; they only count towards giving up
            self._attempts.pop(next(iter(self._attempts)))
        if give_up and attempts >= self._max_attempts:
            error = InvalidInput("device.unprocessable", field="device.payload", attempts=attempts)
            self._reject(item, key, error)
            return
        self._consecutive_failures += 1
        delay = min(self._retry_delay * 2 ** (self._consecutive_failures - 1), self._retry_max_delay)
        log.warning("device message on %s not applied (attempt %d); redelivery in %.1f s", item.topic, attempts, delay)
        if not self._stopping.wait(delay):
            self._reconnect()

    def _publish(self, command: BarrierCommand) -> None:
        info = self._client.publish(command_topic(command), encode_command(command), qos=1)
        if info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
            with contextlib.suppress(RuntimeError, ValueError):  # not sent yet: see below
                info.wait_for_publish(self._command_timeout)
        if info.is_published():
            self._count("commands_published")
        else:
            # paho keeps a QoS 1 message it could not send and sends it after reconnecting; barriers de-duplicate
            # on command_id. If cuakhau stops first the command is gone and the officer opens by hand.
            log.warning("barrier command %s not confirmed by the broker yet", command.command_id)
            self._count("commands_unconfirmed")
