"""The batch commands of the CLI: ``export``, ``import`` and ``report`` (issue 4).

``register(app)`` adds them to the main typer app (``cli.py``). They use the headless core
only, never Textual, so they start fast and run in cron jobs and pipes. Every user error
raises a ``DeskError`` with a catalog key; the CLI's group prints it as one line and exits 1.
Data goes to stdout and nothing else does: progress, notes and summaries of an export go to
stderr, so ``complaint-tui export | other-tool`` receives only the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from complaint_tui.cli_help import HelpCommand
from complaint_tui.config import (
    DbOption,
    EstateOption,
    OperatorOption,
    PinOption,
    PolicyOption,
    open_configured_store,
)
from complaint_tui.db import Store, sqlite_file, sqlite_side_files
from complaint_tui.errors import DeskError
from complaint_tui.exporting import ExportFormat, ExportRequest, export_cases, record_pii_export
from complaint_tui.i18n import LANGUAGES, Msg, t
from complaint_tui.importing import ImportRejected, ImportSummary, apply_import, read_import_file
from complaint_tui.models import Status
from complaint_tui.policy import Policy
from complaint_tui.queries.queue import QueueFilter, queue_count
from complaint_tui.reporting import Breakdown, build_report, period, render_markdown, render_tables
from complaint_tui.safe_files import complete_or_nothing, os_reason
from complaint_tui.services.base import Operator
from complaint_tui.services.staff import needs_pin, sign_in
from complaint_tui.validation import RuleBroken, local_date

SinceOption = Annotated[
    str | None, typer.Option("--since", help="help.opt.since", metavar="help.metavar.date", show_default=False)
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="help.opt.until", metavar="help.metavar.date", show_default=False)
]


def _stderr() -> Console:
    # soft_wrap: a message line stays one line in a log or a pipe, whatever the width.
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _open(db: str | None, policy_path: str | None) -> Store:
    """The store; a SQLite file that is not there is refused (a typo must not export nothing)."""
    return open_configured_store(db, policy_path)


def _day(option: str, raw: str | None) -> dt.date | None:
    """A day typed on the command line: the form's own date rule (YYYY-MM-DD, within its bounds)."""
    if raw is None:
        return None
    try:
        if not raw.strip():
            raise RuleBroken("date")  # an empty --since is a slip, not "no limit"
        return local_date(raw)
    except RuleBroken as broken:
        rule = Msg(f"rule.{broken.rule}", field=option, **broken.params)
        raise DeskError("batch.bad_date", option=option, value=raw, rule=rule) from None


def _days(since: str | None, until: str | None) -> tuple[dt.date | None, dt.date | None]:
    first, last = _day("--since", since), _day("--until", until)
    if first and last and first > last:
        raise DeskError("batch.bad_period", since=first.isoformat(), until=last.isoformat())
    return first, last


def _choice(option: str, value: str | None, choices: list[str]) -> str | None:
    if value is None:
        return None
    if value not in choices:
        raise DeskError("batch.unknown_code", option=option, value=value, known=", ".join(choices))
    return value


def _codes(option: str, values: list[str] | None, known: list[str]) -> tuple[str, ...]:
    """Repeated option values (``--status a --status b``; ``a,b`` works too), each checked."""
    out: list[str] = []
    for raw in values or []:
        for value in (v.strip() for v in raw.split(",")):
            if value:
                _choice(option, value, known)
                out.append(value)
    return tuple(out)


def _operator(store: Store, login: str | None, pin: str | None) -> Operator:
    if not login:
        raise DeskError("batch.operator_required")
    return sign_in(store, login, pin)


def _pii_operator(store: Store, login: str | None, pin: str | None) -> Operator:
    """The operator of an export with full phones (S6.5): always signed in with a PIN.

    The PIN comes from ``--pin`` (or $COMPLAINT_TUI_PIN), else is asked on the terminal without
    echo. An account without a PIN never exports full phones: anyone could type its login.
    """
    if not login:
        raise DeskError("batch.operator_required")
    if not needs_pin(store, login):
        sign_in(store, login, None)  # an unknown or inactive login says so first
        raise DeskError("export.pii_account_without_pin", login=login)
    if not pin and sys.stdin.isatty():
        with contextlib.suppress(EOFError):
            pin = getpass.getpass(t("export.pii_pin_prompt", None, login=login))
    if not pin:
        raise DeskError("export.pii_pin_required")
    return sign_in(store, login, pin)


def export_filter(
    policy: Policy,
    *,
    status: list[str] | None = None,
    category: list[str] | None = None,
    urgency: list[str] | None = None,
    department: list[str] | None = None,
    building: list[str] | None = None,
    channel: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    overdue: bool = False,
    estate: list[str] | None = None,
) -> QueueFilter:
    """The queue filter the export options describe, every code checked against the policy."""
    first, last = _days(since, until)
    start, end = period(first, last, policy.zone)
    return QueueFilter(
        statuses=_codes("--status", status, [s.value for s in Status]),
        categories=_codes("--category", category, list(policy.categories)),
        urgencies=_codes("--urgency", urgency, list(policy.urgencies)),
        departments=_codes("--department", department, list(policy.departments)),
        channels=_codes("--channel", channel, list(policy.channels)),
        buildings=tuple(b.strip() for raw in building or [] for b in raw.split(",") if b.strip()),
        estates=_codes("--estate", estate, list(policy.estates)),
        overdue=overdue,
        received_from=start,
        received_until=end,
    )


def _output_target(output: str, force: bool, store: Store) -> Path | None:
    """Where ``-o`` points, checked before anything is written or audited: None for stdout.

    The store and its -wal/-shm/-journal files are refused whatever the spelling (a symlink, a
    relative path, a hard link); any other existing file only with ``--force``. A device or a
    named pipe (/dev/null, a FIFO) is written into, never replaced.
    """
    if output == "-":
        return None
    try:
        target = Path(output).expanduser().resolve()
        store_file = sqlite_file(store.engine.url.render_as_string(hide_password=False))
        if store_file is not None:
            store_file = store_file.resolve()
            protected = (store_file, *sqlite_side_files(store_file))
            if target in protected or any(_same_file(target, f) for f in protected):
                raise DeskError("export.output_is_store", path=output)
        if not target.parent.is_dir():
            raise DeskError("export.output_dir_missing", path=str(Path(output).parent))
        if target.is_dir():
            raise DeskError("export.output_is_dir", path=output)
        if target.exists():
            mode = target.stat().st_mode
            if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
                return target
            if not stat.S_ISREG(mode):
                raise DeskError("export.output_not_a_file", path=output)
            if not force:
                raise DeskError("export.output_exists", path=output)
    except OSError as exc:
        raise DeskError("export.write_failed", path=output, reason=os_reason(exc)) from None
    except (ValueError, RuntimeError):  # a NUL in the name; ~user of a user who is not there
        raise DeskError("export.bad_output_name", path=output) from None
    return target


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@contextlib.contextmanager
def _destination(target: Path | None, shown: str, fmt: ExportFormat, force: bool) -> Iterator[IO[bytes]]:
    """A binary stream for the export: stdout, a device or pipe, or a new file (mode 0600) that
    appears under its name only once the export is complete (a failed or killed export leaves
    nothing behind)."""
    if target is None:
        if fmt is ExportFormat.XLSX:
            if sys.stdout.isatty():
                raise DeskError("export.xlsx_terminal")
            # A zip needs seeking: build it in a temporary file, then send it down the pipe.
            with tempfile.TemporaryFile() as spool:
                yield spool
                spool.seek(0)
                shutil.copyfileobj(spool, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            return
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        if target.exists() and not target.is_file():
            with target.open("wb") as direct:
                yield direct
            return
        with complete_or_nothing(target, replace=force) as handle:
            yield handle
    except OSError as exc:
        raise DeskError("export.write_failed", path=shown, reason=os_reason(exc)) from None


def export_cmd(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="help.opt.export_format", metavar="help.metavar.format")
    ] = "csv",
    output: Annotated[str, typer.Option("--output", "-o", help="help.opt.output", metavar="help.metavar.file")] = "-",
    force: Annotated[bool, typer.Option("--force", help="help.opt.force")] = False,
    status: Annotated[
        list[str] | None, typer.Option("--status", help="help.opt.status", metavar="help.metavar.code")
    ] = None,
    category: Annotated[
        list[str] | None, typer.Option("--category", help="help.opt.category", metavar="help.metavar.code")
    ] = None,
    urgency: Annotated[
        list[str] | None, typer.Option("--urgency", help="help.opt.urgency", metavar="help.metavar.code")
    ] = None,
    department: Annotated[
        list[str] | None, typer.Option("--department", help="help.opt.department_filter", metavar="help.metavar.code")
    ] = None,
    building: Annotated[
        list[str] | None, typer.Option("--building", help="help.opt.building", metavar="help.metavar.building")
    ] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", help="help.opt.channel", metavar="help.metavar.code")
    ] = None,
    estate: EstateOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="help.opt.overdue")] = False,
    labels: Annotated[str | None, typer.Option("--labels", help="help.opt.labels", metavar="help.metavar.lang")] = None,
    excel: Annotated[bool, typer.Option("--excel", help="help.opt.excel")] = False,
    include_pii: Annotated[bool, typer.Option("--include-pii", help="help.opt.include_pii")] = False,
    operator: OperatorOption = None,
    pin: PinOption = None,
    db: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """Export cases as CSV, JSON Lines or XLSX (the page: help.cmd.export in the batch catalogs)."""
    chosen = ExportFormat(_choice("--format", fmt, [f.value for f in ExportFormat]) or "csv")
    _choice("--labels", labels, list(LANGUAGES))
    if labels and chosen is ExportFormat.JSONL:
        raise DeskError("export.labels_not_jsonl")
    if excel and chosen is not ExportFormat.CSV:
        raise DeskError("export.excel_csv_only")
    store = _open(db, policy)
    filt = export_filter(
        store.policy,
        status=status,
        category=category,
        urgency=urgency,
        department=department,
        building=building,
        channel=channel,
        since=since,
        until=until,
        overdue=overdue,
        estate=estate,
    )
    request = ExportRequest(chosen, filt, labels=labels, include_pii=include_pii, excel_bom=excel)
    now = dt.datetime.now(dt.UTC)
    target = _output_target(output, force, store)  # refused before anything is audited or written
    if include_pii:
        record_pii_export(store, _pii_operator(store, operator, pin), request, output)
    elif operator:
        _operator(store, operator, pin)  # a wrong login is an error even when not needed
    err = _stderr()
    with _destination(target, output, chosen, force) as out:
        if err.is_terminal:
            total = queue_count(store, None, filt, now)
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=err, transient=True) as bar:
                task = bar.add_task(t("export.progress"), total=total)
                count = export_cases(store, request, out, on_progress=lambda n: bar.update(task, completed=n), now=now)
        else:
            count = export_cases(store, request, out, now=now)
    if output != "-":
        err.print(t("export.done", None, count=count, path=output))


def import_cmd(
    file: Annotated[Path, typer.Argument(help="help.arg.import_file", metavar="help.metavar.file", show_default=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="help.opt.dry_run")] = False,
    operator: OperatorOption = None,
    pin: PinOption = None,
    db: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """Import intake rows from a CSV file: all rows or none (help.cmd.import)."""
    store = _open(db, policy)
    who = _operator(store, operator, pin)
    plan = read_import_file(file, store.policy)
    out = _stdout()
    try:
        summary = apply_import(store, who, plan, dry_run=dry_run)
    except ImportRejected as rejected:
        _print_problems(rejected, _stderr())
        raise
    _print_summary(summary, store.policy, out)


def _print_problems(rejected: ImportRejected, console: Console) -> None:
    table = Table(
        t("import.col.line"),
        t("import.col.column"),
        t("import.col.value"),
        t("import.col.rule"),
        t("import.col.message"),
        title=t("import.problems_title"),
        title_justify="left",
    )
    for p in rejected.problems:
        table.add_row(str(p.line), p.column, p.value[:40], p.rule, p.message())
    console.print(table)


def _print_summary(summary: ImportSummary, policy: Policy, console: Console) -> None:
    key = "import.summary_dry_run" if summary.dry_run else "import.summary"
    console.print(t(key, None, count=len(summary.imported), skipped=len(summary.skipped)))
    if summary.imported:
        table = Table(t("import.col.line"), t("import.col.source_id"), t("import.col.number"), t("import.col.due"))
        for c in summary.imported:
            due = (
                c.first_response_due.astimezone(policy.zone).strftime("%Y-%m-%d %H:%M") if c.first_response_due else ""
            )
            table.add_row(str(c.line), c.source_id, c.number, due)
        console.print(table)
    for c in summary.skipped:
        console.print(t("import.skipped", None, line=c.line, source=c.source_id, number=c.number))


def report_cmd(
    since: SinceOption = None,
    until: UntilOption = None,
    by: Annotated[str, typer.Option("--by", help="help.opt.report_by", metavar="help.metavar.grouping")] = "category",
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="help.opt.report_format", metavar="help.metavar.format")
    ] = "table",
    estate: EstateOption = None,
    db: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """The periodic statistics of the cases received in a period (help.cmd.report)."""
    chosen = _choice("--format", fmt, ["table", "md", "json"])
    grouping = Breakdown(_choice("--by", by, [b.value for b in Breakdown]) or "category")
    first, last = _days(since, until)
    store = _open(db, policy)
    estates = _codes("--estate", estate, list(store.policy.estates))
    doc = build_report(store, first, last, grouping, estates=estates)
    if chosen == "json":
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    elif chosen == "md":
        sys.stdout.write(render_markdown(doc, store.policy))
    else:
        Console(highlight=False).print(render_tables(doc, store.policy))  # tables fit the terminal


def register(app: typer.Typer) -> None:
    """Add ``export``, ``import`` and ``report`` to ``app``."""
    app.command("export", cls=HelpCommand, help="help.cmd.export")(export_cmd)
    app.command("import", cls=HelpCommand, help="help.cmd.import")(import_cmd)
    app.command("report", cls=HelpCommand, help="help.cmd.report")(report_cmd)
