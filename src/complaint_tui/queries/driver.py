"""Reads that skip the ORM: SQL text run on a pooled driver connection, values converted by hand.

The queue page and the case view are read on every key press. Through a SQLAlchemy session a
100-row page cost 6.8 times the same SQL run by ``sqlite3`` (FACTS.md): building the statement,
the session and its compiled cache, and a Python type processor per timestamp cell. Here the SQL
is a string built from fixed fragments (its parameters are always bound, never formatted in), run
on a connection borrowed from the engine's pool, and only the cells a page shows are converted.
Both drivers prepare repeated statements: ``sqlite3`` keeps a statement cache per connection and
psycopg prepares a query after a few executions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from complaint_tui.db import Store, refusal_of

UTC = dt.UTC


def to_db_time(dialect: str, value: dt.datetime) -> Any:
    """A timestamp parameter as the column stores it: SQLite keeps naive UTC text with microseconds
    (what ``UTCDateTime`` writes, so text comparison is time order); PostgreSQL takes it aware."""
    if dialect == "sqlite":
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


def from_db_time(value: Any) -> dt.datetime | None:
    """A timestamp cell as an aware UTC datetime (SQLite gives text, psycopg an aware datetime)."""
    if value is None:
        return None
    if isinstance(value, str):
        # Appending the zone is 7 times faster than ``.replace(tzinfo=...)`` on the parsed value.
        return dt.datetime.fromisoformat(value + "+00:00")
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    raise TypeError(f"not a timestamp: {value!r}")


def from_db_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def placeholders(dialect: str, sql: str) -> str:
    """``?`` placeholders (the fragments' form) in the driver's own style."""
    return sql if dialect == "sqlite" else sql.replace("?", "%s")


def fetch_all(store: Store, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Every row of one SELECT (``?`` placeholders), as the driver returns them."""
    return fetch_many(store, [(sql, params)])[0]


def fetch_many(store: Store, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[tuple[Any, ...]]]:
    """The rows of several SELECTs run on one connection, in one read transaction on PostgreSQL
    (a SQLite connection in autocommit reads each statement's own snapshot; the case view's
    reads are all keyed by the case, so they agree unless a desk writes in between)."""
    dialect = store.dialect
    pooled = store.engine.raw_connection()
    try:
        conn: Any = pooled.driver_connection
        out: list[list[tuple[Any, ...]]] = []
        for sql, params in statements:
            cur = conn.execute(placeholders(dialect, sql), tuple(params))
            out.append(cur.fetchall())
        return out
    except Exception as exc:  # a driver's error: sqlite3's or psycopg's
        refusal = refusal_of(exc)  # busy, disk full, read-only: words, not the driver's text
        if refusal is not None:
            raise refusal from None
        raise
    finally:
        pooled.close()  # back to the pool; the pool ends the PostgreSQL transaction
