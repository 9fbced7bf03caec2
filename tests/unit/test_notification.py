"""The published retry schedule, the notification value, the webhook signature and the delivery loop's logic."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import pytest
from pydantic import SecretStr

from cuakhau.adapters.notify import LogNotifier, WebhookNotifier, build_notifier
from cuakhau.adapters.notify.webhook import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    body_of,
    sign,
    verify_signature,
)
from cuakhau.config import Settings
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.notification import (
    CLAIM_LEASE,
    FIRST_RETRY,
    LONGEST_RETRY,
    MAX_ATTEMPTS,
    Notification,
    NotificationKind,
    next_attempt_delay,
    retry_schedule,
)
from cuakhau.services.notifications import CLAIM_BATCH, deliver_due

NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)
SECRET = "bí-mật"


def note(i: int = 0, **kw: Any) -> Notification:
    fields: dict[str, Any] = {
        "id": f"n{i:04d}",
        "kind": NotificationKind.SLOT_CHANGED.value,
        "created_at": NOW,
        "language": "vi",
        "payload": {"gate_id": "vn-huu-nghi", "reason": "Lấy mẫu kiểm dịch"},
        "trip_id": f"trip{i:04d}aaaaaaaa",
    }
    fields.update(kw)
    return Notification(**fields)


# --- the retry schedule -------------------------------------------------------------------------------------


def test_backoff_doubles_from_ten_seconds_and_is_capped_at_an_hour() -> None:
    assert (timedelta(seconds=10), timedelta(hours=1), 12) == (FIRST_RETRY, LONGEST_RETRY, MAX_ATTEMPTS)
    expected = [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600]
    assert [next_attempt_delay(n) for n in range(1, MAX_ATTEMPTS + 1)] == [timedelta(seconds=s) for s in expected]
    assert retry_schedule() == [timedelta(seconds=s) for s in expected[: MAX_ATTEMPTS - 1]]
    assert next_attempt_delay(0) == timedelta(0)  # never tried: due now
    assert next_attempt_delay(10_000) == LONGEST_RETRY  # no overflow, however many
    with pytest.raises(ValueError):
        next_attempt_delay(-1)


# --- the notification value ---------------------------------------------------------------------------------


def test_notification_is_utc_and_its_payload_cannot_change_after_it_is_written() -> None:
    src = {"gate_id": "vn-huu-nghi"}
    n = note(payload=src, created_at=datetime(2026, 6, 2, 8, 0, tzinfo=UTC) + timedelta(0))
    src["gate_id"] = "changed"
    assert n.payload["gate_id"] == "vn-huu-nghi"
    with pytest.raises(TypeError):
        n.payload["gate_id"] = "x"  # type: ignore[index]
    assert note(payload={}).payload == {}
    assert Notification(id="x", kind="called", created_at=NOW, language="zh").payload == {}


@pytest.mark.parametrize(
    "bad",
    [
        {"created_at": datetime(2026, 6, 2, 8, 0)},
        {"language": "vie"},
        {"language": "VI"},
        {"kind": ""},
        {"kind": "k" * 33},
        {"id": ""},
        {"id": "x" * 33},
    ],
)
def test_notification_refuses_what_the_outbox_columns_would_refuse(bad: dict[str, Any]) -> None:
    with pytest.raises((ValueError, InvalidInput)):
        note(**bad)


# --- signature ----------------------------------------------------------------------------------------------


def test_signature_round_trip_and_refusals() -> None:
    body = '{"kind": "slot_changed", "payload": {"gate_id": "vn-huu-nghi", "reason": "Lấy mẫu"}}'.encode()
    ts = "1780362000"
    header = sign(SECRET, ts, body)
    assert header.startswith("sha256=") and len(header) == len("sha256=") + 64
    assert verify_signature(SECRET, ts, body, header, 1780362010)
    assert verify_signature(SECRET, ts, body, header, now=1780362000 - 299)  # a receiver's clock a bit behind
    assert not verify_signature(SECRET, ts, body + b" ", header, 1780362010)  # tampered body
    assert not verify_signature(SECRET, "1780362001", body, header, 1780362010)  # signature of another instant
    assert not verify_signature("other", ts, body, header, 1780362010)  # wrong secret
    assert not verify_signature(SECRET, ts, body, header, 1780362000 + 301)  # stale (replayed)
    assert not verify_signature(SECRET, ts, body, header, 1780362000 - 301)  # from the future
    assert not verify_signature(SECRET, ts, body, header.upper(), 1780362010)
    assert not verify_signature(SECRET, ts, body, "sha256=" + "0" * 64, 1780362010)
    for bad in ("not-a-time", "nan", "inf", "1.78e9", "", " 1780362000", "-1780362000"):
        assert not verify_signature(SECRET, bad, body, sign(SECRET, bad, body), 1780362010), bad
    assert not verify_signature(SECRET, None, body, header, 1780362010)
    assert not verify_signature(SECRET, ts, body, None, 1780362010)
    assert not verify_signature("", ts, body, sign("", ts, body), 1780362010)
    assert verify_signature(SECRET, ts, body, header, 1780362000 + 900, tolerance_s=1000)


def test_the_webhook_request_carries_the_id_a_fresh_timestamp_and_a_valid_signature() -> None:
    clock = ManualClock(NOW)
    notifier = WebhookNotifier("http://127.0.0.1:1/hook", SECRET, clock=clock, proxies={})
    n = note(7, booking_id="b1", enterprise_id="e1")
    request = notifier.request_for(n)
    headers = {k.lower(): v for k, v in request.header_items()}
    body = request.data
    assert isinstance(body, bytes)
    assert request.get_method() == "POST"
    assert headers["content-type"] == "application/json"
    assert headers[ID_HEADER.lower()] == n.id
    assert headers[TIMESTAMP_HEADER.lower()] == str(int(NOW.timestamp()))
    assert verify_signature(
        SECRET, headers[TIMESTAMP_HEADER.lower()], body, headers[SIGNATURE_HEADER.lower()], NOW.timestamp()
    )
    assert json.loads(body) == {
        "id": n.id,
        "kind": "slot_changed",
        "created_at": "2026-06-02T01:00:00+00:00",
        "language": "vi",
        "trip_id": n.trip_id,
        "booking_id": "b1",
        "enterprise_id": "e1",
        "payload": {"gate_id": "vn-huu-nghi", "reason": "Lấy mẫu kiểm dịch"},
    }
    assert "Lấy mẫu".encode() in body_of(n)  # UTF-8, not escaped
    clock.advance(timedelta(seconds=30))  # a retry is signed anew
    assert dict(notifier.request_for(n).header_items())[TIMESTAMP_HEADER.capitalize()] == str(int(NOW.timestamp()) + 30)
    assert SECRET not in repr(notifier)


@pytest.mark.parametrize(("url", "secret"), [("ftp://gw/hook", SECRET), ("gw/hook", SECRET), ("http://gw", "")])
def test_the_webhook_notifier_refuses_a_bad_configuration(url: str, secret: str) -> None:
    with pytest.raises(ValueError):
        WebhookNotifier(url, secret)


# --- choosing the notifier ----------------------------------------------------------------------------------


def test_build_notifier_logs_without_a_url_and_signs_with_one() -> None:
    assert isinstance(build_notifier(Settings(webhook_url=None)), LogNotifier)
    hook = build_notifier(Settings(webhook_url="https://gw.example/hook", webhook_secret=SecretStr("s3cret")))
    assert isinstance(hook, WebhookNotifier) and hook.url == "https://gw.example/hook"


@pytest.mark.parametrize("secret", [None, "", "   "])
def test_build_notifier_refuses_a_url_without_a_secret(secret: str | None) -> None:
    settings = Settings(webhook_url="https://gw.example/hook", webhook_secret=None if secret is None else secret)
    with pytest.raises(InvalidInput) as caught:
        build_notifier(settings)
    assert caught.value.code == "config.webhook_secret" and caught.value.field == "CUAKHAU_WEBHOOK_SECRET"


def test_log_notifier_writes_one_readable_line_and_keeps_the_last_few(caplog: pytest.LogCaptureFixture) -> None:
    notifier = LogNotifier(keep=2)
    with caplog.at_level(logging.INFO, logger="cuakhau.notify"):
        for i in range(3):
            notifier.send(note(i, payload={"gate_id": "cn-youyiguan", "slot_start_local": "2026-06-02T09:00"}))
    lines = [r.getMessage() for r in caplog.records if r.name == "cuakhau.notify"]
    assert len(lines) == 3
    assert lines[0].startswith("notify slot_changed ")
    assert "trip=trip0000" in lines[0] and "gate=cn-youyiguan" in lines[0] and "slot=2026-06-02T09:00" in lines[0]
    assert "\n" not in lines[0]
    assert [n.id for n in notifier.sent] == ["n0001", "n0002"]


# --- the delivery loop, on an in-memory outbox --------------------------------------------------------------


@dataclass
class MemoryOutbox:
    rows: dict[str, dict[str, object]] = field(default_factory=dict)
    commits: int = 0

    def claim_due(self, now: datetime, limit: int) -> list[tuple[Notification, int]]:
        due = [r for r in self.rows.values() if r["status"] == "pending" and r["next"] <= now][:limit]  # type: ignore[operator]
        out = []
        for r in due:
            r["attempts"] = int(r["attempts"]) + 1  # type: ignore[call-overload]
            r["next"] = now + CLAIM_LEASE
            out.append((r["n"], r["attempts"]))
        return out  # type: ignore[return-value]

    def mark_sent(self, notification_id: str, now: datetime) -> None:
        self.rows[notification_id]["status"] = "sent"

    def mark_retry(self, notification_id: str, now: datetime, error: str, attempts: int) -> bool:
        row = self.rows[notification_id]
        again = attempts < MAX_ATTEMPTS
        row.update(status="pending" if again else "failed", next=now + next_attempt_delay(attempts), error=error)
        return again


class MemoryTransaction:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.outbox = outbox

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def commit(self) -> None:
        self.outbox.commits += 1


@contextmanager
def memory(n: int) -> Iterator[tuple[MemoryOutbox, MemoryTransaction]]:
    outbox = MemoryOutbox(
        {f"n{i:04d}": {"n": note(i), "status": "pending", "attempts": 0, "next": NOW} for i in range(n)}
    )
    yield outbox, MemoryTransaction(outbox)


class SlowNotifier:
    """Each send takes ``seconds`` of the manual clock; fails the ids it is told to."""

    def __init__(self, clock: ManualClock, seconds: float, failing: frozenset[str] = frozenset()) -> None:
        self.clock, self.seconds, self.failing = clock, seconds, failing
        self.sent: list[str] = []

    def send(self, notification: Notification) -> None:
        self.clock.advance(timedelta(seconds=self.seconds))
        if notification.id in self.failing:
            raise ConnectionError("gateway down")
        self.sent.append(notification.id)


def test_deliver_due_claims_in_batches_and_reports_each_outcome() -> None:
    clock = ManualClock(NOW)
    with memory(CLAIM_BATCH + 5) as (outbox, tx):
        notifier = SlowNotifier(clock, 0, failing=frozenset({"n0003"}))
        report = deliver_due(lambda: tx, notifier, clock, limit=100)
        assert (report.sent, report.retried, report.failed, report.deferred) == (CLAIM_BATCH + 4, 1, 0, 0)
        assert outbox.rows["n0003"]["error"] == "ConnectionError: gateway down"
        assert outbox.rows["n0003"]["next"] == NOW + timedelta(seconds=10)
        assert deliver_due(lambda: tx, notifier, clock).handled == 0
    with memory(30) as (outbox, tx):
        assert deliver_due(lambda: tx, SlowNotifier(clock, 0), clock, limit=12).sent == 12  # the limit holds


def test_deliver_due_does_not_send_what_it_no_longer_safely_holds() -> None:
    """Sends slower than the lease allows: the rest of the batch is left for its lease to run out, not sent
    late (another dispatcher may have claimed it by then)."""
    clock = ManualClock(NOW)
    with memory(CLAIM_BATCH) as (_outbox, tx):
        seconds = (CLAIM_LEASE / 2).total_seconds() / 3
        notifier = SlowNotifier(clock, seconds)
        report = deliver_due(lambda: tx, notifier, clock)
        assert report.sent == 3 and report.deferred == CLAIM_BATCH - 3 and report.handled == CLAIM_BATCH
        assert len(notifier.sent) == 3
        clock.advance(CLAIM_LEASE)
        assert deliver_due(lambda: tx, notifier, clock, limit=1).sent == 1  # due again once the lease is over


def test_a_message_that_always_fails_is_given_up_after_max_attempts() -> None:
    clock = ManualClock(NOW)
    with memory(1) as (outbox, tx):
        notifier = SlowNotifier(clock, 0, failing=frozenset({"n0000"}))
        reports = []
        for _ in range(MAX_ATTEMPTS + 2):
            reports.append(deliver_due(lambda: tx, notifier, clock))
            clock.advance(LONGEST_RETRY)
        assert [r.retried for r in reports[: MAX_ATTEMPTS - 1]] == [1] * (MAX_ATTEMPTS - 1)
        assert reports[MAX_ATTEMPTS - 1].failed == 1
        assert all(r.handled == 0 for r in reports[MAX_ATTEMPTS:])
        assert outbox.rows["n0000"]["status"] == "failed"
