"""The verbs of the first response and the investigation (SPEC S2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from complaint_tui.db import Store
from complaint_tui.models import NoteKind, Party, Responsibility
from complaint_tui.operators import Operator
from complaint_tui.services.base import CaseChange
from complaint_tui.services.evidence import EvidenceInput
from complaint_tui.services.investigation import (
    acknowledge,
    add_evidence,
    add_note,
    assign,
    record_finding,
)
from complaint_tui.services.signatures import owner_confirms_finding, sign_finding, verify_signer_pin
from complaint_tui.verbs.asks import (
    CASE_DEPARTMENT,
    CHANNEL,
    EVIDENCE_PATH,
    LONG_TEXT,
    TEXT,
    always,
    enum_choices,
    handlers,
    policy_choices,
    self_if_handling,
)
from complaint_tui.verbs.base import Ask, CaseRef, Command
from complaint_tui.workflow import Action

PIN = Ask("text", password=True)


def evidence_items(store: Store, path: str, source: str, taken_on: dt.date | None) -> list[EvidenceInput]:
    """The file named in the form, read here (in the form's worker thread); none if no path."""
    if not path.strip():
        return []
    return [EvidenceInput.from_path(path.strip(), source, taken_on, max_bytes=store.policy.evidence_max_bytes)]


@dataclass(frozen=True)
class Acknowledge(Command, action=Action.ACKNOWLEDGE, key="a"):
    """The first response to the owner (S2.1)."""

    contact_channel: Annotated[str, CHANNEL]
    content: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return acknowledge(store, operator, case.id, case.version, self.contact_channel, self.content, now)


@dataclass(frozen=True)
class Assign(Command, action=Action.ASSIGN, key="s"):
    """Give the case to a handler and department (S2.5)."""

    assignee: Annotated[int, Ask("pick", handlers)]
    department: Annotated[str, CASE_DEPARTMENT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return assign(store, operator, case.id, case.version, self.assignee, self.department or None, now)


@dataclass(frozen=True)
class AddNote(Command, action=Action.ADD_NOTE, key="n"):
    """An investigation record, with a file if there is one (S2.2, S2.3)."""

    note_kind: Annotated[str, Ask("choice", enum_choices("note_kind", [k.value for k in NoteKind]))]
    party: Annotated[str, Ask("choice", enum_choices("party", [p.value for p in Party]))]
    person: Annotated[str, TEXT]
    content: Annotated[str, LONG_TEXT]
    evidence_path: Annotated[str, EVIDENCE_PATH]
    evidence_source: Annotated[str, TEXT]
    evidence_taken_on: Annotated[dt.date | None, Ask("date")]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return add_note(
            store,
            operator,
            case.id,
            case.version,
            self.note_kind,
            self.content,
            party=self.party or None,
            person=self.person,
            evidence=evidence_items(store, self.evidence_path, self.evidence_source, self.evidence_taken_on),
            now=now,
        )


@dataclass(frozen=True)
class AddEvidence(Command, action=Action.ADD_EVIDENCE, key="e"):
    """A file for the case: a photo, a recording, a document (S2.3)."""

    evidence_path: Annotated[str, EVIDENCE_PATH]
    evidence_source: Annotated[str, TEXT]
    evidence_taken_on: Annotated[dt.date | None, Ask("date")]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        items = evidence_items(store, self.evidence_path, self.evidence_source, self.evidence_taken_on)
        return add_evidence(store, operator, case.id, case.version, items, now)


@dataclass(frozen=True)
class RecordFinding(Command, action=Action.RECORD_FINDING, key="f"):
    """The written, signed investigation result (S2.4, S2.6)."""

    responsibility: Annotated[str, Ask("choice", enum_choices("responsibility", [r.value for r in Responsibility]))]
    cause_code: Annotated[str, Ask("choice", policy_choices("causes"))]
    cause_text: Annotated[str, LONG_TEXT]
    valid: Annotated[bool, Ask("bool", default=always(True))]
    validity_reason: Annotated[str, LONG_TEXT]
    signatories: Annotated[str, TEXT]
    confirmed_by: Annotated[int, Ask("pick", handlers, default=self_if_handling)]
    # The confirmer's own PIN, if they sign here and now; blank: they sign later at their desk.
    confirmer_pin: Annotated[str, PIN]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        other = self.confirmed_by != operator.id
        if other and self.confirmer_pin:
            verify_signer_pin(store, self.confirmed_by, self.confirmer_pin)  # before anything is written
        recorded = self.record(store, operator, case, now)
        if other and not self.confirmer_pin:
            return recorded  # awaiting the confirmer's signature
        # The confirmer signs: here with the PIN just checked, or as the operator at their own desk.
        return sign_finding(
            store,
            operator,
            case.id,
            recorded.version,
            signer_id=self.confirmed_by if other else None,
            pin_code=self.confirmer_pin,
            now=now,
        )

    def record(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return record_finding(
            store,
            operator,
            case.id,
            case.version,
            responsibility=self.responsibility,
            cause_code=self.cause_code,
            cause_text=self.cause_text,
            valid=self.valid,
            validity_reason=self.validity_reason,
            signatories=self.signatories,
            confirmed_by_id=self.confirmed_by,
            now=now,
        )


@dataclass(frozen=True)
class SignFinding(Command, action=Action.SIGN_FINDING, key="g"):
    """The person the finding names signs it: at their own desk, or here with their PIN (S2.6)."""

    signer: Annotated[int, Ask("pick", handlers, default=lambda ctx: str(ctx.operator.id))]
    pin: Annotated[str, PIN]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        other = self.signer != operator.id
        return sign_finding(
            store,
            operator,
            case.id,
            case.version,
            signer_id=self.signer if other else None,
            pin_code=self.pin,
            now=now,
        )


@dataclass(frozen=True)
class OwnerConfirmsFinding(Command, action=Action.OWNER_CONFIRMS_FINDING, key="G"):
    """The owner confirmed the finding, by the channel they were told by (S2.6)."""

    contact_channel: Annotated[str, CHANNEL]
    content: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return owner_confirms_finding(
            store, operator, case.id, case.version, channel=self.contact_channel, content=self.content, now=now
        )
