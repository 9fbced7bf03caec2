"""electronic queue: slots, quotas, bookings, idempotency, notifications, registry

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 01:22:01.687330
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inspection_bays", sa.Integer(), server_default="2", nullable=False))
        batch_op.add_column(sa.Column("inspection_minutes", sa.Float(), server_default="30", nullable=False))
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("trip_id", sa.String(length=32), nullable=True),
        sa.Column("booking_id", sa.String(length=32), nullable=True),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "registry_codes",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.Text(), nullable=False),
        sa.Column("province", sa.Text(), nullable=False),
        sa.Column("crops", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "code", name=op.f("pk_registry_codes")),
    )
    op.create_table(
        "acceptances",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("daily_quota", sa.Integer(), nullable=True),
        sa.Column("hourly_quota", sa.Integer(), nullable=True),
        sa.Column("declared_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_acceptances_gate_id_gates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acceptances")),
    )
    with op.batch_alter_table("acceptances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acceptances_gate_id"), ["gate_id"], unique=False)

    op.create_table(
        "day_quotas",
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.CheckConstraint("booked >= 0 AND booked <= quota", name=op.f("ck_day_quotas_booked_within_quota")),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_day_quotas_gate_id_gates")),
        sa.PrimaryKeyConstraint("gate_id", "direction", "day", name=op.f("pk_day_quotas")),
    )
    op.create_table(
        "slots",
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("inspection_capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("booked_inspection", sa.Integer(), nullable=False),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name=op.f("ck_slots_booked_within_capacity")),
        sa.CheckConstraint(
            "booked_inspection >= 0 AND booked_inspection <= inspection_capacity",
            name=op.f("ck_slots_inspection_within_capacity"),
        ),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_slots_gate_id_gates")),
        sa.PrimaryKeyConstraint("gate_id", "direction", "starts_at", name=op.f("pk_slots")),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("trip_id", sa.String(length=32), nullable=False),
        sa.Column("vehicle_id", sa.String(length=32), nullable=False),
        sa.Column("driver_id", sa.String(length=32), nullable=False),
        sa.Column("shipment_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("earliest", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latest", sa.DateTime(timezone=True), nullable=False),
        sa.Column("travel_minutes", sa.Integer(), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("perishability", sa.String(length=16), nullable=False),
        sa.Column("needs_inspection", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=48), nullable=True),
        sa.Column("reason_params", sa.JSON(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("requested_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["driver_id"], ["drivers.id"], name=op.f("fk_bookings_driver_id_drivers")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_bookings_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_bookings_gate_id_gates")),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipments.id"], name=op.f("fk_bookings_shipment_id_shipments")),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_bookings_trip_id_trips")),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicles.id"], name=op.f("fk_bookings_vehicle_id_vehicles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookings_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index("ix_bookings_gate_day", ["gate_id", "direction", "status", "earliest"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_trip_id"), ["trip_id"], unique=False)
        batch_op.create_index(
            "uq_bookings_active_vehicle",
            ["vehicle_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('active', 'waiting')"),
            postgresql_where=sa.text("status IN ('active', 'waiting')"),
        )

    op.create_table(
        "booking_changes",
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_slot", sa.DateTime(timezone=True), nullable=True),
        sa.Column("to_slot", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=48), nullable=False),
        sa.Column("reason_params", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name=op.f("fk_booking_changes_booking_id_bookings")),
        sa.PrimaryKeyConstraint("booking_id", "seq", name=op.f("pk_booking_changes")),
    )


def downgrade() -> None:
    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.drop_column("inspection_minutes")
        batch_op.drop_column("inspection_bays")
    op.drop_table("booking_changes")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bookings_active_vehicle",
            sqlite_where=sa.text("status IN ('active', 'waiting')"),
            postgresql_where=sa.text("status IN ('active', 'waiting')"),
        )
        batch_op.drop_index(batch_op.f("ix_bookings_trip_id"))
        batch_op.drop_index("ix_bookings_gate_day")
        batch_op.drop_index(batch_op.f("ix_bookings_enterprise_id"))

    op.drop_table("bookings")
    op.drop_table("slots")
    op.drop_table("day_quotas")
    with op.batch_alter_table("acceptances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acceptances_gate_id"))

    op.drop_table("acceptances")
    op.drop_table("registry_codes")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_due")

    op.drop_table("notifications")
    op.drop_table("idempotency_keys")
