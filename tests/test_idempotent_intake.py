"""An intake saved again after a lost commit acknowledgement makes no second case (issue 9 item 3).

The desk cannot know whether a save whose answer never came was committed. Each intake form
carries one key (``IntakeForm.intake_key``, stored under a unique index by migration 0006);
saving the same form again answers with the case the first save made. S6.1: one complaint,
one number.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlmodel import Session, func, select

from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.errors import StoreError
from complaint_tui.models import AuditEvent, Case
from tests.conftest import Team
from tests.helpers import intake_form


class LostAcknowledgement(Store):
    """A store whose next write commits, and then the answer is lost on the way back."""

    lose_next = False

    @contextmanager
    def write(self) -> Iterator[Session]:
        with super().write() as session:
            yield session
        if self.lose_next:
            self.lose_next = False
            raise StoreError("error.db_unreachable")


def _cases(store: Store) -> int:
    with store.read() as s:
        return int(s.exec(select(func.count()).select_from(Case)).one())


def test_an_intake_retried_after_a_lost_acknowledgement_gives_the_first_cases_receipt(store: Store) -> None:
    team = Team(store)
    lossy = LostAcknowledgement(store.engine, store.policy)
    form = replace(intake_form(), intake_key=str(uuid.uuid4()))
    lossy.lose_next = True
    with pytest.raises(StoreError):
        sv.intake(lossy, team.desk, form)
    assert _cases(store) == 1  # it was committed; the desk was not told
    receipt = sv.intake(lossy, team.desk, form)
    again = sv.intake(lossy, team.desk, form)
    assert _cases(store) == 1
    assert receipt == again
    with store.read() as s:
        case = s.exec(select(Case)).one()
        events = s.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "intake")).one()
    assert (receipt.case_id, receipt.number, receipt.version) == (case.id, case.number, case.version)
    assert events == 1


def test_forms_without_a_key_or_with_different_keys_are_different_complaints(store: Store) -> None:
    team = Team(store)
    sv.intake(store, team.desk, intake_form())
    sv.intake(store, team.desk, intake_form())
    sv.intake(store, team.desk, replace(intake_form(), intake_key=str(uuid.uuid4())))
    sv.intake(store, team.desk, replace(intake_form(), intake_key=str(uuid.uuid4())))
    assert _cases(store) == 4


def test_two_saves_of_one_form_at_once_make_one_case(store: Store) -> None:
    """A retry sent while the first save still commits: the unique key decides, both get the
    same receipt."""
    team = Team(store)
    form = replace(intake_form(), intake_key=str(uuid.uuid4()))
    start = threading.Barrier(2)
    numbers: list[str] = []

    def save() -> None:
        start.wait(timeout=10)
        numbers.append(sv.intake(store, team.desk, form).number)

    threads = [threading.Thread(target=save) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert len(numbers) == 2 and numbers[0] == numbers[1]
    assert _cases(store) == 1
