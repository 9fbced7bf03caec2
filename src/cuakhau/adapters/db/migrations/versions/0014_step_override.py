"""A trip step keeps the officer's reason for letting it through the gate pair's opening hours (issue 21, item 3).

Revision ID: 0014
Revises: 0016
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trip_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trip_events", schema=None) as batch_op:
        batch_op.drop_column("override_reason")
