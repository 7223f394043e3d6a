"""An index for the whole queue in due order.

The "all cases" view sorted 100,000 cases in a temporary B-tree for every page (166 ms); with
an index on the sort key a page takes well under a millisecond.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_due", "complaint_case", ["queue_due_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_case_due", table_name="complaint_case")
