"""A shipment may be one truck's part of a consignment (``shipments.part_of``); indexes for the claims a
declaration checks (a certificate's holders, a driver's open trips).

Revision ID: 0013
Revises: 0017
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("part_of", sa.String(length=32), nullable=True))
        batch_op.create_foreign_key("fk_shipments_part_of_shipments", "shipments", ["part_of"], ["id"])
        batch_op.create_index("ix_shipments_part_of", ["part_of"], unique=False)
        batch_op.create_index("ix_shipments_certificate", ["phytosanitary_certificate_no"], unique=False)
    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.create_index("ix_trips_driver_state", ["driver_id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.drop_index("ix_trips_driver_state")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_certificate")
        batch_op.drop_index("ix_shipments_part_of")
        batch_op.drop_constraint("fk_shipments_part_of_shipments", type_="foreignkey")
        batch_op.drop_column("part_of")
