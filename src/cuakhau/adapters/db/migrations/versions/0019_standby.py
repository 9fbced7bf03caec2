"""The e-queue's standby list and the places it was given (issue 21.11).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "standby_entries",
        sa.Column("trip_id", sa.String(length=32), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("reach_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_standby_entries_gate_id_gates")),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_standby_entries_trip_id_trips")),
        sa.PrimaryKeyConstraint("trip_id", name=op.f("pk_standby_entries")),
    )
    op.create_index(
        "ix_standby_entries_gate_day", "standby_entries", ["gate_id", "direction", "day", "status"], unique=False
    )
    op.create_table(
        "standby_offers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("freed_booking_id", sa.String(length=32), nullable=False),
        sa.Column("trip_id", sa.String(length=32), nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_slot", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cause", sa.String(length=12), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name=op.f("fk_standby_offers_booking_id_bookings")),
        sa.ForeignKeyConstraint(
            ["freed_booking_id"], ["bookings.id"], name=op.f("fk_standby_offers_freed_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_standby_offers_gate_id_gates")),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_standby_offers_trip_id_trips")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standby_offers")),
        sa.UniqueConstraint("freed_booking_id", name=op.f("uq_standby_offers_freed_booking_id")),
    )
    op.create_index("ix_standby_offers_trip_id", "standby_offers", ["trip_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_standby_offers_trip_id", table_name="standby_offers")
    op.drop_table("standby_offers")
    op.drop_index("ix_standby_entries_gate_day", table_name="standby_entries")
    op.drop_table("standby_entries")
