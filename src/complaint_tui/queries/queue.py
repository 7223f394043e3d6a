"""The case queue (SPEC S5.2, S6.2): filters, sorts and keyset pages that never load every case.

Pages are keyed by the sort value and the case id, compared as a row value
(``(queue_due_at, id) > (?, ?)``): an index on the filter columns plus the sort key answers a
page in well under a millisecond at a million cases, where OFFSET to the end takes seconds.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, select
from sqlmodel import col

from complaint_tui.db import Store
from complaint_tui.estates import visible
from complaint_tui.models import OPEN_STATUSES, AuditEvent, Case, Room, utcnow
from complaint_tui.operators import Operator
from complaint_tui.queries.driver import fetch_all, from_db_time, to_db_time
from complaint_tui.queries.search import FTS_SQL, TAIL_SQL, Search, read_search, search_condition
from complaint_tui.search_text import doc_needles
from complaint_tui.validation import mask_phone

PAGE_MAX = 500
# The search words' two plans (``page_statement``). A word in at most this many cases: all of
# them are read from the search index and sorted in the view's order (about 2.5 µs a case at a
# million cases, so at most 10 ms). A word in more: the view is read in its own order and each
# case's search document checked for the words until a page is full; the more cases hold the
# word, the sooner (a word in one case of ten: about ten cases read per row shown).
WORD_HITS_SORTED = 4000
_OPEN = frozenset(s.value for s in OPEN_STATUSES)


class QueueSort(StrEnum):
    URGENT = "urgent"  # next due step first
    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows. Empty tuples mean "any"; ``open_only`` hides closed, withdrawn, merged."""

    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    buildings: tuple[str, ...] = ()
    # Estate codes (estates.py); a desk bound to its estates never sees others' whatever this says.
    estates: tuple[str, ...] = ()
    assignee_id: int | None = None
    mine: bool = False
    unassigned: bool = False
    overdue: bool = False
    reopened: bool = False
    open_only: bool = False
    received_from: dt.datetime | None = None
    received_until: dt.datetime | None = None
    search: str = ""

    def with_(self, **changes: object) -> QueueFilter:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the last row's sort value and id."""

    key: dt.datetime
    id: int


@dataclass(frozen=True)
class QueueRow:
    id: int
    number: str
    version: int
    received_at: dt.datetime
    channel: str
    category: str
    urgency: str
    building: str
    unit: str
    room: str
    owner_name: str
    phone: str  # always masked in lists (S6.5); the case view shows it in full to who needs it
    status: str
    department: str | None
    assignee_name: str | None
    next_step: str | None
    next_due_at: dt.datetime | None
    paused: bool
    reopen_count: int
    chase_count: int
    updated_at: dt.datetime
    paused_at: dt.datetime | None = None
    estate: str = ""  # its code; the desk shows the policy's name

    def time_left(self, now: dt.datetime) -> dt.timedelta | None:
        """Time to the next due step (negative: overdue); frozen at the pause while paused."""
        if self.next_due_at is None:
            return None
        return self.next_due_at - (self.paused_at or now)


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: Cursor | None
    sort: QueueSort
    filter: QueueFilter = field(default_factory=QueueFilter)


def _conditions(store: Store, viewer: Operator | None, f: QueueFilter, now: dt.datetime) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    estates = visible(store.estates, f.estates)
    if estates is not None:
        conds.append(col(Case.estate).in_(estates) if estates else false())
    if f.statuses:
        conds.append(col(Case.status).in_(f.statuses))
    if f.open_only or f.overdue:
        conds.append(col(Case.is_open).is_(True))
    if f.categories:
        conds.append(col(Case.category).in_(f.categories))
    if f.urgencies:
        conds.append(col(Case.urgency).in_(f.urgencies))
    if f.departments:
        conds.append(col(Case.department).in_(f.departments))
    if f.channels:
        conds.append(col(Case.channel).in_(f.channels))
    if f.buildings:
        conds.append(col(Case.room_id).in_(select(col(Room.id)).where(col(Room.building).in_(f.buildings))))
    if f.mine and viewer is not None:
        conds.append(col(Case.assignee_id) == viewer.id)
    elif f.assignee_id is not None:
        conds.append(col(Case.assignee_id) == f.assignee_id)
    if f.unassigned:
        conds.append(col(Case.assignee_id).is_(None))
    if f.overdue:
        conds.append(col(Case.queue_due_at) < now)
    if f.reopened:
        conds.append(col(Case.reopen_count) > 0)
    if f.received_from is not None:
        conds.append(col(Case.received_at) >= f.received_from)
    if f.received_until is not None:
        conds.append(col(Case.received_at) < f.received_until)
    found = search_condition(store.dialect, f.search, store.policy.case_number_prefix)
    if found is not None:
        conds.append(found)
    return conds


def filter_conditions(
    store: Store, viewer: Operator | None, filt: QueueFilter, now: dt.datetime
) -> list[ColumnElement[bool]]:
    """The WHERE terms of ``filt`` on ``Case`` (joined to nothing), for other reads of the same
    cases: the batch export selects exactly what the queue would show."""
    return _conditions(store, viewer, filt, now)


def _sort_key(sort: QueueSort) -> Any:
    return col(Case.queue_due_at) if sort is QueueSort.URGENT else col(Case.received_at)


# The page's columns, in the order ``_row`` reads them.
_PAGE_SELECT = (
    "SELECT c.id, c.number, c.version, c.received_at, c.channel, c.category, c.urgency, "
    "r.building, r.unit, r.room, o.name, o.phone, c.status, c.department, s.name, c.next_step, "
    "c.next_due_at, c.paused_at, c.reopen_count, c.chase_count, c.updated_at, c.queue_due_at, c.estate "
    "FROM complaint_case c JOIN owner o ON o.id = c.owner_id JOIN room r ON r.id = c.room_id "
    "LEFT JOIN staff s ON s.id = c.assignee_id"
)


def _in(column: str, values: tuple[Any, ...], terms: list[str], params: list[Any]) -> None:
    terms.append(f"{column} IN ({', '.join('?' * len(values))})")
    params.extend(values)


def _unindexed(dialect: str, column: str) -> str:
    """``column`` in a form SQLite's planner will not choose an index for (``+column``), where
    reading the sort key's index and checking the term is cheaper than reading the term's
    index and sorting. PostgreSQL plans by its statistics (and has no unary + for text)."""
    return f"+{column}" if dialect == "sqlite" else column


def _where(
    store: Store,
    viewer: Operator | None,
    f: QueueFilter,
    now: dt.datetime,
    sort: QueueSort,
    found: Search | None,
    needles: list[str] | None = None,
) -> tuple[list[str], list[Any]]:
    """The same terms as ``_conditions`` as SQL text on ``complaint_case c`` with ``?`` parameters.

    Every term is a fixed fragment; values are only ever bound. Each has an index that starts with
    it and continues with the sort key (migrations 0005, 0010), so a page reads about as many
    index entries as it shows. Words (``found.kind == "words"``) are a term only as ``needles``
    (``doc_needles``): each case read in the view's order has its search document checked.
    """
    dialect = store.dialect
    terms: list[str] = []
    params: list[Any] = []
    estates = visible(store.estates, f.estates)
    if estates is not None:
        # Each estate's cases in queue order: the estate indexes (migration 0007).
        if estates:
            _in("c.estate", estates, terms, params)
        else:
            terms.append("1 = 0")  # a filter naming only estates the desk is not bound to
    open_only = f.open_only or f.overdue
    if len(f.statuses) == 1:
        _in("c.status", f.statuses, terms, params)
    elif f.statuses:
        # Only reached on PostgreSQL (SQLite reads each status's range, ``_statuses_statement``):
        # the open cases read in order and each status checked.
        _in(_unindexed(dialect, "c.status"), f.statuses, terms, params)
        open_only = open_only or all(s in _OPEN for s in f.statuses)
    if open_only:
        terms.append("c.is_open = ?")
        params.append(True)
    if f.categories:
        _in("c.category", f.categories, terms, params)
    if f.urgencies:
        _in("c.urgency", f.urgencies, terms, params)
    if f.departments:
        _in("c.department", f.departments, terms, params)
    if f.channels:
        _in("c.channel", f.channels, terms, params)
    if f.buildings:
        # A building is a list of rooms: read the cases in sort order and keep those in its rooms
        # (``+``: no index on room_id here, whose many ranges would be merged and sorted).
        rooms = f"SELECT id FROM room WHERE building IN ({', '.join('?' * len(f.buildings))})"
        terms.append(f"{_unindexed(dialect, 'c.room_id')} IN ({rooms})")
        params.extend(f.buildings)
    if f.mine and viewer is not None:
        terms.append("c.assignee_id = ?")
        params.append(viewer.id)
    elif f.assignee_id is not None:
        terms.append("c.assignee_id = ?")
        params.append(f.assignee_id)
    if f.unassigned:
        terms.append("c.assignee_id IS NULL")
    if f.overdue:
        # In due order the overdue cases are a range of the due index; in received order most
        # open cases are overdue, so they are read from the received index and this is a check.
        terms.append(f"{'c.queue_due_at' if sort is QueueSort.URGENT else _unindexed(dialect, 'c.queue_due_at')} < ?")
        params.append(to_db_time(dialect, now))
    if f.reopened:
        terms.append("c.reopen_count > 0")
    if f.received_from is not None:
        if sort is QueueSort.URGENT:
            # A step falls due after the case is received (its clock starts then), so a case
            # received since X is due after X: the due index is read from X on, not from the
            # oldest overdue case (123 ms at a million cases), and the received time is a check.
            terms.append(f"{_unindexed(dialect, 'c.received_at')} >= ? AND c.queue_due_at >= ?")
            params.extend((to_db_time(dialect, f.received_from),) * 2)
        else:
            terms.append("c.received_at >= ?")
            params.append(to_db_time(dialect, f.received_from))
    if f.received_until is not None:
        terms.append("c.received_at < ?")
        params.append(to_db_time(dialect, f.received_until))
    if found is not None:
        if found.kind == "number":
            terms.append("c.number = ?")
            params.append(found.value)
        elif found.kind == "phone":
            # One owner has the phone: an equality the planner reads through ix_case_owner_due
            # (an IN list of unknown length made PostgreSQL scan the whole queue at 1M cases).
            terms.append("c.owner_id = (SELECT id FROM owner WHERE phone = ?)")
            params.append(found.value)
        elif found.kind == "tail":
            # The few owners whose phone ends so (ix_owner_phone_tail), their cases through the
            # owner index, and the cases holding the digits as a word (``_tail_statement``).
            terms.append(f"c.id IN ({TAIL_SQL.get(dialect, TAIL_SQL['postgresql'])})")
            params.extend((found.value, found.words))
        elif found.kind == "nothing":
            terms.append("1 = 0")
    if needles:
        # One read of the case's search document by its key, every word looked for in it. The
        # index asked about one case (``rowid = ? AND MATCH``) reads the word's whole list of
        # cases each time: 0.6 ms a case at a million.
        table, doc, key, find = _DOC_OF_CASE.get(dialect, _DOC_OF_CASE["postgresql"])
        # A word's needle starts with a space: the document gets one in front for its first token.
        haystack = {False: f"d.{doc}", True: f"' ' || d.{doc}"}
        checks = " AND ".join(f"{find}({haystack[n.startswith(' ')]}, ?) > 0" for n in needles)
        terms.append(f"(SELECT {checks} FROM {table} d WHERE d.{key} = c.id)")
        params.extend(needles)
    return terms, params


# How a page checks one case's search document: the table holding the text, its column, its
# key, the substring function. On SQLite the text is read from the FTS5 table's content table
# (its ``%_content`` shadow table, column ``c0`` for ``doc``): a plain B-tree read by key, 40%
# cheaper than the same read through the virtual table.
_DOC_OF_CASE = {
    "sqlite": ("case_search_content", "c0", "id", "instr"),
    "postgresql": ("case_search", "doc", "case_id", "strpos"),
}


_ROW_FIELDS = tuple(f.name for f in fields(QueueRow))


def _row(r: tuple[Any, ...]) -> QueueRow:
    """A ``QueueRow`` from a page row, in ``_PAGE_SELECT``'s column order.

    Filled through ``__dict__``: a frozen dataclass's ``__init__`` sets each of the 22 fields
    through ``object.__setattr__`` (20 µs a row, 2 ms of a 100-row page); this is 2 µs.
    """
    paused_at = from_db_time(r[17])
    row = object.__new__(QueueRow)
    row.__dict__.update(
        zip(
            _ROW_FIELDS,
            (
                r[0],  # id
                r[1],  # number
                r[2],  # version
                from_db_time(r[3]),  # received_at
                r[4],  # channel
                r[5],  # category
                r[6],  # urgency
                r[7],  # building
                r[8],  # unit
                r[9],  # room
                r[10],  # owner_name
                mask_phone(r[11]),  # phone
                r[12],  # status
                r[13],  # department
                r[14],  # assignee_name
                r[15],  # next_step
                from_db_time(r[16]),  # next_due_at
                paused_at is not None,  # paused
                r[18],  # reopen_count
                r[19],  # chase_count
                from_db_time(r[20]),  # updated_at
                paused_at,
                r[22],  # estate
            ),
            strict=True,
        )
    )
    return row


def page_statement(
    store: Store,
    viewer: Operator | None,
    filt: QueueFilter | None = None,
    sort: QueueSort = QueueSort.URGENT,
    after: Cursor | None = None,
    limit: int = 100,
    now: dt.datetime | None = None,
) -> tuple[str, list[Any]]:
    """The SQL (``?`` placeholders) and parameters of one queue page: what ``queue_page`` runs,
    and what the plan tests ask the database to explain."""
    f = filt or QueueFilter()
    limit = max(1, min(limit, PAGE_MAX))
    now = now or utcnow()
    found = read_search(store.dialect, f.search, store.policy.case_number_prefix)
    needles: list[str] | None = None
    if found is not None and found.kind == "words":
        needles = doc_needles(f.search)
        if needles is None:  # words the index folds: its own order (``_words_statement``)
            return _words_statement(store, viewer, f, sort, after, limit, now, found)
        if word_hits_at_most(store, found, WORD_HITS_SORTED) <= WORD_HITS_SORTED:
            return _hits_statement(store, viewer, f, sort, after, limit, now, found)
    if store.dialect == "sqlite" and len(f.statuses) > 1:
        return _statuses_statement(store, viewer, f, sort, after, limit, now, needles)
    terms, params = _where(store, viewer, f, now, sort, found, needles)
    if found is not None and found.kind == "tail":
        return _tail_statement(store.dialect, terms, params, sort, after, limit)
    table = "complaint_case c"
    key = "c.queue_due_at" if sort is QueueSort.URGENT else "c.received_at"
    order = "DESC" if sort is QueueSort.NEWEST else "ASC"
    if after is not None:
        cursor_key = to_db_time(store.dialect, after.key)
        beyond = "<" if sort is QueueSort.NEWEST else ">"
        if store.dialect == "sqlite":
            terms, params = _sqlite_keyset(terms, params, table, key, beyond, order, cursor_key, after.id, limit)
        else:  # PostgreSQL seeks a row comparison on both columns of the index
            terms.append(f"({key}, c.id) {beyond} (?, ?)")
            params.extend((cursor_key, after.id))
    sql = _PAGE_SELECT.replace("complaint_case c ", table + " ")
    if terms:
        sql += " WHERE " + " AND ".join(terms)
    if found is not None and found.kind == "number":
        # One case at most (the number is unique): no order, so no plan may prefer reading the
        # sort key's index and checking each number (PostgreSQL did, on a small table).
        sql += f" LIMIT {limit}"
    else:
        sql += f" ORDER BY {key} {order}, c.id {order} LIMIT {limit}"
    return sql, params


def _statuses_statement(
    store: Store,
    viewer: Operator | None,
    f: QueueFilter,
    sort: QueueSort,
    after: Cursor | None,
    limit: int,
    now: dt.datetime,
    needles: list[str] | None = None,
) -> tuple[str, list[Any]]:
    """A page of several statuses on SQLite: each status's page read from its own index range
    in order, then the few rows merged. One read of the open cases checking each status had to
    pass every open case of other statuses (19 ms at a million cases for the awaiting-feedback
    section, newest first); an IN list of the statuses sorted all their cases."""
    key = "c.queue_due_at" if sort is QueueSort.URGENT else "c.received_at"
    order = "DESC" if sort is QueueSort.NEWEST else "ASC"
    parts: list[str] = []
    params: list[Any] = []
    for status in f.statuses:
        one = f.with_(statuses=(status,))
        terms, part_params = _where(store, viewer, one, now, sort, None, needles)
        if after is not None:
            beyond = "<" if sort is QueueSort.NEWEST else ">"
            cursor_key = to_db_time(store.dialect, after.key)
            terms, part_params = _sqlite_keyset(
                terms, part_params, "complaint_case c", key, beyond, order, cursor_key, after.id, limit
            )
        parts.append(
            f"SELECT id FROM (SELECT c.id FROM complaint_case c WHERE {' AND '.join(terms)} "
            f"ORDER BY {key} {order}, c.id {order} LIMIT {limit})"
        )
        params.extend(part_params)
    ids = " UNION ALL ".join(parts)
    return _PAGE_SELECT + f" WHERE c.id IN ({ids}) ORDER BY {key} {order}, c.id {order} LIMIT {limit}", params


def _tail_statement(
    dialect: str, terms: list[str], params: list[Any], sort: QueueSort, after: Cursor | None, limit: int
) -> tuple[str, list[Any]]:
    """A page of a four-digit search, newest first (oldest first under the oldest sort), as the
    words are listed: the ids of the owners' cases and of the cases holding the digits as a word
    (a few thousand at most: a small sequence number is in every day's numbers) are collected and
    read in id order, each checked against the view until a page is full. In the view's order
    every one of them was read and sorted (15 ms at a million cases for ``0001``)."""
    order, beyond = ("ASC", ">") if sort is QueueSort.OLDEST else ("DESC", "<")
    if after is not None:
        terms = [*terms, f"c.id {beyond} ?"]
        params = [*params, after.id]
    # SQLite: ``NOT INDEXED``, or it read a view's index (every open case) and checked each id.
    sql = (
        _PAGE_SELECT.replace("complaint_case c ", "complaint_case c NOT INDEXED ")
        if dialect == "sqlite"
        else _PAGE_SELECT
    )
    return sql + " WHERE " + " AND ".join(terms) + f" ORDER BY c.id {order} LIMIT {limit}", params


# The page's columns read from the search index's matches in its own order (case ids).
_WORDS_FROM = {
    "sqlite": "FROM case_search w CROSS JOIN complaint_case c ON c.id = w.rowid ",
    "postgresql": "FROM case_search w JOIN complaint_case c ON c.id = w.case_id ",
}
_WORDS_MATCH = {
    "sqlite": ("w.case_search MATCH ?", "w.rowid"),
    "postgresql": ("to_tsvector('simple', w.doc) @@ to_tsquery('simple', ?)", "w.case_id"),
}


def _words_statement(
    store: Store,
    viewer: Operator | None,
    f: QueueFilter,
    sort: QueueSort,
    after: Cursor | None,
    limit: int,
    now: dt.datetime,
    found: Search,
) -> tuple[str, list[Any]]:
    """A page of the cases holding search words the index folds (``doc_needles`` is None: an
    accented letter), newest first (oldest first under the oldest sort): the search index is
    read in its own order, the case id, and each match is checked against the view's filter
    until a page is full. Such a word cannot be checked in a case's unfolded text, so it keeps
    this one plan whatever its count, and a cursor's id stays meaningful from page to page.

    A page costs about a page of matches where the view holds a fair share of them; a view that
    holds few of them reads more matches, at most all of them.
    """
    dialect = store.dialect if store.dialect in _WORDS_FROM else "postgresql"
    terms, params = _where(store, viewer, f, now, sort, None)
    match, rowid = _WORDS_MATCH[dialect]
    terms.insert(0, match)
    params.insert(0, found.value)
    order = "ASC" if sort is QueueSort.OLDEST else "DESC"
    if after is not None:
        terms.append(f"{rowid} {'>' if sort is QueueSort.OLDEST else '<'} ?")
        params.append(after.id)
    sql = _PAGE_SELECT.replace("FROM complaint_case c ", _WORDS_FROM[dialect])
    sql += " WHERE " + " AND ".join(terms) + f" ORDER BY {rowid} {order} LIMIT {limit}"
    return sql, params


def word_hits_at_most(store: Store, found: Search, bound: int) -> int:
    """How many cases hold the search words, up to ``bound + 1``: what a page would read from
    the search index if it took all of them.

    SQLite counts them (FTS5 reads its lists in order and stops: about 0.3 µs a match).
    PostgreSQL gives its planner's estimate: its GIN index cannot stop early (the bitmap of every
    case holding each character is built first) and each candidate of a phrase is rechecked by
    parsing its document, so even a count to 4,000 took 1.2 s at 100,000 cases. The estimate only
    chooses the plan; both plans list the same cases.
    """
    limit = max(0, bound) + 1
    fts = FTS_SQL.get(store.dialect, FTS_SQL["postgresql"])
    if store.dialect == "sqlite":
        return int(fetch_all(store, f"SELECT count(*) FROM ({fts} LIMIT {limit}) hits", [found.value])[0][0])
    plan: Any = fetch_all(store, "EXPLAIN (FORMAT JSON) " + fts, [found.value])[0][0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return min(int(plan[0]["Plan"]["Plan Rows"]), limit)


def _hits_statement(
    store: Store,
    viewer: Operator | None,
    f: QueueFilter,
    sort: QueueSort,
    after: Cursor | None,
    limit: int,
    now: dt.datetime,
    found: Search,
) -> tuple[str, list[Any]]:
    """A page of a word in few cases (at most ``WORD_HITS_SORTED``), in the view's order: every
    case holding it is read from the search index, checked against the view, and the few left
    are sorted. The page after a cursor is the same read, past the cursor's key and id."""
    dialect = store.dialect if store.dialect in _WORDS_FROM else "postgresql"
    terms, params = _where(store, viewer, f, now, sort, None)
    match, _ = _WORDS_MATCH[dialect]
    terms.insert(0, match)
    params.insert(0, found.value)
    key = "c.queue_due_at" if sort is QueueSort.URGENT else "c.received_at"
    order = "DESC" if sort is QueueSort.NEWEST else "ASC"
    if after is not None:
        terms.append(f"({key}, c.id) {'<' if sort is QueueSort.NEWEST else '>'} (?, ?)")
        params.extend((to_db_time(store.dialect, after.key), after.id))
    # Only the ids are sorted, then the page's rows joined: joining owner, room and staff for
    # every match before the sort doubled the cost of each.
    ids = (
        f"SELECT c.id {_WORDS_FROM[dialect]}WHERE {' AND '.join(terms)} "
        f"ORDER BY {key} {order}, c.id {order} LIMIT {limit}"
    )
    return _PAGE_SELECT + f" WHERE c.id IN ({ids}) ORDER BY {key} {order}, c.id {order} LIMIT {limit}", params


def _sqlite_keyset(
    terms: list[str],
    params: list[Any],
    table: str,
    key: str,
    beyond: str,
    order: str,
    cursor_key: Any,
    cursor_id: int,
    limit: int,
) -> tuple[list[str], list[Any]]:
    """The page after a cursor on SQLite, as the ids of two bounded index reads.

    SQLite seeks ``(key, id) > (?, ?)`` on the key alone and then skips, one by one, every case
    with the cursor's key and a lower id. Most cases share one key (every closed case sorts at
    ``NO_DUE``), so a page deep among them read everything before it (20 ms at 100k cases, 10x
    at 1M). The same page is: the cases with the cursor's key after its id (a seek on both
    columns), then those past the key; each read stops after a page.
    """
    where = " AND ".join(terms) + " AND " if terms else ""
    same = (
        f"SELECT id FROM (SELECT c.id FROM {table} WHERE {where}{key} = ? AND c.id {beyond} ? "
        f"ORDER BY c.id {order} LIMIT {limit})"
    )
    past = (
        f"SELECT id FROM (SELECT c.id FROM {table} WHERE {where}{key} {beyond} ? "
        f"ORDER BY {key} {order}, c.id {order} LIMIT {limit})"
    )
    return [f"c.id IN ({same} UNION ALL {past})"], [*params, cursor_key, cursor_id, *params, cursor_key]


def queue_page(
    store: Store,
    viewer: Operator | None,
    filt: QueueFilter | None = None,
    sort: QueueSort = QueueSort.URGENT,
    after: Cursor | None = None,
    limit: int = 100,
    now: dt.datetime | None = None,
) -> QueuePage:
    """One page of the queue, at most ``limit`` rows, starting after ``after``."""
    f = filt or QueueFilter()
    limit = max(1, min(limit, PAGE_MAX))
    sql, params = page_statement(store, viewer, f, sort, after, limit, now)
    raw = fetch_all(store, sql, params)
    rows = [_row(r) for r in raw]
    next_cursor = None
    if len(rows) == limit:
        last = rows[-1]
        due = from_db_time(raw[-1][21])
        assert due is not None
        next_cursor = Cursor(due if sort is QueueSort.URGENT else last.received_at, last.id)
    return QueuePage(rows, next_cursor, sort, f)


def queue_count(
    store: Store, viewer: Operator | None, filt: QueueFilter | None = None, now: dt.datetime | None = None
) -> int:
    """How many cases the filter matches (a separate, slower call the UI runs on its own)."""
    conds = _conditions(store, viewer, filt or QueueFilter(), now or utcnow())
    stmt = select(func.count()).select_from(Case)
    if conds:
        stmt = stmt.where(and_(*conds))
    with store.read() as session:
        return int(session.execute(stmt).scalar_one())


def last_change(store: Store) -> int:
    """The id of the newest audit event: any change by any desk moves it (cheap to poll)."""
    with store.read() as session:
        return int(session.execute(select(func.coalesce(func.max(col(AuditEvent.id)), 0))).scalar_one())
