"""Bulk intake from a CSV file (SPEC S1.4, S6.1): all rows or none.

The layout (the README, a sample in ``data/import_sample.csv``) uses the export's column
codes. Every row is checked by the intake form's own rules (``services.intake.check_intake``)
before anything is written; any broken rule anywhere means a report (line, column, value,
rule, message) and nothing imported. Otherwise all rows go in one write transaction through
the intake's own write (``write_intake``), so an imported case gets its number, clocks, receipt
and audit event exactly as a case typed at the desk. The ``source_id`` column (required) makes
re-importing the same file harmless: rows whose source id is already in the store are skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from complaint_tui.db import Store
from complaint_tui.errors import DeskError, FieldProblem, InvalidInput
from complaint_tui.models import Case, Staff, utcnow
from complaint_tui.policy import Policy
from complaint_tui.services.base import Operator, require_role
from complaint_tui.services.intake import CleanIntake, IntakeForm, check_intake, write_intake
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
)
IMPORT_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "已确认"})
FALSE_WORDS = frozenset({"", "false", "no", "n", "0", "否", "未确认"})
# Source ids looked up per query when checking which rows were imported before.
_LOOKUP_CHUNK = 500


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


def _known_sources(session: Session, source_ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for i in range(0, len(source_ids), _LOOKUP_CHUNK):
        part = source_ids[i : i + _LOOKUP_CHUNK]
        stmt = select(Case.source_id, Case.number).where(col(Case.source_id).in_(part))
        found.update({str(s): str(n) for s, n in session.exec(stmt).all()})
    return found


def apply_import(
    store: Store,
    operator: Operator,
    plan: ImportPlan,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> ImportSummary:
    """Write the plan's rows in one transaction, or raise ``ImportRejected`` and write nothing.

    The checks that need the store (the staff member a complaint is about exists; which source
    ids were imported before) run inside the same write transaction, under its lock, so two
    imports of one file at once cannot both add it. ``dry_run`` does everything, then rolls back:
    the summary shows the numbers and due times the cases would get.
    """
    require_role(operator, Action.INTAKE)
    now = now or utcnow()
    problems = list(plan.problems)
    summary = ImportSummary([], [], dry_run)
    try:
        with store.write() as session:
            logins = {r.form.object_staff_login for r in plan.rows if r.form.object_staff_login}
            known_staff = (
                set(session.exec(select(Staff.login).where(col(Staff.login).in_(sorted(logins)))).all())
                if logins
                else set()
            )
            for r in plan.rows:
                login = r.form.object_staff_login
                if login and login not in known_staff:
                    problems.append(
                        ImportProblem(
                            r.line,
                            "object_staff_login",
                            login,
                            FieldProblem("object_staff_login", "staff_unknown", {"login": login}),
                        )
                    )
            if problems:
                raise ImportRejected(problems)
            before = _known_sources(session, [r.form.source_id or "" for r in plan.rows])
            for r in plan.rows:
                sid = r.form.source_id or ""
                if sid in before:
                    summary.skipped.append(ImportedCase(r.line, sid, before[sid], None))
                    continue
                receipt = write_intake(session, store, operator, r.form, r.clean, now)
                summary.imported.append(ImportedCase(r.line, sid, receipt.number, receipt.first_response_due))
            if dry_run:
                raise _DryRunDone
    except _DryRunDone:
        pass
    return summary
