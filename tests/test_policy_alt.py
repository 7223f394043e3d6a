"""A centre's own policy file takes effect (S5.2): the core run under tests/policies/alt_policy.toml.

Every value checked here differs from the default policy, so a service or query that reads the
default (or a constant) instead of the store's policy fails: the case-number prefix, the
satisfied minimum, the roles that see phones, a channel's promised first response sooner than
the urgency's limit, limits in working days, and the centre's own day off and working day.
The expected times are written out from the file and the November 2026 calendar.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.errors import RoleRefused, StepRefused
from complaint_tui.exporting import ExportFormat, ExportRequest, record_pii_export
from complaint_tui.models import OwnerUpdate, Status, StepClock
from complaint_tui.policy import PolicyError, parse_policy
from tests.conftest import ALT_POLICY
from tests.helpers import intake_form

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time in November 2026 at the centre (Shanghai), as UTC."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(dt.UTC)


# Tuesday 17 November 2026, 10:00. The policy gives Wednesday the 18th off and makes Saturday
# the 21st a working day.
RECEIVED = local(17, 10)
NOW = RECEIVED + dt.timedelta(minutes=5)


class AltTeam:
    """The staff of a centre under the file's policy. Every account has a PIN: handlers see full
    phones here, and a role that sees them signs in with one."""

    def __init__(self, store: Store) -> None:
        pins = {"wang": "2468", "li": "1357", "chen": "8642", "zhao": "9753", "sun": "3164"}
        sv.add_staff(store, None, login="wang", name="王芳", role="supervisor", pin_code=pins["wang"])
        boss = sv.sign_in(store, "wang", pins["wang"])
        for login, name, role, dept in (
            ("li", "李强", "handler", "engineering"),
            ("chen", "陈静", "handler", "customer_service"),
            ("zhao", "赵敏", "desk", "customer_service"),
            ("sun", "孙磊", "admin", None),
        ):
            sv.add_staff(store, boss, login=login, name=name, role=role, department=dept, pin_code=pins[login])
        self.supervisor = boss
        self.handler = sv.sign_in(store, "li", pins["li"])
        self.handler2 = sv.sign_in(store, "chen", pins["chen"])
        self.desk = sv.sign_in(store, "zhao", pins["zhao"])
        self.admin = sv.sign_in(store, "sun", pins["sun"])


@pytest.fixture
def alt_team(alt_store: Store) -> AltTeam:
    return AltTeam(alt_store)


def take(store: Store, team: AltTeam, **form: object) -> sv.IntakeReceipt:
    return sv.intake(store, team.desk, intake_form(received_at=RECEIVED, **form), now=NOW)


def clocks(store: Store, case_id: int) -> dict[str, dt.datetime]:
    with store.read() as s:
        rows = s.exec(select(StepClock).where(StepClock.case_id == case_id).order_by(col(StepClock.id))).all()
        return {r.step: r.due_at.astimezone(dt.UTC) for r in rows}


def test_case_numbers_carry_the_centres_prefix(alt_store: Store, alt_team: AltTeam) -> None:
    first = take(alt_store, alt_team)
    second = take(alt_store, alt_team, phone="13900001111")
    assert (first.number, second.number) == ("WY20261117-0001", "WY20261117-0002")
    assert q.case_detail(alt_store, alt_team.supervisor, first.case_id).number == "WY20261117-0001"
    assert q.case_id_by_number(alt_store, "WY20261117-0002") == second.case_id
    # Read out over the phone without the zeros, the number still finds its case.
    found = q.queue_page(alt_store, alt_team.supervisor, q.QueueFilter(search="wy20261117-2"), now=NOW)
    assert [r.number for r in found.rows] == ["WY20261117-0002"]


def test_a_channels_promise_sooner_than_the_urgency_limit_sets_the_first_response(
    alt_store: Store, alt_team: AltTeam
) -> None:
    """S1.1, S2.1: the hotline promises 30 minutes; a normal case's own limit is a working day."""
    phoned = take(alt_store, alt_team, channel="hotline")
    assert phoned.first_response_due == local(17, 10, 30)
    assert clocks(alt_store, phoned.case_id)["first_response"] == local(17, 10, 30)
    row = q.queue_page(alt_store, alt_team.supervisor, now=NOW).rows[0]
    assert row.next_step == "first_response" and row.next_due_at == local(17, 10, 30)
    # A letter promises nothing of its own: one working day, and Wednesday is the centre's day off.
    written = take(alt_store, alt_team, channel="letter", phone="13900001111")
    assert written.first_response_due == local(19, 10)
    with alt_store.read() as s:
        told = s.exec(select(OwnerUpdate.content).where(OwnerUpdate.case_id == written.case_id)).one()
    assert "WY20261117-0002" in told and "2026-11-19 10:00" in told  # S6.1: the receipt says when


def test_working_day_limits_skip_the_centres_day_off_and_count_its_working_saturday(
    alt_store: Store, alt_team: AltTeam
) -> None:
    """Normal resolution is 3 working days: Thursday 19, Friday 20 and the working Saturday 21."""
    r = take(alt_store, alt_team, channel="letter")
    assert r.resolution_due == local(21, 10)
    assert clocks(alt_store, r.case_id) == {"first_response": local(19, 10), "resolution": local(21, 10)}
    steps = {s.step.value: s.due_at for s in q.case_detail(alt_store, alt_team.supervisor, r.case_id, now=NOW).steps}
    assert steps == {"first_response": local(19, 10), "resolution": local(21, 10)}
    # An urgent case: resolution within one working day, so Thursday (the 18th is off).
    urgent = take(alt_store, alt_team, channel="letter", urgency="urgent", phone="13900001111")
    assert urgent.first_response_due == local(17, 12) and urgent.resolution_due == local(19, 10)


def _fed_back(store: Store, team: AltTeam) -> tuple[int, int]:
    """A case walked under the centre's policy to the point where its return visit is due."""
    r = take(store, team, channel="letter")
    v = sv.acknowledge(store, team.desk, r.case_id, r.version, "phone", "已回电").version
    v = sv.assign(store, team.supervisor, r.case_id, v, team.handler.id).version
    v = sv.add_note(store, team.handler, r.case_id, v, "site_inspection", "属实").version
    v = sv.record_finding(
        store,
        team.handler,
        r.case_id,
        v,
        responsibility="property_company",
        cause_code="facility_fault",
        cause_text="老化",
        valid=True,
        validity_reason="核实",
        signatories="业主；李强",
        confirmed_by_id=team.supervisor.id,
    ).version
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    v = sv.plan(
        store, team.handler, r.case_id, v, measures="更换", deadline=deadline, department="engineering",
        responsible_id=team.handler.id,
    ).version  # fmt: skip
    v = sv.resolve(store, team.handler, r.case_id, v).version
    v = sv.give_feedback(
        store, team.desk, r.case_id, v, channel="phone", what_done="修", measures="换", result="好", demand_met="yes"
    ).version
    return r.case_id, v


def test_the_centres_satisfied_minimum_decides_which_visit_closes_and_which_reopens(
    alt_store: Store, alt_team: AltTeam
) -> None:
    """S4.2 with satisfied_min = 3: a 3 closes (the default would refuse it), a 2 does not."""
    cid, v = _fed_back(alt_store, alt_team)
    with pytest.raises(StepRefused) as err:
        sv.log_return_visit(alt_store, alt_team.desk, cid, v, method="phone", satisfaction_score=3, outcome="explained")
    assert err.value.key == "guard.visit_explained_when_satisfied"
    with pytest.raises(StepRefused) as err:
        sv.log_return_visit(alt_store, alt_team.desk, cid, v, method="phone", satisfaction_score=2, outcome="close")
    assert err.value.key == "guard.visit_close_needs_satisfied" and "3" in err.value.message("en")
    done = sv.log_return_visit(alt_store, alt_team.desk, cid, v, method="phone", satisfaction_score=3, outcome="close")
    assert done.status is Status.CLOSED
    assert q.case_detail(alt_store, alt_team.supervisor, cid).close_kind == "satisfied"

    other, v2 = _fed_back(alt_store, alt_team)
    again = sv.log_return_visit(
        alt_store, alt_team.desk, other, v2, method="phone", satisfaction_score=2, outcome="reopen"
    )
    view = q.case_detail(alt_store, alt_team.supervisor, other)
    assert again.status is Status.INVESTIGATING and (view.cycle, view.reopen_count) == (2, 1)


def test_the_policys_roles_decide_who_sees_the_full_phone(alt_store: Store, alt_team: AltTeam) -> None:
    """S6.5 with pii_roles = handler, supervisor: the desk sees a masked number, any handler the full one."""
    r = take(alt_store, alt_team, phone="13812345678")
    shown = {
        who: q.case_detail(alt_store, op, r.case_id).phone
        for who, op in {
            "desk": alt_team.desk,
            "handler": alt_team.handler2,  # not the case's handler: the role alone lets them
            "supervisor": alt_team.supervisor,
            "admin": alt_team.admin,
        }.items()
    }
    assert shown == {
        "desk": "138****5678",
        "handler": "13812345678",
        "supervisor": "13812345678",
        "admin": "138****5678",
    }
    assert q.queue_page(alt_store, alt_team.handler2, now=NOW).rows[0].phone == "138****5678"  # lists never
    request = ExportRequest(ExportFormat.CSV, include_pii=True)
    with pytest.raises(RoleRefused):
        record_pii_export(alt_store, alt_team.desk, request, "cases.csv")
    record_pii_export(alt_store, alt_team.handler, request, "cases.csv")


def test_a_policy_naming_an_unknown_role_for_phones_is_refused() -> None:
    """S6.5: a typo in pii_roles would silently hide or show phones: the file is refused instead."""
    text = ALT_POLICY.read_text("utf-8").replace('pii_roles = ["handler", "supervisor"]', 'pii_roles = ["handlers"]')
    with pytest.raises(PolicyError) as err:
        parse_policy(tomllib.loads(text), "centre.toml")
    assert err.value.policy_key == "pii_roles" and "pii_roles" in err.value.message("zh")


def test_a_case_number_prefix_that_is_not_one_to_four_capitals_is_refused() -> None:
    for prefix in ("wy", "WY1", "ABCDE", ""):
        text = ALT_POLICY.read_text("utf-8").replace('case_number_prefix = "WY"', f'case_number_prefix = "{prefix}"')
        with pytest.raises(PolicyError) as err:
            parse_policy(tomllib.loads(text), "centre.toml")
        assert err.value.policy_key == "case_number_prefix", prefix
