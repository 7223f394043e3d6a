"""The verbs that change what intake recorded: correcting the intake record, and reclassifying
the category or urgency (issue 8 item 9)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from complaint_tui.db import Store
from complaint_tui.operators import Operator
from complaint_tui.services.base import CaseChange
from complaint_tui.services.correction import correct_intake, reclassify
from complaint_tui.verbs.asks import LONG_TEXT, DefaultOf, policy_choices
from complaint_tui.verbs.base import Ask, CaseRef, Command, FormContext, Kind
from complaint_tui.workflow import Action


def recorded(name: str) -> DefaultOf:
    """The value intake recorded for ``name``: a correction starts from what is there."""
    return lambda ctx: str(getattr(ctx.detail, name)) if ctx.detail else None


def recorded_phone(ctx: FormContext) -> str | None:
    """The phone as recorded; blank when the desk sees it masked (blank keeps it)."""
    return None if ctx.detail is None or ctx.detail.phone_is_masked else ctx.detail.phone


def as_recorded(name: str, kind: Kind = "text") -> Ask:
    return Ask(kind, default=recorded(name))


@dataclass(frozen=True)
class CorrectIntake(Command, action=Action.CORRECT_INTAKE, key="I"):
    """A wrong name, phone, room, object or matter corrected; the old values stay in the history."""

    owner_name: Annotated[str, as_recorded("owner_name")]
    phone: Annotated[str, Ask("text", default=recorded_phone)]
    building: Annotated[str, as_recorded("building")]
    unit: Annotated[str, as_recorded("unit")]
    room: Annotated[str, as_recorded("room")]
    object_text: Annotated[str, as_recorded("object_text")]
    matter_what: Annotated[str, as_recorded("matter_what", "long")]
    matter_when: Annotated[str, as_recorded("matter_when")]
    matter_where: Annotated[str, as_recorded("matter_where")]
    matter_state: Annotated[str, as_recorded("matter_state", "long")]
    demand: Annotated[str, as_recorded("demand", "long")]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return correct_intake(
            store,
            operator,
            case.id,
            case.version,
            owner_name=self.owner_name,
            phone=self.phone if self.phone.strip() else None,
            building=self.building,
            unit=self.unit,
            room=self.room,
            object_text=self.object_text,
            matter_what=self.matter_what,
            matter_when=self.matter_when,
            matter_where=self.matter_where,
            matter_state=self.matter_state,
            demand=self.demand,
            now=now,
        )


@dataclass(frozen=True)
class Reclassify(Command, action=Action.RECLASSIFY, key="K"):
    """Another category or urgency, with the reason; raised to a safety matter, the open clocks
    restart under the new limits (S6.3)."""

    category: Annotated[str, Ask("choice", policy_choices("categories"), default=recorded("category"))]
    urgency: Annotated[str, Ask("choice", policy_choices("urgencies"), default=recorded("urgency"))]
    reason: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return reclassify(
            store,
            operator,
            case.id,
            case.version,
            category=self.category,
            urgency=self.urgency,
            reason=self.reason,
            now=now,
        )
