"""The same store on PostgreSQL: a SQLite store copied into a new database by COPY (issue 11 item 1).

``load(sqlite_path, url)`` makes the schema with the project's own migrations (``open_store``
with ``create``), then streams every table of the SQLite file into it with ``COPY … FROM STDIN``
in text format, in primary-key order. SQLite builds each COPY line itself (one string per row,
escaped and converted in C), so Python only moves strings: a boolean becomes ``t``/``f``, a UTC
time stored without its zone gets ``+00``, a blob becomes bytea's ``\\x`` hex, JSON stays its
text. While the rows go in, the secondary indexes and the foreign keys are dropped (each one is
built once afterwards instead of row by row; the foreign keys are checked again when they are
added back). The search documents come from the FTS table (its rowid is the case id); the
statistics' tallies are copied when the file has them and recomputed from the rows when it is
older. Then the sequences are set past the largest ids, the tables vacuumed and analysed.

``verify(sqlite_path, url)`` compares every table's row count with the file's and recounts the
tallies (the checks of ``db check`` that do not read the audit chain, which on a store grown by
copying rows does not verify); ``complaint-tui db check --db URL`` runs all of them.

Usage: ``python -m benchmarks.pg_load STORE.sqlite3 postgresql+psycopg://…`` (an empty database).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import make_url

from complaint_tui.db import HEAD_REVISION, DbTimeouts, make_engine, open_store, statistics_problems
from complaint_tui.statistics_store import rebuild_statistics

# Tables the migrations fill themselves, kept as they made them.
KEPT = {"alembic_version"}
# Derived tables recomputed from the rows when the file is older than they are.
TALLIES = ("stat_tally", "stat_day", "stat_meta")
# FTS5 keeps its index in shadow tables; its documents are read from the table itself.
FTS_SHADOWS = ("case_search_data", "case_search_idx", "case_search_content", "case_search_docsize")
FTS_SHADOWS += ("case_search_config",)
# How many lines go to the server in one write.
BATCH = 5000
# No limit for bulk statements: an index build at a million cases takes minutes.
BULK = DbTimeouts(connect_s=60, statement_s=None, lock_s=600, idle_in_transaction_s=3600)


@dataclass
class Loaded:
    """What ``load`` did: rows per table and where the time went (seconds)."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def libpq_url(url: str) -> str:
    """psycopg's connection string for a SQLAlchemy URL (``postgresql+psycopg://`` → ``postgresql://``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _escaped(expr: str) -> str:
    """COPY's text escapes, applied by SQLite: backslash first, then tab, line feed, return; only
    to a value holding one of them (four scans cost less than four replacements, which copy)."""
    replaced = f"replace({expr}, '\\', '\\\\')"
    for code, letter in ((9, "t"), (10, "n"), (13, "r")):
        replaced = f"replace({replaced}, char({code}), '\\{letter}')"
    holds = " OR ".join(f"instr({expr}, char({code}))" for code in (92, 9, 10, 13))
    return f"CASE WHEN {holds} THEN {replaced} ELSE {expr} END"


def copy_field(column: str, pg_type: str) -> str:
    """The SQLite expression giving ``column``'s COPY text for a PostgreSQL column of ``pg_type``
    (``\\N`` for NULL), as the model stores it in SQLite."""
    col = _quote(column)
    if pg_type == "boolean":
        expr = f"CASE WHEN {col} IS NULL THEN NULL WHEN {col} THEN 't' ELSE 'f' END"
    elif pg_type == "timestamp with time zone":
        expr = f"{col} || '+00'"  # UTCDateTime keeps UTC without its zone in SQLite
    elif pg_type == "bytea":
        expr = f"CASE WHEN {col} IS NULL THEN NULL ELSE '\\\\x' || hex({col}) END"  # hex(NULL) is ''"
    elif pg_type in ("integer", "bigint", "smallint"):
        expr = col
    else:  # text, varchar, json, date
        expr = _escaped(col)
    return f"coalesce({expr}, '\\N')"


def copy_lines_sql(source: str, columns: list[tuple[str, str]], order: list[str]) -> str:
    """One SELECT giving each row of ``source`` as a whole COPY line, newline included (one
    printf per row: a chain of ``||`` copies the line so far once per column)."""
    template = "\t".join(["%s"] * len(columns)) + "\n"
    fields = ", ".join(copy_field(name, pg_type) for name, pg_type in columns)
    order_by = f" ORDER BY {', '.join(_quote(c) for c in order)}" if order else ""
    return f"SELECT printf('{template}', {fields}) FROM {source}{order_by}"


def _pg_columns(cur: Any, table: str) -> list[tuple[str, str]]:
    cur.execute(
        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (_quote(table),),
    )
    return [(str(name), str(kind)) for name, kind in cur.fetchall()]


def _pg_primary_key(cur: Any, table: str) -> list[str]:
    cur.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
        "ORDER BY array_position(i.indkey, a.attnum)",
        (_quote(table),),
    )
    return [str(r[0]) for r in cur.fetchall()]


def _sqlite_columns(src: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in src.execute(f"PRAGMA table_info({_quote(table)})")]


def _source(src: sqlite3.Connection, table: str, columns: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """Where ``table``'s rows are read in the file, and its key order there."""
    if table == "case_search":  # FTS5: the case id is the rowid, the document its one column
        names = [name for name, _ in columns]
        if names != ["case_id", "doc"]:
            raise RuntimeError(f"case_search has columns {names} on PostgreSQL; the loader knows case_id, doc")
        return "(SELECT rowid AS case_id, doc FROM case_search)", ["case_id"]
    have = set(_sqlite_columns(src, table))
    missing = [name for name, _ in columns if name not in have]
    if missing:
        raise RuntimeError(f"{table}: the SQLite store has no column {', '.join(missing)}")
    return _quote(table), []


def _drop_for_load(cur: Any) -> tuple[list[str], list[str]]:
    """Drop the foreign keys and the indexes no constraint owns; the statements that restore them."""
    cur.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY conrelid, conname"
    )
    foreign = cur.fetchall()
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = current_schema()::regnamespace "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1"
    )
    indexes = cur.fetchall()
    for table, name, _ in foreign:
        cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_quote(name)}")
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {name}")
    restore_indexes = [str(definition) for _, definition in indexes]
    restore_foreign = [f"ALTER TABLE {table} ADD CONSTRAINT {_quote(name)} {d}" for table, name, d in foreign]
    return restore_indexes, restore_foreign


def _set_sequences(cur: Any) -> None:
    """Each serial column's sequence just past its largest id, as if the rows had been inserted."""
    cur.execute(
        "SELECT c.relname, a.attname, pg_get_serial_sequence(quote_ident(c.relname), a.attname) "
        "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
        "WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace AND a.attnum > 0 "
        "AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL"
    )
    for table, column, sequence in cur.fetchall():
        cur.execute(
            f"SELECT setval(%s, coalesce(max({_quote(column)}), 0) + 1, false) FROM {_quote(table)}", (sequence,)
        )


def _open_source(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=ro", uri=True)


def load(sqlite_path: Path, url: str, zone: str = "Asia/Shanghai", log: Callable[[str], None] | None = None) -> Loaded:
    """Copy the SQLite store at ``sqlite_path`` into the empty PostgreSQL database at ``url``.

    ``zone``: the local days of the tallies when the file keeps none (the policy's zone).
    """
    import psycopg

    say = log or (lambda _line: None)
    done = Loaded()
    started = time.perf_counter()
    with closing(_open_source(sqlite_path)) as src:
        found = src.execute("SELECT version_num FROM alembic_version").fetchone()
    if found is None:
        raise RuntimeError(f"{sqlite_path.name} has no schema revision: not a complaint-tui store")
    revision = str(found[0])
    migrate(url, revision, zone)  # the file's schema, by the migrations; the rest after its rows
    done.seconds["schema"] = time.perf_counter() - started
    with closing(_open_source(sqlite_path)) as src, psycopg.connect(libpq_url(url)) as pg:
        src.execute("PRAGMA cache_size = -200000")
        cur = pg.cursor()
        cur.execute("SET maintenance_work_mem = '512MB'")
        in_file = {str(r[0]) for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        tables = [str(r[0]) for r in cur.fetchall() if r[0] not in KEPT]
        tallies_kept = all(name in in_file for name in TALLIES)
        tallies_made = all(name in tables for name in TALLIES)
        copied = [name for name in tables if name in in_file and (tallies_kept or name not in TALLIES)]
        unknown = sorted(in_file - set(tables) - KEPT - set(FTS_SHADOWS) - {"sqlite_sequence", "sqlite_stat1"})
        absent = [name for name in tables if name not in in_file and name not in TALLIES]
        if tallies_kept and not tallies_made:
            absent += [name for name in TALLIES if name not in tables]
        if unknown or absent:
            raise RuntimeError(f"tables differ: only in the file {unknown}, only on PostgreSQL {absent}")
        # Empty every table the load writes (the migrations seed some), in this transaction: COPY
        # FREEZE then writes the rows already frozen, so no later vacuum rewrites the pages.
        cur.execute(f"TRUNCATE {', '.join(_quote(t) for t in tables)}")
        mark = time.perf_counter()
        restore_indexes, restore_foreign = _drop_for_load(cur)
        for table in copied:
            columns = _pg_columns(cur, table)
            source, order = _source(src, table, columns)
            sql = copy_lines_sql(source, columns, order or _pg_primary_key(cur, table))
            names = ", ".join(_quote(name) for name, _ in columns)
            rows = 0
            t0 = time.perf_counter()
            lines = src.execute(sql)
            with cur.copy(f"COPY {_quote(table)} ({names}) FROM STDIN WITH (FREEZE)") as copy:
                while batch := lines.fetchmany(BATCH):
                    copy.write("".join([line for (line,) in batch]))
                    rows += len(batch)
            done.rows[table] = rows
            say(f"  {table}: {rows:,} rows in {time.perf_counter() - t0:.1f} s")
        done.seconds["copy"] = time.perf_counter() - mark
        mark = time.perf_counter()
        for statement in restore_indexes:
            cur.execute(statement)
        done.seconds["indexes"] = time.perf_counter() - mark
        mark = time.perf_counter()
        for statement in restore_foreign:
            cur.execute(statement)  # checks every row's reference again
        done.seconds["foreign keys"] = time.perf_counter() - mark
        _set_sequences(cur)
        pg.commit()
    if tallies_made and not tallies_kept:  # a file older than its revision's tallies
        mark = time.perf_counter()
        store = open_store(url, migrate=False, timeouts=BULK)
        try:
            with store.engine.begin() as conn:
                rebuild_statistics(conn, zone)
        finally:
            store.engine.dispose()
        done.seconds["tallies"] = time.perf_counter() - mark
    if revision != HEAD_REVISION:  # the newer migrations, run on the rows as on any older store
        mark = time.perf_counter()
        migrate(url, "head", zone)
        done.seconds[f"upgrade {revision}→{HEAD_REVISION}"] = time.perf_counter() - mark
    mark = time.perf_counter()
    with psycopg.connect(libpq_url(url), autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")
    done.seconds["vacuum analyze"] = time.perf_counter() - mark
    done.seconds["total"] = time.perf_counter() - started
    return done


def migrate(url: str, revision: str, zone: str) -> None:
    """Run the project's migrations on the database at ``url`` up to ``revision`` ("head": all)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("complaint_tui").joinpath("migrations")))
    cfg.attributes["statistics_zone"] = zone
    engine = make_engine(url, timeouts=BULK)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def verify(sqlite_path: Path, url: str, zone: str = "Asia/Shanghai") -> list[str]:
    """What differs between the loaded database and the file: row counts of every table, and the
    tallies against a recount (an empty list when the load is whole)."""
    import psycopg

    problems: list[str] = []
    with closing(_open_source(sqlite_path)) as src, psycopg.connect(libpq_url(url)) as pg:
        in_file = {str(r[0]) for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        cur = pg.cursor()
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        for (table,) in cur.fetchall():
            if table not in in_file:
                continue
            want = src.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]
            got = pg.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()
            if got is None or got[0] != want:
                problems.append(f"{table}: {got[0] if got else '-'} rows, the file has {want}")
    store = open_store(url, migrate=False, timeouts=BULK)
    try:
        with store.engine.connect() as conn:
            problems.extend(statistics_problems(conn, zone))
    finally:
        store.engine.dispose()
    return problems


def data_size(url: str) -> int:
    """Bytes the database takes on disk (tables, indexes, TOAST)."""
    import psycopg

    with psycopg.connect(libpq_url(url)) as pg:
        row = pg.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sqlite", type=Path, help="the SQLite store to copy (read only)")
    parser.add_argument("url", help="an empty PostgreSQL database (postgresql+psycopg://…)")
    args = parser.parse_args(argv)
    loaded = load(args.sqlite, args.url, log=lambda line: print(line, file=sys.stderr))
    times = ", ".join(f"{name} {s:.1f} s" for name, s in loaded.seconds.items())
    print(f"loaded {loaded.total_rows:,} rows: {times}")
    problems = verify(args.sqlite, args.url)
    for problem in problems:
        print(problem)
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
