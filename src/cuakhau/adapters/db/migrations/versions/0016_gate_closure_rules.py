"""A gate's closure rules: which public holidays close it and for how long, as data (issue 14).

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gates") as batch_op:
        batch_op.add_column(sa.Column("closure_rules", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("gates") as batch_op:
        batch_op.drop_column("closure_rules")
