"""How fast the desk's reads are on a large store, next to raw sqlite3 doing the same work.

Usage: python benchmarks/queries_bench.py [--cases 100000] [--db FILE] [--repeat 15]

Builds a demo store with ``complaint-tui demo`` unless ``--db`` names one, then times, in one
run: the queue's first page, a page deep in the queue (keyset), the overdue section, a Chinese
search, one case's full view and the statistics. Each figure is the median of ``--repeat`` runs,
printed with the raw sqlite3 time of the equivalent bare SQL and their ratio.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from complaint_tui import queries as q
from complaint_tui.db import open_store
from complaint_tui.paths import db_url
from complaint_tui.queries.queue import page_statement
from complaint_tui.services import sign_in


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm the page cache and the statement caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


CASE_TABLES = (
    "step_clock",
    "evidence",
    "investigation_note",
    "finding",
    "plan",
    "referral",
    "department_task",
    "follow_up",
    "owner_update",
    "case_contact",
    "feedback",
    "return_visit",
    "audit_event",
)


def raw_case_view(raw: sqlite3.Connection, case_id: int) -> None:
    """The same reads the case view makes, as bare SQL: the case, its people, every child table."""
    case = raw.execute("SELECT * FROM complaint_case WHERE id = ?", (case_id,)).fetchone()
    raw.execute("SELECT * FROM owner WHERE id = ?", (case[8],)).fetchall()
    raw.execute("SELECT * FROM room WHERE id = ?", (case[9],)).fetchall()
    raw.execute("SELECT id, name FROM staff").fetchall()
    for table in CASE_TABLES:
        raw.execute(f"SELECT * FROM {table} WHERE case_id = ?", (case_id,)).fetchall()


def raw_statistics(raw: sqlite3.Connection) -> None:
    """The statistics' GROUP BYs as bare SQL."""
    for column in ("status", "category", "department", "channel", "urgency"):
        raw.execute(f"SELECT {column}, count(*) FROM complaint_case GROUP BY {column}").fetchall()
    raw.execute(
        "SELECT r.building, count(*) FROM complaint_case c JOIN room r ON r.id = c.room_id GROUP BY 1"
    ).fetchall()
    raw.execute(
        "SELECT c.department, s.step, sum(s.done_at IS NOT NULL), sum(s.done_at <= s.due_at) FROM step_clock s "
        "JOIN complaint_case c ON c.id = s.case_id GROUP BY 1, 2"
    ).fetchall()
    raw.execute("SELECT satisfaction, count(*) FROM return_visit GROUP BY 1").fetchall()
    raw.execute("SELECT date(received_at, '+480 minutes'), count(*) FROM complaint_case GROUP BY 1").fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    db = args.db
    if db is None:
        db = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        script = Path(sys.executable).with_name("complaint-tui")
        subprocess.run([str(script), "demo", "--db", str(db), "--cases", str(args.cases)], check=True)
    store = open_store(db_url(db))
    viewer = sign_in(store, "wang")
    raw = sqlite3.connect(db)
    n = raw.execute("SELECT count(*) FROM complaint_case").fetchone()[0]
    # A cursor about two thirds of the way down the queue, as after paging for a while.
    key, cid = raw.execute(
        "SELECT queue_due_at, id FROM complaint_case ORDER BY queue_due_at, id LIMIT 1 OFFSET ?", (n * 2 // 3,)
    ).fetchone()
    deep_cursor = q.Cursor(datetime.fromisoformat(key).replace(tzinfo=UTC), cid)
    some_case = raw.execute("SELECT id FROM complaint_case ORDER BY id LIMIT 1 OFFSET ?", (n // 2,)).fetchone()[0]
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")

    page_sql = (
        "SELECT c.id, c.number, c.version, c.received_at, c.channel, c.category, c.urgency, r.building, r.unit, "
        "r.room, o.name, o.phone, c.status, c.department, s.name, c.next_step, c.next_due_at, c.paused_at "
        "FROM complaint_case c JOIN owner o ON o.id = c.owner_id JOIN room r ON r.id = c.room_id "
        "LEFT JOIN staff s ON s.id = c.assignee_id "
    )
    rows = [
        (
            "queue, first page (100)",
            lambda: q.queue_page(store, viewer, limit=100),
            lambda: raw.execute(page_sql + "ORDER BY c.queue_due_at, c.id LIMIT 100").fetchall(),
        ),
        (
            "queue, deep keyset page",
            lambda: q.queue_page(store, viewer, after=deep_cursor, limit=100),
            lambda: raw.execute(
                page_sql + "WHERE (c.queue_due_at, c.id) > (?, ?) ORDER BY c.queue_due_at, c.id LIMIT 100", (key, cid)
            ).fetchall(),
        ),
        (
            "overdue section",
            lambda: q.queue_page(store, viewer, q.QueueFilter(overdue=True), limit=100),
            lambda: raw.execute(
                page_sql + "WHERE c.is_open = 1 AND c.queue_due_at < ? ORDER BY c.queue_due_at, c.id LIMIT 100", (now,)
            ).fetchall(),
        ),
        (
            # The same statement the queue runs (its plan chosen by the word's count), run bare.
            "search 漏水",
            lambda: q.queue_page(store, viewer, q.QueueFilter(search="漏水"), limit=100),
            lambda: raw.execute(*page_statement(store, viewer, q.QueueFilter(search="漏水"), limit=100)).fetchall(),
        ),
        (
            "case view",
            lambda: q.case_detail(store, viewer, some_case),
            lambda: raw_case_view(raw, some_case),
        ),
        (
            "statistics (all cases)",
            lambda: q.statistics(store),
            lambda: raw_statistics(raw),
        ),
    ]
    print(f"{n} cases, SQLite {sqlite3.sqlite_version}; medians of {args.repeat} runs")
    print(f"{'read':28} {'complaint-tui ms':>17} {'raw sqlite3 ms':>15} {'ratio':>7}")
    for name, ours, baseline in rows:
        a, b = median_ms(ours, args.repeat), median_ms(baseline, args.repeat)
        print(f"{name:28} {a:17.2f} {b:15.2f} {a / b if b else float('inf'):7.1f}")


if __name__ == "__main__":
    main()
