"""The verbs of the feedback, the return visit and closing (SPEC S4)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from complaint_tui.db import Store
from complaint_tui.models import DemandMet, VisitMethod, VisitOutcome
from complaint_tui.operators import Operator
from complaint_tui.services.base import CaseChange
from complaint_tui.services.closing import close, force_close, give_feedback, log_return_visit, reopen
from complaint_tui.verbs.asks import (
    CHANNEL,
    LONG_TEXT,
    always,
    enum_choices,
    plan_measures,
    satisfaction_scores,
    task_results,
)
from complaint_tui.verbs.base import Ask, CaseRef, Command
from complaint_tui.workflow import Action


@dataclass(frozen=True)
class GiveFeedback(Command, action=Action.GIVE_FEEDBACK, key="b"):
    """What was done, told to the owner; whether the demand was met (S4.1)."""

    contact_channel: Annotated[str, CHANNEL]
    what_done: Annotated[str, LONG_TEXT]
    measures: Annotated[str, Ask("long", default=plan_measures)]
    result: Annotated[str, Ask("long", default=task_results)]
    demand_met: Annotated[str, Ask("choice", enum_choices("demand_met", [d.value for d in DemandMet]))]
    unmet_reason: Annotated[str, LONG_TEXT]
    next_step: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return give_feedback(
            store,
            operator,
            case.id,
            case.version,
            channel=self.contact_channel,
            what_done=self.what_done,
            measures=self.measures,
            result=self.result,
            demand_met=self.demand_met,
            unmet_reason=self.unmet_reason,
            next_step=self.next_step,
            now=now,
        )


@dataclass(frozen=True)
class LogReturnVisit(Command, action=Action.LOG_RETURN_VISIT, key="w"):
    """The owner's satisfaction, and what happens next (S4.2, S6.4)."""

    visit_method: Annotated[
        str,
        Ask("choice", enum_choices("visit_method", [m.value for m in VisitMethod]), always(VisitMethod.PHONE.value)),
    ]
    satisfaction: Annotated[str, Ask("choice", satisfaction_scores)]
    visit_outcome: Annotated[str, Ask("choice", enum_choices("visit_outcome", [o.value for o in VisitOutcome]))]
    remaining_issues: Annotated[str, LONG_TEXT]
    rejects_decision: Annotated[bool, Ask("bool", default=always(False))]
    external_recourse: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return log_return_visit(
            store,
            operator,
            case.id,
            case.version,
            method=self.visit_method,
            satisfaction_score=self.satisfaction,
            outcome=self.visit_outcome,
            remaining_issues=self.remaining_issues,
            rejects_decision=self.rejects_decision,
            external_recourse=self.external_recourse,
            now=now,
        )


@dataclass(frozen=True)
class Close(Command, action=Action.CLOSE, key="c"):
    """Closed after a satisfied return visit (S4.3)."""

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return close(store, operator, case.id, case.version, now)


@dataclass(frozen=True)
class ForceClose(Command, action=Action.FORCE_CLOSE, key="X"):
    """A supervisor closes the case without a satisfied visit, with the reason (S4.3)."""

    reason: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return force_close(store, operator, case.id, case.version, self.reason, now)


@dataclass(frozen=True)
class Reopen(Command, action=Action.REOPEN, key="O"):
    """A supervisor reopens the case into a new investigation cycle."""

    reason: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return reopen(store, operator, case.id, case.version, self.reason, now)
