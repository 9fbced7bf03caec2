"""Settings from the environment (prefix ``CUAKHAU_``). Nothing is read at import time: call :func:`load`."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CUAKHAU_", extra="ignore")

    #: SQLite file by default (no set-up); a ``postgresql://`` URL for production.
    database_url: str = "sqlite:///cuakhau.db"
    #: PostgreSQL connections each process keeps open, and how many more it may open at a peak (closed after).
    #: Keep the pool at least as large as the requests a process serves at once: a connection opened and closed
    #: per request costs the database a new backend process (measured: 1 in 7 bookings at 32 clients with 10).
    db_pool_size: int = Field(default=20, ge=1, le=200)
    db_max_overflow: int = Field(default=20, ge=0, le=200)
    #: Seconds a request waits for a pooled database connection (SQLite has one per process) before it is
    #: answered 503 ``service.busy`` with ``Retry-After`` (docs/security.md, "Timeouts and overload").
    db_pool_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    #: Requests each server process runs at once in its thread pool (the rest wait their turn on its event
    #: loop). FastAPI's default is 40; more threads than cores contend for Python's lock and spread latency
    #: (docs/benchmarks.md, booking load).
    worker_threads: int = Field(default=8, ge=1, le=200)
    #: Book the booking requests a process has waiting at one moment together (adapters/web/batching.py): one
    #: transaction for up to ``booking_batch_max`` of them, on ``booking_threads`` threads per process.
    booking_batch: bool = True
    booking_batch_max: int = Field(default=16, ge=1, le=500)
    booking_threads: int = Field(default=1, ge=1, le=32)
    #: Slow, idle and crowding clients (docs/security.md, "Timeouts and overload"): seconds for a request's line
    #: and headers to arrive, for its body, and for a keep-alive connection to sit idle between requests.
    http_header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    http_body_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    http_keep_alive_seconds: int = Field(default=5, ge=1, le=300)
    #: Client connections each process holds (0: as many as its file-descriptor limit allows, less a reserve);
    #: over it, the connection that has waited longest for a request is closed to make room.
    http_max_connections: int = Field(default=0, ge=0, le=1_000_000)
    #: Requests in progress in each process (open live dashboards included) over which a new one is answered
    #: 503 ``service.busy`` with Retry-After; 0: no limit.
    http_limit_concurrency: int = Field(default=1000, ge=0, le=1_000_000)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    #: Requests with a larger body are refused with 413 before they are read.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    default_language: Literal["vi", "zh", "en"] = "en"
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    #: Log lines as JSON objects (one a line, for a collector) or as console text; unset: console for
    #: ``cuakhau demo``, JSON for every other process (docs/operations.md, "Logs").
    log_format: Literal["json", "console"] | None = None
    #: Where notifications go: an SMS, Zalo or WeChat gateway that accepts signed JSON webhooks.
    #: Unset: notifications are written to the log (the demo does this).
    webhook_url: str | None = None
    #: Shared secret for the HMAC-SHA256 signature header; required when ``webhook_url`` is set.
    webhook_secret: SecretStr | None = None
    #: How often the notification dispatcher looks for due messages.
    notify_poll_seconds: float = Field(default=2.0, gt=0)
    #: How long a login session lasts (hours).
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    #: Resolved tokens are kept in each process this long; a logout elsewhere takes effect within it.
    token_cache_seconds: float = Field(default=30.0, ge=0, le=300)
    #: Set when served over HTTPS (behind the reverse proxy): the session cookie is then ``Secure``.
    cookie_secure: bool = False
    #: Rate limits, ``COUNT/SECONDS`` (docs/security.md): logins per username from one client address, per
    #: client address, per username from addresses it has not logged in from; booking changes (book,
    #: reschedule, cancel) per account.
    rate_login_username: str = Field(default="10/300", pattern=r"^[0-9]+/[0-9.]+$")
    rate_login_ip: str = Field(default="60/60", pattern=r"^[0-9]+/[0-9.]+$")
    rate_login_account: str = Field(default="30/300", pattern=r"^[0-9]+/[0-9.]+$")
    rate_booking: str = Field(default="30/60", pattern=r"^[0-9]+/[0-9.]+$")
    #: Password-reset requests per client address and per username; requests to join per client address.
    rate_reset_ip: str = Field(default="10/900", pattern=r"^[0-9]+/[0-9.]+$")
    rate_reset_username: str = Field(default="3/900", pattern=r"^[0-9]+/[0-9.]+$")
    rate_join_ip: str = Field(default="10/3600", pattern=r"^[0-9]+/[0-9.]+$")
    #: The address the public reaches the site at (``https://cuakhau.example.vn``): invitation and password-reset
    #: links start with it. Unset: each request's own address (a demo); set it in production (docs/deploy.md).
    public_url: str = Field(default="", pattern=r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$", max_length=200)
    #: Count the rate limits in this Redis (``redis://host:6379/0``), shared by every server process; unset:
    #: each process counts its own. Keys start with ``redis_key_prefix``.
    redis_url: str | None = None
    redis_key_prefix: str = Field(default="cuakhau", min_length=1, max_length=64)
    #: Reverse proxies whose ``X-Forwarded-For`` names the client (addresses or networks, comma-separated);
    #: unset: the header is believed from no one.
    trusted_proxies: str = ""
    #: This instance's partner id on the cross-border exchange (e.g. ``vn-huu-nghi``); unset: exchange off.
    exchange_id: str | None = None
    #: The gates this instance speaks for (JSON list); default: the one named like ``exchange_id``.
    exchange_gates: list[str] = Field(default_factory=list)
    #: How often the exchange sender looks for due messages (it is also woken when one is written).
    exchange_poll_seconds: float = Field(default=0.5, gt=0)
    #: Delivery retries: the first wait, doubling up to the longest; messages are never given up.
    exchange_retry_first_seconds: float = Field(default=2.0, gt=0)
    exchange_retry_max_seconds: float = Field(default=300.0, gt=0)
    #: A message signed longer ago than this (or ahead by as much) is refused as a possible replay.
    exchange_window_seconds: int = Field(default=300, ge=5, le=86_400)
    exchange_timeout_seconds: float = Field(default=5.0, gt=0)
    #: A partner not reached for this long gets a hotline ``link_fault`` incident raised automatically.
    exchange_link_fault_seconds: float = Field(default=300.0, gt=0)
    #: Run the notification dispatcher inside each server worker. False when ``cuakhau notify`` runs it in a
    #: process of its own, so that delivery does not take the booking workers' CPU (docs/benchmarks.md).
    notify_in_server: bool = True
    #: Run the periodic rules no other worker runs (the late-truck lane requeue, the token purge: services/
    #: periodic.py) inside each server process, checking every ``periodic_tick_seconds`` which ones are due.
    periodic_in_server: bool = True
    periodic_tick_seconds: float = Field(default=1.0, gt=0, le=60)
    #: The MQTT broker the gate devices use (``cuakhau devices listen``); when set, ``/readyz`` checks that it
    #: answers. Unset: no devices configured, no broker check.
    mqtt_host: str | None = None
    mqtt_port: int = Field(default=1883, ge=1, le=65535)
    #: ``/readyz`` reports a periodic job not ready once it is behind its period by more than this many periods.
    ready_lag_periods: float = Field(default=3.0, gt=0, le=1000)
    #: Run the periodic jobs (services/periodic.py) in each server process, under leases (one process runs each
    #: job at a time). False when ``cuakhau worker`` processes run them. ``notify_in_server=false`` leaves out the
    #: notifications and no-shows, ``periodic_in_server=false`` the lane requeue and the token purge.
    jobs_in_server: bool = True
    #: A process that stops renewing its jobs' leases (it died) loses them this long after its last renewal.
    jobs_lease_seconds: float = Field(default=10.0, ge=3, le=3600)
    #: The MQTT client id of ``cuakhau devices listen`` (the broker keeps its session under it); unset:
    #: ``cuakhau-devices-<host>-<pid>-<gate>``, new at every start. Give each listener a stable one of its own in
    #: production (docs/operations.md, "Devices").
    devices_client_id: str | None = Field(default=None, min_length=1, max_length=128)
    #: Listeners split the device stream through the MQTT shared subscription ``$share/<group>/...`` where the
    #: broker offers it; empty (the default): every listener receives every message and each is applied once
    #: by message id. Mosquitto 2.0.11 drops shared subscriptions over a broker restart: docs/operations.md.
    devices_share_group: str = Field(default="", pattern=r"^[^/+#]*$", max_length=64)
    #: PostgreSQL connections the whole installation may hold (0: no budget, ``db_pool_size`` and
    #: ``db_max_overflow`` as set). Each of the ``db_processes`` cuakhau processes that connect (server workers,
    #: ``notify``, ``devices listen``, ...) takes an equal share: docs/operations.md, "Database connections".
    db_connections_budget: int = Field(default=0, ge=0, le=100_000)
    db_processes: int = Field(default=1, ge=1, le=1000)
    #: The database URL points at PgBouncer in transaction mode: no server-side prepared statements.
    db_pgbouncer: bool = False

    def db_pool(self) -> tuple[int, int]:
        """``(pool_size, max_overflow)`` for one process: the budget's share when one is set.

        The pool keeps what the process uses at once (its request threads, booking threads and two for
        background jobs) and the rest of its share is overflow, opened at a peak and closed after. A share
        smaller than that keeps it all as the pool: requests then wait (``db_pool_timeout_seconds``) rather
        than open connections PostgreSQL would refuse.
        """
        if self.db_connections_budget == 0:
            return self.db_pool_size, self.db_max_overflow
        share = self.db_connections_budget // self.db_processes
        pool = min(share, self.worker_threads + self.booking_threads + 2)
        return pool, share - pool

    @model_validator(mode="after")
    def _budget_covers_processes(self) -> Settings:
        if 0 < self.db_connections_budget < self.db_processes:
            raise ValueError(
                f"CUAKHAU_DB_CONNECTIONS_BUDGET={self.db_connections_budget} leaves no connection for each of "
                f"CUAKHAU_DB_PROCESSES={self.db_processes} processes"
            )
        return self

    #: Directory where each process writes its Prometheus metrics so that a scrape of any of them adds up all
    #: (several processes, ``--workers N``; docs/operations.md "Metrics"); unset: each process its own.
    metrics_dir: str | None = None
    #: Clients allowed to read ``/metrics`` (addresses or networks, comma-separated; ``*``: anyone); others 403.
    metrics_allowed_networks: str = "127.0.0.1,::1"

    @field_validator("trusted_proxies", "metrics_allowed_networks")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for entry in (part.strip() for part in value.split(",")):
            if entry and entry != "*":
                ipaddress.ip_network(entry, strict=False)  # ValueError: refused with the entry named
        return value


def load(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
