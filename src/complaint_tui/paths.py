"""The one place that knows where things live: flag, then environment variable, then default."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path, user_downloads_path

APP_NAME = "complaint-tui"
DB_ENV = "COMPLAINT_TUI_DB"


def data_dir() -> Path:
    return user_data_path(APP_NAME, appauthor=False, ensure_exists=True)


def copies_dir() -> Path:
    """Where a copy of an evidence file goes unless the user types another place: the
    downloads folder where there is one, else the home folder."""
    downloads = user_downloads_path()
    return downloads if downloads.is_dir() else Path.home()


def default_db_path() -> Path:
    return data_dir() / "complaints.sqlite3"


def db_url(db: str | os.PathLike[str] | None = None) -> str:
    """The SQLAlchemy URL of the store: ``--db``, else ``$COMPLAINT_TUI_DB``, else the default file.

    A value containing ``://`` is taken as a URL (``postgresql+psycopg://...``); anything else is
    a path to a SQLite file.
    """
    chosen = os.fspath(db) if db is not None else os.environ.get(DB_ENV) or None
    if chosen is None:
        return sqlite_url(default_db_path())
    if "://" in chosen:
        return chosen
    return sqlite_url(Path(chosen))


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.expanduser().resolve()}"
