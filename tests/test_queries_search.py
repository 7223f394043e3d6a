"""Searching the queue and the views that read more than one index range (issue 11 item 2, issue 8
item 4; SPEC S5.2, S6.2), on SQLite and PostgreSQL.

Words and the last four digits of a phone list their cases newest first (oldest first under the
oldest sort), page by page, each case once; a view filter still applies. Four digits are the end
of an owner's phone or a word of the case (a room), not the start of a phone. Cases received
since a day come in due order; a section of several statuses pages in its order across them.
"""

from __future__ import annotations

import datetime as dt

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store
from tests.conftest import Team
from tests.helpers import intake_form
from tests.test_services import investigated

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Shanghai
LATER = T0 + dt.timedelta(days=30)


def every_page(store: Store, team: Team, filt: q.QueueFilter, sort: q.QueueSort, limit: int = 2) -> list[int]:
    """The ids of every page of ``filt`` in ``sort``, following the cursors to the end."""
    seen: list[int] = []
    cursor = None
    for _ in range(50):
        page = q.queue_page(store, team.supervisor, filt, sort, cursor, limit, now=LATER)
        assert len(page.rows) <= limit
        seen.extend(r.id for r in page.rows)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor
    raise AssertionError("the pages never ended")


def take(store: Store, team: Team, day: int, **form: object) -> int:
    at = T0 + dt.timedelta(days=day)
    return sv.intake(store, team.desk, intake_form(received_at=at, **form), now=at).case_id


def test_a_word_lists_its_cases_newest_first_page_by_page(store: Store, team: Team) -> None:
    """S5.2: every case that says 漏水 once, newest first, two to a page; oldest first under the
    oldest sort; a word in a case that is withdrawn is not in the open section."""
    leaks = [take(store, team, day, matter_what=f"{day}楼漏水", room=str(1501 + day)) for day in range(5)]
    take(store, team, 5, matter_what="电梯停运", room="1601")
    take(store, team, 6, matter_what="漏了一点水", room="1602")  # 漏 and 水, not the word 漏水
    for sort in q.QueueSort:
        expected = sorted(leaks) if sort is q.QueueSort.OLDEST else sorted(leaks, reverse=True)
        assert every_page(store, team, q.QueueFilter(search="漏水"), sort) == expected, sort
    withdrawn = leaks[2]
    sv.withdraw(store, team.desk, withdrawn, 1, "已自行修好", now=T0 + dt.timedelta(days=8))
    open_leaks = every_page(store, team, q.QueueFilter(open_only=True, search="漏水"), q.QueueSort.URGENT)
    assert open_leaks == sorted(set(leaks) - {withdrawn}, reverse=True)
    assert q.queue_count(store, team.supervisor, q.QueueFilter(open_only=True, search="漏水")) == 4


def test_four_digits_find_the_end_of_a_phone_and_a_room_but_not_the_start_of_a_phone(store: Store, team: Team) -> None:
    """Issue 8 item 4: ``1821`` (as typed, or full-width) finds both cases of the owner whose phone
    ends in 1821 and the case in room 1821; not the owner whose phone starts with 1821, nor another
    number; the count agrees with the pages."""
    theirs = [take(store, team, day, phone="189 9646 1821", room=str(801 + day)) for day in range(2)]
    room = take(store, team, 2, phone="13812345678", room="1821")
    take(store, team, 3, phone="18210000000", room="1703")  # starts with 1821
    take(store, team, 4, phone="13912340000", room="1901")
    expected = sorted([*theirs, room], reverse=True)
    for typed in ("1821", " 1821 ", "１８２１"):
        assert every_page(store, team, q.QueueFilter(search=typed), q.QueueSort.URGENT) == expected, typed
        assert q.queue_count(store, team.supervisor, q.QueueFilter(search=typed)) == 3
    assert every_page(store, team, q.QueueFilter(search="1821"), q.QueueSort.OLDEST) == sorted(expected)
    assert every_page(store, team, q.QueueFilter(search="0000"), q.QueueSort.URGENT) != []  # 13912340000
    assert every_page(store, team, q.QueueFilter(search="4321"), q.QueueSort.URGENT) == []
    # The whole phone, typed as the placeholder shows it, still finds only that owner.
    assert sorted(every_page(store, team, q.QueueFilter(search="189 9646 1821"), q.QueueSort.URGENT)) == theirs


def test_cases_received_since_a_day_come_in_due_order(store: Store, team: Team) -> None:
    """A case received the day before is left out even when its step falls due after that day;
    the ones received since come in due order (the same urgency: received order)."""
    since_at = T0 + dt.timedelta(hours=12)
    just_before = T0 + dt.timedelta(hours=11, minutes=59)  # its first step falls due after since_at
    before = sv.intake(store, team.desk, intake_form(received_at=just_before), now=just_before).case_id
    since = [take(store, team, day) for day in (1, 2, 3)]
    filt = q.QueueFilter(received_from=since_at)
    assert every_page(store, team, filt, q.QueueSort.URGENT) == since
    assert before not in every_page(store, team, filt, q.QueueSort.NEWEST)


def test_a_section_of_two_statuses_pages_through_both_in_its_order(store: Store, team: Team) -> None:
    """A view of several statuses reads each one's page and merges them: one page at a time,
    every case once, in the view's order across the two statuses, in each sort."""
    received = [take(store, team, day) for day in (0, 2, 4)]
    investigating = [investigated(store, team)[0] for _ in range(2)]
    gone = take(store, team, 5)
    sv.withdraw(store, team.desk, gone, 1, "不需要了", now=T0 + dt.timedelta(days=6))  # a third status
    filt = q.QueueFilter(statuses=("received", "investigating"))
    for sort in q.QueueSort:
        seen = every_page(store, team, filt, sort)
        assert sorted(seen) == sorted([*received, *investigating]), sort
        rows = {r.id: r for r in q.queue_page(store, team.supervisor, filt, sort, limit=100, now=LATER).rows}
        assert seen == list(rows), sort  # the same order page by page as on one page
        if sort is q.QueueSort.URGENT:
            dues = [rows[i].next_due_at for i in seen]
            assert dues == sorted(dues)  # type: ignore[type-var]
        else:
            times = [rows[i].received_at for i in seen]
            assert times == sorted(times, reverse=sort is q.QueueSort.NEWEST), sort
