"""The columns of a case export (CSV, XLSX, the fields of a JSON Lines document) and the lists
of a JSON Lines case document: which stored value each is and how it becomes a cell (SPEC S4.3).

Shared by the Python path (exporting.py) and the SQL fast paths (export_lines.py, export_json.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import aliased

from complaint_tui.models import (
    AuditEvent,
    Case,
    CaseContact,
    CasePause,
    DepartmentTask,
    Evidence,
    Feedback,
    Finding,
    FollowUp,
    InvestigationNote,
    Owner,
    OwnerUpdate,
    Plan,
    Referral,
    ReturnVisit,
    Room,
    StepClock,
)

# What a spreadsheet would start evaluating (OWASP "CSV injection"): =, +, -, @, tab, CR.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | dt.datetime | None


class Kind(StrEnum):
    """How a column's stored value becomes a cell."""

    TEXT = "text"  # free text: neutralised against formulas
    CODE = "code"  # a stable code; ``labels`` turns it into a name
    TIME = "time"  # UTC in the store, the centre's local time in the file
    INT = "int"
    BOOL = "bool"
    STAFF = "staff"  # a staff id in the store, the login in the file
    PHONE = "phone"  # masked unless personal data was asked for (S6.5)


@dataclass(frozen=True)
class ExportColumn:
    code: str
    kind: Kind
    column: Any
    # Where a CODE column's names come from: a policy table ("channels"), or a catalog prefix.
    labels: str = ""


# The case another was merged into (its number is a column); named so SQL can refer to it.
MERGED = aliased(Case, name="merged_case")

# The CSV / XLSX columns in file order. The names the import reads are the same codes, so an
# imported row can be checked field by field against its export (the README).
EXPORT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("number", Kind.TEXT, Case.number),
    ExportColumn("source_id", Kind.TEXT, Case.source_id),
    ExportColumn("received_at", Kind.TIME, Case.received_at),
    ExportColumn("channel", Kind.CODE, Case.channel, "policy:channels"),
    ExportColumn("received_by", Kind.STAFF, Case.received_by_id),
    ExportColumn("contact_confirmed", Kind.BOOL, Case.contact_confirmed),
    ExportColumn("owner_name", Kind.TEXT, Owner.name),
    ExportColumn("phone", Kind.PHONE, Owner.phone),
    ExportColumn("building", Kind.TEXT, Room.building),
    ExportColumn("unit", Kind.TEXT, Room.unit),
    ExportColumn("room", Kind.TEXT, Room.room),
    ExportColumn("object_kind", Kind.CODE, Case.object_kind, "object_kind"),
    ExportColumn("object_text", Kind.TEXT, Case.object_text),
    ExportColumn("object_staff_login", Kind.STAFF, Case.object_staff_id),
    ExportColumn("matter_what", Kind.TEXT, Case.matter_what),
    ExportColumn("matter_when", Kind.TEXT, Case.matter_when),
    ExportColumn("matter_where", Kind.TEXT, Case.matter_where),
    ExportColumn("matter_state", Kind.TEXT, Case.matter_state),
    ExportColumn("demand", Kind.TEXT, Case.demand),
    ExportColumn("category", Kind.CODE, Case.category, "policy:categories"),
    ExportColumn("urgency", Kind.CODE, Case.urgency, "policy:urgencies"),
    ExportColumn("status", Kind.CODE, Case.status, "status"),
    ExportColumn("department", Kind.CODE, Case.department, "policy:departments"),
    ExportColumn("assignee", Kind.STAFF, Case.assignee_id),
    ExportColumn("next_step", Kind.CODE, Case.next_step, "step"),
    ExportColumn("next_due_at", Kind.TIME, Case.next_due_at),
    ExportColumn("cycle", Kind.INT, Case.cycle),
    ExportColumn("reopen_count", Kind.INT, Case.reopen_count),
    ExportColumn("append_count", Kind.INT, Case.append_count),
    ExportColumn("chase_count", Kind.INT, Case.chase_count),
    ExportColumn("paused_at", Kind.TIME, Case.paused_at),
    ExportColumn("closed_at", Kind.TIME, Case.closed_at),
    ExportColumn("close_kind", Kind.CODE, Case.close_kind, "close_kind"),
    ExportColumn("close_reason", Kind.TEXT, Case.close_reason),
    ExportColumn("withdrawn_reason", Kind.TEXT, Case.withdrawn_reason),
    ExportColumn("owner_rejects_decision", Kind.BOOL, Case.owner_rejects_decision),
    ExportColumn("external_recourse", Kind.TEXT, Case.external_recourse),
    ExportColumn("merged_into", Kind.TEXT, MERGED.number),
    ExportColumn("updated_at", Kind.TIME, Case.updated_at),
    # Issue 9 item 6; appended last so every earlier column keeps its position.
    ExportColumn("estate", Kind.CODE, Case.estate, "policy:estates"),
    # Migration 0011: who called, as given at intake (not always the owner); appended last too.
    ExportColumn("caller_name", Kind.TEXT, Case.caller_name),
    ExportColumn("caller_phone", Kind.PHONE, Case.caller_phone),
)
COLUMN_CODES: tuple[str, ...] = tuple(c.code for c in EXPORT_COLUMNS)

# The lists of a JSON Lines case document, and the table each comes from (all but case_id).
DOCUMENT_LISTS: tuple[tuple[str, Any], ...] = (
    ("clocks", StepClock),
    ("evidence", Evidence),  # metadata only: the bytes stay in evidence_blob
    ("notes", InvestigationNote),
    ("findings", Finding),
    ("plans", Plan),
    ("referrals", Referral),
    ("tasks", DepartmentTask),
    ("follow_ups", FollowUp),
    ("owner_updates", OwnerUpdate),
    ("contacts", CaseContact),
    ("pauses", CasePause),
    ("feedback", Feedback),
    ("return_visits", ReturnVisit),
    ("audit", AuditEvent),
)


def neutralise(text: str) -> str:
    """``text`` with a leading apostrophe if a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text
