"""The read benchmarks of issue 11 in one run: each figure beside its raw-SQL baseline.

Usage::

    python -m benchmarks --cases 100000 [--cases 1000000] [--pg] [--repeat 15] [--cache DIR]
    python -m benchmarks --db FILE [--pg | --pg-only] [--pg-check]   # a store that is already there
    python -m benchmarks --pg-url postgresql+psycopg://…   # a PostgreSQL store that is already there
    python -m benchmarks --tui --db COPY      # the desk's start and page swaps (tui_start.py)

For each size it builds a demo store with ``complaint-tui demo`` (or reuses the one it built
before: cached by size and schema revision under ``--cache``). With ``--pg`` it also starts a
PostgreSQL server of its own (a free port, a new data folder, removed at the end) and loads the
same SQLite store into it by COPY (``pg_load.py``), checked against the file before it is
measured. Then it times every queue view (each
section in each sort, each single filter, a search within each section, phone and case-number
search, a deep keyset page), the case view and the statistics. Each figure is the median of
``--repeat`` runs, measured interleaved with its baseline: the driver alone running the same
SQL that returns the same rows (for the statistics, the bare GROUP BYs). The ratio is ours over
raw; with several sizes, the last column is how much the figure grew from the first size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import select

from complaint_tui import queries as q
from complaint_tui.case_numbers import typed_case_number
from complaint_tui.db import HEAD_REVISION, DbTimeouts, Store, open_store
from complaint_tui.models import Staff
from complaint_tui.operators import Operator
from complaint_tui.paths import db_url
from complaint_tui.queries.case_view import case_statements
from complaint_tui.queries.driver import placeholders
from complaint_tui.queries.queue import page_statement
from complaint_tui.queries.sections import SECTIONS
from complaint_tui.reporting import Breakdown, build_report

SCRIPT = Path(sys.executable).with_name("complaint-tui")
SEARCH_WORD = "漏水"  # a common word: about one case in ten mentions a leak
# Searched within every section: the common word, the demo's commonest (单元, "unit": six cases in
# ten), a rare one (白雪, part of a name: one case in 1,800).
SEARCH_WORDS = (SEARCH_WORD, "单元", "白雪")
PAGE = 100


@dataclass
class Row:
    name: str
    ours: Callable[[], object]
    raw: Callable[[], object]


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "complaint-tui-bench"


def build_sqlite(cases: int, cache: Path) -> Path:
    """The demo store of ``cases`` cases at this schema revision, built once and then reused."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"demo-{cases}-r{HEAD_REVISION}.sqlite3"
    if not path.exists():
        partial = path.with_suffix(".building")
        for leftover in cache.glob(partial.name + "*"):
            leftover.unlink()
        started = time.perf_counter()
        subprocess.run([str(SCRIPT), "demo", "--db", str(partial), "--cases", str(cases)], check=True)
        for suffix in ("-wal", "-shm"):
            Path(str(partial) + suffix).unlink(missing_ok=True)
        partial.rename(path)
        print(f"built {path.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


def free_port() -> int:
    """A port no other server on this machine holds now (the OS's choice): two runs at once, or a
    run beside the tests' servers, never share one. The server listens on a Unix socket in its
    own folder, but the port still names that socket and its shared memory."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def pg_store(sqlite_path: Path, check: bool = False) -> Iterator[str]:
    """A PostgreSQL server started for the run, holding a copy of the SQLite store at
    ``sqlite_path`` loaded by COPY (``pg_load``); its URL. The server and its data folder are
    removed when the block ends: nothing is kept between runs.

    The load is checked before anything is measured: every table's row count and the
    statistics' tallies against a recount; with ``check``, ``complaint-tui db check`` too (it
    reads the whole audit chain, which does not verify on a store grown by copying rows)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import psycopg
    from tests.pg_server import PgServer

    from benchmarks.pg_load import data_size, libpq_url, load, verify

    server = PgServer.start(port=free_port(), extra_options="-c shared_buffers=256MB")
    try:
        with psycopg.connect(libpq_url(server.url()), autocommit=True) as admin:
            admin.execute("CREATE DATABASE bench")
        url = server.url("bench")
        loaded = load(sqlite_path, url, log=lambda line: print(line, file=sys.stderr))
        times = ", ".join(f"{name} {s:.1f} s" for name, s in loaded.seconds.items())
        print(f"loaded {sqlite_path.name} into PostgreSQL by COPY: {loaded.total_rows:,} rows; {times}")
        problems = verify(sqlite_path, url)
        if problems:
            raise RuntimeError("the PostgreSQL copy differs from the file: " + "; ".join(problems))
        print(f"PostgreSQL data folder: {data_size(url) / 2**30:.2f} GiB (removed after the run)")
        if check:
            done = subprocess.run([str(SCRIPT), "db", "check", "--db", url], capture_output=True, text=True)
            print(done.stdout.strip())
            if done.returncode != 0:
                raise RuntimeError(f"db check failed on the PostgreSQL copy:\n{done.stdout}{done.stderr}")
        yield url
    finally:
        server.stop()


class RawDriver:
    """The baseline: one driver connection of its own running SQL text, nothing else."""

    def __init__(self, store: Store, url: str) -> None:
        self.dialect = store.dialect
        if self.dialect == "sqlite":
            path = store.engine.url.database
            assert path
            self.conn: Any = sqlite3.connect(path, isolation_level=None)
        else:
            import psycopg

            self.conn = psycopg.connect(store.engine.url.render_as_string(hide_password=False).replace("+psycopg", ""))
            self.conn.autocommit = True

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.conn.execute(placeholders(self.dialect, sql), tuple(params)).fetchall())


# The thread's CPU time by default: on a shared machine a wall clock also counts the time other
# processes held the core (whole 5 ms scheduler slices on a loaded 2-core box), which hides the
# difference being measured. ``--clock wall`` for elapsed time on a quiet machine.
CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.thread_time, "wall": time.perf_counter}


# A row whose first run (ours and raw) takes longer than this is timed SLOW_REPEAT times only:
# at a million cases on PostgreSQL some searches take seconds, and fifteen of each take hours.
SLOW_S = 2.0
SLOW_REPEAT = 3


def median_pair(
    ours: Callable[[], object], raw: Callable[[], object], repeat: int, clock: Callable[[], float] = time.thread_time
) -> tuple[float, float]:
    """Median milliseconds of ``ours`` and ``raw``, run alternately so both see the same noise."""
    start = time.perf_counter()
    ours()
    raw()  # warm the caches of both
    if time.perf_counter() - start > SLOW_S:  # a read of seconds: a few runs tell its median
        repeat = min(repeat, SLOW_REPEAT)
    a, b = [], []
    for _ in range(repeat):
        start = clock()
        ours()
        a.append(clock() - start)
        start = clock()
        raw()
        b.append(clock() - start)
    return statistics.median(a) * 1000, statistics.median(b) * 1000


RAW_STATISTICS = [
    *(f"SELECT {col}, count(*) FROM complaint_case GROUP BY {col}" for col in ("status", "category", "department")),
    *(f"SELECT {col}, count(*) FROM complaint_case GROUP BY {col}" for col in ("channel", "urgency")),
    "SELECT r.building, count(*) FROM complaint_case c JOIN room r ON r.id = c.room_id GROUP BY 1",
    "SELECT c.department, s.step, count(s.done_at), sum(CASE WHEN s.done_at <= s.due_at THEN 1 ELSE 0 END) "
    "FROM step_clock s JOIN complaint_case c ON c.id = s.case_id GROUP BY 1, 2",
    "SELECT satisfaction, count(*) FROM return_visit GROUP BY 1",
]


def rows_for(store: Store, url: str, raw: RawDriver) -> list[Row]:
    """Every figure of the table: the queue views, searches, the case view, statistics."""
    with store.read() as session:
        staff = session.exec(select(Staff).order_by(Staff.id)).all()  # type: ignore[arg-type]
    supervisor = next(Operator.of(s) for s in staff if s.role == "supervisor")
    # The handler with the most open cases, so "mine" is a real queue.
    counts = raw.rows(
        "SELECT assignee_id, count(*) FROM complaint_case WHERE is_open = ? AND assignee_id IS NOT NULL "
        "GROUP BY assignee_id ORDER BY 2 DESC",
        (True,),
    )
    handler = next(Operator.of(s) for s in staff if s.id == counts[0][0])
    now = dt.datetime.now(dt.UTC)
    n = raw.rows("SELECT count(*) FROM complaint_case")[0][0]
    out: list[Row] = []

    def page(
        name: str, viewer: Operator, filt: q.QueueFilter, sort: q.QueueSort, after: q.Cursor | None = None
    ) -> None:
        sql, params = page_statement(store, viewer, filt, sort, after, PAGE, now)
        out.append(
            Row(
                name,
                lambda: q.queue_page(store, viewer, filt, sort, after, PAGE, now),
                lambda: raw.rows(sql, params),
            )
        )

    for section in SECTIONS:
        viewer = handler if section.code == "mine" else supervisor
        for sort in q.QueueSort:
            page(f"{section.code} / {sort.value}", viewer, section.filter, sort)
    for word in SEARCH_WORDS:
        for section in SECTIONS:
            viewer = handler if section.code == "mine" else supervisor
            page(f"search {word} in {section.code}", viewer, section.filter.with_(search=word), section.sort)
    page(f"search {SEARCH_WORD} in all / newest", supervisor, q.QueueFilter(search=SEARCH_WORD), q.QueueSort.NEWEST)
    some = raw.rows(
        "SELECT c.number, o.phone, r.building, c.category, c.department FROM complaint_case c "
        "JOIN owner o ON o.id = c.owner_id JOIN room r ON r.id = c.room_id "
        "WHERE c.department IS NOT NULL ORDER BY c.id LIMIT 1 OFFSET ?",
        (n // 2,),
    )[0]
    number, phone, building, category, department = some
    if typed_case_number(number, store.policy.case_number_prefix) != number:
        # A store grown by copying rows (benchmarks/scale_store.py) marks the copies' numbers
        # ("…-0531/5"), which are not a case number as typed: search one that is.
        typed = "SELECT number FROM complaint_case WHERE number NOT LIKE ? ORDER BY id DESC LIMIT 1"
        number = raw.rows(typed, ("%/%",))[0][0]  # a parameter: psycopg reads a % in the SQL as one
    page("search a case number", supervisor, q.QueueFilter(search=number), q.QueueSort.URGENT)
    page("search a phone", supervisor, q.QueueFilter(search=phone), q.QueueSort.URGENT)
    digits = "".join(ch for ch in phone if ch.isdigit())
    page("search the last 4 digits of a phone", supervisor, q.QueueFilter(search=digits[-4:]), q.QueueSort.URGENT)
    page(
        "search last 4 digits in open / newest",
        supervisor,
        q.QueueFilter(open_only=True, search=digits[-4:]),
        q.QueueSort.NEWEST,
    )
    singles: dict[str, dict[str, Any]] = {
        "status": {"statuses": ("investigating",)},
        "category": {"categories": (category,)},
        "urgency": {"urgencies": ("high",)},
        "department": {"departments": (department,)},
        "channel": {"channels": ("hotline",)},
        "building": {"buildings": (building,)},
        "assignee": {"assignee_id": handler.id},
        "unassigned": {"unassigned": True},
        "reopened": {"reopened": True},
        "received last 30 days": {"received_from": now - dt.timedelta(days=30)},
    }
    for label, fields in singles.items():
        for sort in q.QueueSort:
            page(f"filter {label} / {sort.value}", supervisor, q.QueueFilter(**fields), sort)
    page(
        "open + building + category",
        supervisor,
        q.QueueFilter(open_only=True, buildings=(building,), categories=(category,)),
        q.QueueSort.URGENT,
    )
    # A page two thirds down the whole queue, as after paging for a while.
    key, cid = raw.rows(
        "SELECT queue_due_at, id FROM complaint_case ORDER BY queue_due_at, id LIMIT 1 OFFSET ?", (n * 2 // 3,)
    )[0]
    deep = q.Cursor(key if isinstance(key, dt.datetime) else dt.datetime.fromisoformat(key).replace(tzinfo=dt.UTC), cid)
    page("all / urgent, deep keyset page", supervisor, q.QueueFilter(), q.QueueSort.URGENT, deep)
    case_id = raw.rows("SELECT id FROM complaint_case ORDER BY id LIMIT 1 OFFSET ?", (n // 2,))[0][0]
    statements = case_statements(case_id)
    out.append(
        Row(
            "case view",
            lambda: q.case_detail(store, supervisor, case_id),
            lambda: [raw.rows(sql, params) for sql, params in statements],
        )
    )
    out.append(
        Row("statistics (all cases)", lambda: q.statistics(store), lambda: [raw.rows(s) for s in RAW_STATISTICS])
    )
    # The report of everything, and the dashboard's default period (the last 30 days, which starts
    # mid-day): each beside the bare GROUP BYs over the same cases.
    month_ago = now - dt.timedelta(days=30)
    since = month_ago.replace(tzinfo=None).isoformat(" ") if raw.dialect == "sqlite" else month_ago
    out.append(
        Row(
            "report (all cases)",
            lambda: build_report(store, None, None, Breakdown.CATEGORY, now),
            lambda: [raw.rows(s) for s in RAW_STATISTICS],
        )
    )
    out.append(
        Row(
            "dashboard (last 30 days)",
            lambda: q.statistics(store, since=month_ago, now=now),
            lambda: [raw.rows(s, (since,)) for s in raw_statistics_since()],
        )
    )
    if raw.dialect == "sqlite":
        # Issue 11 item 5: the CSV of every case (to nowhere) beside the driver reading the case
        # table row by row; benchmarks/export_bench.py compares with `sqlite3 -csv` and more.
        from complaint_tui.exporting import ExportFormat, ExportRequest, export_cases  # noqa: PLC0415

        def export_csv() -> int:
            with open(os.devnull, "wb") as sink:
                return export_cases(store, ExportRequest(ExportFormat.CSV), sink)

        def read_cases() -> int:
            return sum(1 for _ in raw.conn.execute("SELECT * FROM complaint_case"))

        out.append(Row("export csv (all cases)", export_csv, read_cases))
    return out


def raw_statistics_since() -> list[str]:
    """``RAW_STATISTICS`` over the cases received since a moment (one ``?``)."""
    out = []
    for sql in RAW_STATISTICS:
        if " FROM return_visit " in sql:
            sql = sql.replace(" FROM return_visit ", " FROM return_visit v JOIN complaint_case c ON c.id = v.case_id ")
        elif " c " not in sql:
            sql = sql.replace(" FROM complaint_case ", " FROM complaint_case c ")
        cut = sql.index(" GROUP BY ")
        out.append(f"{sql[:cut]} WHERE c.received_at >= ?{sql[cut:]}")
    return out


def measure(
    url: str, repeat: int, clock: Callable[[], float], only: str = "", skip: str = ""
) -> tuple[int, dict[str, tuple[float, float]]]:
    # No statement limit: the report of every case on PostgreSQL at a million cases is slow.
    store = open_store(url, migrate=False, timeouts=DbTimeouts(connect_s=60, statement_s=None))
    raw = RawDriver(store, url)
    n = raw.rows("SELECT count(*) FROM complaint_case")[0][0]
    figures = {}
    for row in rows_for(store, url, raw):
        if only in row.name and not any(part and part in row.name for part in skip.split(",")):
            figures[row.name] = median_pair(row.ours, row.raw, repeat, clock)
            # As it goes, to the error stream: a run at a million cases takes a while.
            print(f"  {row.name}: {figures[row.name][0]:.2f} / {figures[row.name][1]:.2f} ms", file=sys.stderr)
    store.engine.dispose()
    return n, figures


def print_table(title: str, results: list[tuple[int, dict[str, tuple[float, float]]]]) -> None:
    print(f"\n{title}; medians of interleaved runs, milliseconds")
    head = f"{'read':44}"
    for n, _ in results:
        head += f" {f'{n:,} ours':>14} {'raw':>9} {'ratio':>6}"
    if len(results) > 1:
        head += f" {'grew':>6}"
    print(head)
    for name in results[0][1]:
        line = f"{name:44}"
        for _, figures in results:
            ours, raw = figures[name]
            line += f" {ours:14.2f} {raw:9.2f} {ours / raw if raw else float('inf'):6.1f}"
        if len(results) > 1:
            first, last = results[0][1][name][0], results[-1][1][name][0]
            line += f" {last / first if first else float('inf'):6.1f}"
        print(line)


def clock_for(choice: str, dialect: str) -> tuple[str, Callable[[], float]]:
    """The clock a table is measured with: ``auto`` is the thread's CPU time on SQLite (which runs
    in this thread) and wall time on PostgreSQL (whose work is done in the server's process, so
    this thread's CPU time would leave the query itself out)."""
    name = choice if choice != "auto" else ("cpu" if dialect == "sqlite" else "wall")
    return name, CLOCKS[name]


def pg_table(paths: list[Path], args: argparse.Namespace) -> None:
    """The table on PostgreSQL: each store loaded into a server of its own, one after the other
    (a load at a million cases takes the machine's two cores)."""
    clock_name, clock = clock_for(args.clock, "postgresql")
    results, version = [], ""
    for path in paths:
        with pg_store(path, args.pg_check) as url:
            results.append(measure(url, args.repeat, clock, args.only, args.skip))
            version = pg_version(url)
    print_table(f"PostgreSQL {version}, {clock_name} time, {', '.join(p.name for p in paths)} loaded by COPY", results)


def pg_version(url: str) -> str:
    import psycopg

    from benchmarks.pg_load import libpq_url

    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, action="append", help="store size (repeat for several)")
    parser.add_argument("--db", type=Path, help="measure this SQLite store instead of building demos")
    parser.add_argument("--pg", action="store_true", help="also on a PostgreSQL server started for the run")
    parser.add_argument("--pg-only", action="store_true", help="only on PostgreSQL (the store still comes from SQLite)")
    parser.add_argument(
        "--pg-check", action="store_true", help="run `db check` on the PostgreSQL copy (reads the audit chain)"
    )
    parser.add_argument(
        "--pg-url", help="measure this PostgreSQL store instead (one loaded by `python -m benchmarks.pg_load`, say)"
    )
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--cache", type=Path, default=None, help="where built demo stores are kept")
    parser.add_argument(
        "--clock",
        choices=["auto", *sorted(CLOCKS)],
        default="auto",
        help="thread CPU time or wall time (auto: CPU on SQLite, wall on PostgreSQL)",
    )
    parser.add_argument("--only", default="", help="only the rows whose name contains this text")
    parser.add_argument(
        "--skip", default="", help="leave out the rows whose name contains any of these comma-separated texts"
    )
    parser.add_argument("--tui", action="store_true", help="the desk's start and page swaps instead (tui_start.py)")
    args = parser.parse_args(argv)
    sizes = args.cases or [100_000]
    cache = args.cache or default_cache()
    if args.tui:  # signing in writes to the store: give --db a copy, or it uses the built demo
        from benchmarks.tui_start import main as tui_main

        tui_main(["--db", str(args.db or build_sqlite(sizes[-1], cache))])
        return
    if args.pg_url:
        clock_name, clock = clock_for(args.clock, "postgresql")
        title = f"PostgreSQL {pg_version(args.pg_url)}, {clock_name} time"
        print_table(title, [measure(args.pg_url, args.repeat, clock, args.only, args.skip)])
        return
    paths = [args.db] if args.db is not None else [build_sqlite(n, cache) for n in sizes]
    if not args.pg_only:
        clock_name, clock = clock_for(args.clock, "sqlite")
        results = [measure(db_url(str(path)), args.repeat, clock, args.only, args.skip) for path in paths]
        title = f"SQLite {sqlite3.sqlite_version}, {clock_name} time"
        print_table(f"{title}, {args.db.name}" if args.db is not None else title, results)
    if args.pg or args.pg_only:
        pg_table(paths, args)


if __name__ == "__main__":
    main()
