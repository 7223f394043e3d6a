"""An idempotency key per intake form, so a retried save never makes a second case (issue 9 item 3).

A desk whose commit acknowledgement was lost (the server stopped or hung just then) cannot tell
whether the case was saved. The intake form keeps one random key for as long as it is open and
sends it with every save; the case row stores it under a unique index, and a save that finds its
key already there answers with that case's receipt instead of writing another case.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("complaint_case", sa.Column("intake_key", sa.String(length=36), nullable=True))
    op.create_index("ux_case_intake_key", "complaint_case", ["intake_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_case_intake_key", table_name="complaint_case")
    with op.batch_alter_table("complaint_case") as batch:
        batch.drop_column("intake_key")
