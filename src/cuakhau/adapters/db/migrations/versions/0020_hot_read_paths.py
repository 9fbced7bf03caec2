"""Indexes for the hot read paths over history, and a per-gate change counter kept by the database (issue 16.3).

- ``trip_events (action, at)``: the crossings of the last hours (boards, dashboards) are found by action and time
  instead of grouping every event ever recorded.
- ``notifications (trip_id, created_at)``: a truck's page and the driver page list the trip's notifications.
- ``device_messages (gate_id, received_at)``: the device log lists a gate's reads newest first.
- ``trips (gate_id, declared_at, id)``: the trip list of a gate, newest first.
- ``bookings (trip_id, created_at)``: a trip's latest booking (the call-forward queue).
- ``gate_activity``: one row per gate whose ``changes`` moves whenever a trip, a review item, a lane call, a yard
  visit, a device read, a closure or a hotline incident of the gate is written, deleted or changed. Triggers keep
  it in the same transaction as the change, whatever code writes; the live dashboard's change marker reads these
  rows instead of counting every row of the gate pair. On PostgreSQL the triggers are deferred to the commit and
  bump a gate once per transaction, so the row is locked only while the transaction commits.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

#: The tables whose rows a dashboard shows, and the column that names the row's gate (a yard visit: its yard's).
WATCHED = {
    "trips": "gate_id",
    "review_items": "gate_id",
    "lane_calls": "gate_id",
    "yard_visits": "yard_id",
    "device_messages": "gate_id",
    "gate_closures": "gate_id",
    "exchange_incidents": "gate_id",
}

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION cuakhau_gate_activity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed jsonb;
    gate text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := to_jsonb(OLD);
    ELSE
        changed := to_jsonb(NEW);
    END IF;
    IF TG_ARGV[0] = 'yard_id' THEN
        SELECT y.gate_id INTO gate FROM yards y WHERE y.id = changed ->> 'yard_id';
    ELSE
        gate := changed ->> TG_ARGV[0];
    END IF;
    IF gate IS NULL THEN
        RETURN NULL;
    END IF;
    -- once per transaction and gate: later rows of the same transaction find tx already set and write nothing
    INSERT INTO gate_activity AS a (gate_id, changes, tx) VALUES (gate, 1, txid_current())
    ON CONFLICT (gate_id) DO UPDATE SET changes = a.changes + 1, tx = EXCLUDED.tx
    WHERE a.tx IS DISTINCT FROM EXCLUDED.tx;
    RETURN NULL;
END
$$
"""


def _sqlite_gate(table: str, column: str, ref: str) -> str:
    if column == "yard_id":
        return f"(SELECT gate_id FROM yards WHERE id = {ref}.yard_id)"
    return f"{ref}.{column}"


def upgrade() -> None:
    op.create_table(
        "gate_activity",
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("changes", sa.BigInteger(), nullable=False),
        sa.Column("tx", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("gate_id", name=op.f("pk_gate_activity")),
    )
    op.create_index("ix_trip_events_action_at", "trip_events", ["action", "at"], unique=False)
    op.create_index("ix_notifications_trip", "notifications", ["trip_id", "created_at"], unique=False)
    op.create_index("ix_device_messages_gate_received", "device_messages", ["gate_id", "received_at"], unique=False)
    op.create_index("ix_trips_gate_declared", "trips", ["gate_id", "declared_at", "id"], unique=False)
    op.create_index("ix_bookings_trip_created", "bookings", ["trip_id", "created_at"], unique=False)

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table, column in WATCHED.items():
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_gate_activity AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cuakhau_gate_activity('{column}')"
            )
    else:
        for table, column in WATCHED.items():
            for event, ref in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                gate = _sqlite_gate(table, column, ref)
                op.execute(
                    f"CREATE TRIGGER {table}_gate_activity_{event.lower()} AFTER {event} ON {table} "
                    f"WHEN {gate} IS NOT NULL BEGIN "
                    f"INSERT INTO gate_activity (gate_id, changes) VALUES ({gate}, 1) "
                    "ON CONFLICT (gate_id) DO UPDATE SET changes = changes + 1; END"
                )
    # Gates with history start from a count of their rows, so no marker read before this upgrade comes back.
    for table, column in WATCHED.items():
        gate = "(SELECT gate_id FROM yards WHERE yards.id = yard_visits.yard_id)" if column == "yard_id" else column
        op.execute(
            f"INSERT INTO gate_activity (gate_id, changes) SELECT g, count(*) FROM "
            f"(SELECT {gate} AS g FROM {table}) s WHERE g IS NOT NULL GROUP BY g "
            "ON CONFLICT (gate_id) DO UPDATE SET changes = gate_activity.changes + EXCLUDED.changes"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_gate_activity ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cuakhau_gate_activity()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_gate_activity_{event}")
    op.drop_index("ix_bookings_trip_created", table_name="bookings")
    op.drop_index("ix_trips_gate_declared", table_name="trips")
    op.drop_index("ix_device_messages_gate_received", table_name="device_messages")
    op.drop_index("ix_notifications_trip", table_name="notifications")
    op.drop_index("ix_trip_events_action_at", table_name="trip_events")
    op.drop_table("gate_activity")
