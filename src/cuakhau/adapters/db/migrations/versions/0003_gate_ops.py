"""gate operations: device messages, review queue, yards, lane calls

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:29:03.530942
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "device_messages",
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("checkpoint", sa.String(length=16), nullable=True),
        sa.Column("plate", sa.String(length=32), nullable=True),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("trip_id", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("reconciled_by", sa.String(length=260), nullable=True),
        sa.PrimaryKeyConstraint("device_id", "message_id", name=op.f("pk_device_messages")),
    )
    with op.batch_alter_table("device_messages", schema=None) as batch_op:
        batch_op.create_index("ix_device_messages_gate_at", ["gate_id", "at"], unique=False)
        batch_op.create_index("ix_device_messages_trip", ["trip_id", "checkpoint"], unique=False)

    op.create_table(
        "review_items",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=True),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.Column("checkpoint", sa.String(length=16), nullable=True),
        sa.Column("plate", sa.String(length=32), nullable=True),
        sa.Column("trip_id", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
    )
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.create_index("ix_review_items_gate_status", ["gate_id", "status"], unique=False)

    op.create_table(
        "yards",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("name_vi", sa.Text(), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("tariff", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_yards_gate_id_gates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_yards")),
    )
    with op.batch_alter_table("yards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_yards_gate_id"), ["gate_id"], unique=False)

    op.create_table(
        "lane_calls",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("trip_id", sa.String(length=32), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("lane", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at_lane_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_lane_calls_trip_id_trips")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lane_calls")),
    )
    with op.batch_alter_table("lane_calls", schema=None) as batch_op:
        batch_op.create_index("ix_lane_calls_gate_status", ["gate_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_lane_calls_trip_id"), ["trip_id"], unique=False)

    op.create_table(
        "yard_visits",
        sa.Column("trip_id", sa.String(length=32), nullable=False),
        sa.Column("yard_id", sa.String(length=64), nullable=False),
        sa.Column("plate", sa.String(length=32), nullable=False),
        sa.Column("refrigerated", sa.Boolean(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_origin", sa.String(length=8), nullable=False),
        sa.Column("exit_origin", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_yard_visits_trip_id_trips")),
        sa.ForeignKeyConstraint(["yard_id"], ["yards.id"], name=op.f("fk_yard_visits_yard_id_yards")),
        sa.PrimaryKeyConstraint("trip_id", name=op.f("pk_yard_visits")),
    )
    with op.batch_alter_table("yard_visits", schema=None) as batch_op:
        batch_op.create_index("ix_yard_visits_yard_open", ["yard_id", "exited_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("yard_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_yard_visits_yard_open")

    op.drop_table("yard_visits")
    with op.batch_alter_table("lane_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lane_calls_trip_id"))
        batch_op.drop_index("ix_lane_calls_gate_status")

    op.drop_table("lane_calls")
    with op.batch_alter_table("yards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_yards_gate_id"))

    op.drop_table("yards")
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_index("ix_review_items_gate_status")

    op.drop_table("review_items")
    with op.batch_alter_table("device_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_device_messages_trip")
        batch_op.drop_index("ix_device_messages_gate_at")

    op.drop_table("device_messages")
