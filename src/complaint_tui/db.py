"""Engines, sessions and migrations for SQLite (default) and PostgreSQL.

SQLite is opened in WAL mode with foreign keys on and a busy timeout. Write transactions start
with ``BEGIN IMMEDIATE`` so they take the write lock before their first read: a deferred
transaction that reads then writes fails at once with "database is locked" when another desk
writes, whatever the timeout. On PostgreSQL the services lock the case row instead
(``SELECT ... FOR UPDATE``). A lock held past the timeout surfaces as ``StoreBusy``, never as a
raw driver error.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import socket
import sqlite3
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from complaint_tui.audit_chain import _PENDING, ChainReport, Event, seal_pending
from complaint_tui.audit_chain import verify as verify_chain
from complaint_tui.db_errors import connection_refusal
from complaint_tui.db_watchdog import Watchdog, driver_fileno
from complaint_tui.errors import StoreBusy, StoreError
from complaint_tui.i18n import Msg, t
from complaint_tui.policy import Policy, default_policy
from complaint_tui.safe_files import os_reason
from complaint_tui.statistics_store import (
    Key,
    apply_changes,
    kept_zone,
    rebuild_statistics,
    recomputed_differences,
    tally_changes,
)

R = TypeVar("R")

BUSY_TIMEOUT_S = 30.0
# One small pool per desk on PostgreSQL. A desk runs at most four database workers at once (the
# queue's page and its count, the case screen above it, and the change check); two connections
# are kept for the common case of one or two at a time, two more may open for a burst and are
# closed when returned. So an idle desk holds at most 2 + 1 (its LISTEN connection) of the
# server's max_connections; sizing is in the README ("Running a centre on PostgreSQL").
# The LISTEN/NOTIFY channel of committed changes (change_feed).
NOTIFY_CHANNEL = "complaint_tui"
PG_POOL_SIZE = 2
PG_POOL_OVERFLOW = 2


@dataclass(frozen=True)
class DbTimeouts:
    """How long a desk waits for the database before it says so (issue 9 item 3).

    ``connect_s``: to open a connection (libpq's connect_timeout). ``statement_s``: one
    statement (PostgreSQL's statement_timeout; None: no limit, for bulk work). ``lock_s``: for a
    row another desk holds (lock_timeout; then "busy, try again"). ``idle_in_transaction_s``: a
    desk that hangs mid-transaction loses it instead of holding its locks. ``grace_s``: added
    to a server-side limit for the client-side watchdog, which only acts on a frozen server.
    ``sqlite_busy_s``: SQLite's busy timeout. Options given in the URL (``connect_timeout``,
    ``options=-c statement_timeout=...``) take precedence over these.
    """

    connect_s: float = 5.0
    statement_s: float | None = 15.0
    lock_s: float = 5.0
    idle_in_transaction_s: float = 60.0
    grace_s: float = 5.0
    sqlite_busy_s: float = BUSY_TIMEOUT_S


# The newest migration. Opening a store that is already there costs one SELECT instead of
# loading Alembic (about 0.2 s of every desk's start); a test keeps this equal to the scripts' head.
HEAD_REVISION = "0011"


def make_engine(url: str, *, echo: bool = False, timeouts: DbTimeouts | None = None, pooled: bool = True) -> Engine:
    """An engine for ``url`` with this product's connection settings and ``timeouts``; with
    ``pooled`` false, each connection is opened when asked and closed when given back."""
    limits = timeouts or DbTimeouts()
    engine = _engine(url, echo, limits, pooled)
    _TIMEOUTS[engine] = limits
    return engine


def _engine(url: str, echo: bool, limits: DbTimeouts, pooled: bool) -> Engine:
    pool: dict[str, Any] = {} if pooled else {"poolclass": NullPool}
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number, a broken [IPv6]
        raise StoreError("error.bad_url", url=_shown(url)) from None
    if backend == "sqlite":
        path = sqlite_file(url)
        if path is not None and not path.parent.exists():
            raise StoreError("error.db_dir_missing", path=str(path.parent))
        engine = create_engine(
            parsed,
            echo=echo,
            # Worker threads borrow pooled connections one unit of work at a time; reusing them saves
            # the connect and PRAGMAs (about a millisecond) on every read.
            connect_args={"timeout": limits.sqlite_busy_s, "check_same_thread": False},
            **pool,
        )
        _configure_sqlite(engine, limits.sqlite_busy_s)
        return engine
    if backend == "postgresql":
        try:
            engine = create_engine(
                parsed,
                echo=echo,
                connect_args=_pg_connect_args(parsed.query, limits),
                **(
                    {
                        "pool_pre_ping": True,
                        "pool_size": PG_POOL_SIZE,
                        "max_overflow": PG_POOL_OVERFLOW,
                        # A worker waits this long for one of the desk's connections, then says "busy".
                        "pool_timeout": limits.connect_s + (limits.statement_s or 0) + limits.grace_s,
                    }
                    if pooled
                    else pool
                ),
            )
        except Exception as exc:  # a missing driver or a malformed option
            raise StoreError("error.bad_url", url=_shown(url)) from exc
        _configure_postgresql(engine, limits, user_named_it="application_name" in parsed.query)
        return engine
    raise StoreError("error.bad_url", url=_shown(url))


def _shown(url: str) -> str:
    """``url`` as a message may show it: the password replaced by ``***``, even in a URL that
    does not parse (the desk's paths have no CLI to scrub the line for them)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"(//[^/:@]*:)[^@/]*@", r"\1***@", url)


def _pg_connect_args(query: Any, limits: DbTimeouts) -> dict[str, Any]:
    """libpq parameters for the timeouts; what the URL's query says itself is left to it."""
    args: dict[str, Any] = {}
    if "connect_timeout" not in query:
        args["connect_timeout"] = max(1, round(limits.connect_s))
    settings = [f"-c lock_timeout={int(limits.lock_s * 1000)}"]
    settings.append(f"-c idle_in_transaction_session_timeout={int(limits.idle_in_transaction_s * 1000)}")
    if limits.statement_s is not None:
        settings.append(f"-c statement_timeout={int(limits.statement_s * 1000)}")
    given = query.get("options")
    if given:  # the URL's own -c settings come last, so they win
        settings.append(given if isinstance(given, str) else " ".join(given))
    args["options"] = " ".join(settings)
    return args


class DeskLabel:
    """The ``application_name`` of a desk's connections: ``complaint-tui <operator>@<host>``.

    Before sign-in the operator is not known (``complaint-tui @<host>``); ``Store.sign_as``
    names them, and each pooled connection takes the new name when it is next checked out, so
    IT sees in pg_stat_activity whose desk holds a connection.
    """

    def __init__(self, ping_limit: float | None = None) -> None:
        self.value = label_for(None)
        self.ping_limit = ping_limit


def label_for(login: str | None) -> str:
    # application_name holds at most 63 bytes; a long login is cut rather than refused.
    return f"complaint-tui {login or ''}@{socket.gethostname()}".encode()[:63].decode("utf-8", "ignore")


_LABELS: weakref.WeakKeyDictionary[Engine, DeskLabel] = weakref.WeakKeyDictionary()
# The limits each engine was made with, so an engine made beside it keeps them.
_TIMEOUTS: weakref.WeakKeyDictionary[Engine, DbTimeouts] = weakref.WeakKeyDictionary()
_WATCHDOG = Watchdog()


def _configure_postgresql(engine: Engine, limits: DbTimeouts, *, user_named_it: bool) -> None:
    statement_limit = None if limits.statement_s is None else limits.statement_s + limits.grace_s
    ping_limit = limits.connect_s + limits.grace_s
    label = _LABELS.setdefault(engine, DeskLabel(ping_limit))

    @event.listens_for(engine, "do_connect")
    def _name_connection(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        if not user_named_it:
            cparams["application_name"] = label.value

    @event.listens_for(engine, "connect")
    def _note_name(_dbapi_conn: Any, record: Any) -> None:
        record.info["application_name"] = label.value

    @event.listens_for(engine, "checkout")
    def _rename(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if user_named_it or record.info.get("application_name") == label.value:
            return
        cur = dbapi_conn.cursor()
        try:
            _WATCHDOG.bounded(
                driver_fileno(dbapi_conn),
                ping_limit,
                lambda: cur.execute("SELECT set_config('application_name', %s, false)", (label.value,)),
            )
        finally:
            cur.close()
        dbapi_conn.commit()
        record.info["application_name"] = label.value

    # Every call into the driver gets a client-side limit (db_watchdog): SQLAlchemy calls these
    # through the dialect instance, so wrapping them there covers statements, commits,
    # rollbacks and the pool's ping alike.
    dialect: Any = engine.dialect
    for name, limit, conn_of in (
        ("do_execute", statement_limit, _cursor_conn),
        ("do_executemany", statement_limit, _cursor_conn),
        ("do_execute_no_params", statement_limit, _cursor_conn),
        ("do_commit", statement_limit, _same),
        ("do_rollback", ping_limit, _same),
        ("do_ping", ping_limit, _same),
    ):
        setattr(dialect, name, _bounded(getattr(dialect, name), limit, conn_of))


def _cursor_conn(first: Any) -> Any:
    return first.connection


def _same(first: Any) -> Any:
    return first


def _bounded(method: Any, limit: float | None, conn_of: Any) -> Any:
    def call(first: Any, *args: Any, **kwargs: Any) -> Any:
        fileno = driver_fileno(conn_of(first))
        return _WATCHDOG.bounded(fileno, limit, lambda: method(first, *args, **kwargs))

    return call


def _configure_sqlite(engine: Engine, busy_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # pysqlite would start transactions lazily, after the first SELECT: take over BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_s * 1000)}")
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


# SQLite's primary result codes (the low byte of an extended code) and PostgreSQL's SQL states
# a person can act on: free disk space, fix the file's permissions, restore a backup.
_SQLITE_REFUSALS = {13: "error.disk_full", 8: "error.store_read_only", 10: "error.disk_io", 11: "error.db_damaged"}
_SQLITE_NOT_A_DATABASE = 26
_PG_REFUSALS = {"53100": "error.disk_full", "25006": "error.store_read_only", "58030": "error.disk_io"}


def refusal_of(exc: BaseException, url: URL | None = None) -> StoreError | StoreBusy | None:
    """The words for a driver error that is the disk's or the file's fault, not a bug.

    Busy (other desks hold the lock), disk full, a read-only store, a disk I/O error, a damaged
    file, a PostgreSQL server that is down, hung, full or refuses the login (``db_errors``; the
    user and database names come from ``url``): the desk and the command line show these in the
    operator's language instead of the driver's English. Takes SQLAlchemy's wrapped errors and
    raw ``sqlite3`` ones (online backup); None for anything else.
    """
    if _is_locked(exc):
        return StoreBusy("error.store_busy")
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        if isinstance(code, int):
            if code & 0xFF == _SQLITE_NOT_A_DATABASE:
                return StoreError("error.db_damaged")
            key = _SQLITE_REFUSALS.get(code & 0xFF)
            return StoreError(key) if key else None
        words = str(orig).lower()  # an sqlite3 built without error codes: its fixed English texts
        for needle, key in (
            ("database or disk is full", "error.disk_full"),
            ("readonly database", "error.store_read_only"),
            ("disk i/o error", "error.disk_io"),
            ("malformed", "error.db_damaged"),
            ("file is not a database", "error.db_damaged"),
        ):
            if needle in words:
                return StoreError(key)
        return None
    key = _PG_REFUSALS.get(str(getattr(orig, "sqlstate", "") or ""))
    if key:
        return StoreError(key)
    return connection_refusal(
        exc, user=url.username if url is not None else None, database=url.database if url is not None else None
    )


# Over the wire a notification carries at most this many case ids; more is "everything" (*).
NOTIFY_MAX_IDS = 200


def notify_payload(origin: str, case_ids: set[int]) -> str:
    """``origin|1,2,3``: who wrote, and the cases the transaction touched (change_feed reads it)."""
    if len(case_ids) > NOTIFY_MAX_IDS:
        return f"{origin}|*"
    return f"{origin}|{','.join(str(i) for i in sorted(case_ids))}"


def pending_case_ids(session: Session) -> set[int] | None:
    """The cases of the audit events this write transaction is about to seal (None: it wrote none).

    Every change a verb makes is audited, so these are exactly the cases the desks must see again.
    """
    events: list[Event] = session.info.get(_PENDING, [])  # what audit_chain.seal_pending will write
    if not events:
        return None
    return {e.case_id for e in events if e.case_id is not None}


@dataclass
class Store:
    """The database and the policy it is run under; what every service and query receives."""

    engine: Engine
    policy: Policy = field(default_factory=default_policy)
    # Names this store's own notifications, so its desk does not refresh twice for its own save.
    origin: str = field(default_factory=lambda: secrets.token_hex(6))
    # The estates this desk is bound to (``--estate``; estates.py): every read of cases shows
    # only theirs and an intake goes to one of them. Empty: every estate.
    estates: tuple[str, ...] = ()
    # Made on the first write that moves the statistics (see ``_committed_view``).
    _committed: Engine | None = field(default=None, init=False, repr=False, compare=False)

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
                refusal = refusal_of(exc, self.engine.url)  # busy, disk full, unreachable: words, not the driver's
                if refusal is not None:
                    raise refusal from None
                raise

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on any error."""
        bind = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.dialect == "sqlite" else self.engine
        with Session(bind, expire_on_commit=False) as session:
            try:
                with session.begin():
                    yield session
                    cases = pending_case_ids(session)
                    moved = self._tally_changes(session, cases) if cases else None
                    # Last, so the audit head's lock is the last one this transaction takes.
                    seal_pending(session)
                    if moved:
                        # After the head's lock: on PostgreSQL it orders the writers of the tallies.
                        apply_changes(session.connection(), moved)
                    if cases is not None and self.dialect == "postgresql":
                        # Delivered at commit, and only if it commits (change_feed listens).
                        session.execute(
                            text("SELECT pg_notify(:channel, :payload)"),
                            {"channel": NOTIFY_CHANNEL, "payload": notify_payload(self.origin, cases)},
                        )
            except DBAPIError as exc:
                refusal = refusal_of(exc, self.engine.url)  # busy, disk full, unreachable: words, not the driver's
                if refusal is not None:
                    raise refusal from None
                raise

    def _tally_changes(self, session: Session, cases: set[int]) -> Counter[Key] | None:
        """How the statistics' tallies move for the cases this transaction touched: their
        contribution now less the one a second connection still sees (the store as last
        committed; the touched cases are this transaction's, locked or new)."""
        session.flush()
        conn = session.connection()
        if self.dialect == "sqlite" and sqlite_file(str(self.engine.url)) is None:
            # An in-memory store has one connection: no committed view beside this one. It is small.
            zone = kept_zone(conn)
            if zone is not None:
                rebuild_statistics(conn, zone)
            return None
        # Not from the desk's pool: a write holding one pooled connection and waiting for a second
        # deadlocks once every pooled connection is held by such a write (desks writing at once).
        with self._committed_view().connect() as before:
            return tally_changes(before, conn, cases)

    def _committed_view(self) -> Engine:
        """An engine of its own, pooling nothing, for reading the store as last committed while a
        write transaction is open: it never waits on the desk's pool and keeps no idle connection."""
        if self._committed is None:
            url = self.engine.url.render_as_string(hide_password=False)
            self._committed = make_engine(url, timeouts=_TIMEOUTS.get(self.engine), pooled=False)
        return self._committed

    def bounded_ping(self, dbapi_connection: Any, call: Callable[[], R]) -> R:
        """``call()`` on a connection outside the pool, under the watchdog's ping limit."""
        label = _LABELS.get(self.engine)
        limit = label.ping_limit if label is not None else None
        return _WATCHDOG.bounded(driver_fileno(dbapi_connection), limit, call)

    def sign_as(self, login: str | None) -> None:
        """Name this desk's connections for ``login`` (None: signed out); see ``DeskLabel``."""
        for engine in (self.engine, self._committed):
            label = _LABELS.get(engine) if engine is not None else None
            if label is not None:
                label.value = label_for(login)

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


def upgrade(engine: Engine, zone: str | None = None) -> None:
    """Apply every pending migration, holding the write lock so two desks starting at once agree.

    ``zone``: the policy's time zone, the local days of the statistics migration 0009 builds."""
    from alembic import command

    cfg = _alembic_config()
    if zone is not None:
        cfg.attributes["statistics_zone"] = zone
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
        if engine.dialect.name == "postgresql":
            refusal = connection_refusal(exc, user=engine.url.username, database=engine.url.database)
            if refusal is not None:
                raise refusal from None
        raise StoreError("error.db_unreadable", reason=str(exc.orig)) from None
    except DBAPIError as exc:
        raise StoreError("error.db_unreadable", reason=str(exc.orig)) from None


def known_revisions() -> frozenset[str]:
    """Every schema revision this program's migrations know (loads Alembic: only for a store not at head)."""
    from alembic.script import ScriptDirectory

    return frozenset(s.revision for s in ScriptDirectory.from_config(_alembic_config()).walk_revisions())


def _refuse_skew(revision: str, engine: Engine, *, migrate: bool, may_upgrade_shared: bool) -> None:
    """Refuse a store this program must not open or must not migrate by itself.

    A revision the migrations do not know was written by a newer program: opening it would read
    tables this program does not understand, and Alembic could only say "Can't locate revision".
    An older shared (PostgreSQL) store is upgraded by its owner with ``db upgrade``, never by
    whichever desk starts first under desks still running the old program; a SQLite file is
    one desk's own and is still migrated on start.
    """
    if revision not in known_revisions():
        raise StoreError("error.store_newer", revision=revision)
    if migrate and engine.dialect.name != "sqlite" and not may_upgrade_shared:
        raise StoreError(
            "error.store_outdated",
            revision=revision,
            head=HEAD_REVISION,
            url=engine.url.render_as_string(hide_password=True),
        )


def open_store(
    url: str,
    policy: Policy | None = None,
    *,
    migrate: bool = True,
    create: bool = False,
    timeouts: DbTimeouts | None = None,
) -> Store:
    """The store at ``url``, migrated to the current schema unless ``migrate`` is false.

    Only ``create`` makes a new store: a SQLite file that is not there yet (made mode 0600, so
    its -wal and -shm files are too), or an empty PostgreSQL database. Without it a missing file
    is refused with its path, so a mistyped ``--db`` never starts an empty store. A file or a
    database that holds something else (a CSV, random bytes, another program's tables) is
    refused in any case and never migrated into.

    ``timeouts``: how long to wait for the database (``DbTimeouts``; bulk work may lift the
    statement limit). Versions: a store newer than this program is refused. An older PostgreSQL store is migrated
    only by a call that may ``create`` one (``db upgrade``, run as the owner role); a desk or a
    batch command on it is told to have that run. An older SQLite file is migrated on open.
    """
    path = sqlite_file(url)
    created = False
    if path is not None:
        created = _claim_sqlite_file(path, create)
    try:
        engine = make_engine(url, timeouts=timeouts)
        try:
            if created:
                revision = None  # the empty file this call made
            else:
                revision = _store_revision(engine, path, may_be_empty=create and path is None)
            if revision is not None and revision != HEAD_REVISION:
                _refuse_skew(revision, engine, migrate=migrate, may_upgrade_shared=create)
            if migrate and revision != HEAD_REVISION:
                try:
                    upgrade(engine, (policy or default_policy()).zone.key)
                except StoreError as exc:  # upgrade() keeps only the driver's text: find the cause in it
                    refusal = refusal_of(sqlite3.OperationalError(str(exc.params.get("reason", ""))))
                    raise (refusal or exc) from None
        except BaseException:
            engine.dispose()
            raise
    except BaseException:
        if created and path is not None:  # what this call made, it takes back: no empty half-store stays
            for leftover in (path, *sqlite_side_files(path)):
                leftover.unlink(missing_ok=True)
        raise
    return Store(engine, policy or default_policy())


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (``sqlite:///x``, ``sqlite:///file:x?mode=ro&uri=true``); None for
    another database, an in-memory one or an address that does not parse."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database.startswith("file:") and str(parsed.query.get("uri", "")).lower() in ("true", "1"):
        database = database.removeprefix("file:").split("?", 1)[0]
    if not database or database == ":memory:" or "mode=memory" in str(parsed.query):
        return None
    return Path(database)


def sqlite_side_files(path: Path) -> tuple[Path, ...]:
    """The files SQLite keeps next to a store while it is open: write-ahead log, shared memory, journal."""
    return tuple(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))


_SQLITE_HEADER = b"SQLite format 3\x00"


def _claim_sqlite_file(path: Path, create: bool) -> bool:
    """Check the file a SQLite store lives in; True when this call created it (empty, mode 0600)."""
    try:
        if not path.exists():
            if not create:
                raise StoreError("error.db_missing", path=str(path))
            if not path.parent.is_dir():
                raise StoreError("error.db_dir_missing", path=str(path.parent))
            try:
                # O_EXCL: a file that appears meanwhile is someone else's, not ours to fill.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                raise StoreError("error.not_a_store", path=str(path), what=Msg("error.not_a_store_empty")) from None
            return True
        if not path.is_file():
            raise StoreError("error.db_not_file", path=str(path))
        with path.open("rb") as head:
            header = head.read(len(_SQLITE_HEADER))
    except PermissionError:
        raise StoreError("error.db_no_access", path=str(path)) from None
    except OSError as exc:
        raise StoreError("error.db_unreadable", reason=f"{path}: {exc.strerror or exc}") from None
    if not header:
        raise StoreError("error.not_a_store", path=str(path), what=Msg("error.not_a_store_empty"))
    if header != _SQLITE_HEADER:
        raise StoreError("error.not_a_store", path=str(path), what=Msg("error.not_a_store_not_sqlite"))
    return False


def _store_revision(engine: Engine, path: Path | None, *, may_be_empty: bool) -> str | None:
    """The schema revision of the store behind ``engine`` (None: empty, and ``may_be_empty``).

    One query for the table names, one for the revision: a store that is there opens without
    loading Alembic. An empty database is refused unless the caller may create a store in it; a
    database with tables but no migration table is another program's, refused in any case. An
    existing SQLite file is read through a read-only connection of its own, so a file that turns
    out not to be a store is not touched (the engine's first connection would switch it to WAL).
    """
    where = str(path) if path is not None else engine.url.render_as_string(hide_password=True)
    revision: str | None = None
    try:
        if path is not None:
            with contextlib.closing(sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=ro", uri=True)) as raw:
                names = {str(r[0]) for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if "alembic_version" in names:
                    row = raw.execute("SELECT version_num FROM alembic_version").fetchone()
                    revision = str(row[0]) if row else None
        else:
            with engine.connect() as conn:
                query = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                names = {str(r[0]) for r in conn.execute(text(query))}
                if "alembic_version" in names:
                    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
                    revision = str(row[0]) if row else None
    except (DBAPIError, sqlite3.Error) as exc:
        refusal = refusal_of(exc, engine.url)
        if refusal is not None:
            raise refusal from None
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        reason = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        raise StoreError("error.db_unreadable", reason=reason) from None
    if revision is not None:
        return revision
    if not names and may_be_empty:
        return None
    if not names and path is None:  # an empty PostgreSQL database: `db upgrade` makes it a store
        raise StoreError("error.store_empty", path=where)
    if not names:
        raise StoreError("error.not_a_store", path=where, what=Msg("error.not_a_store_empty_sqlite"))
    raise StoreError("error.not_a_store", path=where, what=Msg("error.not_a_store_tables"))


# --- check and backup --------------------------------------------------------------------


@dataclass
class CheckReport:
    ok: bool
    revision: str | None
    head: str | None
    integrity: list[str]
    evidence_mismatches: list[str]
    calendar: dict[int, str]
    audit: ChainReport = field(default_factory=ChainReport)


def check(store: Store, years: list[int]) -> CheckReport:
    """Integrity, migration level, evidence hashes, the audit chain and how well the calendar knows ``years``."""
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
        chain = verify_chain(conn)
        problems.extend(statistics_problems(conn, store.policy.zone.key))
    rev, head = current_revision(store.engine), head_revision()
    grades = {y: g.value for y, g in store.policy.calendar.grades(years).items()}
    return CheckReport(
        ok=not problems and not mismatches and rev == head and chain.ok,
        revision=rev,
        head=head,
        integrity=problems,
        evidence_mismatches=mismatches,
        calendar=grades,
        audit=chain,
    )


def rebuild_statistics_of(store: Store) -> None:
    """Recompute the statistics' tallies of ``store`` from its rows in a transaction of their
    own, with days in its policy's zone (for a bulk writer such as the demo)."""
    bind = store.engine.execution_options(sqlite_begin="IMMEDIATE") if store.dialect == "sqlite" else store.engine
    with bind.begin() as conn:
        rebuild_statistics(conn, store.policy.zone.key)


def statistics_problems(conn: Any, zone: str) -> list[str]:
    """The statistics' tallies against a recount from the cases, in the operator's words."""
    kept = kept_zone(conn)
    if kept is None:
        return [t("cli.check_statistics_missing", None)]
    out = []
    if kept != zone:
        out.append(t("cli.check_statistics_zone", None, kept=kept, zone=zone))
    count, first = recomputed_differences(conn)
    if count:
        key, got, fresh = first[0]
        _hour, day, estate, figure, code, step, due = key
        out.append(
            t(
                "cli.check_statistics_differ",
                None,
                count=count,
                what=" ".join(part for part in (figure, code, step, due) if part),
                day=day,
                estate=estate,
                kept=got,
                fresh=fresh,
            )
        )
    return out


def backup(store: Store, target: Path) -> None:
    """An online copy of a SQLite store into the new file ``target`` (desks may keep working).

    The file is made here, mode 0600, and never over an existing one (a name that appears
    meanwhile is refused too). A copy that fails half way, on a full disk say, is removed.
    """
    if store.dialect != "sqlite":
        raise StoreError("error.backup_sqlite_only")
    try:
        if not target.parent.is_dir():
            raise StoreError("error.db_dir_missing", path=str(target.parent))
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise StoreError("error.backup_exists", path=str(target)) from None
    except OSError as exc:
        raise StoreError("error.backup_write_failed", path=str(target), reason=os_reason(exc)) from None
    try:
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
    except BaseException as exc:
        for leftover in (target, *sqlite_side_files(target)):
            leftover.unlink(missing_ok=True)
        refusal = refusal_of(exc) if isinstance(exc, (sqlite3.Error, DBAPIError)) else None
        if refusal is not None:
            raise refusal from None
        raise
