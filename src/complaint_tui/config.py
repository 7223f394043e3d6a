"""Where one run's configuration comes from, for the command line and the desk alike.

Every setting is resolved the same way: the command-line flag, else its environment variable,
else the default.

- the store: ``--db`` / ``$COMPLAINT_TUI_DB`` / ``complaints.sqlite3`` in the user data folder.
  A value with ``://`` is a database URL (``postgresql+psycopg://...``), anything else a SQLite
  file; every command takes either.
- the policy: ``--policy`` / ``$COMPLAINT_TUI_POLICY`` / the built-in one.
- the language: ``--lang`` / ``$COMPLAINT_TUI_LANG`` / the locale (LC_ALL, LC_MESSAGES, LANG).
- the PIN of ``--operator`` on batch and staff commands: ``--pin`` / ``$COMPLAINT_TUI_PIN``.

The typer options that carry them are defined here once (``DbOption``, ``PolicyOption``,
``LangOption``, ``OperatorOption``, ``PinOption``); typer reads their environment variables
(``envvar=``). Their help texts are message keys that ``cli_help`` shows in the user's language.
A database password is never shown: ``display_url`` masks it and ``scrub`` takes it out of any
message text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote

import typer
from platformdirs import user_data_path, user_downloads_path
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from complaint_tui.db import Store, open_store
from complaint_tui.errors import DeskError
from complaint_tui.i18n import LANGUAGES, language_from_locale, set_language
from complaint_tui.policy import POLICY_ENV, Policy, load_policy

APP_NAME = "complaint-tui"
DB_ENV = "COMPLAINT_TUI_DB"
LANG_ENV = "COMPLAINT_TUI_LANG"
PIN_ENV = "COMPLAINT_TUI_PIN"
ENVIRONMENT = (DB_ENV, POLICY_ENV, LANG_ENV, PIN_ENV)
MASK = "***"


# --- where things live --------------------------------------------------------------------


def data_dir() -> Path:
    return user_data_path(APP_NAME, appauthor=False, ensure_exists=True)


def copies_dir() -> Path:
    """Where a copy of an evidence file goes unless the user types another place: the
    downloads folder where there is one, else the home folder."""
    downloads = user_downloads_path()
    return downloads if downloads.is_dir() else Path.home()


def default_db_path() -> Path:
    return data_dir() / "complaints.sqlite3"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.expanduser().resolve()}"


# --- the store ----------------------------------------------------------------------------


def is_url(value: str) -> bool:
    return "://" in value


def db_url(db: str | os.PathLike[str] | None = None) -> str:
    """The SQLAlchemy URL of the store: ``--db``, else ``$COMPLAINT_TUI_DB``, else the default file.

    A value containing ``://`` is a URL and must parse as one (a slip is refused here with the
    password masked, never passed on to be read as a file name); anything else is a SQLite file.
    """
    chosen = os.fspath(db) if db is not None else os.environ.get(DB_ENV) or None
    if chosen is None:
        return sqlite_url(default_db_path())
    if is_url(chosen):
        try:
            make_url(chosen)
        except (ArgumentError, ValueError):  # ValueError: a port that is not a number
            raise DeskError("error.bad_url", url=display_url(chosen)) from None
        return chosen
    return sqlite_url(Path(chosen))


# user:password@ in a URL that may not even parse: the password is what follows the first colon
# of the part before the last @ of the authority.
_AUTHORITY = re.compile(r"^(?P<scheme>[^:/?#]+://)(?P<userinfo>[^/?#]*)@")


def display_url(value: str) -> str:
    """``value`` as it may be shown: a URL's password replaced by ``***``; a path as it is."""
    if not is_url(value):
        return value
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):
        url = None
    if url is not None:
        return url.render_as_string(hide_password=True)
    match = _AUTHORITY.match(value)
    if match is None or ":" not in match["userinfo"]:
        return value
    user = match["userinfo"].split(":", 1)[0]
    return f"{match['scheme']}{user}:{MASK}@{value[match.end() :]}"


def passwords_in(values: Iterable[str | None]) -> frozenset[str]:
    """The database passwords written in ``values`` (command-line words, environment values), as
    typed and percent-decoded, so either spelling can be taken out of a message."""
    found: set[str] = set()
    for value in values:
        if not value or not is_url(value):
            continue
        # A word may be "--db=URL": look at the URL part.
        text = value[value.index("=") + 1 :] if value.startswith("--") and "=" in value else value
        match = _AUTHORITY.search(text)
        if match is not None and ":" in match["userinfo"]:
            raw = match["userinfo"].split(":", 1)[1]
            found.update(p for p in (raw, unquote(raw)) if p)
        try:
            password = make_url(text).password
        except (ArgumentError, ValueError):
            password = None
        if password:
            found.add(str(password))
    return frozenset(found)


def run_passwords(args: Sequence[str], env: Mapping[str, str] | None = None) -> frozenset[str]:
    """The passwords one run of the CLI was given: on its command line or in ``$COMPLAINT_TUI_DB``."""
    environ = os.environ if env is None else env
    return passwords_in([*args, environ.get(DB_ENV)])


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``***`` (longest first: one may contain another)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def open_configured_store(
    db: str | os.PathLike[str] | None, policy: str | None, *, migrate: bool = True, create: bool = False
) -> Store:
    """The store ``--db`` names under the policy ``--policy`` names (each with its environment
    fallback); a SQLite file that is not there is refused unless ``create``."""
    return open_store(db_url(db), resolve_policy(policy), migrate=migrate, create=create)


def resolve_policy(path: str | None) -> Policy:
    """The policy ``--policy`` names, else ``$COMPLAINT_TUI_POLICY``'s, else the built-in one."""
    return load_policy(path)


# --- the language -------------------------------------------------------------------------


def language_from(args: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """The language of a run, read before typer parses anything (so help and even a slip on the
    command line are in it): the last ``--lang`` that names a language, else
    ``$COMPLAINT_TUI_LANG``, else the locale."""
    environ = dict(os.environ) if env is None else dict(env)
    chosen = environ.get(LANG_ENV) or ""
    if chosen not in LANGUAGES:
        chosen = language_from_locale(environ)
    for i, arg in enumerate(args):
        if arg == "--":
            break
        value = arg.removeprefix("--lang=") if arg.startswith("--lang=") else None
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        if value in LANGUAGES:
            chosen = value
    return chosen


def resolve_language(flag: str | None) -> str:
    """The language ``--lang`` (or ``$COMPLAINT_TUI_LANG``) names, else the locale's; made current.

    A value that is not a language is refused, not ignored.
    """
    chosen = flag or language_from_locale()
    if chosen not in LANGUAGES:
        raise DeskError("cli.bad_lang", value=chosen)
    set_language(chosen)
    return chosen


# --- the settings of one desk run ---------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """The typed settings one run of the desk is started with."""

    db_url: str
    policy_path: str | None = None
    lang: str = "en"
    operator_login: str | None = None
    # The PIN of ``operator_login``: only ``--demo`` gives one (its accounts' documented PIN); a
    # real store's desk asks for it on the sign-in screen.
    operator_pin: str | None = None
    demo: bool = False


# --- the shared command-line options ------------------------------------------------------
# Help texts and metavars are message keys (data/locale/batch.*.toml, [help]); cli_help shows
# them in the user's language.

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar=DB_ENV, help="help.opt.db", metavar="help.metavar.db", show_default=False),
]
PolicyOption = Annotated[
    str | None,
    typer.Option(
        "--policy", envvar=POLICY_ENV, help="help.opt.policy", metavar="help.metavar.file", show_default=False
    ),
]
LangOption = Annotated[
    str | None,
    typer.Option("--lang", envvar=LANG_ENV, help="help.opt.lang", metavar="help.metavar.lang", show_default=False),
]
OperatorOption = Annotated[
    str | None, typer.Option("--operator", help="help.opt.operator", metavar="help.metavar.login")
]
# Issue 9 item 6: the desk is bound to these estates; report and export read only theirs.
EstateOption = Annotated[
    list[str] | None,
    typer.Option("--estate", help="help.opt.estate", metavar="help.metavar.estate", show_default=False),
]
PinOption = Annotated[
    str | None,
    typer.Option("--pin", envvar=PIN_ENV, help="help.opt.pin", metavar="help.metavar.pin", show_default=False),
]
