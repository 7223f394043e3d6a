"""Statistics and the report stay flat at a million cases (issue 11 item 4).

Placeholder so that two engineers can add their schema at the same time without a fork in the
revision chain: the work that fills it replaces this docstring and the two functions.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
