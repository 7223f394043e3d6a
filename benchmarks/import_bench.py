"""How long a CSV import holds the SQLite write lock, beside a raw-sqlite3 baseline (issue 7).

While an import holds the write lock (``BEGIN IMMEDIATE`` to ``COMMIT``) every desk's save
waits, and fails with "busy" after 30 s. This builds a file of ``--rows`` valid intake rows
(20,000 by default; owners and rooms repeat, as in a real paper log), and for each of ``--runs``
runs (3 by default) imports it into a fresh store, timing:

* the lock: from the ``BEGIN IMMEDIATE`` of the import's write transaction to its return after
  the commit (engine events, so it times whatever code is installed);
* the whole import: reading, checking and writing;
* the baseline: the very rows the import wrote, read back from its store, inserted with raw
  ``sqlite3`` ``executemany`` into a fresh store in one ``BEGIN IMMEDIATE`` transaction: the
  floor for writing these rows at all. (The audit rows go to a scratch table of the same
  columns: only ``audit_chain`` writes the real trail.)

It prints the median of each and the lock's ratio to the baseline. Trust the ratio more than
the absolute times.

    python benchmarks/import_bench.py [--rows 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from complaint_tui.db import Store, make_engine, upgrade
from complaint_tui.importing import apply_import, read_import_file
from complaint_tui.policy import default_policy
from complaint_tui.services import add_staff, sign_in

COLUMNS = (
    "source_id,received_at,channel,contact_confirmed,owner_name,phone,building,unit,room,object_kind,"
    "object_text,object_staff_login,matter_what,matter_when,matter_where,matter_state,demand,category,urgency"
).split(",")
PIN = "7391"
# The tables an intake writes, in an order their foreign keys allow.
TABLES = ("owner", "room", "case_number_counter", "complaint_case", "step_clock", "owner_update", "case_search")


def write_rows(path: Path, rows: int) -> None:
    """``rows`` valid rows received over the last 20 days; about one owner in four comes back."""
    local_now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)  # the default policy's zone
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for n in range(rows):
            day = (local_now - dt.timedelta(days=1 + n % 20)).replace(hour=8 + n % 10, minute=n % 60, second=0)
            staff = n % 50 == 0
            out.writerow(
                [
                    f"BENCH-{n:06d}",
                    day.strftime("%Y-%m-%d %H:%M"),
                    ["hotline", "front_desk", "wechat", "owner_app", "email"][n % 5],
                    "是",
                    f"业主{n % (rows * 3 // 4 + 1)}",
                    f"139{n % (rows * 3 // 4 + 1):08d}",
                    f"{1 + n % 30}栋",
                    str(1 + n % 4),
                    str(101 + n % 2000),
                    "staff" if staff else ["property_part", "facility", "management"][n % 3],
                    "客服人员" if staff else "电梯",
                    "desk2" if staff else "",
                    f"电梯第{n}次停运，困人十分钟" + ("\n第二行" if n % 7 == 0 else ""),
                    "今天早上",
                    "2单元",
                    "仍然停运",
                    "尽快修好并说明原因",
                    ["repair", "complaint", "environment", "other", "safety"][n % 5],
                    ["high", "normal", "low"][n % 3],
                ]
            )


def new_store(path: Path) -> Store:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    store = Store(engine, default_policy())
    add_staff(store, None, login="boss", name="王芳", role="supervisor", department="customer_service", pin_code=PIN)
    boss = sign_in(store, "boss", PIN)
    for login, name in (("desk1", "赵敏"), ("desk2", "陈静")):
        add_staff(store, boss, login=login, name=name, role="desk", department="customer_service", pin_code=PIN)
    return store


def timed_import(store: Store, csv_path: Path) -> tuple[float, float, int]:
    """(seconds holding the write lock, seconds in all, cases imported)."""
    began: list[float] = []

    def on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
            began.append(time.perf_counter())

    # Registered after the store's own listener, so it runs once BEGIN IMMEDIATE has the lock.
    event.listen(store.engine, "begin", on_begin)
    operator = sign_in(store, "desk1", PIN)
    start = time.perf_counter()
    summary = apply_import(store, operator, read_import_file(csv_path, store.policy))
    end = time.perf_counter()
    event.remove(store.engine, "begin", on_begin)
    assert began, "the import took no write lock"
    return end - began[-1], end - start, len(summary.imported)


def raw_baseline(source: Path, target: Path) -> float:
    """Seconds to insert the rows the import wrote into ``target`` with raw sqlite3 executemany."""
    src = sqlite3.connect(source)
    data = {table: src.execute(f"SELECT * FROM {table}").fetchall() for table in TABLES}  # noqa: S608
    audit = src.execute("SELECT * FROM audit_event").fetchall()
    src.close()
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("CREATE TABLE audit_copy AS SELECT * FROM audit_event WHERE 0")
    start = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    for table, rows in data.items():
        if rows:
            marks = ",".join("?" * len(rows[0]))
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608
    if audit:
        db.executemany(f"INSERT INTO audit_copy VALUES ({','.join('?' * len(audit[0]))})", audit)  # noqa: S608
    db.execute("COMMIT")
    seconds = time.perf_counter() - start
    db.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "rows.csv"
        write_rows(csv_path, args.rows)
        locks, totals, bases = [], [], []
        for run in range(args.runs):
            db = folder / f"import{run}.sqlite3"
            store = new_store(db)
            lock, total, count = timed_import(store, csv_path)
            store.engine.dispose()
            assert count == args.rows, f"imported {count} of {args.rows} rows"
            empty = new_store(folder / f"base{run}.sqlite3")
            empty.engine.dispose()
            base = raw_baseline(db, folder / f"base{run}.sqlite3")
            locks.append(lock)
            totals.append(total)
            bases.append(base)
            print(f"run {run + 1}: lock {lock:.2f} s, whole import {total:.2f} s, raw executemany {base:.2f} s")
        lock, total, base = statistics.median(locks), statistics.median(totals), statistics.median(bases)
        print(f"{args.rows:,} rows, median of {args.runs}:")
        print(f"  write lock held (BEGIN IMMEDIATE to COMMIT) {lock:8.2f} s")
        print(f"  whole import (read, check, write)          {total:8.2f} s")
        print(f"  raw sqlite3 executemany of the same rows   {base:8.2f} s")
        print(f"  lock / baseline                            {lock / base:8.1f} x")


if __name__ == "__main__":
    main()
