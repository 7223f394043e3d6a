"""How the demo writes its rows: plain tuples in bulk, column lists checked against the models.

Raw ``sqlite3`` executemany on SQLite, SQLAlchemy Core executemany on PostgreSQL (FACTS.md: the ORM
is 40 times slower per row); values turned into exactly what ``UTCDateTime`` and ``JSON`` store.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, func, select, text
from sqlmodel import SQLModel

from complaint_tui.audit_chain import GENESIS
from complaint_tui.db import Store
from complaint_tui.demo.simulation import DemoRuleBroken
from complaint_tui.models import CASE_TABLES, AuditHead
from complaint_tui.statistics_store import rebuild_statistics

_SQLITE_CACHE_KIB = 64 * 1024


# --- the rows, column by column ---------------------------------------------------------------

# Each tuple the generator emits follows these columns; ``check_columns`` compares them with the
# models, so a schema change breaks the demo at once instead of shifting values between columns.
COLUMNS: dict[str, tuple[str, ...]] = {
    "staff": (
        "id",
        "login",
        "name",
        "role",
        "department",
        "active",
        "pin_hash",
        "created_at",
        "failed_pins",
        "locked_at",
    ),
    "owner": ("id", "name", "phone", "created_at"),
    "room": ("id", "building", "unit", "room", "estate"),
    "evidence_blob": ("sha256", "size", "data", "created_at"),
    "complaint_case": (
        "id",
        "number",
        "source_id",
        "version",
        "channel",
        "received_at",
        "received_by_id",
        "contact_confirmed",
        "owner_id",
        "room_id",
        "object_kind",
        "object_text",
        "object_staff_id",
        "matter_what",
        "matter_when",
        "matter_where",
        "matter_state",
        "demand",
        "category",
        "urgency",
        "status",
        "status_before",
        "is_open",
        "department",
        "assignee_id",
        "cycle",
        "paused_at",
        "pause_reason",
        "next_step",
        "next_due_at",
        "queue_due_at",
        "reopen_count",
        "append_count",
        "chase_count",
        "merged_into_id",
        "close_kind",
        "close_reason",
        "closed_at",
        "closed_by_id",
        "withdrawn_reason",
        "owner_rejects_decision",
        "external_recourse",
        "created_at",
        "updated_at",
        "estate",
        "caller_name",
        "caller_phone",
    ),
    "step_clock": (
        "id",
        "case_id",
        "cycle",
        "step",
        "started_at",
        "due_at",
        "done_at",
        "paused_seconds",
        "limit_unit",
        "cancelled_at",
    ),
    "investigation_note": ("id", "case_id", "cycle", "kind", "party", "person", "content", "author_id", "created_at"),
    "evidence": (
        "id",
        "case_id",
        "note_id",
        "kind",
        "source",
        "taken_on",
        "filename",
        "sha256",
        "size",
        "note",
        "added_by_id",
        "added_at",
    ),
    "finding": (
        "id",
        "case_id",
        "cycle",
        "responsibility",
        "cause_code",
        "cause_text",
        "valid",
        "validity_reason",
        "signatories",
        "confirmed_by_id",
        "confirmed_at",
        "recorded_by_id",
        "created_at",
    ),
    "plan": (
        "id",
        "case_id",
        "cycle",
        "measures",
        "deadline",
        "department",
        "responsible_id",
        "responsible_name",
        "resources",
        "created_by_id",
        "created_at",
    ),
    "referral": ("id", "case_id", "cycle", "authority", "authority_text", "explanation", "created_by_id", "created_at"),
    "department_task": (
        "id",
        "case_id",
        "cycle",
        "department",
        "assignee_id",
        "what",
        "due_at",
        "done_at",
        "result",
        "created_by_id",
        "created_at",
        "done_by_id",
    ),
    "follow_up": ("id", "case_id", "kind", "content", "by_id", "at"),
    "owner_update": ("id", "case_id", "kind", "channel", "content", "by_id", "at"),
    "feedback": (
        "id",
        "case_id",
        "cycle",
        "channel",
        "what_done",
        "measures",
        "result",
        "demand_met",
        "unmet_reason",
        "next_step",
        "by_id",
        "at",
    ),
    "return_visit": (
        "id",
        "case_id",
        "cycle",
        "method",
        "satisfaction",
        "remaining_issues",
        "outcome",
        "owner_rejects_decision",
        "external_recourse",
        "by_id",
        "at",
    ),
    "case_contact": ("id", "case_id", "kind", "channel", "content", "by_id", "at"),
    "case_pause": ("id", "case_id", "reason", "paused_at", "paused_by_id", "resumed_at", "resumed_by_id"),
    "audit_event": ("id", "case_id", "staff_id", "at", "action", "version", "before", "after", "hash"),
    "case_number_counter": ("day", "last"),
}
# Parents before children, so every foreign key points at a row already written.
CHILD_ORDER = ("owner", "room", *CASE_TABLES, "audit_event")
ID_TABLES = tuple(name for name in COLUMNS if "id" in COLUMNS[name])


# Columns the demo leaves NULL on purpose: a demo case was typed into no desk form, so it has no
# form key (services.intake sets one only for a form that carries it).
UNWRITTEN: dict[str, tuple[str, ...]] = {"complaint_case": ("intake_key",)}


def check_columns() -> None:
    tables = SQLModel.metadata.tables
    for name, cols in COLUMNS.items():
        skipped = UNWRITTEN.get(name, ())
        actual = tuple(c for c in tables[name].columns.keys() if c not in skipped)
        if actual != cols:
            raise DemoRuleBroken(f"the demo writes {name}{cols} but the model has {actual}")


# --- writing ----------------------------------------------------------------------------------


class Writer:
    """Bulk inserts in a few transactions: raw ``sqlite3`` on SQLite, Core executemany elsewhere.

    Values come in as Python objects; ``ts``/``js``/``day`` turn timestamps, JSON and dates into
    what the backend stores (on SQLite the exact text SQLAlchemy writes for ``UTCDateTime``, so
    the ORM and the queries compare them correctly).

    (A writer thread overlapping generation was measured and dropped: binding the parameters holds
    the GIL, so it gained nothing on two cores.)
    """

    def __init__(self, store: Store, scratch: bool = False) -> None:
        self.sqlite = store.dialect == "sqlite"
        # A new SQLite file no one else has open, deleted if the demo fails (``build_demo``'s
        # ``scratch``): written without a rollback journal, the foreign keys checked at the end.
        self.scratch = scratch and self.sqlite
        # The SELECT the statistics' tallies are filled from (statistics_store.rebuild_statistics);
        # None: counted from every case's rows.
        self.tallies: str | None = None
        self.rows = 0
        self._store = store
        self._raw: Any = None
        self._conn: Connection | None = None
        self._db: sqlite3.Connection | None = None
        self.ts: Callable[[dt.datetime], Any]
        self.js: Callable[[dict[str, Any] | None], Any]
        self.day: Callable[[dt.date], Any]
        if self.sqlite:
            self.ts = _sqlite_ts
            self.js = _sqlite_json
            self.day = dt.date.isoformat
        else:
            self.ts = _same
            self.js = _sqlite_json  # COPY takes JSON as its text; the column parses it
            self.day = _same

    def __enter__(self) -> Writer:
        if self.sqlite:
            if self.scratch:
                # The journal mode can change only on the one connection the file has.
                self._store.engine.dispose()
            self._raw = self._store.engine.raw_connection()
            self._db = cast(sqlite3.Connection, self._raw.driver_connection)
            # A big page cache for this connection only: the indexes stay in memory instead of
            # spilling dirty pages into the WAL over and over during the large transactions.
            self._db.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
            # No fsync while the demo is written (gigabytes at a million cases, on a disk other
            # work shares): a demo cut short is deleted by the command, not recovered.
            self._db.execute("PRAGMA synchronous=OFF")
            if self.scratch:
                # Every page written once, not to the WAL and then again into the file (11 GB
                # at a million cases); a failed demo's file is deleted, so nothing needs rolling
                # back.
                self._db.execute("PRAGMA journal_mode=OFF")
            self._db.execute("BEGIN IMMEDIATE")
        else:
            self._conn = self._store.engine.connect()
            self._conn.begin()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self._commit()
                if self.scratch and self._db is not None:
                    self._db.execute("PRAGMA journal_mode=WAL")  # the store's own journal again
            elif self._db is not None and self._db.in_transaction:
                # SQLite rolls back by itself on a full disk; a second ROLLBACK would hide why.
                self._db.execute("ROLLBACK")
            elif self._conn is not None:
                self._conn.rollback()
        finally:
            if self._db is not None:
                # The pool's connection again as Store sets it up.
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute("PRAGMA foreign_keys=ON")
            if self._raw is not None:
                self._raw.close()
            if self._conn is not None:
                self._conn.close()
        if exc_type is None:
            self._rebuild_tallies()

    def _rebuild_tallies(self) -> None:
        """The tallies of statistics_store, in a transaction of their own after the rows'."""
        store = self._store
        bind = store.engine.execution_options(sqlite_begin="IMMEDIATE") if self.sqlite else store.engine
        with bind.begin() as conn:
            rebuild_statistics(conn, store.policy.zone.key, self.tallies)

    def _commit(self) -> None:
        if self._db is not None:
            self._db.execute("COMMIT")
        elif self._conn is not None:
            self._conn.commit()

    def checkpoint(self) -> None:
        """SQLite: commit what is written so far and go on in a new transaction (a smaller WAL).

        PostgreSQL: nothing; the whole demo is one transaction, so a demo that fails half way (a
        full disk, Ctrl-C, a lost server) leaves the database an empty store, not half a demo:
        unlike a SQLite file, the database cannot simply be deleted afterwards.
        """
        if self._db is not None:
            self._commit()
            self._db.execute("BEGIN IMMEDIATE")

    def trust_copies(self) -> None:
        """SQLite: commit, and write on without a foreign-key look-up per row.

        For the copies of rows already checked as they were written, each reference shifted with
        the table it points into (demo.clone; ``db check`` and the clone's tests check them all).
        SQLite changes this setting only between transactions.
        """
        if self._db is not None:
            self._commit()
            self._db.execute("PRAGMA foreign_keys=OFF")
            self._db.execute("BEGIN IMMEDIATE")

    def insert(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self.rows += len(rows)
        cols = COLUMNS.get(name)
        if self._db is not None:
            if name == "case_search":
                sql = "INSERT INTO case_search(rowid, doc) VALUES (?, ?)"
            else:
                assert cols is not None
                sql = f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            self._db.executemany(sql, rows)
        else:
            assert self._conn is not None
            if name == "case_search":
                cols = ("case_id", "doc")
            assert cols is not None
            # COPY, in the transaction the writer holds: about 30 times the rows per second of
            # Core executemany, which psycopg sends one INSERT per row (3,000 rows/s measured).
            # Table and column names are the writer's own constants, never input.
            driver = self._conn.connection.driver_connection
            assert driver is not None
            with driver.cursor() as cur, cur.copy(f"COPY {name} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def execute(self, sql: str) -> None:
        """One statement of the writer's own text (the copies' ``INSERT ... SELECT``), in its transaction."""
        if self._db is not None:
            self._db.execute(sql)
        else:
            assert self._conn is not None
            self._conn.exec_driver_sql(sql)

    def drop_indexes(self, tables: Sequence[str], keep_leading: Sequence[str] = ()) -> list[tuple[str, str]]:
        """Drop the secondary indexes of ``tables``; their (name, definition) to build them again.

        A bulk load appends rows to the tables and builds each index once at the end, sorted,
        instead of inserting every row into every index as it comes. Indexes that back a
        constraint (primary keys, unique constraints) stay and check the rows as they come, and
        so do those whose first column is one of ``keep_leading``: a column the load fills in
        rising order (the demo's copies each take case ids above the last copy's), so their new
        entries go at the end, in pages still in the cache, instead of a second reading of a
        table of gigabytes at the end (the audit events' at a million cases: measured I/O bound).
        """
        names = ", ".join(f"'{t}'" for t in tables)
        if self._db is not None:
            found = [
                (str(n), str(d))
                for n, d in self._db.execute(
                    f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                    f"AND tbl_name IN ({names}) ORDER BY name"
                )
            ]
        else:
            assert self._conn is not None
            found = [
                (str(n), str(d))
                for n, d in self._conn.exec_driver_sql(
                    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                    "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                    f"WHERE t.relname IN ({names}) AND t.relnamespace = current_schema()::regnamespace "
                    "AND NOT x.indisprimary "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                    "ORDER BY i.relname"
                )
            ]
        found = [(n, d) for n, d in found if _first_column(d) not in keep_leading]
        for name, _ in found:
            self.execute(f'DROP INDEX "{name}"')
        return found

    def create_indexes(self, indexes: Sequence[tuple[str, str]]) -> None:
        """Build again the indexes ``drop_indexes`` took away, from their own definitions."""
        for _, definition in indexes:
            self.execute(definition)

    def max_ids(self) -> dict[str, int]:
        """The highest id in use per table, so the demo's ids follow on."""
        out: dict[str, int] = {}
        with self._store.engine.connect() as conn:
            for name in ID_TABLES:
                tbl = SQLModel.metadata.tables[name]
                out[name] = int(conn.execute(select(func.coalesce(func.max(tbl.c.id), 0))).scalar_one())
        return out

    def audit_head(self) -> tuple[int, str, int]:
        """The audit chain's last link (id, hash, count of events) that the demo's events follow."""
        head = AuditHead.__table__  # type: ignore[attr-defined]
        with self._store.engine.connect() as conn:
            row = conn.execute(select(head.c.last_id, head.c.last_hash, head.c.events).where(head.c.id == 1)).first()
        if row is None:
            return 0, GENESIS, 0
        return int(row[0]), str(row[1]) or GENESIS, int(row[2])

    def move_audit_head(self, last_id: int, last_hash: str, events: int) -> None:
        """Point the chain's head at the demo's last event, in the demo's transaction."""
        if self._db is not None:
            self._db.execute(
                "UPDATE audit_head SET last_id = ?, last_hash = ?, events = ? WHERE id = 1",
                (last_id, last_hash, events),
            )
        elif self._conn is not None:
            self._conn.execute(
                text("UPDATE audit_head SET last_id = :i, last_hash = :h, events = :n WHERE id = 1"),
                {"i": last_id, "h": last_hash, "n": events},
            )

    def fix_sequences(self) -> None:
        """PostgreSQL: explicit ids do not move the serial sequences; move them past the demo's rows."""
        if self._conn is None:
            return
        for name in ID_TABLES:
            self._conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                )
            )


def _first_column(definition: str) -> str:
    """The first column of a ``CREATE INDEX`` statement (SQLite's or PostgreSQL's text)."""
    inside = definition[definition.index("(") + 1 :]
    return inside.split(",")[0].split(")")[0].strip().strip('"')


def _sqlite_ts(value: dt.datetime) -> str:
    # What SQLAlchemy's SQLite DATETIME writes for UTCDateTime: naive UTC, always with microseconds.
    if value.tzinfo is dt.UTC:  # every time the demo makes; cutting "+00:00" is the cheap way
        return value.isoformat(" ", "microseconds")[:26]
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


# One encoder for every event: json.dumps with options builds a new encoder per call.
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _sqlite_json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else _encode_json(value)


def _same(value: Any) -> Any:
    return value
