"""Correcting the intake record and reclassifying a case (issue 8 item 9), on both databases:
who may, until when (the case view offering it by the same window the save checks), what the
store then holds, and what the history keeps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlmodel import col, select

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.errors import InvalidInput, RoleRefused, StepRefused
from complaint_tui.i18n import t
from complaint_tui.models import AuditEvent, Case, Owner, Room, StepClock
from complaint_tui.operators import Operator
from complaint_tui.policy import load_policy
from complaint_tui.screens.case import CaseScreen
from complaint_tui.services.correction import correct_intake, reclassify
from complaint_tui.textual_private import screen_lines
from complaint_tui.views.case import CaseView
from complaint_tui.workflow import Action
from tests.conftest import ALT_POLICY, TEAM_PINS, Team
from tests.helpers import intake_form
from tests.tui.conftest import make_app, settle, shown

T0 = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)  # Wednesday 10:00 in Shanghai

RECORD: dict[str, Any] = {
    "owner_name": "张伟",
    "phone": "138 1234 5678",
    "building": "3栋",
    "unit": "2",
    "room": "1502",
    "object_text": "卫生间天花板",
    "matter_what": "楼上漏水，天花板滴水",
    "matter_when": "昨晚十点起",
    "matter_where": "主卫",
    "matter_state": "仍在滴水",
    "demand": "尽快维修并查明原因",
}


def taken(store: Store, team: Team, **changes: Any) -> sv.IntakeReceipt:
    return sv.intake(store, team.desk, intake_form(received_at=T0, **changes), now=T0)


def the_case(store: Store, case_id: int) -> tuple[Case, Owner, Room]:
    with store.read() as s:
        case = s.get(Case, case_id)
        assert case is not None
        owner, room = s.get(Owner, case.owner_id), s.get(Room, case.room_id)
        assert owner is not None and room is not None
        return case, owner, room


def last_event(store: Store, case_id: int) -> AuditEvent:
    with store.read() as s:
        event = s.exec(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(col(AuditEvent.id).desc())
        ).first()
        assert event is not None
        return event


def test_the_desk_corrects_a_wrong_phone_and_room_within_the_window(store: Store, team: Team) -> None:
    """Issue 8 item 9: the wrong phone, room and owner name are corrected; the case now belongs
    to the right owner and room, the search finds the new number, and the history keeps the old
    values beside the new ones (S1.4)."""
    r = taken(store, team)
    fixed = RECORD | {"owner_name": "张玮", "phone": "139-8765-4321", "room": "1503", "object_text": "厨房燃气表"}
    change = correct_intake(store, team.desk, r.case_id, r.version, **fixed, now=T0 + dt.timedelta(minutes=90))
    assert change.version == r.version + 1
    case, owner, room = the_case(store, r.case_id)
    assert (owner.name, owner.phone, room.room) == ("张玮", "13987654321", "1503")
    event = last_event(store, r.case_id)
    assert event.action == "correct_intake"
    assert event.after is not None
    corrected = event.after["corrected"]
    assert corrected["phone"] == {"before": "13812345678", "after": "13987654321"}
    assert corrected["room"] == {"before": "1502", "after": "1503"}
    assert corrected["owner_name"] == {"before": "张伟", "after": "张玮"}
    assert "building" not in corrected  # only what changed
    assert "Phone: 13812345678 → 13987654321" in history_words(store, team, r.case_id, "en")[-1]
    assert "房号：1502 → 1503" in history_words(store, team, r.case_id, "zh")[-1]
    assert found(store, team, "13987654321") == {case.id}
    assert found(store, team, "13812345678") == set()
    # The search index holds the corrected words, not the ones first typed.
    assert found(store, team, "燃气表") == {case.id}
    assert found(store, team, "卫生间天花板") == set()


def history_words(store: Store, team: Team, case_id: int, lang: str) -> list[str]:
    """The history tab's "change" column, as the case view writes it."""
    d = q.case_detail(store, team.supervisor, case_id)
    view = CaseView(store.policy, lang, T0, {})
    return [view.change_words(a.before, a.after, d.staff_names) for a in d.history]


def found(store: Store, team: Team, words: str) -> set[int | None]:
    page = q.queue_page(store, team.supervisor, q.QueueFilter(search=words), now=T0)
    return {row.id for row in page.rows}


def test_after_the_window_the_desk_is_refused_and_a_supervisor_is_not(store: Store, team: Team) -> None:
    """The default policy's window is 2 hours: at 2 h 1 min the desk is told until when it could
    have, nothing is written; the supervisor corrects the matter then."""
    r = taken(store, team)
    late = T0 + dt.timedelta(hours=2, minutes=1)
    fixed = RECORD | {"matter_what": "楼上漏水，客厅也有水渍"}
    with pytest.raises(StepRefused) as refused:
        correct_intake(store, team.desk, r.case_id, r.version, **fixed, now=late)
    assert refused.value.key == "guard.correction_window"
    assert "2026-11-25 12:00" in refused.value.message("en")
    assert the_case(store, r.case_id)[0].version == r.version
    # At exactly the end of the window the desk still may.
    edge = correct_intake(store, team.desk, r.case_id, r.version, **fixed, now=T0 + dt.timedelta(hours=2))
    again = RECORD | {"matter_what": "楼上漏水，客厅和卧室都有水渍"}
    correct_intake(store, team.supervisor, r.case_id, edge.version, **again, now=T0 + dt.timedelta(days=3))
    assert the_case(store, r.case_id)[0].matter_what == "楼上漏水，客厅和卧室都有水渍"


def test_the_window_follows_the_policy(alt_store: Store) -> None:
    """Under a centre's own policy (correction_window = "1wd") the desk may still correct the
    next working day at 09:59 (Thursday), where the default's 2 hours are long gone."""
    sv.add_staff(alt_store, None, login="wang", name="王芳", role="supervisor", pin_code="2468")
    boss = sv.sign_in(alt_store, "wang", "2468")
    sv.add_staff(alt_store, boss, login="zhao", name="赵敏", role="desk", pin_code="1357")
    desk = sv.sign_in(alt_store, "zhao", "1357")
    r = sv.intake(alt_store, desk, intake_form(received_at=T0), now=T0)
    fixed = RECORD | {"unit": "3"}
    change = correct_intake(alt_store, desk, r.case_id, r.version, **fixed, now=T0 + dt.timedelta(hours=23, minutes=59))
    assert the_case(alt_store, r.case_id)[2].unit == "3"
    with pytest.raises(StepRefused) as refused:
        correct_intake(
            alt_store,
            desk,
            r.case_id,
            change.version,
            **(fixed | {"unit": "4"}),
            now=T0 + dt.timedelta(hours=24, minutes=1),
        )
    assert refused.value.key == "guard.correction_window"


def test_a_correction_is_checked_as_at_intake_and_writes_nothing_when_wrong(store: Store, team: Team) -> None:
    r = taken(store, team)
    bad = RECORD | {"phone": "12345", "building": "", "demand": " "}
    with pytest.raises(InvalidInput) as wrong:
        correct_intake(store, team.desk, r.case_id, r.version, **bad, now=T0)
    assert {p.field for p in wrong.value.problems} == {"phone", "building", "demand"}
    with pytest.raises(InvalidInput) as same:
        correct_intake(store, team.desk, r.case_id, r.version, **RECORD, now=T0)
    assert [p.rule for p in same.value.problems] == ["nothing_changed"]
    case, owner, room = the_case(store, r.case_id)
    assert (case.version, owner.phone, room.building) == (r.version, "13812345678", "3栋")


def test_a_handler_may_not_correct_the_intake_record(store: Store, team: Team) -> None:
    r = taken(store, team)
    with pytest.raises(RoleRefused) as refused:
        correct_intake(store, team.handler, r.case_id, r.version, **(RECORD | {"unit": "5"}), now=T0)
    assert refused.value.key == "guard.role"


def open_clocks(store: Store, case_id: int) -> dict[str, dt.datetime]:
    with store.read() as s:
        rows = s.exec(select(StepClock).where(StepClock.case_id == case_id, col(StepClock.done_at).is_(None))).all()
        return {c.step: c.due_at for c in rows}


def test_raising_to_safety_restarts_the_open_clocks_by_the_new_limits(store: Store, team: Team) -> None:
    """S6.3: a leak found to be a safety matter an hour after intake: the category becomes
    safety, the urgency critical, the resolution clock restarts at 24 h from now (not 3 working
    days from intake) and the queue sorts by it; the reason is in the history."""
    r = taken(store, team)
    v = sv.acknowledge(
        store, team.desk, r.case_id, r.version, "phone", "已回电", now=T0 + dt.timedelta(minutes=30)
    ).version
    now = T0 + dt.timedelta(hours=1)
    reclassify(store, team.handler, r.case_id, v, category="safety", urgency="normal", reason="电线泡水", now=now)
    case = the_case(store, r.case_id)[0]
    assert (case.category, case.urgency) == ("safety", "critical")
    assert open_clocks(store, r.case_id) == {"resolution": now + dt.timedelta(hours=24)}
    assert case.next_due_at == now + dt.timedelta(hours=24)
    event = last_event(store, r.case_id)
    assert event.action == "reclassify" and event.after is not None
    assert event.after["reason"] == "电线泡水"
    assert event.before is not None and event.before["urgency"] == "normal" and event.after["urgency"] == "critical"
    assert (event.after["category_before"], event.after["category"]) == ("repair", "safety")
    assert (
        history_words(store, team, r.case_id, "en")[-1]
        == "Category: Repair → Safety; Urgency: Normal → Critical; 电线泡水"
    )
    assert history_words(store, team, r.case_id, "zh")[-1] == "类别：报修类 → 安全类；紧急程度：一般 → 特急；电线泡水"


def test_raising_the_urgency_to_the_top_restarts_too_but_never_later(store: Store, team: Team) -> None:
    """Raised to critical with the first response still open: it becomes due 30 min from now,
    sooner than the 2 h it had; a clock already due sooner than the new limit keeps its time."""
    r = taken(store, team)
    now = T0 + dt.timedelta(minutes=20)
    reclassify(
        store, team.supervisor, r.case_id, r.version, category="repair", urgency="critical", reason="老人独居", now=now
    )
    clocks = open_clocks(store, r.case_id)
    assert clocks["first_response"] == now + dt.timedelta(minutes=30)
    assert clocks["resolution"] == now + dt.timedelta(hours=24)
    r2 = taken(store, team, phone="139 1111 2222")
    late = T0 + dt.timedelta(hours=1, minutes=50)  # first response due at T0+2h: 10 min left
    reclassify(
        store, team.supervisor, r2.case_id, r2.version, category="repair", urgency="critical", reason="升级", now=late
    )
    assert open_clocks(store, r2.case_id)["first_response"] == T0 + dt.timedelta(hours=2)


def test_a_raise_short_of_safety_keeps_the_running_clocks(store: Store, team: Team) -> None:
    """Only a safety matter restarts the clocks (S6.3): normal → high 10 minutes after intake
    keeps the first response due at 2 h (high's 1 h from now would be sooner)."""
    r = taken(store, team)
    before = open_clocks(store, r.case_id)
    now = T0 + dt.timedelta(minutes=10)
    reclassify(
        store, team.supervisor, r.case_id, r.version, category="repair", urgency="high", reason="老人独居", now=now
    )
    assert open_clocks(store, r.case_id) == before
    assert the_case(store, r.case_id)[0].urgency == "high"


def test_lowering_keeps_the_running_clocks(store: Store, team: Team) -> None:
    r = taken(store, team, urgency="high")
    before = open_clocks(store, r.case_id)
    reclassify(store, team.supervisor, r.case_id, r.version, category="complaint", urgency="low", reason="误判", now=T0)
    assert open_clocks(store, r.case_id) == before
    assert the_case(store, r.case_id)[0].urgency == "low"


def test_reclassify_needs_a_reason_a_change_and_a_handling_role(store: Store, team: Team) -> None:
    r = taken(store, team)
    with pytest.raises(InvalidInput) as no_reason:
        reclassify(store, team.supervisor, r.case_id, r.version, category="safety", urgency="normal", reason=" ")
    assert [p.field for p in no_reason.value.problems] == ["reason"]
    with pytest.raises(InvalidInput) as same:
        reclassify(store, team.supervisor, r.case_id, r.version, category="repair", urgency="normal", reason="无")
    assert [p.rule for p in same.value.problems] == ["nothing_changed"]
    with pytest.raises(RoleRefused) as refused:
        reclassify(store, team.desk, r.case_id, r.version, category="safety", urgency="normal", reason="漏电")
    assert refused.value.key == "guard.role"
    assert the_case(store, r.case_id)[0].category == "repair"


def alt_centre(store: Store) -> tuple[Operator, Operator]:
    """A supervisor and a desk clerk (with the test PINs) on a store under the alternative policy."""
    sv.add_staff(store, None, login="wang", name="王芳", role="supervisor", pin_code=TEAM_PINS["wang"])
    boss = sv.sign_in(store, "wang", TEAM_PINS["wang"])
    sv.add_staff(store, boss, login="zhao", name="赵敏", role="desk", pin_code=TEAM_PINS["zhao"])
    return boss, sv.sign_in(store, "zhao", TEAM_PINS["zhao"])


def test_the_case_view_offers_the_correction_by_the_same_window(alt_store: Store) -> None:
    """Issue 8 item 9: the desk was offered 'correct the intake record' after its window and
    refused only on save. Under a window of one working day (not the default 2 hours) the case
    view offers it at Thursday 09:59 and the save goes through; at 10:01 the view refuses it
    with the very words the save refuses with; a supervisor is offered it still."""
    boss, desk = alt_centre(alt_store)
    r = sv.intake(alt_store, desk, intake_form(received_at=T0), now=T0)
    inside, outside = T0 + dt.timedelta(hours=23, minutes=59), T0 + dt.timedelta(days=1, minutes=1)
    assert q.case_detail(alt_store, desk, r.case_id, inside).actions[Action.CORRECT_INTAKE] is None
    change = correct_intake(alt_store, desk, r.case_id, r.version, **(RECORD | {"unit": "3"}), now=inside)
    offered = q.case_detail(alt_store, desk, r.case_id, outside).actions[Action.CORRECT_INTAKE]
    assert offered is not None and offered.key == "guard.correction_window"
    with pytest.raises(StepRefused) as refused:
        correct_intake(alt_store, desk, r.case_id, change.version, **(RECORD | {"unit": "4"}), now=outside)
    for lang in ("zh", "en"):
        assert offered.message(lang) == refused.value.message(lang)
    assert "2026-11-26 10:00" in offered.message("en")
    assert q.case_detail(alt_store, boss, r.case_id, outside).actions[Action.CORRECT_INTAKE] is None
    assert the_case(alt_store, r.case_id)[2].unit == "3"


async def test_the_desk_screen_stops_offering_the_correction_when_the_window_ends(sqlite_store: Store) -> None:
    """On the desk's case screen the key ``I`` is on the key bar inside the window (Thursday
    09:59 under a one-working-day window); once the window has ended (10:01, the case shown
    again) the key is not offered, and pressing it says until when the desk could have and
    opens no form. The refusal's words in both languages are checked above."""
    store = Store(sqlite_store.engine, load_policy(ALT_POLICY))
    _, desk = alt_centre(store)
    r = sv.intake(store, desk, intake_form(received_at=T0), now=T0)
    words = t("action.correct_intake", "zh")
    app = make_app(store, "zh", operator="zhao", now=T0 + dt.timedelta(hours=23, minutes=59))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        app.open_case(r.case_id)
        await settle(pilot)
        assert f"I {words}" in "\n".join(screen_lines(app.screen)[-2:])
        app.clock = lambda: T0 + dt.timedelta(days=1, minutes=1)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        screen.load()
        await settle(pilot)
        bar = "\n".join(screen_lines(app.screen)[-2:])
        assert words not in bar, bar
        await pilot.press("I")
        await settle(pilot)
        assert app.screen is screen  # no form
        assert "2026-11-26 10:00" in shown(app, "#status")
