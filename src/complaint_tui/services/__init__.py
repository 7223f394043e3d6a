"""The desk's verbs (DESIGN.md services): each one transaction that checks the operator's role,
the workflow guard and the case's row version, then writes the change and its audit event."""

from complaint_tui.services.base import CaseChange, Operator
from complaint_tui.services.case_contacts import (
    append_complaint,
    merge,
    pause,
    record_chase,
    resume,
    unmerge,
    withdraw,
)
from complaint_tui.services.closing import (
    close,
    force_close,
    give_feedback,
    log_return_visit,
    reopen,
)
from complaint_tui.services.evidence import EvidenceInput, evidence_bytes, save_evidence_copy
from complaint_tui.services.intake import IntakeForm, IntakeReceipt, check_intake, intake
from complaint_tui.services.investigation import (
    acknowledge,
    add_evidence,
    add_note,
    assign,
    record_finding,
)
from complaint_tui.services.resolution import (
    add_task,
    finish_task,
    follow_up,
    plan,
    refer,
    resolve,
    update_owner,
)
from complaint_tui.services.staff import (
    StaffRow,
    add_staff,
    list_staff,
    needs_pin,
    sign_in,
    staff_count,
)

__all__ = [
    "CaseChange",
    "EvidenceInput",
    "IntakeForm",
    "IntakeReceipt",
    "Operator",
    "StaffRow",
    "acknowledge",
    "add_evidence",
    "add_note",
    "add_staff",
    "add_task",
    "append_complaint",
    "assign",
    "check_intake",
    "close",
    "evidence_bytes",
    "save_evidence_copy",
    "finish_task",
    "follow_up",
    "force_close",
    "give_feedback",
    "intake",
    "list_staff",
    "log_return_visit",
    "merge",
    "needs_pin",
    "pause",
    "plan",
    "record_chase",
    "record_finding",
    "refer",
    "reopen",
    "resolve",
    "resume",
    "sign_in",
    "staff_count",
    "unmerge",
    "update_owner",
    "withdraw",
]
