"""Engines, sessions and migrations for SQLite (default) and PostgreSQL.

SQLite is opened in WAL mode with foreign keys on and a busy timeout. Write transactions start
with ``BEGIN IMMEDIATE`` so they take the write lock before their first read: a deferred
transaction that reads then writes fails at once with "database is locked" when another desk
writes, whatever the timeout. On PostgreSQL the services lock the case row instead
(``SELECT ... FOR UPDATE``). A lock held past the timeout surfaces as ``StoreBusy``, never as a
raw driver error.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlmodel import Session

from complaint_tui.errors import StoreBusy, StoreError
from complaint_tui.policy import Policy, default_policy

BUSY_TIMEOUT_S = 30.0
# The newest migration. Opening a store that is already there costs one SELECT instead of
# loading Alembic (about 0.2 s of every desk's start); a test keeps this equal to the scripts' head.
HEAD_REVISION = "0003"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url`` with this product's connection settings."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError("error.bad_url", url=url) from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            parent = Path(database).parent
            if not parent.exists():
                raise StoreError("error.db_dir_missing", path=str(parent))
        engine = create_engine(
            parsed,
            echo=echo,
            # Worker threads borrow pooled connections one unit of work at a time; reusing them saves
            # the connect and PRAGMAs (about a millisecond) on every read.
            connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        try:
            return create_engine(parsed, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5)
        except Exception as exc:  # a missing driver or a malformed option
            raise StoreError("error.bad_url", url=url) from exc
    raise StoreError("error.bad_url", url=url)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # pysqlite would start transactions lazily, after the first SELECT: take over BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


# PostgreSQL's codes for "another desk holds what you need": deadlock, serialisation failure,
# lock not available. Retrying the action later is the answer, as for a locked SQLite file.
_PG_BUSY_CODES = frozenset({"40P01", "40001", "55P03"})


def _is_locked(exc: BaseException) -> bool:
    """Whether the database refused because other desks hold the lock (not a real error)."""
    if not isinstance(exc, DBAPIError):
        return False
    if getattr(exc.orig, "sqlstate", None) in _PG_BUSY_CODES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig).lower()


@dataclass
class Store:
    """The database and the policy it is run under; what every service and query receives."""

    engine: Engine
    policy: Policy = field(default_factory=default_policy)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short session for reads (no write lock taken)."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            except DBAPIError as exc:
                if _is_locked(exc):
                    raise StoreBusy("error.store_busy") from None
                raise

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on any error."""
        bind = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.dialect == "sqlite" else self.engine
        with Session(bind, expire_on_commit=False) as session:
            try:
                with session.begin():
                    yield session
            except DBAPIError as exc:
                if _is_locked(exc):
                    raise StoreBusy("error.store_busy") from None
                raise

    def url_for_display(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)


# --- migrations --------------------------------------------------------------------------


def _alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("complaint_tui").joinpath("migrations")))
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    head: str | None = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    return head


def current_revision(engine: Engine) -> str | None:
    """The store's schema revision by plain SQL (None for a new, empty store)."""
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except DBAPIError:
        return None
    return str(row[0]) if row else None


def upgrade(engine: Engine) -> None:
    """Apply every pending migration, holding the write lock so two desks starting at once agree."""
    from alembic import command

    cfg = _alembic_config()
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine
    try:
        with bind.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(724011)"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        if _is_locked(exc):
            raise StoreBusy("error.store_busy") from None
        raise StoreError("error.db_unreadable", reason=str(exc.orig)) from None
    except DBAPIError as exc:
        raise StoreError("error.db_unreadable", reason=str(exc.orig)) from None


def open_store(url: str, policy: Policy | None = None, *, migrate: bool = True) -> Store:
    """The store at ``url``, migrated to the current schema unless ``migrate`` is false."""
    engine = make_engine(url)
    if migrate and current_revision(engine) != HEAD_REVISION:
        upgrade(engine)
    return Store(engine, policy or default_policy())


# --- check and backup --------------------------------------------------------------------


@dataclass
class CheckReport:
    ok: bool
    revision: str | None
    head: str | None
    integrity: list[str]
    evidence_mismatches: list[str]
    calendar: dict[int, str]


def check(store: Store, years: list[int]) -> CheckReport:
    """Integrity, migration level, evidence hashes and how well the calendar knows ``years``."""
    problems: list[str] = []
    mismatches: list[str] = []
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            if rows != ["ok"]:
                problems.extend(str(r) for r in rows)
            fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            problems.extend(f"foreign key: {tuple(r)}" for r in fk)
        else:
            conn.execute(text("SELECT 1"))
        # Files one at a time: the store may hold gigabytes of photos and videos.
        result = conn.execution_options(stream_results=True, yield_per=20).execute(
            text("SELECT sha256, data FROM evidence_blob")
        )
        for sha, data in result:
            if hashlib.sha256(bytes(data)).hexdigest() != sha:
                mismatches.append(sha)
    rev, head = current_revision(store.engine), head_revision()
    grades = {y: g.value for y, g in store.policy.calendar.grades(years).items()}
    return CheckReport(
        ok=not problems and not mismatches and rev == head,
        revision=rev,
        head=head,
        integrity=problems,
        evidence_mismatches=mismatches,
        calendar=grades,
    )


def backup(store: Store, target: Path) -> None:
    """An online copy of a SQLite store into ``target`` (desks may keep working meanwhile)."""
    if store.dialect != "sqlite":
        raise StoreError("error.backup_sqlite_only")
    if target.exists():
        raise StoreError("error.backup_exists", path=str(target))
    if not target.parent.exists():
        raise StoreError("error.db_dir_missing", path=str(target.parent))
    raw = store.engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        raw.close()
