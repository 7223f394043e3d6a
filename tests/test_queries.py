"""The read side: queue filters, sorts and keyset pages; owner and room history; statistics."""

from __future__ import annotations

import datetime as dt

import pytest

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store
from tests.conftest import Team
from tests.helpers import intake_form

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Shanghai


def seed(store: Store, team: Team) -> list[sv.IntakeReceipt]:
    """Twelve cases over twelve days, across channels, categories, urgencies and buildings."""
    channels = ["front_desk", "hotline", "wechat", "owner_app", "email"]
    categories = ["repair", "complaint", "environment"]
    urgencies = ["high", "normal", "low"]
    out = []
    for i in range(12):
        out.append(
            sv.intake(
                store,
                team.desk,
                intake_form(
                    channel=channels[i % 5],
                    category=categories[i % 3],
                    urgency=urgencies[i % 3],
                    phone=f"1391234{i:04d}",
                    building=f"{i % 2 + 1}栋",
                    room=str(1001 + i),
                    received_at=T0 + dt.timedelta(days=i),
                    matter_what=f"第{i}号事项",
                ),
                now=T0 + dt.timedelta(days=i, minutes=1),
            )
        )
    return out


def ids(page: q.QueuePage) -> list[int]:
    return [r.id for r in page.rows]


def test_each_filter_selects_what_it_names(store: Store, team: Team) -> None:
    cases = seed(store, team)
    now = T0 + dt.timedelta(days=20)

    def matches(**f: object) -> set[int]:
        return set(ids(q.queue_page(store, team.supervisor, q.QueueFilter(**f), limit=500, now=now)))  # type: ignore[arg-type]

    every = {c.case_id for c in cases}
    assert matches() == every
    assert matches(channels=("wechat",)) == {cases[i].case_id for i in (2, 7)}
    assert matches(categories=("repair",), urgencies=("high",)) == {cases[i].case_id for i in (0, 3, 6, 9)}
    assert matches(buildings=("2栋",)) == {cases[i].case_id for i in range(1, 12, 2)}
    assert matches(received_from=T0 + dt.timedelta(days=10)) == {cases[10].case_id, cases[11].case_id}
    assert matches(received_until=T0 + dt.timedelta(days=1)) == {cases[0].case_id}
    assert matches(unassigned=True) == every
    v = sv.assign(store, team.supervisor, cases[4].case_id, cases[4].version, team.handler.id).version
    assert matches(mine=True) == set()
    assert set(ids(q.queue_page(store, team.handler, q.QueueFilter(mine=True), now=now))) == {cases[4].case_id}
    assert matches(assignee_id=team.handler.id) == {cases[4].case_id}
    assert matches(departments=("engineering",)) == {c.case_id for i, c in enumerate(cases) if i % 3 == 0} | {
        cases[4].case_id
    }
    assert matches(statuses=("received",)) == every
    sv.withdraw(store, team.desk, cases[4].case_id, v, "已解决")
    assert cases[4].case_id not in matches(open_only=True)
    assert matches(statuses=("withdrawn",)) == {cases[4].case_id}
    # Overdue: every first response is long past due twenty days later, none is just after intake.
    assert matches(overdue=True) == every - {cases[4].case_id}
    assert set(ids(q.queue_page(store, team.supervisor, q.QueueFilter(overdue=True), now=T0))) == set()
    assert matches(search="第3号") == {cases[3].case_id}


@pytest.mark.parametrize("sort", list(q.QueueSort))
def test_keyset_pages_cover_the_queue_once_in_order(store: Store, team: Team, sort: q.QueueSort) -> None:
    cases = seed(store, team)
    seen: list[q.QueueRow] = []
    cursor = None
    while True:
        page = q.queue_page(store, team.desk, sort=sort, after=cursor, limit=5)
        assert len(page.rows) <= 5
        seen.extend(page.rows)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(r.id for r in seen) == sorted(c.case_id for c in cases) and len(seen) == 12
    if sort is q.QueueSort.URGENT:
        dues = [r.next_due_at for r in seen]
        assert dues == sorted(dues)  # type: ignore[type-var]
    elif sort is q.QueueSort.NEWEST:
        assert [r.received_at for r in seen] == sorted((r.received_at for r in seen), reverse=True)
    else:
        assert [r.received_at for r in seen] == sorted(r.received_at for r in seen)


def test_queue_rows_mask_the_phone_and_carry_the_next_due_step(store: Store, team: Team) -> None:
    """S6.5: lists never show the full number."""
    r = sv.intake(store, team.desk, intake_form(phone="13812345678"))
    row = q.queue_page(store, team.supervisor).rows[0]
    assert row.phone == "138****5678" and row.number == r.number
    assert row.next_step == "first_response" and row.next_due_at == r.first_response_due


def test_the_case_view_shows_the_full_phone_only_to_who_needs_it(store: Store, team: Team) -> None:
    r = sv.intake(store, team.desk, intake_form(phone="13812345678"))
    assert q.case_detail(store, team.desk, r.case_id).phone == "13812345678"
    assert q.case_detail(store, team.handler2, r.case_id).phone == "138****5678"
    sv.assign(store, team.supervisor, r.case_id, r.version, team.handler2.id)
    assert q.case_detail(store, team.handler2, r.case_id).phone == "13812345678"  # the case's own handler


def test_owner_and_room_history_and_likely_duplicates(store: Store, team: Team) -> None:
    """S6.2: the desk finds the caller's cases from the phone or the room in one query."""
    first = sv.intake(store, team.desk, intake_form(phone="13812345678", room="1502"))
    closed = sv.intake(store, team.desk, intake_form(phone="13812345678", room="1502", matter_what="旧事"))
    sv.withdraw(store, team.desk, closed.case_id, closed.version, "已解决")
    sv.intake(store, team.desk, intake_form(phone="13700000000", room="1502", owner_name="张太太"))
    sv.intake(store, team.desk, intake_form(phone="13600000000", room="801", owner_name="李先生"))
    by_phone = q.owner_history(store, team.desk, "+86 138 1234 5678")
    assert [h.number for h in by_phone][0] == first.number and len(by_phone) == 2
    assert [h.is_open for h in by_phone] == [True, False]  # open cases first
    assert by_phone[0].phone == "138****5678"
    assert len(q.room_history(store, team.desk, "3栋", "2", "1502")) == 3
    dup = q.likely_duplicates(
        store, team.desk, phone="13812345678", building="3栋", unit="2", room="1502", category="repair"
    )
    assert {h.number for h in dup} == {first.number, q.room_history(store, team.desk, "3栋", "2", "1502")[0].number}
    assert all(h.is_open for h in dup)
    assert q.owner_history(store, team.desk, "not a phone") == []


def test_statistics_count_what_the_cases_hold(store: Store, team: Team) -> None:
    """S4.3, S6.6: counts by class, on-time rates per step, satisfaction, reopen rate, weekly trend."""
    cases = seed(store, team)
    c0 = cases[0]
    v = sv.acknowledge(
        store, team.desk, c0.case_id, c0.version, "phone", "已回电", now=T0 + dt.timedelta(minutes=30)
    ).version
    c1 = cases[1]
    sv.acknowledge(store, team.desk, c1.case_id, c1.version, "phone", "已回电", now=T0 + dt.timedelta(days=1, hours=5))
    sv.pause(store, team.desk, c0.case_id, v, "等业主", now=T0 + dt.timedelta(hours=1))
    stats = q.statistics(store, now=T0 + dt.timedelta(days=30))
    assert stats.total == 12
    assert stats.by_status == {"received": 10, "investigating": 2}
    assert stats.by_category == {"repair": 4, "complaint": 4, "environment": 4}
    assert stats.by_building == {"1栋": 6, "2栋": 6}
    assert stats.by_channel["front_desk"] == 3 and sum(stats.by_channel.values()) == 12
    fr = stats.on_time["first_response"]
    assert (fr.done, fr.done_on_time, fr.open_overdue) == (2, 1, 10)
    assert fr.rate == 0.5
    assert [(w.week_start, w.received) for w in stats.weekly] == [(dt.date(2026, 11, 2), 7), (dt.date(2026, 11, 9), 5)]
    window = q.statistics(store, since=T0 + dt.timedelta(days=7), until=T0 + dt.timedelta(days=9))
    assert window.total == 2
    assert stats.satisfaction_count == 0 and stats.reopen_rate is None


@pytest.mark.parametrize("sort", list(q.QueueSort))
def test_keyset_pages_through_cases_that_share_a_sort_key(store: Store, team: Team, sort: q.QueueSort) -> None:
    """S5.2: withdrawn cases all sort at the same key (no running clock): paging three at a time
    through them still shows each case once, in key then id order (or its reverse for newest)."""
    cases = seed(store, team)
    for c in cases[:8]:
        sv.withdraw(store, team.desk, c.case_id, c.version, "业主撤回")
    seen: list[q.QueueRow] = []
    cursor = None
    for _ in range(10):  # four pages hold them; a cursor that does not move must not loop forever
        page = q.queue_page(store, team.desk, sort=sort, after=cursor, limit=3)
        seen.extend(page.rows)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(r.id for r in seen) == sorted(c.case_id for c in cases) and len(seen) == 12
    if sort is q.QueueSort.URGENT:
        withdrawn = [r.id for r in seen if r.status == "withdrawn"]
        assert seen[-8:] == [r for r in seen if r.status == "withdrawn"] and withdrawn == sorted(withdrawn)
    else:
        keys = [(r.received_at, r.id) for r in seen]
        assert keys == sorted(keys, reverse=sort is q.QueueSort.NEWEST)
