"""Step clocks remember the unit of the limit that set them, and can be cancelled.

A pause on a working-day limit must move the due time by working days, not clock hours; and a
clock left open when a case is reopened, merged, withdrawn or force-closed is cancelled, so the
statistics never count it as overdue for ever.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("step_clock") as batch:
        batch.add_column(sa.Column("limit_unit", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("step_clock") as batch:
        batch.drop_column("cancelled_at")
        batch.drop_column("limit_unit")
