"""The schema. Changed only through Alembic migrations (``cuakhau db upgrade``)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    true,
)

from cuakhau.adapters.db.types import ExactDecimal, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(32)

gates = Table(
    "gates",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("country", String(2), nullable=False),
    Column("locode", String(5)),
    Column("name_vi", Text, nullable=False),
    Column("name_zh", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("counterpart_id", String(64)),
    Column("province", Text, nullable=False, default=""),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("opening_hours", JSON, nullable=False),
    Column("inspection_bays", Integer, nullable=False, server_default="2"),
    Column("inspection_minutes", Float, nullable=False, server_default="30"),
    # The public holidays that close the gate, as data (domain/gate.py ClosureRule.as_dict, in order)
    Column("closure_rules", JSON, nullable=False, server_default="[]"),
    # Exceptions to the weekly hours: {"YYYY-MM-DD": [period, ...]} (an empty list: closed all day)
    Column("special_hours", JSON, nullable=False, server_default="{}"),
    # A fresh random value whenever the gate or its closures change: processes cache gates keyed by it
    # (adapters/db/cache.py). Random rather than a counter, so a rolled-back change never reuses a value.
    Column("revision", ID, nullable=False, server_default="0"),
)

gate_lanes = Table(
    "gate_lanes",
    metadata,
    Column("gate_id", String(64), ForeignKey("gates.id", ondelete="CASCADE"), primary_key=True),
    Column("code", String(16), primary_key=True),
    Column("position", Integer, nullable=False),  # the order the board listed them in
    Column("direction", String(8), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("service_minutes", Float, nullable=False),
    Column("is_open", Boolean, nullable=False, server_default=true()),
)

gate_closures = Table(
    "gate_closures",
    metadata,
    Column("id", ID, primary_key=True),
    Column("gate_id", String(64), ForeignKey("gates.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("reason", Text, nullable=False),
)

# Every change a gate administrator makes (hours, closures, lanes, yards, bays, acceptance): who, when, what it
# was and what it became, and how many bookings it moved.
gate_changes = Table(
    "gate_changes",
    metadata,
    Column("id", ID, primary_key=True),
    Column("gate_id", String(64), ForeignKey("gates.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("actor_role", String(24), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("before", JSON, nullable=False),
    Column("after", JSON, nullable=False),
    Column("moved", Integer, nullable=False),
    Column("waitlisted", Integer, nullable=False),
    Index("ix_gate_changes_gate_at", "gate_id", "at"),
)

enterprises = Table(
    "enterprises",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", Text, nullable=False),
    Column("country", String(2), nullable=False),
    Column("tax_id", String(32), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("address", Text, nullable=False, default=""),
    Column("phone", String(32)),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("country", "tax_id", name="uq_enterprises_country_tax_id"),
)

vehicles = Table(
    "vehicles",
    metadata,
    Column("id", ID, primary_key=True),
    Column("plate", String(20), nullable=False, unique=True),
    Column("plate_country", String(2), nullable=False),
    Column("vehicle_class", String(16), nullable=False),
    Column("owner_id", ID, ForeignKey("enterprises.id"), nullable=False, index=True),
    Column("refrigerated", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    # From the registration certificate (issue 21): the type, its number, and what an officer should check.
    Column("vehicle_type", String(16), nullable=False, server_default="truck"),
    Column("registration_number", String(32)),
    Column("warnings", JSON, nullable=False, server_default="[]"),
)

drivers = Table(
    "drivers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("full_name", Text, nullable=False),
    Column("document_kind", String(32), nullable=False),
    Column("document_number", String(32), nullable=False),
    Column("nationality", String(2), nullable=False),
    Column("phone", String(32)),
    Column("employer_id", ID, ForeignKey("enterprises.id")),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("document_kind", "document_number", name="uq_drivers_document"),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("exporter_id", ID, ForeignKey("enterprises.id"), nullable=False, index=True),
    Column("consignee_name", Text, nullable=False),
    Column("consignee_country", String(2), nullable=False),
    Column("phytosanitary_certificate_no", String(40)),
    # The most urgent class of its lines, kept for ordering queues; shipments do not change once declared.
    Column("perishability", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # The consignment this shipment is one truck's part of (split explicitly; the parts add up to it).
    Column("part_of", ID, ForeignKey("shipments.id"), index=True),
    # Who holds a certificate is asked on every declaration that carries one.
    Index("ix_shipments_certificate", "phytosanitary_certificate_no"),
)

cargo_lines = Table(
    "cargo_lines",
    metadata,
    Column("shipment_id", ID, ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("hs_code", String(10), nullable=False, index=True),
    Column("description", Text, nullable=False),
    Column("net_kg", ExactDecimal, nullable=False),
    Column("gross_kg", ExactDecimal, nullable=False),
    Column("packages", Integer, nullable=False),
    Column("value", ExactDecimal, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("perishability", String(16), nullable=False),
    Column("planting_area_code", String(40)),
    Column("packing_house_code", String(40)),
)

trips = Table(
    "trips",
    metadata,
    Column("id", ID, primary_key=True),
    Column("gate_id", String(64), ForeignKey("gates.id"), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("vehicle_id", ID, ForeignKey("vehicles.id"), nullable=False, index=True),
    Column("trailer_id", ID, ForeignKey("vehicles.id")),
    Column("driver_id", ID, ForeignKey("drivers.id"), nullable=False),
    Column("shipment_id", ID, ForeignKey("shipments.id"), nullable=False, index=True),
    Column("containers", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("declared_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_trips_gate_state", "gate_id", "state"),
    Index("ix_trips_declared", "declared_at", "id"),
    # Whether the driver is on another open trip is asked on every declaration (the vehicle and shipment have
    # their own indexes).
    Index("ix_trips_driver_state", "driver_id", "state"),
    # The trip list of a gate, newest first (0020).
    Index("ix_trips_gate_declared", "gate_id", "declared_at", "id"),
)

trip_events = Table(
    "trip_events",
    metadata,
    Column("trip_id", ID, ForeignKey("trips.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("action", String(16), nullable=False),
    Column("from_state", String(16)),
    Column("to_state", String(16), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("reason", Text),
    # An officer's reason for letting the step through a rule that refused it (the gate pair's opening hours).
    Column("override_reason", Text),
    # The crossings of the last hours, found by action and time rather than by grouping all history (0020).
    Index("ix_trip_events_action_at", "action", "at"),
)

# --- electronic queue: capacity, bookings, notifications ---------------------------------------------

slots = Table(
    "slots",
    metadata,
    Column("gate_id", String(64), ForeignKey("gates.id"), primary_key=True),
    Column("direction", String(8), primary_key=True),
    Column("starts_at", UtcDateTime, primary_key=True),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("inspection_capacity", Integer, nullable=False),
    Column("booked", Integer, nullable=False, default=0),
    Column("booked_inspection", Integer, nullable=False, default=0),
    # The database itself refuses an overbooked slot, whatever process writes.
    CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    CheckConstraint(
        "booked_inspection >= 0 AND booked_inspection <= inspection_capacity", name="inspection_within_capacity"
    ),
)

day_quotas = Table(
    "day_quotas",
    metadata,
    Column("gate_id", String(64), ForeignKey("gates.id"), primary_key=True),
    Column("direction", String(8), primary_key=True),
    Column("day", String(10), primary_key=True),  # the gate's local date, ISO
    Column("quota", Integer, nullable=False),
    Column("booked", Integer, nullable=False, default=0),
    CheckConstraint("booked >= 0 AND booked <= quota", name="booked_within_quota"),
)

acceptances = Table(
    "acceptances",
    metadata,
    Column("id", ID, primary_key=True),
    Column("gate_id", String(64), ForeignKey("gates.id"), nullable=False, index=True),
    Column("direction", String(8), nullable=False),
    Column("day", String(10), nullable=False),
    Column("daily_quota", Integer),
    Column("hourly_quota", Integer),
    Column("declared_by", String(200), nullable=False),
    Column("reason", Text),
    Column("declared_at", UtcDateTime, nullable=False),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", ID, primary_key=True),
    Column("trip_id", ID, ForeignKey("trips.id"), nullable=False, index=True),
    Column("vehicle_id", ID, ForeignKey("vehicles.id"), nullable=False),
    Column("driver_id", ID, ForeignKey("drivers.id"), nullable=False),
    Column("shipment_id", ID, ForeignKey("shipments.id"), nullable=False),
    Column("enterprise_id", ID, ForeignKey("enterprises.id"), nullable=False, index=True),
    Column("gate_id", String(64), ForeignKey("gates.id"), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("earliest", UtcDateTime, nullable=False),
    Column("latest", UtcDateTime, nullable=False),
    Column("travel_minutes", Integer, nullable=False),
    Column("slot_start", UtcDateTime),
    Column("status", String(12), nullable=False),
    Column("perishability", String(16), nullable=False),
    Column("needs_inspection", Boolean, nullable=False),
    Column("rule", String(16)),
    Column("reason", String(48)),
    Column("reason_params", JSON, nullable=False),
    Column("changes", Integer, nullable=False, default=0),
    Column("requested_seq", BigInteger, nullable=False),  # microseconds since the epoch: FCFS order
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_bookings_gate_day", "gate_id", "direction", "status", "earliest"),
    # The penalty rule reads an enterprise's recent no-shows on every booking: without this it reads all of
    # the enterprise's bookings, which grows with every truck it books.
    Index("ix_bookings_enterprise_status", "enterprise_id", "status", "updated_at"),
    # A trip's latest booking (the call-forward queue reads it for every waiting truck) (0020).
    Index("ix_bookings_trip_created", "trip_id", "created_at"),
    # One active or waiting booking per vehicle, enforced by the database (partial unique index).
    Index(
        "uq_bookings_active_vehicle",
        "vehicle_id",
        unique=True,
        sqlite_where=text("status IN ('active', 'waiting')"),
        postgresql_where=text("status IN ('active', 'waiting')"),
    ),
)

booking_changes = Table(
    "booking_changes",
    metadata,
    Column("booking_id", ID, ForeignKey("bookings.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("from_slot", UtcDateTime),
    Column("to_slot", UtcDateTime),
    Column("status", String(12), nullable=False),
    Column("rule", String(16)),
    Column("reason", String(48), nullable=False),
    Column("reason_params", JSON, nullable=False),
    Column("actor_id", String(200), nullable=False),
)

# The standby list (issue 21.11): trips that can be at the gate soon, offered the places others free.
standby_entries = Table(
    "standby_entries",
    metadata,
    Column("trip_id", ID, ForeignKey("trips.id"), primary_key=True),
    Column("gate_id", String(64), ForeignKey("gates.id"), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("day", String(10), nullable=False),  # the gate's local date, ISO
    Column("reach_minutes", Integer, nullable=False),  # 0: the truck is at the gate
    Column("status", String(12), nullable=False),  # standing_by, placed, left
    Column("joined_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_standby_entries_gate_day", "gate_id", "direction", "day", "status"),
)

# Every place given to a standby truck, with its cause: one freed booking's place is given at most once.
standby_offers = Table(
    "standby_offers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("freed_booking_id", ID, ForeignKey("bookings.id"), nullable=False, unique=True),
    Column("trip_id", ID, ForeignKey("trips.id"), nullable=False, index=True),
    Column("booking_id", ID, ForeignKey("bookings.id"), nullable=False),
    Column("gate_id", String(64), ForeignKey("gates.id"), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("slot_start", UtcDateTime, nullable=False),
    Column("from_slot", UtcDateTime),
    Column("cause", String(12), nullable=False),
    Column("skipped", JSON, nullable=False),  # trips passed over: they could not reach the gate in time
    Column("at", UtcDateTime, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(64), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", ID, primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("trip_id", ID),
    Column("booking_id", ID),
    Column("enterprise_id", ID),
    Column("language", String(2), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(8), nullable=False),  # pending, sent, failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text),
    Column("sent_at", UtcDateTime),
    Index("ix_notifications_due", "status", "next_attempt_at"),
    # A truck's page and the driver page list the trip's notifications (0020).
    Index("ix_notifications_trip", "trip_id", "created_at"),
)

registry_codes = Table(
    "registry_codes",
    metadata,
    Column("kind", String(16), primary_key=True),  # planting_area, packing_house
    Column("code", String(40), primary_key=True),
    Column("holder", Text, nullable=False),
    Column("province", Text, nullable=False),
    Column("crops", Text, nullable=False),
    Column("status", String(12), nullable=False),  # active, suspended
    Column("imported_at", UtcDateTime, nullable=False),
)

# --- gate operations: devices, review queue, yards, call-forward ---------------------------------------------

device_messages = Table(
    "device_messages",
    metadata,
    # The device's own id for the message: a redelivered message hits this key and is applied once.
    Column("device_id", String(128), primary_key=True),
    Column("message_id", String(128), primary_key=True),
    Column("gate_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # plate, weighbridge, barrier
    Column("checkpoint", String(16)),
    Column("plate", String(32)),
    Column("origin", String(8), nullable=False),  # device, manual
    Column("at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("trip_id", ID),
    Column("detail", Text),
    Column("reconciled_by", String(260)),  # a manual read: the device read that later confirmed it
    Index("ix_device_messages_gate_at", "gate_id", "at"),
    Index("ix_device_messages_trip", "trip_id", "checkpoint"),
    # The device log of a gate, newest first (0020).
    Index("ix_device_messages_gate_received", "gate_id", "received_at"),
)

# One row per gate, kept by database triggers (migration 0020) in the same transaction as any write to the gate's
# trips, review items, lane calls, yard visits, device reads, closures or hotline incidents: ``changes`` moves with
# each such transaction. The live dashboard's change marker reads it instead of counting the gate's history.
# ``tx`` (PostgreSQL) is the last transaction that bumped it: a transaction bumps a gate once.
gate_activity = Table(
    "gate_activity",
    metadata,
    Column("gate_id", String(64), primary_key=True),
    Column("changes", BigInteger, nullable=False),
    Column("tx", BigInteger),
)

review_items = Table(
    "review_items",
    metadata,
    Column("id", ID, primary_key=True),
    Column("gate_id", String(64), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("status", String(10), nullable=False),  # open, resolved, dismissed
    Column("device_id", String(128)),
    Column("message_id", String(128)),
    Column("checkpoint", String(16)),
    Column("plate", String(32)),
    Column("trip_id", ID),
    Column("detail", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime),
    Column("resolved_by", String(200)),
    Column("resolution", Text),
    Index("ix_review_items_gate_status", "gate_id", "status"),
)

yards = Table(
    "yards",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("gate_id", String(64), ForeignKey("gates.id"), nullable=False, index=True),
    Column("name_vi", Text, nullable=False),
    Column("name_zh", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("tariff", JSON, nullable=False),
)

yard_visits = Table(
    "yard_visits",
    metadata,
    Column("trip_id", ID, ForeignKey("trips.id"), primary_key=True),
    Column("yard_id", String(64), ForeignKey("yards.id"), nullable=False),
    Column("plate", String(32), nullable=False),
    Column("refrigerated", Boolean, nullable=False),
    Column("entered_at", UtcDateTime, nullable=False),
    Column("exited_at", UtcDateTime),
    Column("entry_origin", String(8), nullable=False),
    Column("exit_origin", String(8)),
    Index("ix_yard_visits_yard_open", "yard_id", "exited_at"),
)

lane_calls = Table(
    "lane_calls",
    metadata,
    Column("id", ID, primary_key=True),
    Column("trip_id", ID, ForeignKey("trips.id"), nullable=False, index=True),
    Column("gate_id", String(64), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("lane", String(16), nullable=False),
    Column("position", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(10), nullable=False),  # called, at_lane, skipped, done
    Column("called_at", UtcDateTime, nullable=False),
    Column("deadline", UtcDateTime, nullable=False),
    Column("at_lane_at", UtcDateTime),
    Column("closed_at", UtcDateTime),
    Index("ix_lane_calls_gate_status", "gate_id", "status"),
)

# --- customs: risk channel decisions, officers' results, the selectivity state -------------------------------

customs_decisions = Table(
    "customs_decisions",
    metadata,
    Column("trip_id", ID, ForeignKey("trips.id"), primary_key=True),  # one declaration per trip
    Column("gate_id", String(64), nullable=False),
    Column("enterprise_id", ID, nullable=False, index=True),
    Column("channel", String(8), nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("profile_version", String(64), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
)

customs_results = Table(
    "customs_results",
    metadata,
    Column("trip_id", ID, ForeignKey("trips.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("enterprise_id", ID, nullable=False, index=True),
    Column("kind", String(8), nullable=False),  # release, hold, reject
    Column("channel", String(8), nullable=False),
    Column("officer_id", String(200), nullable=False),
    Column("reason", Text),
    Column("at", UtcDateTime, nullable=False),
)

customs_selectivity = Table(
    "customs_selectivity",
    metadata,
    Column("gate_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),  # a writer that read an older version re-reads and re-decides
    Column("state", JSON, nullable=False),
)

# --- inspection bays, laboratory, phytosanitary certificates -------------------------------------------------

inspection_resources = Table(
    "inspection_resources",
    metadata,
    Column("gate_id", String(64), primary_key=True),
    Column("kind", String(24), primary_key=True),  # customs_bay, quarantine_bay, laboratory
    Column("capacity", Integer, nullable=False),
    Column("service_minutes", Float, nullable=False),
    Column("hours", JSON),  # working hours, or null: around the clock
    Column("version", Integer, nullable=False),  # bumped by every writer: the row is the queue's lock
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
)

inspection_jobs = Table(
    "inspection_jobs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("trip_id", ID, ForeignKey("trips.id"), nullable=False, index=True),
    Column("gate_id", String(64), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("perishability", String(24), nullable=False),
    Column("state", String(16), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("reason", Text),
    Column("started_at", UtcDateTime),
    Column("due_at", UtcDateTime),
    Column("finished_at", UtcDateTime),
    Column("finished_by", String(200)),
    Column("outcome", String(16)),
    Column("result_reason", Text),
    Column("parent_id", ID),
    Index("ix_inspection_jobs_queue", "gate_id", "kind", "state"),
)

phyto_checks = Table(
    "phyto_checks",
    metadata,
    Column("id", ID, primary_key=True),
    Column("shipment_id", ID, ForeignKey("shipments.id"), nullable=False),
    Column("certificate_id", String(200), nullable=False),
    Column("document_sha256", String(64), nullable=False),
    Column("document", Text, nullable=False),  # the certificate as received: the record an officer looks at
    Column("findings", JSON, nullable=False),
    Column("blocking", Boolean, nullable=False),
    Column("checked_at", UtcDateTime, nullable=False),
    Column("checked_by", String(200), nullable=False),
    Column("accepted_at", UtcDateTime),
    Column("accepted_by", String(200)),
    Column("accepted_reason", Text),
    UniqueConstraint("shipment_id", "document_sha256", name="uq_phyto_checks_document"),
)

# --- accounts: users, machine clients and their tokens -------------------------------------------------------

accounts = Table(
    "accounts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(200)),  # argon2id; null for machine accounts (API tokens only)
    Column("role", String(24), nullable=False),
    Column("enterprise_id", ID, ForeignKey("enterprises.id"), index=True),
    Column("driver_id", ID, ForeignKey("drivers.id")),
    Column("gate_codes", JSON, nullable=False),
    Column("locale", String(5), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("contact", String(200)),  # e-mail or phone: where one-time links go (0017)
)

auth_tokens = Table(
    "auth_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 hex of the secret; the secret is never stored
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(8), nullable=False),  # session, api
    Column("label", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
)
# --- onboarding: join requests and one-time links (0017) --------------------------------------------------------

join_requests = Table(
    "join_requests",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name_vi", Text, nullable=False),
    Column("name_zh", Text, nullable=False),
    Column("country", String(2), nullable=False),
    Column("tax_number", String(32), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("contact_name", Text, nullable=False),
    Column("contact", String(200), nullable=False),
    Column("admin_username", String(64), nullable=False),
    Column("locale", String(5), nullable=False),
    Column("documents", JSON, nullable=False),  # {kind: reference}; the papers themselves are not uploaded
    Column("address", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime),
    Column("decided_by", String(64)),
    Column("reason", Text),
    Column("enterprise_id", ID, ForeignKey("enterprises.id")),
    Index("ix_join_requests_tax", "country", "tax_number"),
)

account_links = Table(
    "account_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 hex of the secret; the secret is never stored
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("purpose", String(8), nullable=False),  # invite, reset
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)

# --- cross-border exchange: peers, keys, outbox, inbox, refusals, manifests, hotline -------------------------

exchange_peers = Table(
    "exchange_peers",
    metadata,
    Column("id", String(64), primary_key=True),  # the partner id, e.g. cn-youyiguan
    Column("name", Text, nullable=False),
    Column("inbox_url", Text, nullable=False),
    Column("gates", JSON, nullable=False),  # the gates this partner may speak for (its scope)
    Column("added_at", UtcDateTime, nullable=False),
)

exchange_keys = Table(
    "exchange_keys",
    metadata,
    Column("owner", String(64), primary_key=True),  # 'self' or a peer id
    Column("key_id", String(64), primary_key=True),
    Column("public_key", String(64), nullable=False),  # Ed25519, raw 32 bytes, base64url
    Column("private_key", String(64)),  # only for our own keys
    Column("status", String(8), nullable=False),  # active, revoked
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

exchange_outbox = Table(
    "exchange_outbox",
    metadata,
    Column("id", String(64), primary_key=True),  # the message id, the same on every attempt
    Column("peer_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("trip_ref", String(64)),
    Column("seq", Integer),
    Column("created_at", UtcDateTime, nullable=False),
    Column("envelope", JSON, nullable=False),  # unsigned; signed afresh on each attempt
    Column("status", String(10), nullable=False),  # pending, delivered
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text),
    Column("delivered_at", UtcDateTime),
    Index("ix_exchange_outbox_due", "status", "next_attempt_at"),
)

exchange_sequences = Table(
    "exchange_sequences",
    metadata,
    Column("peer_id", String(64), primary_key=True),
    Column("way", String(3), primary_key=True),  # out: last sent; in: last applied
    Column("trip_ref", String(64), primary_key=True),
    Column("last_seq", Integer, nullable=False),
)

exchange_inbox = Table(
    "exchange_inbox",
    metadata,
    # A message id is claimed in the same transaction as its effect: a second copy finds it here.
    Column("sender", String(64), primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("gate_id", String(64), nullable=False),
    Column("trip_ref", String(64)),
    Column("seq", Integer),
    Column("status", String(8), nullable=False),  # applied, held (waiting for an earlier message of its trip)
    Column("received_at", UtcDateTime, nullable=False),
    Column("applied_at", UtcDateTime),
    Column("envelope", JSON, nullable=False),
    Index("ix_exchange_inbox_held", "sender", "trip_ref", "status"),
)

exchange_refusals = Table(
    "exchange_refusals",
    metadata,
    Column("id", ID, primary_key=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("code", String(48), nullable=False),
    Column("sender", String(64)),
    Column("message_id", String(64)),
    Column("kind", String(32)),
    Column("key_id", String(64)),
    Column("detail", Text),
)

exchange_manifests = Table(
    "exchange_manifests",
    metadata,
    Column("peer_id", String(64), primary_key=True),
    Column("trip_ref", String(64), primary_key=True),  # the departing side's trip id
    Column("way", String(3), nullable=False),  # out: our trip, sent; in: their trip, expected here
    Column("gate_id", String(64), nullable=False),  # the departing gate
    Column("to_gate_id", String(64), nullable=False),  # the arriving gate
    Column("plate", String(32), nullable=False),
    Column("summary", JSON, nullable=False),
    Column("status", String(10), nullable=False),  # submitted, accepted, held, returned, crossed
    Column("reasons", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_exchange_manifests_status", "way", "status"),
    Index("ix_exchange_manifests_trip_ref", "trip_ref"),  # a crossing asks whether the gate across refused it
)

exchange_incidents = Table(
    "exchange_incidents",
    metadata,
    Column("id", String(64), primary_key=True),  # the same id on both sides
    Column("origin", String(64), nullable=False),  # 'self' or the peer that raised it
    Column("peer_id", String(64), nullable=False),
    Column("gate_id", String(64), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("summary", Text, nullable=False),
    Column("trip_ref", String(64)),
    Column("raised_at", UtcDateTime, nullable=False),
    Column("ack_due_at", UtcDateTime, nullable=False),
    Column("status", String(12), nullable=False),  # open, acknowledged
    Column("acknowledged_at", UtcDateTime),
    Column("acknowledged_by", String(200)),
    Column("escalation_level", Integer, nullable=False, default=0),
    Index("ix_exchange_incidents_due", "status", "ack_due_at"),
)

exchange_incident_events = Table(
    "exchange_incident_events",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("action", String(16), nullable=False),  # raised, received, acknowledged, escalated
    Column("actor", String(200), nullable=False),
    Column("detail", Text),
)

scheduled_jobs = Table(
    "scheduled_jobs",
    metadata,
    # One row per periodic job (services/periodic.py): its lease (who runs it, until when) and its last run.
    Column("name", String(64), primary_key=True),
    Column("period_seconds", Float, nullable=False),
    Column("owner", String(128)),
    Column("lease_expires_at", UtcDateTime),
    Column("next_run_at", UtcDateTime),
    Column("last_started_at", UtcDateTime),
    Column("last_finished_at", UtcDateTime),
    Column("last_duration_ms", Float),
    Column("last_lag_ms", Float),
    Column("last_changed", Integer),
    Column("last_error", Text),
    Column("runs", BigInteger, nullable=False, default=0),
    Column("failures", BigInteger, nullable=False, default=0),
)
