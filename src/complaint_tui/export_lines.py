"""CSV export lines built by the database, so Python only joins and writes them (issue 11
item 5: fetching 40 values a row into Python and ``csv.writer`` alone cost more than the whole
run of ``sqlite3 -csv``, FACTS.md "Export").

Two lines per case can be asked for:

* the plain line (``plain_line_select``): every field as ``csv.writer`` would write it when no
  field needs quotes or an apostrophe, built by one ``printf``/``format`` call (SQLite's ``||``
  copies the growing line at each field, several times slower). ``is_plain`` tells, from the
  text alone, whether a chunk of such lines is what ``csv.writer`` writes: the right number of
  commas and line ends, no quote, no field starting as a formula, no time outside the zone
  window (marked ``OUTSIDE``). Anything else may be a false alarm, never a miss.
* the exact line (``exact_line_select``), for the few cases whose plain line is not: each field
  quoted and neutralised in SQL as ``csv.writer`` and ``neutralise`` do; NULL when a time is
  outside the window, and that row is then written in Python (exporting.py).

Small fixed values (names, logins, yes/no) are computed in Python and put in as literals, so
the Python rules stay the definition of every cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Text, and_, case, cast, func, literal, literal_column, or_, select
from sqlalchemy import type_coerce as coerce
from sqlmodel import col

from complaint_tui.db import Store
from complaint_tui.export_columns import EXPORT_COLUMNS, FORMULA_START, MERGED, ExportColumn, Kind, neutralise
from complaint_tui.export_zone import Span, local_time_sql, sqlite_stamp
from complaint_tui.i18n import catalog, t
from complaint_tui.models import Case, Owner, Room
from complaint_tui.queries.queue import QueueFilter, filter_conditions

_STARS = "*" * 32
# Up to this many staff ids are looked up one after another; more are halved first.
_LINEAR = 8


def csv_field(text: str) -> str:
    """``text`` as ``csv.writer`` writes it among other fields (quoted where it must be)."""
    if text == "":
        return ""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([text])
    return buf.getvalue()


def _lit(text: str) -> ColumnElement[str]:
    return literal(text, String)


def _cat(*parts: Any) -> ColumnElement[str]:
    """``||`` of ``parts`` (``+`` on a function of unknown type would add numbers)."""
    out: ColumnElement[str] = coerce(parts[0], String)
    for p in parts[1:]:
        out = out + coerce(p, String)
    return out


class _Dialect:
    """The few functions that are spelled differently on SQLite and PostgreSQL."""

    def __init__(self, name: str) -> None:
        self.sqlite = name == "sqlite"

    def has(self, text: Any, char: str) -> ColumnElement[bool]:
        return (func.instr(text, _lit(char)) if self.sqlite else func.strpos(text, _lit(char))) > 0

    def stars(self, n: Any) -> ColumnElement[str]:
        if self.sqlite:  # a cut of a row of stars; longer ones from hex(zeroblob(n)), n times '00'
            longer = func.replace(func.hex(func.zeroblob(n)), _lit("00"), _lit("*"))
            return case((n <= len(_STARS), func.substr(_lit(_STARS), 1, n)), else_=longer)
        return func.repeat(_lit("*"), n)

    def last4(self, text: Any) -> ColumnElement[str]:
        return func.substr(text, -4) if self.sqlite else func.right(text, 4)

    def at_least_zero(self, n: Any) -> ColumnElement[int]:
        return func.max(n, 0) if self.sqlite else func.greatest(n, 0)

    def time(
        self, value: Any, spans: list[Span], end: dt.datetime, outside: ColumnElement[Any] | None = None
    ) -> ColumnElement[str]:
        """``value`` (UTC) as the local ``YYYY-MM-DD HH:MM:SS``; '' for NULL; ``outside`` (NULL
        by default) outside the zone window or in a form the SQL does not read."""
        miss: ColumnElement[Any] = outside if outside is not None else literal(None, String)
        if self.sqlite:
            text = coerce(value, String)

            def leaf(offset: dt.timedelta) -> ColumnElement[Any]:
                # Seconds cut before adding: SQLite rounds fractions to milliseconds, Python cuts.
                shift = f"{int(offset.total_seconds()):+d} seconds"
                return func.datetime(func.substr(text, 1, 19), _lit(shift))

            tree = local_time_sql(text, spans, end, leaf, sqlite_stamp, miss)
            well_formed = and_(func.substr(text, 11, 1) == " ", func.length(text).in_((19, 26)))
            return case((value.is_(None), _lit("")), (well_formed, tree), else_=miss)

        def pg_leaf(offset: dt.timedelta) -> ColumnElement[Any]:
            local = value.op("AT TIME ZONE")(literal_column("'UTC'")) + literal_column(
                f"interval '{int(offset.total_seconds())} seconds'"
            )
            return func.to_char(local, _lit("YYYY-MM-DD HH24:MI:SS"))

        tree = local_time_sql(value, spans, end, pg_leaf, lambda instant: instant, miss)
        return case((value.is_(None), _lit("")), else_=tree)


def _quoted(d: _Dialect, text: Any, prefix: Any = None) -> ColumnElement[str]:
    """``prefix + text`` quoted as ``csv.writer`` quotes (``text`` not NULL; ``prefix`` an
    apostrophe or '', which never changes whether quoting is needed)."""
    pre: Any = prefix if prefix is not None else _lit("")
    quote = _lit('"')
    return case(
        (d.has(text, '"'), quote + pre + func.replace(text, quote, _lit('""')) + quote),
        (or_(d.has(text, ","), d.has(text, "\n"), d.has(text, "\r")), quote + pre + text + quote),
        else_=pre + text,
    )


def _free_text(d: _Dialect, value: Any) -> ColumnElement[str]:
    """``neutralise`` then quoting; NULL as ''."""
    text = func.coalesce(value, _lit(""))
    formula = case((func.substr(text, 1, 1).in_([_lit(c) for c in FORMULA_START]), _lit("'")), else_=_lit(""))
    return _quoted(d, text, formula)


def _masked_phone(d: _Dialect, phone: Any) -> ColumnElement[str]:
    """``validation.mask_phone`` in SQL."""
    dash = func.instr(phone, _lit("-")) if d.sqlite else func.strpos(phone, _lit("-"))
    number = func.substr(phone, dash + 1)
    hidden = d.at_least_zero(func.length(number) - 4)
    mobile = and_(func.length(phone) == 11, dash == 0)  # the usual case first, with fewer calls
    return case(
        (mobile, _cat(func.substr(phone, 1, 3), _lit("****"), func.substr(phone, 8))),
        (dash > 0, _cat(func.substr(phone, 1, dash - 1), _lit("-"), d.stars(hidden), d.last4(number))),
        (func.length(phone) >= 8, _cat(func.substr(phone, 1, 3), d.stars(func.length(phone) - 7), d.last4(phone))),
        else_=d.stars(func.length(phone)),
    )


def _lookup(value: Any, table: list[tuple[int, str]], missing: str) -> ColumnElement[str]:
    """``dict(table).get(value, missing)`` for integer keys (``table`` sorted), halving first."""
    if len(table) <= _LINEAR:
        if not table:
            return _lit(missing)
        return case({k: _lit(v) for k, v in table}, value=value, else_=_lit(missing))
    mid = len(table) // 2
    return case(
        (value < table[mid][0], _lookup(value, table[:mid], missing)), else_=_lookup(value, table[mid:], missing)
    )


def _code_names(store: Store, source: str, lang: str) -> tuple[dict[str, str], Callable[[Any], Any] | None]:
    """Every code the names of ``source`` know, with its name; and how an unknown code reads
    (exporting._label_table: a policy gives the code back, a catalog its key)."""
    if source.startswith("policy:"):
        table: Mapping[str, Any] = getattr(store.policy, source.removeprefix("policy:"))
        return {code: item.label(lang) for code, item in table.items()}, None
    prefix = f"{source}."
    names = {k.removeprefix(prefix): v for k, v in catalog(lang).items() if k.startswith(prefix)}
    return names, lambda code: _lit(prefix) + code


def _field(
    d: _Dialect,
    store: Store,
    c: ExportColumn,
    labels: str | None,
    include_pii: bool,
    logins: list[tuple[int, str]],
    spans: list[Span],
    end: dt.datetime,
) -> ColumnElement[str]:
    v = c.column
    if c.kind is Kind.TEXT:
        return _free_text(d, v)
    if c.kind is Kind.TIME:
        return d.time(v, spans, end)
    if c.kind is Kind.INT:
        return func.coalesce(cast(v, Text), _lit(""))
    if c.kind is Kind.BOOL:
        yes = t("export.yes", labels) if labels else "true"
        no = t("export.no", labels) if labels else "false"
        return case((v, _lit(csv_field(yes))), else_=_lit(csv_field(no)))
    if c.kind is Kind.STAFF:
        return case((v.is_(None), _lit("")), else_=_lookup(v, logins, ""))
    if c.kind is Kind.PHONE:
        return _free_text(d, v if include_pii else _masked_phone(d, v))
    # A code: as stored (not neutralised), or its name (neutralised, as the Python path does).
    if not labels:
        return _quoted(d, func.coalesce(v, _lit("")))
    names, unknown = _code_names(store, c.labels, labels)
    known = {code: _lit(csv_field(neutralise(name))) for code, name in names.items()}
    other = _free_text(d, unknown(v) if unknown else v)
    if known:
        other = case(known, value=v, else_=other)
    return case((or_(v.is_(None), v == _lit("")), _lit("")), else_=other)


# What a time outside the zone window reads as in a plain line: a noncharacter no text holds.
OUTSIDE = "\uffff"
# Fields per line; the formula starts other than CR (which the line-end count catches), the
# ones no date holds first: each is looked for alone (one fast scan, usually absent), and only
# where present as a field's start.
_SEPARATORS = len(EXPORT_COLUMNS) - 1
_RARE_STARTS = tuple(c for c in FORMULA_START if c not in ("-", "\r"))


def is_plain(text: str, lines: int) -> bool:
    """Whether ``text``, ``lines`` plain lines joined, is exactly what ``csv.writer`` writes for
    them: no field with a comma, quote or line break, none starting as a formula, no time
    outside the zone window. Few whole scans of the text: it runs on every chunk."""
    if (
        text.count(",") != _SEPARATORS * lines
        or text.count("\n") != lines
        or text.count("\r") != lines
        or '"' in text
        or OUTSIDE in text
        or text.startswith(FORMULA_START)
        or ",-" in text
        or "\n-" in text
    ):
        return False
    return not any(c in text and (f",{c}" in text or f"\n{c}" in text) for c in _RARE_STARTS)


def _plain_field(
    d: _Dialect,
    store: Store,
    c: ExportColumn,
    labels: str | None,
    include_pii: bool,
    logins: list[tuple[int, str]],
    spans: list[Span],
    end: dt.datetime,
) -> Any:
    """The field as ``csv.writer`` writes it if it needs no quoting or apostrophe (NULL: '')."""
    v = c.column
    if c.kind in (Kind.TEXT, Kind.INT):
        return v
    if c.kind is Kind.TIME:
        return d.time(v, spans, end, _lit(OUTSIDE))
    if c.kind is Kind.BOOL:
        yes = t("export.yes", labels) if labels else "true"
        no = t("export.no", labels) if labels else "false"
        return case((v, _lit(yes)), else_=_lit(no))
    if c.kind is Kind.STAFF:
        return _lookup(v, logins, "")
    if c.kind is Kind.PHONE:
        return v if include_pii else _masked_phone(d, v)
    if not labels:
        return v
    names, unknown = _code_names(store, c.labels, labels)
    known = {code: _lit(neutralise(name)) for code, name in names.items()} | {"": _lit("")}
    return case(known, value=v, else_=unknown(v) if unknown else v)


def _line(d: _Dialect, fields: list[Any]) -> ColumnElement[str]:
    """The fields joined by commas with a CRLF, NULL as '' (one call, not a copy per field)."""
    fmt = _lit(",".join(["%s"] * len(fields)) + "\r\n")
    return func.printf(fmt, *fields, type_=String) if d.sqlite else func.format(fmt, *fields, type_=String)


# (case id, line)
LineSelect = Select[int | None, str]


def _from_cases(line: ColumnElement[str]) -> LineSelect:
    stmt: LineSelect = (
        select(col(Case.id), line)
        .select_from(Case)
        .join(Owner, col(Owner.id) == col(Case.owner_id))
        .join(Room, col(Room.id) == col(Case.room_id))
        .join(MERGED, col(MERGED.id) == col(Case.merged_into_id), isouter=True)
    )
    return stmt


def plain_line_select(
    store: Store,
    filt: QueueFilter,
    now: dt.datetime,
    *,
    labels: str | None,
    include_pii: bool,
    logins: dict[int, str],
    spans: list[Span],
    end: dt.datetime,
) -> LineSelect:
    """``(case id, plain CSV line with its CRLF)`` for every case ``filt`` matches, by id."""
    d = _Dialect(store.engine.dialect.name)
    table = sorted(logins.items())
    fields = [_plain_field(d, store, c, labels, include_pii, table, spans, end) for c in EXPORT_COLUMNS]
    stmt = _from_cases(_line(d, fields))
    conds = filter_conditions(store, None, filt, now)
    if conds:
        stmt = stmt.where(and_(*conds))
    return stmt.order_by(col(Case.id))


def exact_line_select(
    store: Store,
    ids: list[int],
    *,
    labels: str | None,
    include_pii: bool,
    logins: dict[int, str],
    spans: list[Span],
    end: dt.datetime,
) -> LineSelect:
    """``(case id, CSV line with its CRLF, or NULL)`` of the cases ``ids``, each field quoted
    and neutralised in SQL; NULL where a time is outside the zone window."""
    d = _Dialect(store.engine.dialect.name)
    table = sorted((k, csv_field(v)) for k, v in logins.items())
    fields = [_field(d, store, c, labels, include_pii, table, spans, end) for c in EXPORT_COLUMNS]
    line: ColumnElement[str] = fields[0]
    for f in fields[1:]:
        line = line + _lit(",") + f
    return _from_cases(line + _lit("\r\n")).where(col(Case.id).in_(ids))
