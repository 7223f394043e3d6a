"""How the command line ends when it cannot do what was asked: one line, in the user's language.

``OneLineGroup`` is the typer group of ``complaint-tui``. Whatever a command raises (a
``DeskError``, a typing slip typer finds before the command runs, the disk's or the database's
refusal, a surprise) ends as exactly one line on stderr and exit code 1, never a traceback; the
same through the console script and through typer's ``CliRunner``. Exit codes: 0 done, 1 refused
(any user error, usage errors included), 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import errno
import re
import sqlite3
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

import typer
from sqlalchemy.exc import DBAPIError

from complaint_tui.cli_help import HelpGroup
from complaint_tui.config import language_from, run_passwords, scrub
from complaint_tui.db import refusal_of
from complaint_tui.errors import DeskError
from complaint_tui.i18n import Msg, current_language, set_language, t
from complaint_tui.safe_files import os_reason

try:  # typer 0.20 and later carry their own copy of click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer runs on click itself
    from click import exceptions as click_errors  # type: ignore[no-redef]

USER_ERROR = 1
INTERRUPTED = 130


_UNSHOWN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def one_line(text: str) -> str:
    """``text`` as one safe line: a driver's hint runs on after a space, and any other control or
    format character (a line separator, an escape sequence in a hostile file name) is shown
    escaped, so it can neither add a line nor steer the terminal."""
    joined = re.sub(r"\s*[\r\n]+\s*", " ", text.strip())
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in _UNSHOWN else ch for ch in joined
    )


def _option(exc: Any) -> str:
    param = getattr(exc, "param", None)
    if param is not None:
        opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
        if opts:
            return str(max(opts, key=len))
        return str(getattr(param, "name", "") or "").upper()
    return str(getattr(exc, "option_name", "") or "")


def _bad_value(exc: click_errors.BadParameter) -> str:
    """A value typer refused: the option, what was typed and what it takes, from pydantic's
    machine-readable record of the refusal rather than its English sentence."""
    option = _option(exc)
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        try:
            first = errors(include_url=False)[0]
        except (TypeError, IndexError):
            first = None
        if isinstance(first, dict):
            kind, ctx = str(first.get("type", "")), first.get("ctx") or {}
            value = first.get("input", "")
            if kind in ("int_parsing", "int_type", "int_from_float"):
                rule = Msg("cli.usage_rule_int")
            elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
                bound = next(iter(ctx.values()), "")
                rule = Msg(f"cli.usage_rule_{kind}", bound=bound)
            else:
                rule = Msg("cli.usage_rule_other")
            return t("cli.usage_bad_value", None, option=option, value=value, rule=rule)
    return t("cli.usage_bad_value_plain", None, option=option)


def usage_message(exc: click_errors.UsageError) -> str:
    """The catalog's words for a slip typer found while reading the command line."""
    if isinstance(exc, click_errors.NoSuchOption):
        possible = sorted(exc.possibilities or [])
        if possible:
            # A list in a Chinese sentence takes the enumeration comma, not ", ".
            sep = "、" if current_language() == "zh" else ", "
            return t("cli.usage_no_such_option_hint", None, option=exc.option_name, hint=sep.join(possible))
        return t("cli.usage_no_such_option", None, option=exc.option_name)
    if isinstance(exc, click_errors.MissingParameter):
        argument = getattr(exc.param, "param_type_name", "") == "argument"
        return t("cli.usage_missing_argument" if argument else "cli.usage_missing_option", None, name=_option(exc))
    if isinstance(exc, click_errors.BadParameter):
        return _bad_value(exc)
    if isinstance(exc, click_errors.BadOptionUsage):
        needs = "requires" in exc.message
        key = "cli.usage_option_needs_value" if needs else "cli.usage_option_takes_no_value"
        return t(key, None, option=exc.option_name)
    text = exc.message
    if match := re.fullmatch(r"No such command '(.*)'\.", text, re.S):
        return t("cli.usage_no_such_command", None, command=match.group(1))
    if match := re.fullmatch(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", text, re.S):
        return t("cli.usage_extra_arguments", None, arguments=match.group(1))
    if text.startswith("Missing command"):
        return t("cli.usage_missing_command")
    return t("cli.usage_other", None, detail=text)


def message_of(exc: BaseException) -> str:
    """One line for any exception that ends a command (not SystemExit)."""
    if isinstance(exc, DeskError):
        return exc.message()
    if isinstance(exc, click_errors.UsageError):
        return usage_message(exc)
    if isinstance(exc, (DBAPIError, sqlite3.Error)):
        refusal = refusal_of(exc)
        if refusal is not None:
            return refusal.message()
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        return t("cli.database_error", None, reason=str(orig).strip().splitlines()[0] if str(orig).strip() else "")
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else "-"
        return t("cli.os_error", None, path=where, reason=os_reason(exc))
    if isinstance(exc, (typer.Abort, EOFError)):
        return t("cli.aborted")
    return t("cli.unexpected", None, kind=type(exc).__name__, detail=str(exc))


class OneLineGroup(HelpGroup):
    """The ``complaint-tui`` group: every ending that is not success is one line and exit code 1.

    The language is chosen before typer reads the command line (``--lang``, else
    ``$COMPLAINT_TUI_LANG``, else the locale), so help pages and even a slip in the rest of the line
    are in it. A database password given on the command line or in ``$COMPLAINT_TUI_DB`` never
    appears in the line: whatever a driver or a parser quoted back is scrubbed.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        set_language(language_from(argv))
        secrets = run_passwords(argv)
        try:
            result = super().main(
                argv, prog_name, complete_var, standalone_mode=False, windows_expand_args=windows_expand_args, **extra
            )
            code = result if isinstance(result, int) else 0
        except SystemExit as done:  # typer's own exits (a closed output pipe) keep their code
            code = done.code if isinstance(done.code, int) else USER_ERROR
        except click_errors.NoArgsIsHelpError as shown:
            typer.echo(shown.format_message())  # `complaint-tui db` alone: the group's help page
            code = 0
        except KeyboardInterrupt:
            code = INTERRUPTED
        except BaseException as exc:  # noqa: BLE001 - the one place that turns any ending into words
            code = USER_ERROR
            _say(scrub(message_of(exc), secrets))
        if standalone_mode:
            sys.exit(code)
        return code


def _say(text: str) -> None:
    try:
        typer.echo(one_line(text), err=True)
    except OSError as exc:  # stderr itself is gone (a closed pipe): nothing left to tell
        if exc.errno != errno.EPIPE:
            raise
