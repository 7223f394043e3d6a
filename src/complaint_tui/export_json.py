"""JSON Lines case documents built by SQLite, so Python only joins and writes bytes (issue 11
item 5: a Python dict per case through ``json.dumps`` ran at a few hundred cases a second).

One statement gives, per case in id order, its whole document as UTF-8 bytes with its line end:
``json_object`` of the export columns, then one ``json_group_array`` per list of
``DOCUMENT_LISTS`` (a subquery through that table's ``case_id`` index, so in id order), joined
by one ``printf``. SQLite's JSON
strings are escaped as ``json.dumps(ensure_ascii=False)`` escapes them (quote, backslash, the
short escapes, other control characters as lower-case ``\\u00XX``), integers and NULLs are
written alike, and ``json_object`` keeps its keys in argument order.

Where SQL cannot be sure of the Python bytes a value holds ``MARK`` instead, and the caller
builds that case's document in Python (exporting.py): a time outside the zone window or not in
the stored form, a date not in ``YYYY-MM-DD``. A stored JSON value (the audit's before and
after) is written by ``json()`` when it is valid and holds neither a ``\\u`` nor a ``\\/``
escape (Python's ``json`` writes every other escape as SQLite keeps it, and once the whitespace
is gone the rest is the same text); otherwise the SQL writes a placeholder naming its row, and
``fill_stored_json`` puts in what Python writes, value by value (the services store Chinese as
``\\u`` escapes: a whole Python build per case would cost a real store the fast path).

SQLite only: PostgreSQL's JSON text differs in spacing; there the Python path runs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Connection,
    Date,
    Integer,
    LargeBinary,
    Select,
    String,
    Table,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
)
from sqlalchemy import type_coerce as coerce
from sqlmodel import col

from complaint_tui.db import Store
from complaint_tui.export_columns import DOCUMENT_LISTS, EXPORT_COLUMNS, MERGED, ExportColumn, Kind
from complaint_tui.export_lines import _Dialect, _masked_phone
from complaint_tui.export_zone import Span, iso_offset, local_time_sql, sqlite_stamp
from complaint_tui.models import Case, Owner, Room, UTCDateTime
from complaint_tui.queries.queue import QueueFilter, filter_conditions

# What a value SQL cannot vouch for reads as: a noncharacter no text holds, found in the
# chunk's bytes by one scan (a text that does hold it is only a false alarm).
MARK = "\uffff"
MARK_BYTES = MARK.encode("utf-8")
# Up to this many staff ids are looked up one after another; more are halved first.
_LINEAR = 8


def _lit(text: str) -> ColumnElement[str]:
    return literal(text, String)


def _true_false(v: Any) -> ColumnElement[Any]:
    """A JSON ``true``/``false`` as Python's ``bool(v)`` gives it (NULL is false). ``json()``
    is the outermost call: a JSON value's subtype is only sure to reach the function it is an
    argument of (not through a CASE or a subquery, which some SQLite versions drop)."""
    return func.json(case((v, _lit("true")), else_=_lit("false")))


def _lookup(value: Any, table: list[tuple[int, str]]) -> ColumnElement[Any]:
    """``dict(table).get(value)`` for integer keys (``table`` sorted), halving first; NULL when
    missing."""
    if len(table) <= _LINEAR:
        if not table:
            return null()
        return case({k: _lit(v) for k, v in table}, value=value, else_=null())
    mid = len(table) // 2
    return case((value < table[mid][0], _lookup(value, table[:mid])), else_=_lookup(value, table[mid:]))


def iso_time(value: Any, spans: list[Span], end: dt.datetime) -> ColumnElement[Any]:
    """A stored UTC time (``YYYY-MM-DD HH:MM:SS[.ffffff]``) as ``astimezone(zone).isoformat()``
    writes it: ``T``, the microseconds unless they are zero, the offset; NULL stays NULL;
    ``MARK`` outside the zone window or in another form."""
    text = coerce(value, String)
    fraction = case(
        (and_(func.length(text) == 26, func.substr(text, 21, 6) != _lit("000000")), func.substr(text, 20, 7)),
        else_=_lit(""),
    )

    def leaf(offset: dt.timedelta) -> ColumnElement[Any]:
        # Seconds cut before adding (SQLite rounds fractions to milliseconds, Python cuts);
        # datetime() and a replace cost a third of strftime() with its format.
        shift = f"{int(offset.total_seconds()):+d} seconds"
        local = func.replace(func.datetime(func.substr(text, 1, 19), _lit(shift)), _lit(" "), _lit("T"))
        return local + fraction + _lit(iso_offset(offset))

    tree = local_time_sql(text, spans, end, leaf, sqlite_stamp, _lit(MARK))
    well_formed = and_(func.substr(text, 11, 1) == " ", func.length(text).in_((19, 26)))
    return case((value.is_(None), null()), (well_formed, tree), else_=_lit(MARK))


def _iso_date(value: Any) -> ColumnElement[Any]:
    """A stored date as ``date.isoformat()`` writes it (the stored form), ``MARK`` otherwise."""
    text = coerce(value, String)
    ok = text.op("GLOB")(_lit("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"))
    return case((value.is_(None), null()), (ok, text), else_=_lit(MARK))


def _json_value(value: Any, table: Table) -> ColumnElement[Any]:
    """Stored JSON text as ``json.dumps(json.loads(text), ensure_ascii=False, separators=(",",
    ":"))`` writes it, when it is valid JSON with neither of the two escapes Python writes
    otherwise, ``\\u`` and ``\\/`` (an escaped backslash before a ``u`` or ``/`` is a false
    alarm only); ``json_valid`` and ``json`` share one parse (SQLite caches it). Any other
    value (the services store Chinese as ``\\u`` escapes) is a placeholder naming its row,
    which ``fill_stored_json`` replaces with what Python writes."""
    text = coerce(value, String)
    plain = and_(func.instr(text, _lit("\\u")) == 0, func.instr(text, _lit("\\/")) == 0, func.json_valid(text) == 1)
    placeholder = _lit(f'"{MARK}{table.name}.{value.name}.') + cast(table.c.id, Text) + _lit('"')
    return func.json(case((value.is_(None), null()), (plain, text), else_=placeholder))


# A placeholder as json_object writes it: the mark, table, column and row id, quoted.
_PLACEHOLDER = re.compile(rb'"\xef\xbf\xbf([a-z_]+)\.([a-z_]+)\.([0-9]+)"')


def _json_columns() -> dict[tuple[str, str], Table]:
    out: dict[tuple[str, str], Table] = {}
    for _name, model in DOCUMENT_LISTS:
        table: Table = model.__table__
        out |= {(table.name, c.name): table for c in table.columns if isinstance(c.type, JSON)}
    return out


def fill_stored_json(
    conn: Connection, lines: list[bytes], marked: list[int], case_ids: list[int], encode: Callable[[Any], str]
) -> list[int]:
    """Replace in ``lines[i]`` (``i`` in ``marked``, the line of case ``case_ids[i]``) each
    placeholder of ``_json_value`` with ``encode(json.loads(stored value))``, read here for
    all of them at once. Returns the lines left for Python to build whole: one that still holds
    a mark, or a placeholder that is not one (a text typed to look like it: its row is not
    of that case, its value is one the SQL wrote itself, or it appears twice)."""
    found = {i: _PLACEHOLDER.findall(lines[i]) for i in marked}
    wanted: dict[tuple[str, str], set[int]] = {}
    for hits in found.values():
        for t, c, n in hits:
            wanted.setdefault((t.decode(), c.decode()), set()).add(int(n))
    columns = _json_columns()
    values: dict[tuple[bytes, bytes, bytes], tuple[int, bytes]] = {}
    for (t, c), ids in wanted.items():
        table = columns.get((t, c))
        if table is None:
            continue
        stored = coerce(table.c[c], String)
        query = select(table.c.id, table.c.case_id, stored, func.json_valid(stored)).where(table.c.id.in_(ids))
        for row_id, case_id, raw, valid in conn.execute(query):
            # A placeholder only where the SQL's test in _json_value failed; invalid JSON is
            # left to the Python build, which refuses it as it always has.
            if raw is not None and valid and ("\\u" in raw or "\\/" in raw):
                key = (t.encode(), c.encode(), str(row_id).encode())
                values[key] = (int(case_id), encode(json.loads(raw)).encode("utf-8"))
    whole: list[int] = []
    for i in marked:
        hits = found[i]
        genuine = all(k in values and values[k][0] == case_ids[i] for k in hits) and len(set(hits)) == len(hits)
        line = _PLACEHOLDER.sub(lambda m: values[(m[1], m[2], m[3])][1], lines[i]) if genuine and hits else lines[i]
        if MARK_BYTES in line:
            whole.append(i)
        else:
            lines[i] = line
    return whole


def supported(table: Table) -> bool:
    """Whether every column of ``table`` is of a type ``_child_value`` writes as Python would."""
    kinds = (Integer, String, Text, Boolean, Date, JSON, UTCDateTime)
    return all(isinstance(c.type, kinds) and not isinstance(c.type, LargeBinary) for c in table.columns)


def _staff_columns(table: Table) -> set[str]:
    return {c.name for c in table.columns if any(fk.column.table.name == "staff" for fk in c.foreign_keys)}


def _child_value(
    c: Any, staff: bool, logins: list[tuple[int, str]], spans: list[Span], end: dt.datetime
) -> ColumnElement[Any]:
    if staff:
        return _lookup(c, logins)
    if isinstance(c.type, UTCDateTime):
        return iso_time(c, spans, end)
    if isinstance(c.type, Boolean):
        return func.json(case((c.is_(None), null()), (c, _lit("true")), else_=_lit("false")))
    if isinstance(c.type, Date):
        return _iso_date(c)
    if isinstance(c.type, JSON):
        return _json_value(c, c.table)
    return coerce(c, String) if isinstance(c.type, (String, Text)) else c


def _list(table: Table, logins: list[tuple[int, str]], spans: list[Span], end: dt.datetime) -> ColumnElement[Any]:
    """The JSON array of the case's rows of ``table``, by id: every column but ``case_id``, a
    staff column named without its ``_id`` and holding the login."""
    staff = _staff_columns(table)
    pairs: list[Any] = []
    for c in table.columns:
        if c.name == "case_id":
            continue
        pairs += [_lit(c.name.removesuffix("_id") if c.name in staff else c.name)]
        pairs += [_child_value(c, c.name in staff, logins, spans, end)]
    # By id without an ORDER BY: the rows come through the table's case_id index, whose
    # entries for one case are in rowid (= id) order; an ordered subquery in FROM would hand
    # json_group_array text without its JSON subtype (quoted again) on SQLite 3.40.
    rows = select(func.json_group_array(func.json_object(*pairs))).where(table.c.case_id == col(Case.id))
    return func.coalesce(rows.scalar_subquery(), _lit("[]"))


def _case_value(
    d: _Dialect,
    c: ExportColumn,
    include_pii: bool,
    logins: list[tuple[int, str]],
    spans: list[Span],
    end: dt.datetime,
) -> ColumnElement[Any]:
    v = c.column
    if c.kind is Kind.TIME:
        return iso_time(v, spans, end)
    if c.kind is Kind.BOOL:
        return _true_false(v)
    if c.kind is Kind.STAFF:
        return _lookup(v, logins)
    if c.kind is Kind.PHONE and not include_pii:
        return _masked_phone(d, v)
    return coerce(v, String) if c.kind is not Kind.INT else v


# (case id, the document's line as UTF-8 bytes with its "\n")
DocumentSelect = Select[int | None, bytes]


def document_select(
    store: Store,
    filt: QueueFilter,
    now: dt.datetime,
    *,
    include_pii: bool,
    logins: dict[int, str],
    spans: list[Span],
    end: dt.datetime,
) -> DocumentSelect:
    """``(case id, JSON line)`` for every case ``filt`` matches, by id."""
    d = _Dialect(store.engine.dialect.name)
    table = sorted(logins.items())
    pairs: list[Any] = []
    for c in EXPORT_COLUMNS:
        pairs += [_lit(c.code), _case_value(d, c, include_pii, table, spans, end)]
    head = func.json_object(*pairs)
    # The lists joined to the case's fields as text, by one printf (``||`` would copy the
    # growing line once per list): no JSON subtype has to cross a subquery.
    fmt = "%s" + "".join(f',"{name}":%s' for name, _m in DOCUMENT_LISTS) + "}\n"
    lists = [_list(model.__table__, table, spans, end) for _name, model in DOCUMENT_LISTS]
    text = func.printf(_lit(fmt), func.substr(head, 1, func.length(head) - 1), *lists, type_=String)
    line = cast(text, LargeBinary)
    stmt: DocumentSelect = (
        select(col(Case.id), line)
        .select_from(Case)
        .join(Owner, col(Owner.id) == col(Case.owner_id))
        .join(Room, col(Room.id) == col(Case.room_id))
        .join(MERGED, col(MERGED.id) == col(Case.merged_into_id), isouter=True)
    )
    conds = filter_conditions(store, None, filt, now)
    if conds:
        stmt = stmt.where(and_(*conds))
    return stmt.order_by(col(Case.id))


def sql_can_write(store: Store) -> bool:
    """Whether this store's documents can be built by ``document_select``: SQLite, and every
    list's columns of a type it writes."""
    return store.engine.dialect.name == "sqlite" and all(supported(m.__table__) for _n, m in DOCUMENT_LISTS)
