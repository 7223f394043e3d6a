"""A hash chain over the audit trail, and sign-in lockout counters on staff accounts.

Every existing audit event is sealed in id order (audit_chain.py gives the canonical form), with
the append-only triggers lifted for the length of this transaction only; ``audit_head`` is set to
the last link. Staff get a count of wrong PINs and the time the account was locked.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_SQLITE_TRIGGER = (
    "CREATE TRIGGER audit_event_append_only_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
)


def upgrade() -> None:
    from complaint_tui.audit_chain import GENESIS, Event, link
    from complaint_tui.models import UTCDateTime

    bind = op.get_bind()
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("failed_pins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_at", UTCDateTime(), nullable=True))
    op.add_column("audit_event", sa.Column("hash", sa.String(length=64), nullable=False, server_default=""))
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
    )

    events = sa.table(
        "audit_event",
        sa.column("id", sa.Integer()),
        sa.column("case_id", sa.Integer()),
        sa.column("staff_id", sa.Integer()),
        sa.column("at", UTCDateTime()),
        sa.column("action", sa.String()),
        sa.column("version", sa.Integer()),
        sa.column("before", sa.JSON()),
        sa.column("after", sa.JSON()),
        sa.column("hash", sa.String()),
    )
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only_update")
    else:
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    prev, last_id, count = GENESIS, 0, 0
    rows = bind.execute(sa.select(events).order_by(events.c.id)).all()
    sealed = []
    for r in rows:
        prev = link(prev, Event(r.case_id, r.staff_id, r.at, r.action, r.version, r.before, r.after))
        sealed.append({"k": r.id, "h": prev})
        last_id, count = r.id, count + 1
    if sealed:
        bind.execute(sa.update(events).where(events.c.id == sa.bindparam("k")).values(hash=sa.bindparam("h")), sealed)
    if bind.dialect.name == "sqlite":
        op.execute(_SQLITE_TRIGGER)
    else:
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    op.bulk_insert(head, [{"id": 1, "last_id": last_id, "last_hash": prev, "events": count}])


def downgrade() -> None:
    op.drop_table("audit_head")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only_update")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("hash")
    if bind.dialect.name == "sqlite":
        op.execute(_SQLITE_TRIGGER)
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("locked_at")
        batch.drop_column("failed_pins")
