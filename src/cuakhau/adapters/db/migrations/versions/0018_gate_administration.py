"""Gate administration (issue 14 item 3): exceptions to a gate's weekly hours, lanes opened and closed, and the
audit of every change a gate administrator makes.

Revision ID: 0018
Revises: 0013
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gates") as batch_op:
        batch_op.add_column(sa.Column("special_hours", sa.JSON(), server_default="{}", nullable=False))
    with op.batch_alter_table("gate_lanes") as batch_op:
        batch_op.add_column(sa.Column("is_open", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        "gate_changes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("actor_id", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=24), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("waitlisted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_gate_changes_gate_id_gates"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_changes")),
    )
    op.create_index("ix_gate_changes_gate_at", "gate_changes", ["gate_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_gate_changes_gate_at", table_name="gate_changes")
    op.drop_table("gate_changes")
    with op.batch_alter_table("gate_lanes") as batch_op:
        batch_op.drop_column("is_open")
    with op.batch_alter_table("gates") as batch_op:
        batch_op.drop_column("special_hours")
