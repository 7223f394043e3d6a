"""The verbs around the case: the owner calls again, the clocks stop, cases are merged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from complaint_tui.db import Store
from complaint_tui.operators import Operator
from complaint_tui.services.base import CaseChange
from complaint_tui.services.case_contacts import (
    append_complaint,
    merge,
    pause,
    record_chase,
    resume,
    unmerge,
    withdraw,
)
from complaint_tui.verbs.asks import LONG_TEXT, OWNER_CHANNEL, TEXT
from complaint_tui.verbs.base import CaseRef, Command
from complaint_tui.workflow import Action


@dataclass(frozen=True)
class Chase(Command, action=Action.CHASE, key="h"):
    """The owner chases the case (催办): recorded and counted."""

    channel: Annotated[str, OWNER_CHANNEL]
    content: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return record_chase(store, operator, case.id, case.version, channel=self.channel, content=self.content, now=now)


@dataclass(frozen=True)
class Append(Command, action=Action.APPEND, key="plus"):
    """The owner adds to the complaint (追加): recorded and counted."""

    channel: Annotated[str, OWNER_CHANNEL]
    content: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return append_complaint(
            store, operator, case.id, case.version, channel=self.channel, content=self.content, now=now
        )


@dataclass(frozen=True)
class Pause(Command, action=Action.PAUSE, key="z"):
    """Stop the clocks while waiting on the owner, with the reason."""

    reason: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return pause(store, operator, case.id, case.version, self.reason, now)


@dataclass(frozen=True)
class Resume(Command, action=Action.RESUME, key="y"):
    """Restart the clocks."""

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return resume(store, operator, case.id, case.version, now)


@dataclass(frozen=True)
class Merge(Command, action=Action.MERGE, key="m"):
    """The same complaint as another case: merged into it."""

    into_number: Annotated[str, TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return merge(store, operator, case.id, case.version, into_number=self.into_number, now=now)


@dataclass(frozen=True)
class Withdraw(Command, action=Action.WITHDRAW, key="W"):
    """The owner withdraws the complaint; the reason is kept."""

    reason: Annotated[str, LONG_TEXT]

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return withdraw(store, operator, case.id, case.version, self.reason, now)


@dataclass(frozen=True)
class Unmerge(Command, action=Action.UNMERGE, key="U"):
    """A supervisor undoes a merge: the case gets back the status it had."""

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        return unmerge(store, operator, case.id, case.version, now)
