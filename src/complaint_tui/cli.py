"""The command line: ``complaint-tui`` opens the desk; subcommands do the batch and admin work.

Every user error (bad input, a slip on the command line, unreadable database, bad URL, a full
disk) ends with exit code 1 and one clear line in the operator's language, never a traceback
(``cli_errors.OneLineGroup``). Only ``db upgrade``, ``demo`` and the desk on its default store
create a store; everything else refuses a store that is not there. Batch commands import only
the headless core, so they start fast and run without a terminal UI; the desk does not import
the batch and staff commands (exporting, reporting, importing, xlsxwriter) to start: they are
registered only when the command line names a command or asks for help (``main``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

import complaint_tui
from complaint_tui.cli_errors import OneLineGroup
from complaint_tui.cli_help import HelpCommand, HelpGroup
from complaint_tui.config import (
    DbOption,
    EstateOption,
    LangOption,
    OperatorOption,
    PolicyOption,
    Settings,
    db_url,
    display_url,
    open_configured_store,
    resolve_language,
    resolve_policy,
    sqlite_url,
)
from complaint_tui.db import (
    HEAD_REVISION,
    Store,
    backup,
    check,
    current_revision,
    open_store,
    sqlite_file,
    sqlite_side_files,
)
from complaint_tui.errors import DeskError
from complaint_tui.estates import bind_estates
from complaint_tui.i18n import t

try:  # typer 0.20 and later carry their own copy of click
    from typer._click.core import ParameterSource
except ImportError:  # pragma: no cover - older typer runs on click itself
    from click.core import ParameterSource  # type: ignore[assignment]

# Help texts are message keys (data/locale/batch.*.toml, [help]): cli_help shows them in the
# user's language.
# ``app`` (below, ``__getattr__``) is this with every command; the desk alone runs ``_app`` as it is.
_app = typer.Typer(
    cls=OneLineGroup,
    help="help.cmd.root",
    no_args_is_help=False,
    add_completion=False,
)
db_app = typer.Typer(cls=HelpGroup, help="help.cmd.db", no_args_is_help=True)
staff_app = typer.Typer(cls=HelpGroup, help="help.cmd.staff", no_args_is_help=True)
_app.add_typer(db_app, name="db", help="help.cmd.db")
_app.add_typer(staff_app, name="staff", help="help.cmd.staff")

# markup off: a path or a name with [brackets] is printed as typed, not read as a style.
out = Console(highlight=False, markup=False)


def _store(db: str | None, policy: str | None, migrate: bool = True, *, create: bool = False) -> Store:
    """The store ``--db`` names; a SQLite file that is not there is refused unless ``create``."""
    return open_configured_store(db, policy, migrate=migrate, create=create)


def _version(show: bool) -> None:
    if show:
        from importlib import metadata  # only here: it costs every start of the desk a few ms

        try:
            number = metadata.version("complaint-tui")
        except metadata.PackageNotFoundError:  # run from a source tree that was never installed
            number = complaint_tui.__version__
        typer.echo(f"complaint-tui {number}")
        raise typer.Exit()


def _typed(ctx: typer.Context, name: str) -> bool:
    """Whether option ``name`` was typed on the command line (not read from the environment)."""
    return ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE


@_app.callback(invoke_without_command=True, help="help.cmd.root")
def desk(
    ctx: typer.Context,
    db: DbOption = None,
    policy: PolicyOption = None,
    lang: LangOption = None,
    operator: OperatorOption = None,
    estate: EstateOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="help.opt.demo")] = False,
    version: Annotated[
        bool, typer.Option("--version", help="help.opt.version", is_eager=True, callback=_version)
    ] = False,
) -> None:
    """Open the desk (the TUI) when no subcommand is given; before a subcommand only ``--lang``."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"lang": lang}
        if lang:
            resolve_language(lang)
        # The desk's own options would be silently ignored by a subcommand: say where they go.
        # ($COMPLAINT_TUI_DB and $COMPLAINT_TUI_POLICY are for every command: only typed ones count.)
        given = [f"--{name}" for name in ("db", "policy", "operator", "estate") if _typed(ctx, name)]
        if demo:
            given.append("--demo")
        if given:
            raise DeskError("cli.desk_option_before_command", option=given[0], command=ctx.invoked_subcommand)
        return
    chosen = resolve_language(lang)

    pin_code: str | None = None
    if demo:
        folder = Path(tempfile.mkdtemp(prefix="complaint-tui-demo-"))
        url = db_url(str(folder / "demo.sqlite3"))
        from complaint_tui.demo import DEMO_PIN, build_demo

        store = open_store(url, resolve_policy(policy), create=True)
        build_demo(store, cases=300, seed=7)
        operator = operator or "wang"
        pin_code = DEMO_PIN  # every demo account's PIN (README); a real store's desk asks for it
    else:
        url = db_url(db)
        # Only the default store is made on first run: a --db or $COMPLAINT_TUI_DB that names no
        # store is a typo to be told about, not a new empty store to open.
        store = open_store(url, resolve_policy(policy), create=db is None)
    # Issue 9 item 6: a desk bound to its estates reads and takes in only theirs (``--estate a,b`` too).
    store.estates = bind_estates(store.policy.estates, [c for raw in estate or [] for c in raw.split(",") if c.strip()])
    from complaint_tui.app import run_app

    try:
        settings = Settings(
            db_url=url, policy_path=policy, lang=chosen, operator_login=operator, operator_pin=pin_code, demo=demo
        )
        run_app(settings, store)
    finally:
        if demo:  # a throwaway store: nothing of it should stay behind on the desk's disk
            store.engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)


@db_app.command("upgrade", cls=HelpCommand, help="help.cmd.db_upgrade")
def db_upgrade(
    db: DbOption = None,
    desk_role: Annotated[
        str | None, typer.Option("--desk-role", help="help.opt.desk_role", metavar="help.metavar.role")
    ] = None,
) -> None:
    """Apply pending schema migrations; on PostgreSQL optionally grant the desks' role."""
    store = _store(db, None, create=True)  # migrates; a new SQLite file is made 0600
    out.print(t("cli.db_upgraded", None, url=store.url_for_display()))
    if desk_role:
        from complaint_tui.pg_roles import grant_desk_role

        tables = grant_desk_role(store.engine, desk_role)
        out.print(t("cli.db_granted", None, role=desk_role, tables=len(tables)))


@db_app.command("check", cls=HelpCommand, help="help.cmd.db_check")
def db_check(db: DbOption = None, policy: PolicyOption = None) -> None:
    """Check integrity, the migration level, evidence hashes, the audit chain and the calendar."""
    store = _store(db, policy, migrate=False)
    revision = current_revision(store.engine)
    if revision != HEAD_REVISION:  # an older schema lacks what the checks read: say what to do
        out.print(t("cli.check_revision", None, revision=revision or "-", head=HEAD_REVISION))
        out.print(t("cli.check_needs_upgrade", None))
        raise typer.Exit(1)
    year = dt.date.today().year
    report = check(store, [year, year + 1])
    out.print(t("cli.check_revision", None, revision=report.revision or "-", head=report.head or "-"))
    for problem in report.integrity:
        out.print(t("cli.check_problem", None, problem=problem))
    for sha in report.evidence_mismatches:
        out.print(t("cli.check_evidence_changed", None, sha=sha))
    chain = report.audit
    if chain.first_broken is not None:
        out.print(t("cli.check_audit_broken", None, event=chain.first_broken))
    if not chain.head_ok:
        out.print(
            t(
                "cli.check_audit_head",
                None,
                head_events="-" if chain.head_events is None else chain.head_events,
                head_last="-" if chain.head_last_id is None else chain.head_last_id,
                events=chain.events,
            )
        )
    if chain.version_gaps:
        out.print(t("cli.check_audit_gaps", None, cases=", ".join(chain.version_gaps)))
    if chain.ok:
        out.print(t("cli.check_audit_ok", None, events=chain.events))
    for y, grade in report.calendar.items():
        out.print(t("cli.check_calendar", None, year=y, grade=t(f"calendar.{grade}")))
    out.print(t("cli.check_ok") if report.ok else t("cli.check_failed"))
    if not report.ok:
        raise typer.Exit(1)


@db_app.command("backup", cls=HelpCommand, help="help.cmd.db_backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="help.arg.backup_file", metavar="help.metavar.file")],
    db: DbOption = None,
) -> None:
    """Copy a SQLite store to FILE while desks keep working (online backup)."""
    store = _store(db, None)
    backup(store, file)
    out.print(t("cli.backup_done", None, path=str(file)))


@_app.command("demo", cls=HelpCommand, help="help.cmd.demo")
def demo_cmd(
    db: Annotated[str, typer.Option("--db", help="help.opt.demo_db", metavar="help.metavar.db", show_default=False)],
    cases: Annotated[
        int, typer.Option("--cases", min=1, help="help.opt.demo_cases", metavar="help.metavar.count")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="help.opt.demo_seed", metavar="help.metavar.number")] = 1,
    policy: PolicyOption = None,
) -> None:
    """Build a realistic demo store in a new SQLite file or an empty PostgreSQL database."""
    from complaint_tui.demo import build_demo

    url = db_url(db)
    made = sqlite_file(url)
    if made is not None and (made.exists() or made.is_symlink()):
        raise DeskError("cli.demo_exists", path=db)
    # A new SQLite file is built in a folder of its own beside the one asked for and moved there
    # once complete, so no half-built store ever sits under that name (not even after a kill);
    # meanwhile it is written without a journal (build_demo's scratch).
    folder = _beside(made) if made is not None else None
    building = folder / made.name if folder is not None and made is not None else None
    try:
        store = open_store(sqlite_url(building) if building else url, resolve_policy(policy), create=True)
        try:
            summary = build_demo(
                store, cases=cases, seed=seed, progress=sys.stderr.isatty(), scratch=building is not None
            )
        except BaseException:
            # The file is this command's own and only half built (a full disk, Ctrl-C): take it back.
            # On PostgreSQL the demo is one transaction, rolled back: the database holds an empty store.
            store.engine.dispose()
            for leftover in (made, *sqlite_side_files(made)) if made and not building else ():
                leftover.unlink(missing_ok=True)
            raise
        finally:
            store.engine.dispose()
        if building is not None and made is not None:
            _move_in(building, made, db)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    shown = display_url(db)
    out.print(t("cli.demo_done", None, cases=summary.cases, path=shown, seconds=f"{summary.seconds:.1f}"))


def _beside(path: Path) -> Path | None:
    """A new private folder next to ``path`` (None where none can be made: the store is then
    made in place, and open_store names what is wrong with the place)."""
    try:
        return Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".building", dir=path.parent))
    except OSError:
        return None


def _move_in(building: Path, target: Path, asked: str) -> None:
    """Give the finished store ``building`` the name ``target``, never replacing a file that
    appeared there meanwhile (a hard link fails on an existing name; a rename where links are
    not supported)."""
    try:
        os.link(building, target)
    except FileExistsError:
        raise DeskError("cli.demo_exists", path=asked) from None
    except OSError:
        if target.exists() or target.is_symlink():
            raise DeskError("cli.demo_exists", path=asked) from None
        building.rename(target)


_registered = False


def _full_app() -> typer.Typer:
    """The command line with every command: the batch and staff ones are added on first use."""
    global _registered
    if not _registered:
        from complaint_tui import cli_batch, cli_staff

        cli_batch.register(_app)
        cli_staff.register(staff_app)
        _registered = True
    return _app


def __getattr__(name: str) -> typer.Typer:
    # ``from complaint_tui.cli import app``: the typer app with every command (tests, CliRunner).
    if name == "app":
        return _full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The desk's own options: those that take a value, and the flags.
_DESK_VALUE_OPTIONS = frozenset({"--db", "--policy", "--lang", "--operator", "--estate"})
_DESK_FLAGS = frozenset({"--demo", "--version"})


def desk_only(args: Sequence[str]) -> bool:
    """Whether the words ``args`` only open the desk: its own options, no command, no ``--help``.

    Anything else (a command, a word that may be a mistyped one, an option the desk does not
    know) goes to the whole command line, which dispatches it or says what is wrong with it.
    """
    i = 0
    while i < len(args):
        word = args[i]
        if word.split("=", 1)[0] in _DESK_VALUE_OPTIONS:
            i += 1 if "=" in word else 2
        elif word in _DESK_FLAGS:
            i += 1
        else:
            return False
    return True


def main() -> None:
    """The console script. ``OneLineGroup`` turns every ending into an exit code and at most one line."""
    (_app if desk_only(sys.argv[1:]) else _full_app())()
