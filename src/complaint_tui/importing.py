"""Bulk intake from a CSV file (SPEC S1.4, S6.1): all rows or none.

The layout (the README, a sample in ``data/import_sample.csv``) uses the export's column
codes. Every row is checked by the intake form's own rules (``services.intake.check_intake``),
and the file against the store (staff logins, source ids imported before), before the write lock
is taken; any broken rule anywhere means a report (line, column, value, rule, message) and
nothing imported. The rows are built by the desk intake's own functions (``plan_intake_row``,
``case_columns``, ``clock_columns``, ``receipt_columns``, ``intake_after``), so an imported case
gets its number, clocks, receipt, search text and audit event exactly as a case typed at the
desk; then all of them go in one write transaction, a few multi-row statements long, so desks
wait seconds, not minutes (issue 7). The ``source_id`` column (required) makes re-importing the
same file harmless: rows whose source id is already in the store are skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Dialect, select, text

from complaint_tui.audit_chain import Event, append_events
from complaint_tui.db import Store
from complaint_tui.errors import DeskError, FieldProblem, InvalidInput
from complaint_tui.models import Case, ObjectKind, Owner, OwnerUpdate, Room, Staff, StepClock, utcnow
from complaint_tui.policy import Policy
from complaint_tui.search_text import document
from complaint_tui.services.base import Operator, current_operator, record_dict, require_role
from complaint_tui.services.intake import (
    CaseRecord,
    CleanIntake,
    IntakeForm,
    IntakeRow,
    case_number,
    check_intake,
    clock_columns,
    intake_after,
    number_day,
    plan_intake_row,
    receipt_columns,
)
from complaint_tui.services.search_index import case_document
from complaint_tui.statistics_store import count_new_cases
from complaint_tui.validation import RuleBroken, local_datetime, required_text
from complaint_tui.workflow import Action

SOURCE_ID_MAX = 80  # Case.source_id is VARCHAR(80)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "source_id",
    "channel",
    "owner_name",
    "phone",
    "building",
    "unit",
    "room",
    "object_kind",
    "object_text",
    "matter_what",
    "demand",
    "category",
    "urgency",
)
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "received_at",
    "contact_confirmed",
    "object_staff_login",
    "matter_when",
    "matter_where",
    "matter_state",
    "estate",  # issue 9 item 6: empty means the policy's only estate (refused when it has several)
)
IMPORT_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "已确认"})
FALSE_WORDS = frozenset({"", "false", "no", "n", "0", "否", "未确认"})
# Keys looked up per query (source ids, phones, buildings): well under every driver's limit.
_LOOKUP_CHUNK = 500
T = TypeVar("T")
_cases = Case.__table__  # type: ignore[attr-defined]
_clocks = StepClock.__table__  # type: ignore[attr-defined]
_updates = OwnerUpdate.__table__  # type: ignore[attr-defined]
_owner = Owner.__table__  # type: ignore[attr-defined]
_room = Room.__table__  # type: ignore[attr-defined]
_staff = Staff.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ImportProblem:
    """One broken rule in the file: where, what was there, and which rule it broke."""

    line: int
    column: str
    value: str
    problem: FieldProblem

    @property
    def rule(self) -> str:
        return self.problem.rule

    def message(self, lang: str | None = None) -> str:
        return self.problem.message(lang)


class ImportRejected(DeskError):
    """The file broke rules; ``problems`` lists each. Nothing was written."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__("import.rejected", count=len(problems))
        self.problems = sorted(problems, key=lambda p: p.line)


@dataclass(frozen=True)
class ImportRow:
    line: int
    form: IntakeForm
    clean: CleanIntake


@dataclass
class ImportPlan:
    """The file read and checked: the rows to write, or the problems that stop the import."""

    rows: list[ImportRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


@dataclass(frozen=True)
class ImportedCase:
    line: int
    source_id: str
    number: str
    first_response_due: dt.datetime | None  # None for a row skipped as already imported


@dataclass(frozen=True)
class ImportSummary:
    imported: list[ImportedCase]
    skipped: list[ImportedCase]
    dry_run: bool


class _DryRunDone(Exception):
    """Raised inside the write transaction to roll a dry run back after it did everything."""


def _boolean(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise RuleBroken("boolean")


def read_import(lines: Iterable[str], policy: Policy, now: dt.datetime | None = None) -> ImportPlan:
    """Read and check every row of a CSV (its lines, without a BOM) against the intake rules.

    Pure: no database. Staff logins and source ids already in the store are checked by
    ``apply_import``. Line numbers count physical lines from 1 (the header), so a row with a
    line break inside a quoted cell is reported at the line where it starts.
    """
    now = now or utcnow()
    plan = ImportPlan()
    reader = csv.reader(iter(lines))
    try:
        head = next(reader)
    except StopIteration:
        raise DeskError("import.empty") from None
    except csv.Error as exc:
        raise DeskError("import.not_csv", reason=str(exc)) from None
    names = [h.strip() for h in head]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            plan.problems.append(
                ImportProblem(1, name, name, FieldProblem("import_header", "column_twice", {"column": name}))
            )
        elif name not in IMPORT_COLUMNS:
            known = ", ".join(IMPORT_COLUMNS)
            plan.problems.append(
                ImportProblem(
                    1, name, name, FieldProblem("import_header", "column_unknown", {"column": name, "known": known})
                )
            )
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            plan.problems.append(
                ImportProblem(1, name, "", FieldProblem("import_header", "column_missing", {"column": name}))
            )
    if plan.problems:
        return plan  # without the right header the rows cannot be read column by column

    first_line_of: dict[str, int] = {}
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue  # spreadsheets leave blank lines at the end
            if len(cells) != len(names):
                plan.problems.append(
                    ImportProblem(
                        line,
                        "-",
                        str(len(cells)),
                        FieldProblem("import_row", "cell_count", {"found": len(cells), "expected": len(names)}),
                    )
                )
                continue
            _read_row(plan, line, dict(zip(names, cells, strict=True)), policy, now, first_line_of)
    except csv.Error as exc:
        plan.problems.append(
            ImportProblem(reader.line_num, "-", "", FieldProblem("import_row", "csv_syntax", {"reason": str(exc)}))
        )
    if not plan.rows and not plan.problems:
        raise DeskError("import.empty")
    return plan


def _read_row(
    plan: ImportPlan, line: int, row: dict[str, str], policy: Policy, now: dt.datetime, first_line_of: dict[str, int]
) -> None:
    problems: list[ImportProblem] = []

    def broke(column: str, rule: str, **params: object) -> None:
        problems.append(ImportProblem(line, column, row.get(column, ""), FieldProblem(column, rule, dict(params))))

    source_id = row["source_id"].strip()
    try:
        required_text(source_id, SOURCE_ID_MAX)
    except RuleBroken as exc:
        broke("source_id", exc.rule, **exc.params)
    if source_id and source_id in first_line_of:
        broke("source_id", "source_twice", line=first_line_of[source_id])
    elif source_id:
        first_line_of[source_id] = line

    received_at = None
    if row.get("received_at", "").strip():
        try:
            received_at = local_datetime(row["received_at"], policy.zone)
        except RuleBroken as exc:
            broke("received_at", exc.rule, **exc.params)
    confirmed = False
    try:
        confirmed = _boolean(row.get("contact_confirmed", ""))
    except RuleBroken as exc:
        broke("contact_confirmed", exc.rule)

    form = IntakeForm(
        channel=row["channel"],
        owner_name=row["owner_name"],
        phone=row["phone"],
        building=row["building"],
        unit=row["unit"],
        room=row["room"],
        object_kind=row["object_kind"],
        object_text=row["object_text"],
        matter_what=row["matter_what"],
        demand=row["demand"],
        category=row["category"],
        urgency=row["urgency"],
        matter_when=row.get("matter_when", ""),
        matter_where=row.get("matter_where", ""),
        matter_state=row.get("matter_state", ""),
        object_staff_login=row.get("object_staff_login", "").strip(),
        received_at=received_at,
        contact_confirmed=confirmed,
        source_id=source_id or None,
        estate=row.get("estate", "").strip(),
    )
    clean = None
    try:
        clean = check_intake(form, policy, now)
    except InvalidInput as invalid:
        reported = {p.column for p in problems}
        for p in invalid.problems:
            # A cell already reported (an unreadable received_at or contact_confirmed) was read
            # as its default here; a second problem about that default would only confuse.
            if p.field not in reported:
                problems.append(ImportProblem(line, p.field, row.get(p.field, ""), p))
    if problems or clean is None:
        plan.problems.extend(problems)
    else:
        plan.rows.append(ImportRow(line, form, clean))


def read_import_file(path: Path, policy: Policy, now: dt.datetime | None = None) -> ImportPlan:
    """``read_import`` of a UTF-8 file (a BOM, as Excel writes, is fine)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return read_import(handle, policy, now)
    except FileNotFoundError:
        raise DeskError("import.file_missing", path=str(path)) from None
    except UnicodeDecodeError:
        raise DeskError("import.not_utf8", path=str(path)) from None
    except IsADirectoryError:
        raise DeskError("import.file_unreadable", path=str(path), reason="directory") from None
    except OSError as exc:
        raise DeskError("import.file_unreadable", path=str(path), reason=exc.strerror or str(exc)) from None


def _chunks(items: Sequence[T], size: int = _LOOKUP_CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _known_sources(conn: Connection, source_ids: list[str]) -> dict[str, str]:
    """The case number of each of ``source_ids`` already in the store."""
    found: dict[str, str] = {}
    for part in _chunks(source_ids):
        stmt = select(_cases.c.source_id, _cases.c.number).where(_cases.c.source_id.in_(part))
        found.update({str(s): str(n) for s, n in conn.execute(stmt)})
    return found


def _staff_ids(conn: Connection, logins: set[str]) -> dict[str, int]:
    if not logins:
        return {}
    rows = conn.execute(select(_staff.c.login, _staff.c.id).where(_staff.c.login.in_(sorted(logins))))
    return {str(login): int(sid) for login, sid in rows}


@dataclass
class _BulkRow:
    """One row ready to write: everything but what only the store can give under its lock."""

    line: int
    source_id: str
    row: IntakeRow
    after: dict[str, Any]  # the audit event's ``after``; the store's keys are filled in at the write
    doc_rest: str  # the search document without the case number
    day: str
    subject_login: str
    case_params: list[Any]  # the complaint_case row bound for the driver; the store's keys are placeholders
    clock_params: list[list[Any]]  # its step_clock rows, the case id a placeholder


class _Bound:
    """One table's rows for the driver's ``executemany``, each value bound by its column's own
    type (so a timestamp is stored exactly as the ORM stores it). Rows are bound before the write
    lock; the keys only the store can give are set under it."""

    def __init__(self, dialect: Dialect, table: Any, names: list[str]) -> None:
        self.table, self.names = table, names
        self.binders = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
        self.index = {n: i for i, n in enumerate(names)}

    def bind(self, row: dict[str, Any]) -> list[Any]:
        return [v if b is None else b(v) for b, v in zip(self.binders, (row[n] for n in self.names), strict=True)]

    def set(self, params: list[Any], name: str, value: Any) -> None:
        i = self.index[name]
        binder = self.binders[i]
        params[i] = value if binder is None else binder(value)

    def insert(self, conn: Connection, rows: list[list[Any]], conflict: str = "") -> None:
        if rows:
            marks = _marks(conn, len(self.names))
            sql = f"INSERT INTO {self.table.name} ({', '.join(self.names)}) VALUES ({marks}) {conflict}"
            conn.exec_driver_sql(sql, [tuple(r) for r in rows])


@functools.cache
def _case_table(dialect: Dialect) -> _Bound:
    return _Bound(dialect, _cases, [c.name for c in _cases.columns if c.name != "id"])


@functools.cache
def _clock_table(dialect: Dialect) -> _Bound:
    return _Bound(dialect, _clocks, [c.name for c in _clocks.columns if c.name != "id"])


def _prepare(
    policy: Policy, dialect: Dialect, operator: Operator, plan: ImportPlan, now: dt.datetime
) -> list[_BulkRow]:
    """Every row's columns, clocks, audit record and search text, computed before the lock."""
    prepared = []
    case_table, clock_table = _case_table(dialect), _clock_table(dialect)
    for r in plan.rows:
        row = plan_intake_row(policy, operator.id, r.form, r.clean, now)
        clean = r.clean
        # ``case_document`` reads attributes only: the row's columns stand in for the models.
        doc_rest = case_document(
            cast(Case, SimpleNamespace(**row.case)),  # its number is empty: added under the lock
            cast(Owner, SimpleNamespace(name=clean.owner_name, phone=clean.phone)),
            cast(Room, SimpleNamespace(building=clean.building, unit=clean.unit, room=clean.room)),
        )
        login = r.form.object_staff_login.strip() if clean.object_kind == ObjectKind.STAFF.value else ""
        prepared.append(
            _BulkRow(
                r.line,
                r.form.source_id or "",
                row,
                intake_after(record_dict(CaseRecord(row.case)), row),
                doc_rest,
                number_day(policy, clean.received_at),
                login,
                case_table.bind(row.case),
                [clock_table.bind(c) for c in clock_columns(row, 0)],
            )
        )
    return prepared


def check_against_store(store: Store, plan: ImportPlan) -> tuple[list[ImportProblem], dict[str, str]]:
    """The checks that need the store, made before the write lock is taken: the staff members
    complained about exist; which source ids were imported before (their case numbers)."""
    problems: list[ImportProblem] = []
    with store.engine.connect() as conn:
        known_staff = _staff_ids(conn, {r.form.object_staff_login.strip() for r in plan.rows} - {""})
        for r in plan.rows:
            login = r.form.object_staff_login.strip()
            if login and login not in known_staff:  # a login typed is checked whatever the kind
                problems.append(
                    ImportProblem(
                        r.line,
                        "object_staff_login",
                        r.form.object_staff_login,
                        FieldProblem("object_staff_login", "staff_unknown", {"login": login}),
                    )
                )
        before = _known_sources(conn, [r.form.source_id or "" for r in plan.rows])
    return problems, before


def apply_import(
    store: Store,
    operator: Operator,
    plan: ImportPlan,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> ImportSummary:
    """Write the plan's rows in one transaction, or raise ``ImportRejected`` and write nothing.

    Everything is checked and computed before the write lock is taken: the rows (``read_import``),
    the staff members complained about, the source ids imported before, and each case's columns,
    clocks, receipt, search text and audit record. Under the lock only what the store alone can
    give is done: the source ids are looked up again (an import of the same file may have ended
    meanwhile), then each day's numbers are taken from its counter at once, the owners and rooms
    found or created, and every table written with one multi-row statement, the audit events
    chained by ``audit_chain.append_events``. ``dry_run`` does everything, then rolls back: the
    summary shows the numbers and due times the cases would get.
    """
    require_role(operator, Action.INTAKE)
    now = now or utcnow()
    store_problems, before = check_against_store(store, plan)
    if plan.problems or store_problems:
        raise ImportRejected(plan.problems + store_problems)
    prepared = _prepare(store.policy, store.engine.dialect, operator, plan, now)
    summary = ImportSummary([], [], dry_run)
    try:
        with store.write() as session:
            # The role checked above may be stale or made up: the store's word, in this transaction.
            require_role(current_operator(session, operator), Action.INTAKE)
            _write(session.connection(), store, operator, prepared, before, summary, now)
            if dry_run:
                raise _DryRunDone
    except _DryRunDone:
        pass
    return summary


def _write(
    conn: Connection,
    store: Store,
    operator: Operator,
    prepared: list[_BulkRow],
    before: dict[str, str],
    summary: ImportSummary,
    now: dt.datetime,
) -> None:
    """The bulk write, inside the import's one write transaction (SQLite: under its lock)."""
    policy = store.policy
    # Looked up again under the lock: what was known before is skipped, what another import
    # added since the check is skipped too rather than refused by the unique key.
    known = before | _known_sources(conn, [p.source_id for p in prepared if p.source_id not in before])
    todo = []
    for p in prepared:
        if p.source_id in known:
            summary.skipped.append(ImportedCase(p.line, p.source_id, known[p.source_id], None))
        else:
            todo.append(p)
    if not todo:
        return
    subjects = _staff_ids(conn, {p.subject_login for p in todo} - {""})
    gone = [p for p in todo if p.subject_login and p.subject_login not in subjects]
    if gone:  # an account is never deleted, but the store's word is the last one
        raise ImportRejected(
            [
                ImportProblem(
                    p.line,
                    "object_staff_login",
                    p.subject_login,
                    FieldProblem("object_staff_login", "staff_unknown", {"login": p.subject_login}),
                )
                for p in gone
            ]
        )
    numbers = _take_numbers(conn, policy, todo)
    owners = _owners(conn, todo, now)
    rooms = _rooms(conn, todo)
    case_table, clock_table = _case_table(conn.dialect), _clock_table(conn.dialect)
    cases = []
    for p, number in zip(todo, numbers, strict=True):
        clean = p.row.clean
        keys = {
            "number": number,
            "owner_id": owners[clean.phone][0],
            "room_id": rooms[(clean.estate, clean.building, clean.unit, clean.room)],
            "object_staff_id": subjects[p.subject_login] if p.subject_login else None,
        }
        p.after.update(keys)
        for name, value in keys.items():
            case_table.set(p.case_params, name, value)
        cases.append(p.case_params)
    case_table.insert(conn, cases)
    ids = _ids_by(conn, _cases.c.number, numbers)
    clocks = []
    receipts: list[list[Any]] = []
    update_table: _Bound | None = None
    docs = []
    events = []
    for p, number in zip(todo, numbers, strict=True):
        case_id = ids[number]
        for params in p.clock_params:
            clock_table.set(params, "case_id", case_id)
            clocks.append(params)
        receipt = receipt_columns(policy, p.row, case_id, number, operator.id, now)
        if update_table is None:
            update_table = _Bound(conn.dialect, _updates, list(receipt))
            first_receipt = update_table.bind(receipt)  # every receipt is told at the same time
        params = list(first_receipt)
        for name, value in receipt.items():
            if name != "at":
                update_table.set(params, name, value)
        receipts.append(params)
        # The owner's name when the row's caller is someone else (as ``case_document`` has it).
        owner_name = owners[p.row.clean.phone][1]
        other = document([owner_name]) if owner_name != p.row.clean.owner_name else ""
        docs.append((case_id, join_documents(document([number]), other, p.doc_rest)))
        events.append(Event(case_id, operator.id, now, Action.INTAKE.value, 1, None, p.after))
        summary.imported.append(ImportedCase(p.line, p.source_id, number, p.row.clocks[0].due_at))
    clock_table.insert(conn, clocks)
    if update_table is not None:
        update_table.insert(conn, receipts)
    mark = _marks(conn, 2)
    if conn.dialect.name == "sqlite":  # the statements of ``search_index.write_document``
        conn.exec_driver_sql(f"INSERT OR REPLACE INTO case_search(rowid, doc) VALUES ({mark})", docs)
    else:
        conn.exec_driver_sql(
            f"INSERT INTO case_search(case_id, doc) VALUES ({mark}) "
            "ON CONFLICT (case_id) DO UPDATE SET doc = excluded.doc",
            docs,
        )
    append_events(conn, events)
    # After the audit head's lock (append_events), which orders the writers of the tallies.
    count_new_cases(conn, ids.values())


def _marks(conn: Connection, n: int) -> str:
    """``n`` parameter marks in the driver's own style (sqlite3: ``?``; psycopg: ``%s``)."""
    style = conn.dialect.paramstyle
    if style == "qmark":
        return ", ".join("?" * n)
    if style in ("format", "pyformat"):
        return ", ".join(["%s"] * n)
    raise NotImplementedError(f"parameter style {style}")


def _insert_many(conn: Connection, table: Any, rows: list[dict[str, Any]], conflict: str = "") -> None:
    """One driver ``executemany`` of ``rows``, each value bound by its column's own type (so a
    timestamp is stored exactly as the ORM stores it), skipping SQLAlchemy's per-row compiling."""
    if not rows:
        return
    names = list(rows[0])
    dialect = conn.dialect
    binders = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    params = [
        tuple(
            value if bind is None else bind(value) for bind, value in zip(binders, (r[n] for n in names), strict=True)
        )
        for r in rows
    ]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({_marks(conn, len(names))}) {conflict}"
    conn.exec_driver_sql(sql, params)


def _ids_by(conn: Connection, key: Any, values: list[str]) -> dict[str, int]:
    """The id of the row of each of ``values`` of the unique column ``key``."""
    table = key.table
    found: dict[str, int] = {}
    for part in _chunks(values):
        found.update({str(k): int(i) for k, i in conn.execute(select(key, table.c.id).where(key.in_(part)))})
    return found


def _take_numbers(conn: Connection, policy: Policy, rows: list[_BulkRow]) -> list[str]:
    """Each row's case number, in file order within each day: one counter update per day, as
    ``next_case_number`` would give them one by one."""
    per_day: dict[str, int] = {}
    for p in rows:
        per_day[p.day] = per_day.get(p.day, 0) + 1
    next_seq: dict[str, int] = {}
    for day in sorted(per_day):
        last = conn.execute(
            text(
                "INSERT INTO case_number_counter(day, last) VALUES (:day, :n) "
                "ON CONFLICT(day) DO UPDATE SET last = case_number_counter.last + :n RETURNING last"
            ),
            {"day": day, "n": per_day[day]},
        ).scalar_one()
        next_seq[day] = int(last) - per_day[day] + 1
    numbers = []
    for p in rows:
        numbers.append(case_number(policy, p.day, next_seq[p.day]))
        next_seq[p.day] += 1
    return numbers


def _owners(conn: Connection, rows: list[_BulkRow], now: dt.datetime) -> dict[str, tuple[int, str]]:
    """``services.intake.find_or_create_owner`` for every row, as the rows one by one would: an
    owner is created in the order the file first names them, with the first name given; a known
    owner keeps their name (each case keeps its row's name as the caller's). Phone → (id, name)."""
    first: dict[str, str] = {}
    for p in rows:
        first.setdefault(p.row.clean.phone, p.row.clean.owner_name)
    owners = [{"name": name, "phone": phone, "created_at": now} for phone, name in first.items()]
    _insert_many(conn, _owner, owners, "ON CONFLICT (phone) DO NOTHING")
    found: dict[str, tuple[int, str]] = {}
    for part in _chunks(list(first)):
        stmt = select(_owner.c.phone, _owner.c.id, _owner.c.name).where(_owner.c.phone.in_(part))
        found.update({str(phone): (int(i), str(name)) for phone, i, name in conn.execute(stmt)})
    return found


def _rooms(conn: Connection, rows: list[_BulkRow]) -> dict[tuple[str, str, str, str], int]:
    """``services.intake.find_or_create_room`` for every row, keyed (estate, building, unit, room)."""
    wanted = list(
        dict.fromkeys((p.row.clean.estate, p.row.clean.building, p.row.clean.unit, p.row.clean.room) for p in rows)
    )
    new = [{"estate": e, "building": b, "unit": u, "room": r} for e, b, u, r in wanted]
    _insert_many(conn, _room, new, "ON CONFLICT (estate, building, unit, room) DO NOTHING")
    found: dict[tuple[str, str, str, str], int] = {}
    for part in _chunks(sorted({b for _, b, _, _ in wanted})):
        stmt = select(_room.c.estate, _room.c.building, _room.c.unit, _room.c.room, _room.c.id).where(
            _room.c.building.in_(part)
        )
        found.update({(str(e), str(b), str(u), str(r)): int(i) for e, b, u, r, i in conn.execute(stmt)})
    return {key: found[key] for key in wanted}


def join_documents(*docs: str) -> str:
    """Search documents are tokens separated by spaces: two of them make one by a space."""
    return " ".join(d for d in docs if d)
