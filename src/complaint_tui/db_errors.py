"""Words for a PostgreSQL server that cannot be reached or refuses a connection (issue 9 items 3, 4).

A desk or a command line used to show "unexpected error (OperationalError)" or the server's raw
text. These are the cases a person can act on: the server is down, hung or restarting (wait;
the desk retries by itself), it has no free connection (too many desks: ask IT), it refused the
login (fix the password source) or the database name is wrong. The driver's text never reaches
the screen, so neither can a password: libpq does not print one, and the words here are built
only from the URL's user and database names.

psycopg reports no SQL state for a refused connection, only libpq's message, so the refusals
are recognised by the server's (English) message texts; anything else that is a lost or failed
connection is "unreachable".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError

from complaint_tui.errors import StoreError

# SQL states of a connection lost or refused while the server runs: admin shutdown, crash
# shutdown, cannot connect now (starting or stopping), the connection_exception class (08...),
# and a statement cancelled by statement_timeout (the server is alive but did not finish).
_UNREACHABLE_STATES = frozenset({"57P01", "57P02", "57P03", "57014"})

_CONNECTION_STATES = _UNREACHABLE_STATES | {"53300", "3D000", "28P01", "28000"}

_TOO_MANY = ("too many clients", "remaining connection slots are reserved", "too many connections for")
_AUTH = (
    "password authentication failed",
    "authentication failed",
    "no pg_hba.conf entry",
    "does not exist",  # role "x" does not exist (the database case is caught first)
    "password is required",
    "no password supplied",
)


def connection_refusal(exc: BaseException, *, user: str | None, database: str | None) -> StoreError | None:
    """The words for a PostgreSQL connection problem; None when ``exc`` is something else."""
    if not isinstance(exc, DBAPIError):
        return None
    orig: Any = exc.orig
    module = type(orig).__module__ or ""
    if not module.startswith("psycopg"):
        return None
    state = str(getattr(orig, "sqlstate", "") or "")
    if state and state not in _CONNECTION_STATES and not state.startswith("08"):
        return None  # a statement's own error (a missing table, a constraint): not the connection
    text = str(orig).lower()
    if any(needle in text for needle in _TOO_MANY) or state in ("53300",):
        return StoreError("error.db_too_many_clients")
    if 'database "' in text and "does not exist" in text or state == "3D000":
        return StoreError("error.db_no_database", database=database or "-")
    if any(needle in text for needle in _AUTH) or state in ("28P01", "28000"):
        return StoreError("error.db_auth_failed", user=user or "-")
    if exc.connection_invalidated or state in _UNREACHABLE_STATES or state.startswith("08"):
        return StoreError("error.db_unreachable")
    operational = any(cls.__name__ == "OperationalError" for cls in type(orig).__mro__)
    if operational and not state:  # connection failed, timed out or closed meanwhile
        return StoreError("error.db_unreachable")
    return None
