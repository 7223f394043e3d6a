"""The command line: ``complaint-tui`` opens the desk; subcommands do the batch and admin work.

Every user error (bad input, unreadable database, bad URL) ends with exit code 1 and one clear
line in the operator's language, never a traceback. Batch commands import only the headless
core, so they start fast and run without a terminal UI.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from complaint_tui.db import Store, backup, check, open_store, upgrade
from complaint_tui.errors import DeskError
from complaint_tui.i18n import language_from_locale, set_language, t
from complaint_tui.paths import db_url
from complaint_tui.policy import load_policy

app = typer.Typer(
    help="Complaint case manager of a property-management service centre. 物业服务中心投诉处理系统。",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode="rich",
)
db_app = typer.Typer(help="Create, upgrade, check and back up the store.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff accounts and roles.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(staff_app, name="staff")

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLite file or SQLAlchemy URL (default: $COMPLAINT_TUI_DB, else the user data dir)."),
]
PolicyOption = Annotated[
    str | None,
    typer.Option("--policy", help="The centre's policy TOML (default: $COMPLAINT_TUI_POLICY, else built in)."),
]
LangOption = Annotated[str | None, typer.Option("--lang", help="zh or en (default: from the locale).")]


def _store(db: str | None, policy: str | None, migrate: bool = True) -> Store:
    return open_store(db_url(db), load_policy(policy), migrate=migrate)


def _lang(lang: str | None) -> str:
    chosen = lang or language_from_locale()
    if chosen not in ("zh", "en"):
        raise typer.BadParameter("--lang must be zh or en")
    set_language(chosen)
    return chosen


@app.callback(invoke_without_command=True)
def desk(
    ctx: typer.Context,
    db: DbOption = None,
    policy: PolicyOption = None,
    lang: LangOption = None,
    operator: Annotated[str | None, typer.Option("--operator", help="Sign in as this login.")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Open on a throwaway demo database.")] = False,
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
        return
    chosen = _lang(lang)
    from complaint_tui.settings import Settings

    pin_code: str | None = None
    if demo:
        folder = Path(tempfile.mkdtemp(prefix="complaint-tui-demo-"))
        url = db_url(str(folder / "demo.sqlite3"))
        from complaint_tui.demo import DEMO_PIN, build_demo

        store = open_store(url, load_policy(policy))
        build_demo(store, cases=300, seed=7)
        operator = operator or "wang"
        pin_code = DEMO_PIN  # every demo account's PIN (README); a real store's desk asks for it
    else:
        url = db_url(db)
        store = open_store(url, load_policy(policy))
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
def db_upgrade(db: DbOption = None) -> None:
    """Apply pending schema migrations.

    Example: complaint-tui db upgrade --db centre.sqlite3
    """
    store = _store(db, None, migrate=False)
    upgrade(store.engine)
    out.print(t("cli.db_upgraded", None, url=store.url_for_display()))


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
    for y, grade in report.calendar.items():
        out.print(t("cli.check_calendar", None, year=y, grade=t(f"calendar.{grade}")))
    out.print(t("cli.check_ok") if report.ok else t("cli.check_failed"))
    if not report.ok:
        raise typer.Exit(1)


@db_app.command("backup")
def db_backup(file: Annotated[Path, typer.Argument(help="The new backup file.")], db: DbOption = None) -> None:
    """Copy a SQLite store to FILE while desks keep working (online backup).

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

    if db.exists():
        raise DeskError("cli.demo_exists", path=str(db))
    store = open_store(db_url(str(db)), load_policy(policy))
    summary = build_demo(store, cases=cases, seed=seed, progress=sys.stderr.isatty())
    out.print(t("cli.demo_done", None, cases=summary.cases, path=str(db), seconds=f"{summary.seconds:.1f}"))


from complaint_tui import cli_batch, cli_staff  # noqa: E402 - register on `app`, defined above

cli_batch.register(app)
cli_staff.register(staff_app)


def main() -> None:
    """The console script: run the CLI, turning every user error into one line and exit code 1."""
    set_language(language_from_locale())
    try:
        code = app(standalone_mode=False)
    except DeskError as exc:
        err.print(f"[red]{exc.message()}[/red]")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(1)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)
