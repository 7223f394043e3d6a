"""The signatures of a finding (S2.6, issue 8 item 10): each person named to confirm it signs with
their own PIN or at their own desk, and the owner's confirmation is recorded when given.

One row per signature given; a finding whose named confirmer has no row yet is awaiting it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from complaint_tui.models import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding_signature",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("finding_id", sa.Integer(), sa.ForeignKey("finding.id"), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("complaint_case.id"), nullable=False),
        sa.Column("signer_kind", sa.String(length=8), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("signed_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
    )
    op.create_index("ix_finding_signature_case_id", "finding_signature", ["case_id"])
    op.create_index("ix_finding_signature_finding_id", "finding_signature", ["finding_id"])


def downgrade() -> None:
    op.drop_index("ix_finding_signature_finding_id", table_name="finding_signature")
    op.drop_index("ix_finding_signature_case_id", table_name="finding_signature")
    op.drop_table("finding_signature")
