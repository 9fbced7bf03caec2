"""initial schema: gates, parties, shipments, trips and their events

Revision ID: 0001
Revises:
Create Date: 2026-11-23 00:44:49.131173
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Exact decimals: PostgreSQL numeric; SQLite keeps the text (see cuakhau.adapters.db.types.ExactDecimal).
EXACT_DECIMAL = sa.Numeric().with_variant(sa.String(64), "sqlite")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enterprises",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("tax_id", sa.String(length=32), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
        sa.UniqueConstraint("country", "tax_id", name="uq_enterprises_country_tax_id"),
    )
    op.create_table(
        "gates",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("locode", sa.String(length=5), nullable=True),
        sa.Column("name_vi", sa.Text(), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("counterpart_id", sa.String(length=64), nullable=True),
        sa.Column("province", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gates")),
    )
    op.create_table(
        "drivers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("document_kind", sa.String(length=32), nullable=False),
        sa.Column("document_number", sa.String(length=32), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("employer_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["employer_id"], ["enterprises.id"], name=op.f("fk_drivers_employer_id_enterprises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drivers")),
        sa.UniqueConstraint("document_kind", "document_number", name="uq_drivers_document"),
    )
    op.create_table(
        "gate_closures",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_gate_closures_gate_id_gates"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_closures")),
    )
    with op.batch_alter_table("gate_closures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gate_closures_gate_id"), ["gate_id"], unique=False)

    op.create_table(
        "gate_lanes",
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("service_minutes", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_gate_lanes_gate_id_gates"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("gate_id", "code", name=op.f("pk_gate_lanes")),
    )
    op.create_table(
        "shipments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("exporter_id", sa.String(length=32), nullable=False),
        sa.Column("consignee_name", sa.Text(), nullable=False),
        sa.Column("consignee_country", sa.String(length=2), nullable=False),
        sa.Column("phytosanitary_certificate_no", sa.String(length=40), nullable=True),
        sa.Column("perishability", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["exporter_id"], ["enterprises.id"], name=op.f("fk_shipments_exporter_id_enterprises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipments_exporter_id"), ["exporter_id"], unique=False)

    op.create_table(
        "vehicles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("plate", sa.String(length=20), nullable=False),
        sa.Column("plate_country", sa.String(length=2), nullable=False),
        sa.Column("vehicle_class", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("refrigerated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["enterprises.id"], name=op.f("fk_vehicles_owner_id_enterprises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("plate", name=op.f("uq_vehicles_plate")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicles_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "cargo_lines",
        sa.Column("shipment_id", sa.String(length=32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("net_kg", EXACT_DECIMAL, nullable=False),
        sa.Column("gross_kg", EXACT_DECIMAL, nullable=False),
        sa.Column("packages", sa.Integer(), nullable=False),
        sa.Column("value", EXACT_DECIMAL, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("perishability", sa.String(length=16), nullable=False),
        sa.Column("planting_area_code", sa.String(length=40), nullable=True),
        sa.Column("packing_house_code", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_cargo_lines_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shipment_id", "line_no", name=op.f("pk_cargo_lines")),
    )
    with op.batch_alter_table("cargo_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cargo_lines_hs_code"), ["hs_code"], unique=False)

    op.create_table(
        "trips",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("vehicle_id", sa.String(length=32), nullable=False),
        sa.Column("trailer_id", sa.String(length=32), nullable=True),
        sa.Column("driver_id", sa.String(length=32), nullable=False),
        sa.Column("shipment_id", sa.String(length=32), nullable=False),
        sa.Column("containers", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["driver_id"], ["drivers.id"], name=op.f("fk_trips_driver_id_drivers")),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_trips_gate_id_gates")),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipments.id"], name=op.f("fk_trips_shipment_id_shipments")),
        sa.ForeignKeyConstraint(["trailer_id"], ["vehicles.id"], name=op.f("fk_trips_trailer_id_vehicles")),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicles.id"], name=op.f("fk_trips_vehicle_id_vehicles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trips")),
    )
    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.create_index("ix_trips_declared", ["declared_at", "id"], unique=False)
        batch_op.create_index("ix_trips_gate_state", ["gate_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_trips_shipment_id"), ["shipment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trips_vehicle_id"), ["vehicle_id"], unique=False)

    op.create_table(
        "trip_events",
        sa.Column("trip_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_trip_events_trip_id_trips")),
        sa.PrimaryKeyConstraint("trip_id", "seq", name=op.f("pk_trip_events")),
    )


def downgrade() -> None:
    op.drop_table("trip_events")
    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trips_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_trips_shipment_id"))
        batch_op.drop_index("ix_trips_gate_state")
        batch_op.drop_index("ix_trips_declared")

    op.drop_table("trips")
    with op.batch_alter_table("cargo_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cargo_lines_hs_code"))

    op.drop_table("cargo_lines")
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_owner_id"))

    op.drop_table("vehicles")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_exporter_id"))

    op.drop_table("shipments")
    op.drop_table("gate_lanes")
    with op.batch_alter_table("gate_closures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gate_closures_gate_id"))

    op.drop_table("gate_closures")
    op.drop_table("drivers")
    op.drop_table("gates")
    op.drop_table("enterprises")
