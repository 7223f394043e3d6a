"""Intake and evidence rules, each stated so that breaking the rule in the code fails a test
(S1.2, S1.4, S2.1, S6.1). Expected values are written out here, never read from the code."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, func, select

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.errors import InvalidInput, StepRefused
from complaint_tui.models import AuditEvent, Case, Evidence, OwnerUpdate, StepClock
from complaint_tui.services.evidence import EvidenceInput
from tests.conftest import Team
from tests.helpers import intake_form

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 30 November 2026, 09:00 in Shanghai: an ordinary working day.
RECEIVED = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI).astimezone(dt.UTC)
NOW = RECEIVED + dt.timedelta(minutes=3)
PHOTO = b"\x89PNG photo of the ceiling"


def count(store: Store, table: type) -> int:
    with store.read() as s:
        return int(s.exec(select(func.count()).select_from(table)).one())


def problem_fields(err: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {p.field for p in err.value.problems}


def test_a_channels_promised_first_response_applies_when_sooner_than_the_urgency_limit(
    store: Store, team: Team
) -> None:
    """S1.1/S2.1: a low-urgency case allows 4 hours, but the hotline promises 2."""
    r = sv.intake(store, team.desk, intake_form(urgency="low", received_at=RECEIVED), now=NOW)
    assert r.first_response_due == RECEIVED + dt.timedelta(hours=2)
    with store.read() as s:
        due = s.exec(select(StepClock.due_at).where(StepClock.case_id == r.case_id, StepClock.step == "first_response"))
        assert due.one().astimezone(dt.UTC) == RECEIVED + dt.timedelta(hours=2)
    # An e-mail promises a working day; the low urgency's 4 hours come first.
    e = sv.intake(
        store,
        team.desk,
        intake_form(channel="email", urgency="low", phone="13900001111", received_at=RECEIVED),
        now=NOW,
    )
    assert e.first_response_due == RECEIVED + dt.timedelta(hours=4)


def test_the_receipt_tells_the_owner_the_number_and_the_due_time(store: Store, team: Team) -> None:
    """S6.1: the case number and the expected time are told at once, in the centre's time."""
    r = sv.intake(store, team.desk, intake_form(received_at=RECEIVED), now=NOW)
    with store.read() as s:
        told = s.exec(select(OwnerUpdate).where(OwnerUpdate.case_id == r.case_id)).one()
    assert told.kind == "receipt" and told.channel == "hotline"
    assert told.content == f"Your complaint is registered as {r.number}. We will respond by 2026-11-30 11:00."


def test_evidence_without_a_source_is_refused_everywhere_it_is_added(store: Store, team: Team) -> None:
    """S1.4: each piece of evidence with its source and date."""
    nameless = EvidenceInput("photo", "  ", "ceiling.png", PHOTO, dt.date(2026, 11, 29))
    with pytest.raises(InvalidInput) as err:
        sv.intake(store, team.desk, intake_form(received_at=RECEIVED, evidence=[nameless]), now=NOW)
    assert problem_fields(err) == {"evidence_source"}
    assert count(store, Case) == 0 and count(store, Evidence) == 0
    r = sv.intake(store, team.desk, intake_form(received_at=RECEIVED), now=NOW)
    with pytest.raises(InvalidInput) as err:
        sv.add_evidence(store, team.desk, r.case_id, r.version, [nameless])
    assert problem_fields(err) == {"evidence_source"}
    v = sv.acknowledge(store, team.desk, r.case_id, r.version, "phone", "已回电").version
    with pytest.raises(InvalidInput) as err:
        sv.add_note(store, team.handler, r.case_id, v, "site_inspection", "现场查看", evidence=[nameless])
    assert problem_fields(err) == {"evidence_source"}
    assert count(store, Evidence) == 0
    sv.add_evidence(store, team.desk, r.case_id, v, [EvidenceInput("photo", " 业主提供 ", "c.png", PHOTO)])
    assert [e.source for e in q.case_detail(store, team.desk, r.case_id).evidence] == ["业主提供"]


def test_evidence_must_have_bytes_a_known_kind_and_no_future_date(store: Store, team: Team) -> None:
    r = sv.intake(store, team.desk, intake_form(received_at=RECEIVED), now=NOW)
    empty = EvidenceInput("photo", "业主", "empty.png", b"")
    odd = EvidenceInput("hologram", "业主", "x.bin", PHOTO)
    future = EvidenceInput("photo", "业主", "x.png", PHOTO, dt.date(2026, 12, 1))
    for item, rule in ((empty, ("evidence_file", "file_empty")), (odd, ("evidence_kind", "one_of"))):
        with pytest.raises(InvalidInput) as err:
            sv.add_evidence(store, team.desk, r.case_id, r.version, [item], now=NOW)
        assert [(p.field, p.rule) for p in err.value.problems] == [rule]
    with pytest.raises(InvalidInput) as err:
        sv.add_evidence(store, team.desk, r.case_id, r.version, [future], now=NOW)
    assert [(p.field, p.rule) for p in err.value.problems] == [("evidence_taken_on", "not_future")]
    with pytest.raises(InvalidInput) as err:
        sv.add_evidence(store, team.desk, r.case_id, r.version, [], now=NOW)
    assert problem_fields(err) == {"evidence_file"}
    assert count(store, Evidence) == 0


def test_a_live_channel_needs_the_contact_confirmed_and_a_written_one_does_not(store: Store, team: Team) -> None:
    """S1.2: desk and phone confirm the owner's contact details before saving."""
    for channel in ("hotline", "front_desk"):
        with pytest.raises(InvalidInput) as err:
            sv.intake(store, team.desk, intake_form(channel=channel, contact_confirmed=False), now=NOW)
        assert problem_fields(err) == {"contact_confirmed"}
    assert count(store, Case) == 0
    sv.intake(store, team.desk, intake_form(channel="wechat", contact_confirmed=False, received_at=RECEIVED), now=NOW)
    assert count(store, Case) == 1


def test_a_complaint_about_staff_names_the_staff_member(store: Store, team: Team) -> None:
    with pytest.raises(InvalidInput) as err:
        sv.intake(store, team.desk, intake_form(object_kind="staff", object_staff_login=" "), now=NOW)
    assert problem_fields(err) == {"object_staff_login"}
    with pytest.raises(InvalidInput) as err:
        sv.intake(store, team.desk, intake_form(object_kind="staff", object_staff_login="nobody"), now=NOW)
    assert problem_fields(err) == {"object_staff_login"}
    assert count(store, Case) == 0


def test_a_complaint_cannot_be_received_in_the_future(store: Store, team: Team) -> None:
    """A desk clock a few minutes fast is forgiven; a time later than that is a typo."""
    with pytest.raises(InvalidInput) as err:
        sv.intake(store, team.desk, intake_form(received_at=NOW + dt.timedelta(minutes=6)), now=NOW)
    assert problem_fields(err) == {"received_at"}
    assert count(store, Case) == 0


def test_the_same_source_row_is_never_taken_twice(store: Store, team: Team) -> None:
    first = sv.intake(store, team.desk, intake_form(source_id="app-77", received_at=RECEIVED), now=NOW)
    with pytest.raises(StepRefused) as err:
        sv.intake(store, team.desk, intake_form(source_id="app-77", received_at=RECEIVED), now=NOW)
    assert err.value.key == "guard.duplicate_source" and first.number in err.value.message("en")
    assert count(store, Case) == 1
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(AuditEvent).where(col(AuditEvent.action) == "intake")).one() == 1


def test_the_case_number_carries_the_centres_local_day(store: Store, team: Team) -> None:
    """S6.1: a call at half past midnight in Shanghai is numbered for that day, not the UTC day before."""
    midnight = dt.datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI).astimezone(dt.UTC)
    r = sv.intake(store, team.desk, intake_form(received_at=midnight), now=midnight)
    assert r.number == "TS20261201-0001"
