"""Streaming batch export of cases: CSV and XLSX (one row per case) and JSON Lines (one full case
document per line), for the monthly review and head office (SPEC S4.3, S6.6).

Memory stays flat however many cases match: rows come from one plain Core cursor read in
chunks (``yield_per``; a server-side cursor on PostgreSQL), never a list of all cases and never
ORM objects (five times slower here, gigabytes at a million cases: FACTS.md "Export"); XLSX is
written by xlsxwriter in ``constant_memory`` mode. The JSON document of a chunk of cases is
built with one query per child table for the whole chunk, not one per case.

The owner's phone is masked unless the caller asks for it (S6.5; the CLI records that request
in the audit trail), and a text cell that a spreadsheet would run as a formula gets a leading
apostrophe. Column codes are stable (``EXPORT_COLUMNS``, documented in the README); labels
in zh or en replace codes and headers on request. Times are shown in the centre's zone.

No Textual here: ``complaint-tui export`` starts fast and runs without a terminal UI.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import json
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped]  # ships no type information
from sqlalchemy import ColumnElement, Connection, Select, String, Table, and_, case, func, literal, select, type_coerce
from sqlalchemy.types import NullType
from sqlmodel import col

from complaint_tui import export_json
from complaint_tui.db import Store
from complaint_tui.errors import DeskError, RoleRefused
from complaint_tui.export_columns import COLUMN_CODES as COLUMN_CODES
from complaint_tui.export_columns import DOCUMENT_LISTS as DOCUMENT_LISTS
from complaint_tui.export_columns import EXPORT_COLUMNS as EXPORT_COLUMNS
from complaint_tui.export_columns import FORMULA_START as FORMULA_START
from complaint_tui.export_columns import MERGED, Cell, Kind
from complaint_tui.export_columns import neutralise as neutralise
from complaint_tui.export_json import DocumentSelect
from complaint_tui.export_lines import LineSelect, exact_line_select, is_plain, plain_line_select
from complaint_tui.export_zone import Span, offset_spans, whole_seconds
from complaint_tui.i18n import Msg, t
from complaint_tui.models import Case, Owner, Room, Staff, utcnow
from complaint_tui.policy import Policy
from complaint_tui.queries.queue import QueueFilter, filter_conditions
from complaint_tui.services.base import Operator, audit
from complaint_tui.validation import mask_phone

# Rows fetched from the cursor at a time; also the number of cases whose child rows one JSON
# Lines query fetches. Large enough to amortise round trips, small enough to keep memory flat.
CHUNK = 1000
# JSON Lines documents the database builds, fetched at a time: a demo case's is about 12 KB
# (100: 5 MB less peak memory than 200 where the audit values are filled in, no slower).
DOCUMENT_CHUNK = 100
# The last row an XLSX sheet can hold (the header takes the first).
XLSX_MAX_ROWS = 1_048_576


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    XLSX = "xlsx"


@dataclass(frozen=True)
class ExportRequest:
    """What to export and how: the cases (a queue filter), the format and its options."""

    format: ExportFormat
    filter: QueueFilter = field(default_factory=QueueFilter)
    labels: str | None = None  # "zh" / "en": names instead of codes (CSV and XLSX)
    include_pii: bool = False
    excel_bom: bool = False

    def describe(self) -> dict[str, Any]:
        """The request as plain data, for the audit event of a personal-data export."""
        f = self.filter
        chosen: dict[str, Any] = {
            "statuses": list(f.statuses),
            "categories": list(f.categories),
            "urgencies": list(f.urgencies),
            "departments": list(f.departments),
            "buildings": list(f.buildings),
            "channels": list(f.channels),
            "estates": list(f.estates),
            "overdue": f.overdue,
            "since": f.received_from.isoformat() if f.received_from else None,
            "until": f.received_until.isoformat() if f.received_until else None,
        }
        return {"format": self.format.value, "labels": self.labels, "filter": {k: v for k, v in chosen.items() if v}}


# --- personal data -----------------------------------------------------------------------


def record_pii_export(store: Store, operator: Operator, request: ExportRequest, destination: str) -> None:
    """Check that ``operator`` may export full phone numbers and write that to the audit trail (S6.5).

    Written before the first row, in its own transaction, so an export that fails half way is
    on record too. Only the roles the policy lets see phones (``pii_roles``) may do it.
    """
    if operator.role.value not in store.policy.pii_roles:
        raise RoleRefused("guard.role", action=Msg("action.export_pii"), role=Msg(f"role.{operator.role.value}"))
    details = request.describe() | {"output": destination}
    with store.write() as session:
        audit(session, operator, "export_pii", None, None, details)


# --- the case rows -----------------------------------------------------------------------


def _case_select(store: Store, filt: QueueFilter, now: dt.datetime) -> Select[Any]:
    conds: list[ColumnElement[bool]] = filter_conditions(store, None, filt, now)
    stmt = (
        select(col(Case.id), *(c.column for c in EXPORT_COLUMNS))
        .join(Owner, col(Owner.id) == col(Case.owner_id))
        .join(Room, col(Room.id) == col(Case.room_id))
        .join(MERGED, col(MERGED.id) == col(Case.merged_into_id), isouter=True)
    )
    if conds:
        stmt = stmt.where(and_(*conds))
    # The primary key: a stable order that needs no sort over another index.
    return stmt.order_by(col(Case.id))


def _neutralised(expr: Any) -> ColumnElement[Any]:
    """``neutralise`` done by the database, NULL as '': one C-level CASE per cell instead of
    two Python calls (FACTS.md: the per-value Python was most of the export's time)."""
    first = func.substr(expr, 1, 1)
    return case((first.in_(FORMULA_START), literal("'", String) + expr), else_=func.coalesce(expr, literal("", String)))


def _tabular_select(store: Store, filt: QueueFilter, now: dt.datetime, labels: str | None) -> Select[Any]:
    """``_case_select`` shaped for the CSV and XLSX rows: free texts neutralised and codes
    defaulted in SQL, every other value handed over as the driver returns it (``NullType``:
    no per-value processing by SQLAlchemy; the converters below take strings and datetimes)."""
    columns: list[Any] = [col(Case.id)]
    for c in EXPORT_COLUMNS:
        if c.kind is Kind.TEXT:
            columns.append(_neutralised(c.column))
        elif c.kind is Kind.CODE and not labels:
            columns.append(func.coalesce(c.column, literal("", String)))
        else:
            columns.append(type_coerce(c.column, NullType()))
    stmt = _case_select(store, filt, now)
    return stmt.with_only_columns(*columns, maintain_column_froms=False)


def _local_times(zone: Any) -> Callable[[Any], Cell]:
    """Stored UTC (a ``YYYY-MM-DD HH:MM:SS[.f]`` string from SQLite, an aware datetime from
    PostgreSQL) as the centre's wall-clock time to the second. The zone's offset is looked up
    once per UTC hour and used when it is the same at both ends of that hour; an hour with a
    change of offset in it is converted value by value."""
    offsets: dict[str, dt.timedelta | None] = {}
    hour = dt.timedelta(hours=1)

    def offset_of(key: str) -> dt.timedelta | None:
        start = dt.datetime.fromisoformat(key + ":00:00").replace(tzinfo=dt.UTC)
        first = start.astimezone(zone).utcoffset()
        last = (start + hour - dt.timedelta(microseconds=1)).astimezone(zone).utcoffset()
        return first if first == last else None

    def convert(v: Any) -> Cell:
        if v is None:
            return None
        if isinstance(v, str):
            key = v[:13]
            off = offsets[key] if key in offsets else offsets.setdefault(key, offset_of(key))
            naive = dt.datetime.fromisoformat(v)
            if off is not None:
                return (naive + off).replace(microsecond=0)
            v = naive.replace(tzinfo=dt.UTC)
        return v.astimezone(zone).replace(tzinfo=None, microsecond=0)  # type: ignore[no-any-return]

    return convert


def _staff_logins(conn: Connection) -> dict[int, str]:
    # The staff list is small (one centre's people): one map beats a join per staff column.
    return {int(i or 0): str(login) for i, login in conn.execute(select(col(Staff.id), col(Staff.login)))}


def _stream(conn: Connection, stmt: Select[Any] | LineSelect | DocumentSelect) -> Iterator[Sequence[Any]]:
    """Rows of ``stmt`` in chunks of ``CHUNK``; a server-side cursor where the driver has one."""
    result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(stmt)
    yield from result.partitions()


def _raw_stream(
    conn: Connection, stmt: Select[Any] | LineSelect | DocumentSelect, size: int | None = None
) -> Iterator[Sequence[Any]]:
    """Like ``_stream``; on SQLite the driver's own tuples straight from its cursor (a Row per
    CSV line costs a tenth of the export at a million cases). Not with ``stream_results``:
    that buffers a first row ahead, and SQLite's cursor streams anyway."""
    if conn.dialect.name != "sqlite":
        yield from _stream(conn, stmt)
        return
    result = conn.execute(stmt)
    cursor = result.cursor
    try:
        while rows := cursor.fetchmany(size or CHUNK):
            yield rows
    finally:
        result.close()


def _label_table(policy: Policy, source: str, lang: str) -> Callable[[str], str]:
    if source.startswith("policy:"):
        kind = source.removeprefix("policy:")
        return lambda code: policy.label(kind, code, lang)
    return lambda code: t(f"{source}.{code}", lang)


def _tabular_converters(
    policy: Policy, logins: dict[int, str], labels: str | None, include_pii: bool
) -> list[Callable[[Any], Cell] | None]:
    """One function per column turning what ``_tabular_select`` returns into its cell, or None
    where the database already did (precomputed: called per row)."""
    yes = t("export.yes", labels) if labels else "true"
    no = t("export.no", labels) if labels else "false"
    # Spreadsheets have no zones: the centre's wall-clock time, to the second.
    time = _local_times(policy.zone)

    def boolean(v: Any) -> Cell:
        return yes if v else no

    def staff(v: Any) -> Cell:
        return logins.get(v, "") if v is not None else ""

    def phone(v: Any) -> Cell:
        return neutralise(v if include_pii else mask_phone(v))

    def code_cell(source: str, lang: str) -> Callable[[Any], Cell]:
        name = _label_table(policy, source, lang)
        cache: dict[str, str] = {}  # a few dozen codes, looked up per row

        def labelled(v: Any) -> Cell:
            if not v:
                return ""
            found = cache.get(v)
            if found is None:
                found = cache[v] = neutralise(name(v))
            return found

        return labelled

    by_kind: dict[Kind, Callable[[Any], Cell] | None] = {
        Kind.TEXT: None,  # neutralised in SQL
        Kind.TIME: time,
        Kind.INT: None,  # integers from both drivers
        Kind.BOOL: boolean,
        Kind.STAFF: staff,
        Kind.PHONE: phone,
    }
    out: list[Callable[[Any], Cell] | None] = []
    for c in EXPORT_COLUMNS:
        if c.kind is Kind.CODE:
            out.append(code_cell(c.labels, labels) if labels else None)  # else defaulted to "" in SQL
        else:
            out.append(by_kind[c.kind])
    return out


def header(labels: str | None) -> list[str]:
    """The header row: the stable codes, or their names in ``labels``' language."""
    if not labels:
        return list(COLUMN_CODES)
    return [t(f"export.column.{code}", labels) for code in COLUMN_CODES]


def case_rows(
    store: Store,
    filt: QueueFilter,
    *,
    labels: str | None = None,
    include_pii: bool = False,
    now: dt.datetime | None = None,
) -> Generator[list[Cell], None, None]:
    """The export rows (without the header) of every case ``filt`` matches, streamed."""
    now = now or utcnow()
    with store.engine.connect() as conn:
        converters = _tabular_converters(store.policy, _staff_logins(conn), labels, include_pii)
        # Only the columns that need Python are touched; row[0] is the case id (JSON only).
        work = [(i, f) for i, f in enumerate(converters) if f is not None]
        for chunk in _stream(conn, _tabular_select(store, filt, now, labels)):
            for row in chunk:
                cells = list(row[1:])
                for i, f in work:
                    cells[i] = f(cells[i])
                yield cells


def _python_line(conn: Connection, stmt: Select[Any], work: list[tuple[int, Callable[[Any], Cell]]]) -> str:
    """The CSV line (with its CRLF) of the one row ``stmt`` selects, built the Python way."""
    row = conn.execute(stmt).one()
    cells = list(row[1:])
    for i, f in work:
        cells[i] = f(cells[i])
    buf = io.StringIO()
    csv.writer(buf).writerow(cells)
    return buf.getvalue()


def _zone_window(conn: Connection, zone: Any, now: dt.datetime) -> tuple[list[Span], dt.datetime]:
    """The zone's spans from the first receipt in the store (read from its index; forty years
    back at most) to twenty years from now: every time a working store holds. Any other time
    is converted in Python."""
    first = conn.execute(select(func.min(col(Case.received_at)))).scalar()
    lo = max(min(first or now, now), now - dt.timedelta(days=366 * 40)) - dt.timedelta(days=2)
    hi = now + dt.timedelta(days=366 * 20)
    return offset_spans(zone, lo, hi), hi


def csv_chunks(
    store: Store,
    filt: QueueFilter,
    *,
    labels: str | None = None,
    include_pii: bool = False,
    now: dt.datetime | None = None,
) -> Generator[list[str], None, None]:
    """The CSV lines (each with its CRLF, no header) of every case ``filt`` matches, a chunk at
    a time, the same text ``case_rows`` and ``csv.writer`` give. The database builds them
    (export_lines.py): a plain line for every case, an exact line for the few a plain line
    cannot be, and Python the row of a time outside the zone window."""
    now = now or utcnow()
    with store.engine.connect() as conn:
        logins = _staff_logins(conn)
        converters = _tabular_converters(store.policy, logins, labels, include_pii)
        work = [(i, f) for i, f in enumerate(converters) if f is not None]
        spans, end = _zone_window(conn, store.policy.zone, now)
        by_id = _tabular_select(store, QueueFilter(), now, labels)
        if not whole_seconds(spans):  # SQL adds whole seconds; such a zone is converted in Python
            for chunk in _stream(conn, _tabular_select(store, filt, now, labels)):
                yield [_python_line(conn, by_id.where(col(Case.id) == r[0]), work) for r in chunk]
            return
        options: dict[str, Any] = {
            "labels": labels,
            "include_pii": include_pii,
            "logins": logins,
            "spans": spans,
            "end": end,
        }
        for chunk in _raw_stream(conn, plain_line_select(store, filt, now, **options)):
            lines: list[str] = [r[1] for r in chunk]
            if is_plain("".join(lines), len(lines)):
                yield lines
                continue
            fix = {chunk[i][0]: i for i, line in enumerate(lines) if not is_plain(line, 1)}
            for case_id, line in conn.execute(exact_line_select(store, list(fix), **options)):
                lines[fix[case_id]] = (
                    line if line is not None else _python_line(conn, by_id.where(col(Case.id) == case_id), work)
                )
            yield lines


# --- JSON Lines documents ----------------------------------------------------------------


def _json_value(zone: Any) -> Callable[[Any], Any]:
    def plain(v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return v.astimezone(zone).isoformat()
        if isinstance(v, dt.date):
            return v.isoformat()
        return v

    return plain


def _staff_columns(table: Table) -> set[str]:
    return {c.name for c in table.columns if any(fk.column.table.name == "staff" for fk in c.foreign_keys)}


def _child_rows(
    conn: Connection, table: Table, ids: list[int], logins: dict[int, str], plain: Callable[[Any], Any]
) -> dict[int, list[dict[str, Any]]]:
    """The rows of ``table`` for the cases ``ids``, grouped by case, in the order they were written."""
    staff_cols = _staff_columns(table)
    cols = [c for c in table.columns if c.name != "case_id"]
    keys = [c.name.removesuffix("_id") if c.name in staff_cols else c.name for c in cols]
    is_staff = [c.name in staff_cols for c in cols]
    stmt = select(table.c.case_id, *cols).where(table.c.case_id.in_(ids)).order_by(table.c.case_id, table.c.id)
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in conn.execute(stmt):
        values = [
            (logins.get(v) if v is not None else None) if staff else plain(v)
            for v, staff in zip(row[1:], is_staff, strict=True)
        ]
        grouped.setdefault(row[0], []).append(dict(zip(keys, values, strict=True)))
    return grouped


def _documents(
    conn: Connection, stmt: Select[Any], zone: Any, logins: dict[int, str], include_pii: bool
) -> Iterator[dict[str, Any]]:
    """The document of every case ``stmt`` (``_case_select``) reads, built in Python."""
    plain = _json_value(zone)
    kinds = [c.kind for c in EXPORT_COLUMNS]
    for chunk in _stream(conn, stmt):
        ids = [int(r[0]) for r in chunk]
        children = {name: _child_rows(conn, model.__table__, ids, logins, plain) for name, model in DOCUMENT_LISTS}
        for row in chunk:
            doc: dict[str, Any] = {}
            for code, kind, v in zip(COLUMN_CODES, kinds, row[1:], strict=True):
                if kind is Kind.STAFF:
                    v = logins.get(v) if v is not None else None
                elif kind is Kind.PHONE and not include_pii:
                    v = mask_phone(v)
                elif kind is Kind.BOOL:
                    v = bool(v)
                doc[code] = plain(v)
            for name, _model in DOCUMENT_LISTS:
                doc[name] = children[name].get(row[0], [])
            yield doc


def case_documents(
    store: Store, filt: QueueFilter, *, include_pii: bool = False, now: dt.datetime | None = None
) -> Generator[dict[str, Any], None, None]:
    """One full document per matching case: the case's export columns (codes, JSON types,
    local ISO times with offset) and every list of ``DOCUMENT_LISTS``, streamed by chunk."""
    now = now or utcnow()
    with store.engine.connect() as conn:
        logins = _staff_logins(conn)
        yield from _documents(conn, _case_select(store, filt, now), store.policy.zone, logins, include_pii)


# One encoder for every document: json.dumps with options builds a new encoder per call.
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _encoded(docs: Iterator[dict[str, Any]]) -> list[bytes]:
    return [(_encode_json(doc) + "\n").encode("utf-8") for doc in docs]


def jsonl_chunks(
    store: Store, filt: QueueFilter, *, include_pii: bool = False, now: dt.datetime | None = None
) -> Generator[list[bytes], None, None]:
    """The JSON Lines (UTF-8, each with its "\\n") of every case ``filt`` matches, a chunk at a
    time: the bytes ``case_documents`` through ``json.dumps(ensure_ascii=False)`` give. On
    SQLite the database builds them (export_json.py) and Python only the documents of the few
    cases it marks; elsewhere, or in a zone of offsets in fractions of a second, Python."""
    now = now or utcnow()
    zone = store.policy.zone
    with store.engine.connect() as conn:
        logins = _staff_logins(conn)
        spans, end = _zone_window(conn, zone, now)
        if not (export_json.sql_can_write(store) and whole_seconds(spans)):
            docs = _documents(conn, _case_select(store, filt, now), zone, logins, include_pii)
            while batch := list(itertools.islice(docs, CHUNK)):
                yield _encoded(iter(batch))
            return
        options: dict[str, Any] = {"include_pii": include_pii, "logins": logins, "spans": spans, "end": end}
        select_documents = export_json.document_select(store, filt, now, **options)
        for chunk in _raw_stream(conn, select_documents, DOCUMENT_CHUNK):
            lines: list[bytes] = [r[1] for r in chunk]
            marked = [i for i, line in enumerate(lines) if export_json.MARK_BYTES in line]
            if marked:  # stored JSON Python writes otherwise, filled in value by value
                ids = [int(r[0]) for r in chunk]
                marked = export_json.fill_stored_json(conn, lines, marked, ids, _encode_json)
            if not marked:
                yield lines
                continue
            fix = {chunk[i][0]: i for i in marked}
            stmt = _case_select(store, QueueFilter(), now).where(col(Case.id).in_(list(fix)))
            for case_id, line in zip(fix, _encoded(_documents(conn, stmt, zone, logins, include_pii)), strict=True):
                lines[fix[case_id]] = line
            yield lines


# --- writers -----------------------------------------------------------------------------

Progress = Callable[[int], None]


def _counting(rows: Iterator[Any], on_progress: Progress | None, every: int = 500) -> Iterator[Any]:
    n = 0
    for n, row in enumerate(rows, 1):
        yield row
        if on_progress is not None and n % every == 0:
            on_progress(n)
    if on_progress is not None:
        on_progress(n)


def _counting_chunks(chunks: Iterator[list[Any]], on_progress: Progress | None) -> Iterator[list[Any]]:
    n = 0
    for lines in chunks:
        yield lines
        n += len(lines)
        if on_progress is not None:
            on_progress(n)
    if on_progress is not None:
        on_progress(n)


def write_csv_lines(chunks: Iterator[list[str]], out: IO[bytes], head: list[str], *, bom: bool = False) -> int:
    """CSV in UTF-8 (with the BOM Excel needs to show Chinese when ``bom``) from the lines
    ``csv_chunks`` gives: the header by ``csv.writer``, then the lines as they are."""
    buf = io.StringIO()
    csv.writer(buf).writerow(head)
    out.write(("\ufeff" if bom else "").encode("utf-8") + buf.getvalue().encode("utf-8"))
    count = 0
    for lines in chunks:
        out.write("".join(lines).encode("utf-8"))
        count += len(lines)
    return count


def write_jsonl(docs: Iterator[dict[str, Any]], out: IO[bytes]) -> int:
    """One compact JSON document per line, UTF-8, characters as they are (not ``\\u`` escapes)."""
    count = 0
    for doc in docs:
        out.write((_encode_json(doc) + "\n").encode("utf-8"))
        count += 1
    return count


def write_jsonl_lines(chunks: Iterator[list[bytes]], out: IO[bytes]) -> int:
    """The lines ``jsonl_chunks`` gives, as they are; returns how many."""
    count = 0
    for lines in chunks:
        out.write(b"".join(lines))
        count += len(lines)
    return count


def write_xlsx(rows: Iterator[list[Cell]], out: IO[bytes], head: list[str]) -> int:
    """One sheet in constant-memory mode. Strings stay strings (no formulas, no hyperlinks)."""
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_date_format": "yyyy-mm-dd hh:mm:ss",
        },
    )
    sheet = workbook.add_worksheet(t("export.sheet_name"))
    bold = workbook.add_format({"bold": True})
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, head, bold)
    count = 0
    for count, row in enumerate(rows, 1):
        if count >= XLSX_MAX_ROWS:
            workbook.close()
            raise DeskError("export.xlsx_too_many", max=XLSX_MAX_ROWS - 1)
        sheet.write_row(count, 0, row)
    workbook.close()
    return count


def export_cases(
    store: Store,
    request: ExportRequest,
    out: IO[bytes],
    *,
    on_progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Write every case ``request`` selects to ``out`` in its format; returns how many.

    ``out`` is a binary stream the caller opened (a seekable file for XLSX, which is a zip).
    ``on_progress`` is called now and then with the number of cases written so far.
    """
    now = now or utcnow()
    source: Generator[Any, None, None]
    if request.format is ExportFormat.CSV:
        chunks = csv_chunks(store, request.filter, labels=request.labels, include_pii=request.include_pii, now=now)
        with contextlib.closing(chunks):
            counted_lines = _counting_chunks(chunks, on_progress)
            return write_csv_lines(counted_lines, out, header(request.labels), bom=request.excel_bom)
    if request.format is ExportFormat.JSONL:
        documents = jsonl_chunks(store, request.filter, include_pii=request.include_pii, now=now)
        with contextlib.closing(documents):
            return write_jsonl_lines(_counting_chunks(documents, on_progress), out)
    source = case_rows(store, request.filter, labels=request.labels, include_pii=request.include_pii, now=now)
    # closing(): a writer that stops early (a full sheet, a closed pipe) must give the cursor
    # and its connection back now, not whenever the generator is collected.
    with contextlib.closing(source):
        counted = _counting(source, on_progress)
        return write_xlsx(counted, out, header(request.labels))
