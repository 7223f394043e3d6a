"""The last four digits of a phone, and the queue views that still grew with the store
(issue 8 item 4, issue 11 item 2).

``ix_owner_phone_tail`` indexes the last four characters of each owner's phone (their last four
digits: a phone is stored as digits, a landline with one dash after its area code), so a caller
who gives only "尾号1821" is found through an index on both databases instead of a scan of every
owner. It is an expression index, so no column has to be kept in step by intake, corrections,
imports or the demo writer; each database has its own spelling of the expression, and the query
(``queries.search.PHONE_TAIL``) uses the same one, or the planner would not use the index.

``ix_case_category_open_due`` and ``ix_case_category_open_received``: the open cases of one
category in either order, with their room (a building is a set of rooms, checked from the index
without reading the case). With only ``(category, queue_due_at)`` a category filter on the open
queue read every case of the category, closed ones included, whenever fewer than a page of them
matched the rest of the filter (a building: 12.5 ms at a million cases, and growing; 2.1 ms).

``ix_case_due_received`` replaces ``ix_case_due`` (migration 0003) with the received time added
after the key: the cases received since a day, in due order, are read from that day on in the
due index (a step falls due after the case is received) and each is checked from the index
(123 ms at a million cases, 1.3 ms).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PHONE_TAIL = {
    "sqlite": "CREATE INDEX ix_owner_phone_tail ON owner (substr(phone, -4))",
    "postgresql": "CREATE INDEX ix_owner_phone_tail ON owner (right(phone, 4))",
}
# name -> columns; the same as the Index declarations on ``Case`` in models.py.
INDEXES: dict[str, list[str]] = {
    "ix_case_category_open_due": ["category", "is_open", "queue_due_at", "id", "room_id"],
    "ix_case_category_open_received": ["category", "is_open", "received_at", "id", "room_id"],
    "ix_case_due_received": ["queue_due_at", "id", "received_at"],
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(PHONE_TAIL.get(dialect, PHONE_TAIL["postgresql"]))
    for name, columns in INDEXES.items():
        op.create_index(name, "complaint_case", columns)
    op.drop_index("ix_case_due", table_name="complaint_case")  # ix_case_due_received serves it


def downgrade() -> None:
    op.create_index("ix_case_due", "complaint_case", ["queue_due_at", "id"])
    for name in INDEXES:
        op.drop_index(name, table_name="complaint_case")
    op.drop_index("ix_owner_phone_tail", table_name="owner")
