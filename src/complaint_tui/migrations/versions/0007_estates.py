"""Several estates (项目/小区) in one store (issue 9 item 6).

A room is unique on (estate, building, unit, room) instead of (building, unit, room), so two
estates' ``3栋-2-1502`` are two rooms with two histories. The case keeps its room's estate
(``complaint_case.estate``) with indexes in queue order, for desks bound to their estates.
Every room and case already in the store goes to the default estate, ``main`` (the estate a
policy that declares none has).

SQLite cannot drop a table's UNIQUE constraint, so the room table is rebuilt. Its rows keep
their ids; the cases' foreign keys are checked at commit (``defer_foreign_keys``), after the
rows are back in the new table: the rebuild never leaves a case without its room.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Written out rather than imported: a migration stays what it was when later code changes.
DEFAULT = "main"
_CASE_INDEXES = {
    "ix_case_estate_due": ["estate", "queue_due_at", "id"],
    "ix_case_estate_received": ["estate", "received_at", "id"],
    "ix_case_estate_open_due": ["estate", "is_open", "queue_due_at", "id"],
    "ix_case_estate_open_received": ["estate", "is_open", "received_at", "id"],
}


def _estate_column() -> sa.Column[str]:
    return sa.Column("estate", sa.String(length=32), nullable=False, server_default=DEFAULT)


def _rebuild_sqlite_room(with_estate: bool) -> None:
    """The room table made again with or without the estate and its unique address."""
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute("CREATE TEMP TABLE room_copy AS SELECT id, building, unit, room FROM room")
    op.drop_index("ix_room_building", table_name="room")
    op.drop_table("room")
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("room", sa.String(length=20), nullable=False),
    ]
    key = ["building", "unit", "room"]
    if with_estate:
        columns.append(_estate_column())
        key.insert(0, "estate")
    op.create_table("room", *columns, sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint(*key, name="uq_room_address"))
    op.create_index("ix_room_building", "room", ["building"], unique=False)
    op.execute("INSERT INTO room (id, building, unit, room) SELECT id, building, unit, room FROM room_copy")
    op.execute("DROP TABLE room_copy")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_room(with_estate=True)
    else:
        op.add_column("room", _estate_column())
        op.drop_constraint("uq_room_address", "room", type_="unique")
        op.create_unique_constraint("uq_room_address", "room", ["estate", "building", "unit", "room"])
    op.add_column("complaint_case", _estate_column())
    for name, columns in _CASE_INDEXES.items():
        op.create_index(name, "complaint_case", columns, unique=False)


def downgrade() -> None:
    """Back to one estate: refused by the unique address if two estates share one."""
    for name in _CASE_INDEXES:
        op.drop_index(name, table_name="complaint_case")
    with op.batch_alter_table("complaint_case") as batch:
        batch.drop_column("estate")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_room(with_estate=False)
    else:
        op.drop_constraint("uq_room_address", "room", type_="unique")
        op.create_unique_constraint("uq_room_address", "room", ["building", "unit", "room"])
        op.drop_column("room", "estate")
