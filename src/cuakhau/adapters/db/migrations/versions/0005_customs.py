"""customs risk channel

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-23 11:37:23.349398
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "customs_selectivity",
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("gate_id", name=op.f("pk_customs_selectivity")),
    )
    op.create_table(
        "customs_decisions",
        sa.Column("trip_id", sa.String(length=32), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("profile_version", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_customs_decisions_trip_id_trips")),
        sa.PrimaryKeyConstraint("trip_id", name=op.f("pk_customs_decisions")),
    )
    with op.batch_alter_table("customs_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customs_decisions_enterprise_id"), ["enterprise_id"], unique=False)

    op.create_table(
        "customs_results",
        sa.Column("trip_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("officer_id", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_customs_results_trip_id_trips")),
        sa.PrimaryKeyConstraint("trip_id", "seq", name=op.f("pk_customs_results")),
    )
    with op.batch_alter_table("customs_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customs_results_enterprise_id"), ["enterprise_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("customs_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customs_results_enterprise_id"))

    op.drop_table("customs_results")
    with op.batch_alter_table("customs_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customs_decisions_enterprise_id"))

    op.drop_table("customs_decisions")
    op.drop_table("customs_selectivity")
