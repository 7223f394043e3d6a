"""A large demo is a few hundred stories simulated, then copied in SQL (issue 11 item 6).

Built here with three copies of 150 stories (the size where copying starts is lowered for the
test), one short: 448 cases. Checked from the database itself, on SQLite and on PostgreSQL: it
passes ``db check`` (integrity, foreign keys, the whole audit chain, statistics against a
recount); case numbers are unique per day and follow the order of arrival; every copy holds the
same stories with its own rows; its audit events name the copy's own rows; search finds a copied
case by a word, its phone and its number; the statistics equal a count of the rows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from complaint_tui import queries as q
from complaint_tui.db import Store, check, make_engine
from complaint_tui.demo import build_demo, clone
from complaint_tui.models import CASE_TABLES, Case, CaseContact, Owner, Room
from complaint_tui.services.search_index import case_document
from tests.conftest import BACKENDS, new_store_url

STORIES = 150
COPIES = 3
CASES = STORIES * COPIES - 2  # the last copy leaves two stories out
SEED = 11
NOW = dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)
NUMBER = re.compile(r"^TS(\d{8})-(\d{4,})$")
# Tables each copy holds rows of, each with a column naming the case.
PER_CASE = (*CASE_TABLES[1:], "audit_event")


@pytest.fixture(scope="module", params=BACKENDS)
def cloned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One copied demo per backend, only read by the tests."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(clone, "TEMPLATE_CASES", STORIES)
        url = new_store_url(request.param, tmp_path_factory.mktemp("clone"), request)
        engine = make_engine(url)
        store = Store(engine)
        summary = build_demo(store, cases=CASES, seed=SEED, now=NOW)
    assert summary.cases == CASES
    yield store
    engine.dispose()


def rows(store: Store, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def test_the_copied_demo_passes_db_check(cloned: Store) -> None:
    """S6.6: every event sealed onto the one before; integrity, keys and statistics hold too."""
    report = check(cloned, [2026])
    assert report.integrity == [] and report.evidence_mismatches == []
    assert report.audit.ok and report.audit.first_broken is None
    assert report.ok
    events = rows(cloned, "SELECT count(*) FROM audit_event")[0][0]
    assert report.audit.events == events
    # every copy's events are in the chain: three copies' worth, less the two left out
    per_copy = rows(cloned, "SELECT count(*) FROM audit_event WHERE case_id <= :n", n=STORIES)[0][0]
    assert events > 2.5 * per_copy


def test_numbers_are_unique_per_day_and_follow_arrival(cloned: Store) -> None:
    """S1.2: one number per case, the day's sequence in the order the cases came in."""
    zone = cloned.policy.zone
    cases = rows(cloned, "SELECT id, number, received_at FROM complaint_case")
    assert len(cases) == CASES
    by_day: dict[str, list[tuple[Any, int, int]]] = defaultdict(list)
    for case_id, number, received in cases:
        found = NUMBER.match(number)
        assert found, number
        at = received if isinstance(received, dt.datetime) else dt.datetime.fromisoformat(received)
        at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at
        assert found[1] == at.astimezone(zone).strftime("%Y%m%d"), number
        by_day[found[1]].append((at, case_id, int(found[2])))
    counters = dict(rows(cloned, "SELECT day, last FROM case_number_counter"))
    for day, seen in by_day.items():
        seqs = [s for _, _, s in seen]
        assert len(set(seqs)) == len(seqs), day
        assert max(seqs) <= counters[day], day
        assert [s for _, _, s in sorted(seen)] == sorted(seqs), day  # arrival order is number order
    # the copies are there: most days hold three cases per story of the day
    assert sum(len(v) for v in by_day.values()) == CASES


def test_each_copy_holds_the_stories_with_rows_of_its_own(cloned: Store) -> None:
    """Copy c of story s is case s + c * STORIES: the same story, its own clocks, notes, events."""
    cols = "status, category, channel, urgency, version, cycle, is_open, owner_id, room_id, matter_what"
    cases = {r[0]: r[1:] for r in rows(cloned, f"SELECT id, {cols} FROM complaint_case")}
    first = min(cases)
    counts = {table: Counter(r[0] for r in rows(cloned, f"SELECT case_id FROM {table}")) for table in PER_CASE}
    left_out = 0
    for story in range(first, first + STORIES):
        for copy in range(1, COPIES):
            twin = story + copy * STORIES
            if twin not in cases:
                left_out += 1
                assert copy == COPIES - 1  # only the last copy is short
                continue
            assert cases[twin] == cases[story]
            for table in PER_CASE:
                assert counts[table][twin] == counts[table][story], (table, story, copy)
    assert left_out == COPIES * STORIES - CASES


def test_copied_audit_events_name_the_copy_s_own_rows(cloned: Store) -> None:
    """The case view's history reads these: a copy's note, task or number is its own, not the story's."""
    numbers = dict(rows(cloned, "SELECT id, number FROM complaint_case"))
    merged = dict(rows(cloned, "SELECT id, merged_into_id FROM complaint_case WHERE merged_into_id IS NOT NULL"))
    owner_of = {
        key: {r[0]: r[1] for r in rows(cloned, f"SELECT id, case_id FROM {table}")}
        for key, table in clone.RECORD_KEYS.items()
    }
    tasks = owner_of["task"]
    checked: Counter[str] = Counter()
    for case_id, action, after in rows(
        cloned, "SELECT case_id, action, after FROM audit_event WHERE case_id IS NOT NULL"
    ):
        fields = after if isinstance(after, dict) else json.loads(after) if after else {}
        if action == "intake":
            assert fields["number"] == numbers[case_id]
            checked["number"] += 1
        if action == "merge":
            assert fields["merged_into_id"] == merged[case_id]
            assert fields["into"] == numbers[merged[case_id]]
            checked["merge"] += 1
        if action == "finish_task":
            assert tasks[fields["task_id"]] == case_id
        for key, owner in owner_of.items():
            record = fields.get(key)
            if isinstance(record, dict):
                assert record["case_id"] == case_id and owner[record["id"]] == case_id, (action, key)
                checked[key] += 1
    assert checked["number"] == CASES and checked["merge"] > 0 and checked["note"] > CASES


def _all_ids(store: Store, filt: q.QueueFilter) -> set[int]:
    seen: set[int] = set()
    after = None
    while True:
        page = q.queue_page(store, None, filt, sort=q.QueueSort.NEWEST, after=after, limit=100, now=NOW)
        seen.update(r.id for r in page.rows)
        if page.next_cursor is None:
            return seen
        after = page.next_cursor


def test_search_finds_a_copied_case_by_word_phone_and_number(cloned: Store) -> None:
    last = rows(
        cloned,
        "SELECT c.id, c.number, c.matter_what, o.phone, o.id FROM complaint_case c "
        "JOIN owner o ON o.id = c.owner_id ORDER BY c.id DESC LIMIT 1",
    )[0]
    case_id, number, what, phone, owner_id = last
    assert case_id > STORIES * (COPIES - 1)  # a case of the last copy
    assert _all_ids(cloned, q.QueueFilter(search=number)) == {case_id}
    owners_cases = {r[0] for r in rows(cloned, "SELECT id FROM complaint_case WHERE owner_id = :o", o=owner_id)}
    assert _all_ids(cloned, q.QueueFilter(search=phone)) == owners_cases
    word = re.findall(r"[\u4e00-\u9fff]{2}", what)[0]
    containing = {r[0] for r in rows(cloned, "SELECT id FROM complaint_case WHERE matter_what LIKE :w", w=f"%{word}%")}
    found = _all_ids(cloned, q.QueueFilter(search=word))
    assert case_id in found and containing <= found


def test_statistics_equal_a_count_of_the_rows(cloned: Store) -> None:
    stats = q.statistics(cloned, now=NOW)
    assert stats.total == CASES
    for column, figures in (
        ("status", stats.by_status),
        ("category", stats.by_category),
        ("channel", stats.by_channel),
        ("urgency", stats.by_urgency),
    ):
        counted = dict(rows(cloned, f"SELECT {column}, count(*) FROM complaint_case GROUP BY {column}"))
        assert {k: v for k, v in figures.items() if v} == counted, column


def _indexes(store: Store) -> set[tuple[str, str]]:
    if store.dialect == "sqlite":
        sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    else:
        sql = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    return {(str(n), str(d)) for n, d in rows(store, sql)}


def test_every_index_is_there_again_after_the_load(
    cloned: Store, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The load drops the secondary indexes and builds them at the end: the same as a new store's."""
    engine = make_engine(new_store_url("sqlite" if cloned.dialect == "sqlite" else "postgresql", tmp_path, request))
    try:
        fresh = _indexes(Store(engine))
    finally:
        engine.dispose()
    assert len(fresh) > 20
    assert _indexes(cloned) == fresh


def test_each_search_document_is_its_own_case_s(cloned: Store) -> None:
    """What the index holds for a copy is made from the copy's own number, owner, room and texts."""
    key = "rowid" if cloned.dialect == "sqlite" else "case_id"
    docs = dict(rows(cloned, f"SELECT {key}, doc FROM case_search"))
    assert len(docs) == CASES
    with cloned.read() as s:
        owners = {o.id: o for o in s.exec(select(Owner)).all()}
        rooms = {r.id: r for r in s.exec(select(Room)).all()}
        appended: dict[int, list[str]] = defaultdict(list)
        for contact in s.exec(select(CaseContact).where(CaseContact.kind == "append").order_by(col(CaseContact.id))):
            appended[contact.case_id].append(contact.content)
        for case in s.exec(select(Case)).all():
            assert case.id is not None
            expected = case_document(case, owners[case.owner_id], rooms[case.room_id], appended[case.id])
            assert docs[case.id] == expected, case.number
