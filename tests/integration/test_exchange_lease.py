"""Two exchange senders and a partner that answers slowly: each message is posted exactly once.

The partner is a real HTTP server on 127.0.0.1 that takes ``POST_SECONDS`` to answer each post; the senders use
the real HTTP transport and the system clock, with a lease much shorter than one round of posts (the production
lease is three transport timeouts; a round of 50 slow posts outlives it the same way).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cuakhau.adapters.clock import SystemClock
from cuakhau.adapters.exchange.signing import Ed25519Scheme
from cuakhau.adapters.exchange.transport import HttpTransport
from cuakhau.domain.trip import new_id
from cuakhau.services import exchange
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World

CN = "cn-youyiguan"
SCHEME = Ed25519Scheme()
MESSAGES = 8
POST_SECONDS = 0.3
LEASE = timedelta(seconds=1)  # shorter than the 8 x 0.3 s a round of posts takes


class SlowPartner(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SlowInbox)
        self.posts: Counter[str] = Counter()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/v1/exchange/inbox"


class _SlowInbox(BaseHTTPRequestHandler):
    server: SlowPartner

    def do_POST(self) -> None:
        document = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.posts[document["id"]] += 1
        time.sleep(POST_SECONDS)
        body = b'{"status":"applied"}'
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def slow_partner() -> Iterator[SlowPartner]:
    server = SlowPartner()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_two_senders_and_a_slow_partner_post_each_message_once(ctx: ServiceContext, slow_partner: SlowPartner) -> None:
    World(ctx)  # the reference gates: the partner speaks for one of them
    live = ServiceContext(uow=ctx.uow, clock=SystemClock(), nomenclature=ctx.nomenclature)
    exchange.generate_key(live.uow(), clock=live.clock, scheme=SCHEME)
    exchange.add_peer(live.uow(), clock=live.clock, peer_id=CN, inbox_url=slow_partner.url, gates=[CN])
    ids = [new_id() for _ in range(MESSAGES)]
    with live.uow() as uow:
        for seq, message_id in enumerate(ids, start=1):
            envelope = {"id": message_id, "kind": "decision", "trip_ref": "T-lease", "seq": seq, "body": {}}
            uow.exchange.enqueue(envelope, CN, live.clock.now())
        uow.commit()

    transport = HttpTransport(timeout=2.0)
    reports: list[exchange.DeliveryReport] = []
    deadline = time.monotonic() + 30

    def sender() -> None:  # a sender's poll loop, until nothing is pending
        while time.monotonic() < deadline:
            reports.append(exchange.deliver_due(live.uow, transport, SCHEME, live.clock, lease=LEASE))
            with live.uow(read_only=True) as uow:
                if not uow.exchange.outbox_ids("pending"):
                    return
            time.sleep(0.05)

    senders = [threading.Thread(target=sender) for _ in range(2)]
    for i, thread in enumerate(senders):
        thread.start()
        if i == 0:
            time.sleep(0.1)  # the first claims the whole batch; the second finds it leased
    for thread in senders:
        thread.join(40)

    assert dict(slow_partner.posts) == dict.fromkeys(ids, 1)
    with live.uow(read_only=True) as uow:
        assert sorted(uow.exchange.outbox_ids("delivered")) == sorted(ids)
    assert sum(r.delivered for r in reports) == MESSAGES
    assert sum(r.lost for r in reports) > 0  # the race happened: the second sender took over part of the batch
