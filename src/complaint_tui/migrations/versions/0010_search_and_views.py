"""Search and the queue views that still grew with the store (issue 11 item 2, issue 8 item 4).

Placeholder so that two engineers can add their schema at the same time without a fork in the
revision chain: the work that fills it replaces this docstring and the two functions.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
