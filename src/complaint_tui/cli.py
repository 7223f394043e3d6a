"""The command line: ``complaint-tui`` opens the desk; subcommands do the batch and admin work.

Every user error (bad input, a slip on the command line, unreadable database, bad URL, a full
disk) ends with exit code 1 and one clear line in the operator's language, never a traceback
(``cli_errors.OneLineGroup``). Only ``db upgrade``, ``demo`` and the desk on its default store
create a store; everything else refuses a store that is not there. Batch commands import only
the headless core, so they start fast and run without a terminal UI.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

import complaint_tui
from complaint_tui.cli_errors import OneLineGroup
from complaint_tui.db import Store, backup, check, open_store, sqlite_file, sqlite_side_files
from complaint_tui.errors import DeskError
from complaint_tui.i18n import LANGUAGES, language_from_locale, set_language, t
from complaint_tui.paths import DB_ENV, db_url
from complaint_tui.policy import load_policy

app = typer.Typer(
    cls=OneLineGroup,
    help="Complaint case manager of a property-management service centre. 物业服务中心投诉处理系统。",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode="rich",
)
db_app = typer.Typer(help="Create, upgrade, check and back up the store.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff accounts and roles.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(staff_app, name="staff")

# markup off: a path or a name with [brackets] is printed as typed, not read as a style.
out = Console(highlight=False, markup=False)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLite file or SQLAlchemy URL (default: $COMPLAINT_TUI_DB, else the user data dir)."),
]
PolicyOption = Annotated[
    str | None,
    typer.Option("--policy", help="The centre's policy TOML (default: $COMPLAINT_TUI_POLICY, else built in)."),
]
LangOption = Annotated[str | None, typer.Option("--lang", help="zh or en (default: from the locale).")]


def _store(db: str | None, policy: str | None, migrate: bool = True, *, create: bool = False) -> Store:
    """The store ``--db`` names; a SQLite file that is not there is refused unless ``create``."""
    return open_store(db_url(db), load_policy(policy), migrate=migrate, create=create)


def _lang(lang: str | None) -> str:
    chosen = lang or language_from_locale()
    if chosen not in LANGUAGES:
        raise DeskError("cli.bad_lang", value=chosen)
    set_language(chosen)
    return chosen


def _version(show: bool) -> None:
    if show:
        try:
            number = metadata.version("complaint-tui")
        except metadata.PackageNotFoundError:  # run from a source tree that was never installed
            number = complaint_tui.__version__
        typer.echo(f"complaint-tui {number}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def desk(
    ctx: typer.Context,
    db: DbOption = None,
    policy: PolicyOption = None,
    lang: LangOption = None,
    operator: Annotated[str | None, typer.Option("--operator", help="Sign in as this login.")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Open on a throwaway demo database.")] = False,
    version: Annotated[
        bool, typer.Option("--version", help="Show the version and exit.", is_eager=True, callback=_version)
    ] = False,
) -> None:
    """Open the desk (the TUI) when no subcommand is given.

    Examples:
      complaint-tui                      # the default store
      complaint-tui --demo --lang zh     # a throwaway demo desk, in Chinese
      complaint-tui --db centre.sqlite3 --operator wang
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"lang": lang}
        if lang:
            _lang(lang)
        # The desk's own options would be silently ignored by a subcommand: say where they go.
        given = [name for name, value in (("--db", db), ("--policy", policy), ("--operator", operator)) if value]
        if demo:
            given.append("--demo")
        if given:
            raise DeskError("cli.desk_option_before_command", option=given[0], command=ctx.invoked_subcommand)
        return
    chosen = _lang(lang)
    from complaint_tui.settings import Settings

    pin_code: str | None = None
    if demo:
        folder = Path(tempfile.mkdtemp(prefix="complaint-tui-demo-"))
        url = db_url(str(folder / "demo.sqlite3"))
        from complaint_tui.demo import DEMO_PIN, build_demo

        store = open_store(url, load_policy(policy), create=True)
        build_demo(store, cases=300, seed=7)
        operator = operator or "wang"
        pin_code = DEMO_PIN  # every demo account's PIN (README); a real store's desk asks for it
    else:
        url = db_url(db)
        # Only the default store is made on first run: a --db or $COMPLAINT_TUI_DB that names no
        # store is a typo to be told about, not a new empty store to open.
        first_run = db is None and not os.environ.get(DB_ENV)
        store = open_store(url, load_policy(policy), create=first_run)
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


@db_app.command("upgrade")
def db_upgrade(
    db: DbOption = None,
    desk_role: Annotated[
        str | None,
        typer.Option(
            "--desk-role",
            help="PostgreSQL: after migrating, give this role exactly the desks' privileges (run as the owner role).",
        ),
    ] = None,
) -> None:
    """Apply pending schema migrations.

    Example: complaint-tui db upgrade --db centre.sqlite3
    Example: complaint-tui db upgrade --db postgresql+psycopg://ctui_owner@db/complaints --desk-role ctui_desk
    """
    store = _store(db, None, create=True)  # migrates; a new SQLite file is made 0600
    out.print(t("cli.db_upgraded", None, url=store.url_for_display()))
    if desk_role:
        from complaint_tui.pg_roles import grant_desk_role

        tables = grant_desk_role(store.engine, desk_role)
        out.print(t("cli.db_granted", None, role=desk_role, tables=len(tables)))


@db_app.command("check")
def db_check(db: DbOption = None, policy: PolicyOption = None) -> None:
    """Check integrity, the migration level, evidence hashes and the working-day calendar.

    Example: complaint-tui db check --db centre.sqlite3
    """
    store = _store(db, policy, migrate=False)
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


@db_app.command("backup")
def db_backup(file: Annotated[Path, typer.Argument(help="The new backup file.")], db: DbOption = None) -> None:
    """Copy a SQLite store to FILE while desks keep working (online backup).

    FILE must be new (a backup never replaces a file); it is made readable by you only.

    Example: complaint-tui db backup backups/2026-12-01.sqlite3
    """
    store = _store(db, None)
    backup(store, file)
    out.print(t("cli.backup_done", None, path=str(file)))


@app.command("demo")
def demo_cmd(
    db: Annotated[Path, typer.Option("--db", help="The new demo database file.")],
    cases: Annotated[int, typer.Option("--cases", min=1, help="How many cases.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 1,
    policy: PolicyOption = None,
) -> None:
    """Build a realistic demo database: every state, category, channel and urgency.

    Example: complaint-tui demo --db demo.sqlite3 --cases 100000 --seed 7
    """
    from complaint_tui.demo import build_demo

    if db.exists() or db.is_symlink():
        raise DeskError("cli.demo_exists", path=str(db))
    url = db_url(str(db))
    store = open_store(url, load_policy(policy), create=True)
    try:
        summary = build_demo(store, cases=cases, seed=seed, progress=sys.stderr.isatty())
    except BaseException:
        # The file is this command's own and only half built (a full disk, Ctrl-C): take it back.
        store.engine.dispose()
        made = sqlite_file(url)
        for leftover in (made, *sqlite_side_files(made)) if made else ():
            leftover.unlink(missing_ok=True)
        raise
    out.print(t("cli.demo_done", None, cases=summary.cases, path=str(db), seconds=f"{summary.seconds:.1f}"))


from complaint_tui import cli_batch, cli_staff  # noqa: E402 - register on `app`, defined above

cli_batch.register(app)
cli_staff.register(staff_app)


def main() -> None:
    """The console script. ``OneLineGroup`` turns every ending into an exit code and at most one line."""
    app()
