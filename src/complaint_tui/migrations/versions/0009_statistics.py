"""Statistics and the report stay flat at a million cases (issue 11 item 4).

The tallies of ``statistics_store``: ``stat_tally`` (per UTC hour received), ``stat_day`` (per
local day) and ``stat_meta`` (the zone of those days). Upgrading a store builds them from its
rows, with days in the zone ``db.upgrade`` was given (the policy's; Asia/Shanghai, the default
policy's zone, when none is).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from complaint_tui.statistics_store import rebuild_statistics

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DEFAULT_ZONE = "Asia/Shanghai"


def _key(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "stat_tally",
        _key("hour", 13),
        _key("day", 10),
        _key("estate", 32),
        _key("figure", 16),
        _key("code", 64),
        _key("step", 20),
        _key("due", 13),
        sa.Column("n", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "stat_day",
        _key("day", 10),
        _key("estate", 32),
        _key("figure", 16),
        _key("code", 64),
        _key("step", 20),
        _key("due", 13),
        sa.Column("n", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "stat_meta",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("zone", sa.String(length=64), nullable=False),
    )
    # The running clocks due in the current hour, which a read splits into overdue and in time.
    op.create_index(
        "ix_clock_running_due",
        "step_clock",
        ["due_at"],
        sqlite_where=sa.text("done_at IS NULL AND cancelled_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL AND cancelled_at IS NULL"),
    )
    zone = op.get_context().config.attributes.get("statistics_zone", DEFAULT_ZONE)
    rebuild_statistics(op.get_bind(), str(zone))


def downgrade() -> None:
    op.drop_index("ix_clock_running_due", table_name="step_clock")
    op.drop_table("stat_meta")
    op.drop_table("stat_day")
    op.drop_table("stat_tally")
