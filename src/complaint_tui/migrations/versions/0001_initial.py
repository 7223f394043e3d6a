"""Initial schema: the case record, its clocks, evidence store, audit trail and search index.

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_number_counter",
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "evidence_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "owner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("owner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_owner_phone"), ["phone"], unique=True)

    op.create_table(
        "room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("room", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("building", "unit", "room", name="uq_room_address"),
    )
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_room_building"), ["building"], unique=False)

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_login"), ["login"], unique=True)

    op.create_table(
        "complaint_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by_id", sa.Integer(), nullable=False),
        sa.Column("contact_confirmed", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("object_kind", sa.String(length=20), nullable=False),
        sa.Column("object_text", sa.Text(), nullable=False),
        sa.Column("object_staff_id", sa.Integer(), nullable=True),
        sa.Column("matter_what", sa.Text(), nullable=False),
        sa.Column("matter_when", sa.Text(), nullable=False),
        sa.Column("matter_where", sa.Text(), nullable=False),
        sa.Column("matter_state", sa.Text(), nullable=False),
        sa.Column("demand", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_before", sa.String(length=20), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pause_reason", sa.Text(), nullable=True),
        sa.Column("next_step", sa.String(length=20), nullable=True),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queue_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("append_count", sa.Integer(), nullable=False),
        sa.Column("chase_count", sa.Integer(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("close_kind", sa.String(length=16), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("owner_rejects_decision", sa.Boolean(), nullable=False),
        sa.Column("external_recourse", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["complaint_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["object_staff_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owner.id"],
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["room.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id"),
    )
    with op.batch_alter_table("complaint_case", schema=None) as batch_op:
        batch_op.create_index("ix_case_assignee_due", ["assignee_id", "queue_due_at", "id"], unique=False)
        batch_op.create_index("ix_case_category_due", ["category", "queue_due_at", "id"], unique=False)
        batch_op.create_index("ix_case_department_due", ["department", "queue_due_at", "id"], unique=False)
        batch_op.create_index("ix_case_open_due", ["is_open", "queue_due_at", "id"], unique=False)
        batch_op.create_index("ix_case_received", ["received_at", "id"], unique=False)
        batch_op.create_index(
            "ix_case_stats",
            ["status", "category", "channel", "department", "urgency"],
            unique=False,
        )
        batch_op.create_index("ix_case_status_due", ["status", "queue_due_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_case_number"), ["number"], unique=True)
        batch_op.create_index(batch_op.f("ix_complaint_case_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_case_room_id"), ["room_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_case_id", ["case_id", "id"], unique=False)

    op.create_table(
        "case_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_contact_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_pause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_by_id", sa.Integer(), nullable=False),
        sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resumed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["paused_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["resumed_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_pause", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_pause_case_id"), ["case_id"], unique=False)

    op.create_table(
        "department_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("department_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_department_task_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_department_task_department"), ["department"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("what_done", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("demand_met", sa.String(length=8), nullable=False),
        sa.Column("unmet_reason", sa.Text(), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_case_id"), ["case_id"], unique=False)

    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("responsibility", sa.String(length=20), nullable=False),
        sa.Column("cause_code", sa.String(length=40), nullable=False),
        sa.Column("cause_text", sa.Text(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("validity_reason", sa.Text(), nullable=False),
        sa.Column("signatories", sa.Text(), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_case_id"), ["case_id"], unique=False)

    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_case_id"), ["case_id"], unique=False)

    op.create_table(
        "investigation_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=True),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("investigation_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_investigation_note_case_id"), ["case_id"], unique=False)

    op.create_table(
        "owner_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("owner_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_owner_update_case_id"), ["case_id"], unique=False)

    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("responsible_name", sa.String(length=100), nullable=False),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["responsible_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_case_id"), ["case_id"], unique=False)

    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("authority", sa.String(length=40), nullable=False),
        sa.Column("authority_text", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_case_id"), ["case_id"], unique=False)

    op.create_table(
        "return_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("satisfaction", sa.Integer(), nullable=False),
        sa.Column("remaining_issues", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("owner_rejects_decision", sa.Boolean(), nullable=False),
        sa.Column("external_recourse", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("return_visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_visit_case_id"), ["case_id"], unique=False)

    op.create_table(
        "step_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "cycle", "step", name="uq_clock_step"),
    )
    with op.batch_alter_table("step_clock", schema=None) as batch_op:
        batch_op.create_index("ix_clock_step_done", ["step", "done_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_step_clock_case_id"), ["case_id"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["investigation_note.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["evidence_blob.sha256"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_case_id"), ["case_id"], unique=False)

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # Chinese text is indexed one character per token (see search_text.py): unicode61 then
        # finds 2-character words such as 漏水, which a trigram index silently misses.
        op.execute("CREATE VIRTUAL TABLE case_search USING fts5(doc, tokenize='unicode61 remove_diacritics 2')")
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_append_only_{verb.lower()} BEFORE {verb} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
            )
        op.execute("CREATE INDEX ix_case_overdue ON complaint_case (queue_due_at, id) WHERE is_open = 1")
    else:
        op.create_table(
            "case_search",
            sa.Column("case_id", sa.Integer(), sa.ForeignKey("complaint_case.id"), primary_key=True),
            sa.Column("doc", sa.Text(), nullable=False),
        )
        op.execute("CREATE INDEX ix_case_search_doc ON case_search USING gin (to_tsvector('simple', doc))")
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute("CREATE INDEX ix_case_overdue ON complaint_case (queue_due_at, id) WHERE is_open")


def downgrade() -> None:
    bind = op.get_bind()
    op.execute("DROP INDEX IF EXISTS ix_case_overdue")
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS case_search")
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only_delete")
    else:
        op.execute("DROP TABLE IF EXISTS case_search")
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_case_id"))

    op.drop_table("evidence")
    with op.batch_alter_table("step_clock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_clock_case_id"))
        batch_op.drop_index("ix_clock_step_done")

    op.drop_table("step_clock")
    with op.batch_alter_table("return_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_visit_case_id"))

    op.drop_table("return_visit")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_case_id"))

    op.drop_table("referral")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_case_id"))

    op.drop_table("plan")
    with op.batch_alter_table("owner_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_owner_update_case_id"))

    op.drop_table("owner_update")
    with op.batch_alter_table("investigation_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investigation_note_case_id"))

    op.drop_table("investigation_note")
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_case_id"))

    op.drop_table("follow_up")
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_case_id"))

    op.drop_table("finding")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_case_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("department_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_task_department"))
        batch_op.drop_index(batch_op.f("ix_department_task_case_id"))

    op.drop_table("department_task")
    with op.batch_alter_table("case_pause", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_pause_case_id"))

    op.drop_table("case_pause")
    with op.batch_alter_table("case_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_contact_case_id"))

    op.drop_table("case_contact")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_case_id")

    op.drop_table("audit_event")
    with op.batch_alter_table("complaint_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_case_room_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_case_owner_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_case_number"))
        batch_op.drop_index("ix_case_status_due")
        batch_op.drop_index("ix_case_stats")
        batch_op.drop_index("ix_case_received")
        batch_op.drop_index("ix_case_open_due")
        batch_op.drop_index("ix_case_department_due")
        batch_op.drop_index("ix_case_category_due")
        batch_op.drop_index("ix_case_assignee_due")

    op.drop_table("complaint_case")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_login"))

    op.drop_table("staff")
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_room_building"))

    op.drop_table("room")
    with op.batch_alter_table("owner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_owner_phone"))

    op.drop_table("owner")
    op.drop_table("evidence_blob")
    op.drop_table("case_number_counter")
