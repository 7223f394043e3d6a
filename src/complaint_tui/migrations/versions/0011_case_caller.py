"""The caller as given at intake, kept on the case (issue 8 items 1 and 9, S1.4).

The caller is not always the owner: a tenant, a relative or a neighbour calls on the owner's
phone. Until now an intake with a known phone and another name renamed the owner, on every
earlier case of that owner. ``complaint_case.caller_name`` and ``caller_phone`` keep the name and
the phone given for this case; the owner's record is changed by the correction verb only.

An upgraded store fills both from the case's owner as the owner is now: the name given at an
earlier intake was not kept anywhere (the intake's audit event holds the owner's id, not the
name), so a case taken from a caller who renamed the owner shows the owner's latest name. The
fill is one UPDATE of every case.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("complaint_case", sa.Column("caller_name", sa.String(length=100), nullable=False, server_default=""))
    op.add_column("complaint_case", sa.Column("caller_phone", sa.String(length=20), nullable=False, server_default=""))
    op.execute(
        "UPDATE complaint_case SET "
        "caller_name = (SELECT owner.name FROM owner WHERE owner.id = complaint_case.owner_id), "
        "caller_phone = (SELECT owner.phone FROM owner WHERE owner.id = complaint_case.owner_id)"
    )


def downgrade() -> None:
    # Dropped in place (SQLite 3.35 and later): a rebuilt table would break the foreign keys of
    # every table that refers to the cases.
    op.drop_column("complaint_case", "caller_phone")
    op.drop_column("complaint_case", "caller_name")
