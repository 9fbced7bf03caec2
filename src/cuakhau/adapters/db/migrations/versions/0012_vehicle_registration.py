"""Vehicles carry the type and number of their registration, and the warnings an officer should see (issue 21).

Vehicles registered before this revision keep the type their plate hinted at (every one of them had a goods
series or shape) with the warning ``vehicle.type_from_plate``, and no registration number.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("vehicles") as batch_op:
        batch_op.add_column(sa.Column("vehicle_type", sa.String(length=16), server_default="truck", nullable=False))
        batch_op.add_column(sa.Column("registration_number", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("warnings", sa.JSON(), server_default="[]", nullable=False))
    vehicles = sa.table(
        "vehicles",
        sa.column("vehicle_class", sa.String()),
        sa.column("vehicle_type", sa.String()),
        sa.column("plate", sa.String()),
        sa.column("warnings", sa.JSON()),
    )
    op.execute(vehicles.update().where(vehicles.c.vehicle_class == "trailer").values(vehicle_type="trailer"))
    conn = op.get_bind()
    for row in conn.execute(sa.select(vehicles.c.plate)).all():
        warning = [{"code": "vehicle.type_from_plate", "params": {"plate": row.plate}}]
        conn.execute(vehicles.update().where(vehicles.c.plate == row.plate).values(warnings=warning))


def downgrade() -> None:
    with op.batch_alter_table("vehicles") as batch_op:
        batch_op.drop_column("warnings")
        batch_op.drop_column("registration_number")
        batch_op.drop_column("vehicle_type")
