"""How long ``complaint-tui demo --cases N`` takes on SQLite, against the raw-SQLite baseline.

Runs the real command (a fresh process, a fresh file) ``--runs`` times and takes the median,
then measures, in the same run, raw ``sqlite3.executemany`` of N ``complaint_case``-shaped rows
into a freshly migrated store (same schema, indexes and PRAGMAs), and prints the ratio. Times
on a shared machine are noisy: trust the ratio more than the seconds (FACTS.md).

    python benchmarks/demo_bench.py                # 100,000 cases, median of 3
    python benchmarks/demo_bench.py --cases 20000 --runs 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import SQLModel

import complaint_tui.models  # noqa: F401  (the tables, for the column list)
from complaint_tui.db import make_engine, upgrade

CLI = "from complaint_tui.cli import main; main()"


def time_demo(folder: Path, cases: int, seed: int) -> float:
    """Wall seconds of one ``complaint-tui demo`` run, process start to exit."""
    target = folder / f"demo-{time.monotonic_ns()}.sqlite3"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", CLI, "demo", "--db", str(target), "--cases", str(cases), "--seed", str(seed)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    return seconds


def case_rows(count: int) -> tuple[list[str], list[tuple[object, ...]]]:
    """``complaint_case`` rows as the store keeps them (timestamps as SQLAlchemy's SQLite text)."""
    cols = list(SQLModel.metadata.tables["complaint_case"].columns.keys())
    start = dt.datetime(2026, 6, 1)
    fixed = {
        "version": 5,
        "channel": "hotline",
        "received_by_id": 1,
        "contact_confirmed": 1,
        "object_kind": "property_part",
        "object_text": "卫生间天花板",
        "matter_what": "楼上卫生间漏水，我家卫生间天花板渗水、墙面起皮发霉",
        "matter_when": "昨天晚上十点左右",
        "matter_where": "3栋2单元1502主卫",
        "matter_state": "仍在滴水，已用桶接水",
        "demand": "尽快查明漏点并维修，修复天花板",
        "category": "repair",
        "urgency": "normal",
        "status": "investigating",
        "is_open": 1,
        "department": "engineering",
        "cycle": 1,
        "next_step": "resolution",
        "reopen_count": 0,
        "append_count": 0,
        "chase_count": 0,
        "owner_rejects_decision": 0,
    }
    rows = []
    for i in range(1, count + 1):
        at = (start + dt.timedelta(seconds=i * 137)).isoformat(" ", "microseconds")
        due = (start + dt.timedelta(seconds=i * 137 + 7200)).isoformat(" ", "microseconds")
        values = {
            **fixed,
            "id": i,
            "number": f"TS20260601-{i:06d}",
            "received_at": at,
            "owner_id": 1 + i % 5000,
            "room_id": 1 + i % 3500,
            "next_due_at": due,
            "queue_due_at": due,
            "created_at": at,
            "updated_at": at,
        }
        rows.append(tuple(values.get(c) for c in cols))
    return cols, rows


def time_raw(folder: Path, count: int) -> float:
    """Raw ``sqlite3`` executemany of ``count`` case rows in one transaction, as FACTS.md measured."""
    path = folder / "raw.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "INSERT INTO staff (id, login, name, role, active, created_at) "
            "VALUES (1, 'zhao', '赵敏', 'desk', 1, '2026-01-01 00:00:00.000000')"
        )
        db.executemany(
            "INSERT INTO owner (id, name, phone, created_at) VALUES (?, ?, ?, '2026-01-01 00:00:00.000000')",
            [(i, "张伟", f"138{i:08d}") for i in range(1, 5001)],
        )
        db.executemany(
            "INSERT INTO room (id, building, unit, room) VALUES (?, '3栋', '2', ?)",
            [(i, str(i)) for i in range(1, 3501)],
        )
        cols, rows = case_rows(count)
        sql = f"INSERT INTO complaint_case ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.executemany(sql, rows)
        db.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="demo-bench-") as tmp:
        folder = Path(tmp)
        runs = []
        for i in range(args.runs):
            runs.append(time_demo(folder, args.cases, args.seed))
            print(f"demo run {i + 1}: {runs[-1]:.1f} s", flush=True)
        raw = time_raw(folder, args.cases)
    demo = statistics.median(runs)
    each = ", ".join(f"{r:.1f}" for r in runs)
    print(f"complaint-tui demo --cases {args.cases}: median {demo:.1f} s of {len(runs)} ({each})")
    print(f"raw sqlite3 executemany of {args.cases} complaint_case rows: {raw:.2f} s ({args.cases / raw:,.0f} rows/s)")
    print(f"ratio demo / raw: {demo / raw:.1f}x (the demo also writes ~25 rows per case: clocks, notes, audit, search)")


if __name__ == "__main__":
    main()
