"""The verbs of the resolution (SPEC S3): the plan, a referral, department tasks, progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from complaint_tui.db import Store
from complaint_tui.models import FollowUpKind
from complaint_tui.operators import Operator
from complaint_tui.services.base import CaseChange
from complaint_tui.services.resolution import (
    add_task,
    finish_task,
    follow_up,
    plan,
    refer,
    resolve,
    update_owner,
)
from complaint_tui.verbs.asks import (
    CASE_DEPARTMENT,
    CHANNEL,
    DEPARTMENT,
    LONG_TEXT,
    TEXT,
    enum_choices,
    hours_later,
    open_tasks,
    policy_choices,
)
from complaint_tui.verbs.base import Ask, CaseRef, Command
from complaint_tui.workflow import Action


@dataclass(frozen=True)
class Plan(Command, action=Action.PLAN, key="p"):
    """The fix: measures, deadline, department, who answers for it (S3.1)."""

    measures: Annotated[str, LONG_TEXT]
    deadline: Annotated[dt.datetime, Ask("when", default=hours_later(48))]
    department: Annotated[str, CASE_DEPARTMENT]
    responsible_name: Annotated[str, Ask("text", default=lambda ctx: ctx.operator.name)]
    resources: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return plan(
            store,
            operator,
            case.id,
            case.version,
            measures=self.measures,
            deadline=self.deadline,
            department=self.department,
            resources=self.resources,
            responsible_name=self.responsible_name,
            now=now,
        )


@dataclass(frozen=True)
class Refer(Command, action=Action.REFER, key="r"):
    """Out of the company's scope: say who is responsible instead (S3.2)."""

    authority: Annotated[str, Ask("choice", policy_choices("authorities"))]
    explanation: Annotated[str, LONG_TEXT]
    authority_text: Annotated[str, TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return refer(
            store,
            operator,
            case.id,
            case.version,
            authority=self.authority,
            explanation=self.explanation,
            authority_text=self.authority_text,
            now=now,
        )


@dataclass(frozen=True)
class AddTask(Command, action=Action.ADD_TASK, key="t"):
    """Work another department does for the fix (S3.3)."""

    department: Annotated[str, DEPARTMENT]
    task_what: Annotated[str, LONG_TEXT]
    task_due: Annotated[dt.datetime, Ask("when", default=hours_later(24))]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return add_task(
            store,
            operator,
            case.id,
            case.version,
            department=self.department,
            what=self.task_what,
            due_at=self.task_due,
            now=now,
        )


@dataclass(frozen=True)
class FinishTask(Command, action=Action.FINISH_TASK, key="d"):
    """A department's task is done, with its result (S3.3)."""

    task: Annotated[int, Ask("pick", open_tasks)]
    task_result: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return finish_task(store, operator, case.id, case.version, task_id=self.task, result=self.task_result, now=now)


@dataclass(frozen=True)
class FollowUp(Command, action=Action.FOLLOW_UP, key="u"):
    """Checking the fix on site or with the department (S3.4)."""

    follow_up_kind: Annotated[str, Ask("choice", enum_choices("follow_up_kind", [k.value for k in FollowUpKind]))]
    content: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return follow_up(
            store, operator, case.id, case.version, kind=self.follow_up_kind, content=self.content, now=now
        )


@dataclass(frozen=True)
class UpdateOwner(Command, action=Action.UPDATE_OWNER, key="o"):
    """Telling the owner how it is going (S3.4)."""

    contact_channel: Annotated[str, CHANNEL]
    content: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return update_owner(
            store, operator, case.id, case.version, channel=self.contact_channel, content=self.content, now=now
        )


@dataclass(frozen=True)
class Resolve(Command, action=Action.RESOLVE, key="v"):
    """The fix is done (S3.4)."""

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return resolve(store, operator, case.id, case.version, now)
