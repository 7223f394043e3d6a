"""Searching the queue and the views that read more than one index range (issue 11 item 2, issue 8
item 4; SPEC S5.2, S6.2), on SQLite and PostgreSQL.

Words list their cases in the view's own order, page by page, each case once, exactly the cases
whose texts hold them (a LIKE scan), whichever of the two plans reads them: a word in few cases
has all of them read and sorted; a word in many has the view read in order and each case's words
checked. The last four digits of a phone list their cases newest first (oldest first under the
oldest sort). Four digits are the end of an owner's phone or a word of the case (a room), not the
start of a phone. Cases received since a day come in due order; a section of several statuses
pages in its order across them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.operators import Operator
from complaint_tui.queries import queue
from complaint_tui.queries.search import read_search
from complaint_tui.queries.sections import SECTIONS
from tests.conftest import Team
from tests.helpers import intake_form
from tests.test_services import finding, investigated, later

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


def test_a_word_lists_its_cases_in_the_views_order_page_by_page(store: Store, team: Team) -> None:
    """S5.2: every case that says 漏水 once, two to a page, in the chosen sort (the same urgency
    received a day apart: due order is received order); a word in a case that is withdrawn is
    not in the open section."""
    leaks = [take(store, team, day, matter_what=f"{day}楼漏水", room=str(1501 + day)) for day in range(5)]
    take(store, team, 5, matter_what="电梯停运", room="1601")
    take(store, team, 6, matter_what="漏了一点水", room="1602")  # 漏 and 水, not the word 漏水
    for sort in q.QueueSort:
        expected = sorted(leaks, reverse=sort is q.QueueSort.NEWEST)
        assert every_page(store, team, q.QueueFilter(search="漏水"), sort) == expected, sort
    withdrawn = leaks[2]
    sv.withdraw(store, team.desk, withdrawn, 1, "已自行修好", now=T0 + dt.timedelta(days=8))
    open_leaks = every_page(store, team, q.QueueFilter(open_only=True, search="漏水"), q.QueueSort.URGENT)
    assert open_leaks == sorted(set(leaks) - {withdrawn})
    assert q.queue_count(store, team.supervisor, q.QueueFilter(open_only=True, search="漏水")) == 4


# The searches asked of every section: a word, a word in a case only as 漏 and 水 apart, a Latin
# word matched from the start of a word (not inside HiWiFi), two words at once, a word no case
# holds, and the start of every case number (the first word of each case's search document).
SEARCHES = ("漏水", "电梯", "wifi", "漏水 电梯", "停电", "TS2026")


def _sections_of_every_kind(store: Store, team: Team) -> None:
    """Cases in every section, saying one or more of the words or none: received (unassigned),
    investigating (the handler's own), resolved (awaiting feedback), fed back (awaiting the
    visit), reopened, withdrawn (in all only). Each in a room of its own (a word of the case)."""
    rooms = iter(range(2101, 2200))

    def handled(what: str) -> tuple[int, int]:
        return investigated(store, team, matter_what=what, room=str(next(rooms)))

    def resolved(what: str) -> tuple[int, int]:
        cid, v = handled(what)
        v = finding(store, team, cid, v)
        v = sv.plan(
            store,
            team.handler,
            cid,
            v,
            measures="维修",
            deadline=later(),
            department="engineering",
            responsible_id=team.handler.id,
        ).version
        return cid, sv.resolve(store, team.handler, cid, v).version

    def fed_back(what: str) -> tuple[int, int]:
        cid, v = resolved(what)
        feedback = {"what_done": "维修", "measures": "更换", "result": "修好", "demand_met": "yes"}
        return cid, sv.give_feedback(store, team.desk, cid, v, channel="phone", **feedback).version

    for day, what in enumerate(
        ("楼上漏水严重", "电梯停运三天", "WiFi信号差，楼道漏水", "漏了一点水", "路由器HiWiFi坏了")
    ):
        take(store, team, day, matter_what=what, room=str(next(rooms)))
    for what in ("电梯井漏水", "噪音扰民"):
        handled(what)
    for what in ("楼上漏水严重", "WiFi断网，电梯也停"):
        resolved(what)
    fed_back("电梯井漏水")
    cid, v = fed_back("WiFi信号差，楼道漏水")
    sv.log_return_visit(
        store, team.desk, cid, v, method="phone", satisfaction_score=2, outcome="reopen", remaining_issues="仍有异味"
    )
    gone = take(store, team, 7, matter_what="楼上漏水严重", room=str(next(rooms)))
    sv.withdraw(store, team.desk, gone, 1, "不需要了", now=T0 + dt.timedelta(days=8))


def _pages(store: Store, viewer: Operator, filt: q.QueueFilter, sort: q.QueueSort) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(50):
        page = q.queue_page(store, viewer, filt, sort, cursor, 2, now=LATER)
        seen.extend(r.id for r in page.rows)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor
    raise AssertionError("the pages never ended")


def _like_scan(store: Store, search: str) -> set[int]:
    """The cases whose complaint holds every word of ``search`` (a LIKE scan of the text; a case
    number's start: of the number), leaving out a Latin word found only inside another word."""
    words = search.lower().split()
    column = "number" if search.startswith("TS") else "matter_what"
    where = " AND ".join(f"lower({column}) LIKE :w{i} AND lower({column}) NOT LIKE :x{i}" for i in range(len(words)))
    values = {f"w{i}": f"%{w}%" for i, w in enumerate(words)} | {f"x{i}": f"%hi{w}%" for i, w in enumerate(words)}
    with store.read() as session:
        return {int(row[0]) for row in session.execute(text(f"SELECT id FROM complaint_case WHERE {where}"), values)}


def test_both_plans_equal_a_like_scan_in_every_section_and_sort(
    store: Store, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11 item 2: whichever plan reads a word (all its cases sorted, or the view read in
    order and each case's words checked: the threshold decides, set here to force each), every
    section in every sort lists exactly the cases a LIKE scan finds there, in the section's own
    order (its cases without the search, kept where they hold the words), two to a page."""
    _sections_of_every_kind(store, team)
    orders = {
        (section.code, sort): _pages(
            store, team.handler if section.filter.mine else team.supervisor, section.filter, sort
        )
        for section in SECTIONS
        for sort in q.QueueSort
    }
    for plan, threshold in (("hits", 10**6), ("view", -1)):
        monkeypatch.setattr(queue, "WORD_HITS_SORTED", threshold)
        some = 0
        for search in SEARCHES:
            holding = _like_scan(store, search)
            for section in SECTIONS:
                viewer = team.handler if section.filter.mine else team.supervisor
                for sort in q.QueueSort:
                    found = _pages(store, viewer, section.filter.with_(search=search), sort)
                    expected = [i for i in orders[section.code, sort] if i in holding]
                    assert found == expected, (plan, search, section.code, sort)
                    some += len(found)
            sql, _ = queue.page_statement(store, team.supervisor, q.QueueFilter(search=search), now=LATER)
            assert ("case_search_content" in sql or "strpos(" in sql) is (plan == "view"), sql
        assert some > 60, (plan, some)  # the words are in every kind of section, not a test of empty pages


def test_the_word_in_at_most_the_threshold_of_cases_is_read_from_the_index_one_more_from_the_view(
    store: Store, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rule that chooses the plan: a word in at most ``WORD_HITS_SORTED`` cases is read from
    the search index and sorted; in one case more, the view is read and each case checked. The
    pages are the same either way. SQLite counts the cases exactly; PostgreSQL's planner
    estimates them (its index cannot stop counting early)."""
    leaks = [take(store, team, day, matter_what="楼上漏水", room=str(1501 + day)) for day in range(3)]
    take(store, team, 3, matter_what="电梯停运", room="1601")
    filt = q.QueueFilter(open_only=True, search="漏水")
    found = read_search(store.dialect, "漏水", store.policy.case_number_prefix)
    assert found is not None
    counted = queue.word_hits_at_most(store, found, 100)
    if store.dialect == "sqlite":
        assert counted == 3
        assert queue.word_hits_at_most(store, found, 1) == 2  # stops one past the bound
    for threshold, plan in ((counted, "hits"), (counted - 1, "view")):
        monkeypatch.setattr(queue, "WORD_HITS_SORTED", threshold)
        sql, _ = queue.page_statement(store, team.supervisor, filt, now=LATER)
        assert ("case_search_content" in sql or "strpos(" in sql) is (plan == "view"), (threshold, sql)
        assert every_page(store, team, filt, q.QueueSort.URGENT) == leaks, plan


def test_a_word_the_index_folds_is_found_as_the_index_finds_it(
    store: Store, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``café`` finds a case saying ``Cafe`` on SQLite, whose index folds accents, even where a
    word in many cases would be checked in each case's text (which holds the letters unfolded):
    such a word is always read from the index. (PostgreSQL's ``simple`` configuration keeps
    accents: there ``café`` is not ``cafe``, with either plan.)"""
    monkeypatch.setattr(queue, "WORD_HITS_SORTED", -1)
    cafe = take(store, team, 0, matter_what="Cafe门口漏水", room="1501")
    take(store, team, 1, matter_what="楼上漏水", room="1502")
    found = every_page(store, team, q.QueueFilter(open_only=True, search="café"), q.QueueSort.URGENT)
    assert found == ([cafe] if store.dialect == "sqlite" else [])
