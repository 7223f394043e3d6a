"""How long ``complaint-tui demo --cases N`` takes on SQLite, against a raw SQL copy of its rows.

Runs the real command (a fresh process, a fresh file) ``--runs`` times and takes the medians of
its wall time and its CPU time (user + system of the child: on a shared machine the wall clock
mostly measures the neighbours), then, in the same run, the baseline: the rows of the last demo
copied by plain SQL (``INSERT INTO t SELECT * FROM demo.t`` per table, one transaction) into a
freshly migrated store, with the same schema, indexes and PRAGMAs. Prints the load average too.

    python benchmarks/demo_bench.py                # 100,000 cases, median of 3
    python benchmarks/demo_bench.py --cases 20000 --runs 1
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from complaint_tui.db import make_engine, upgrade

CLI = "from complaint_tui.cli import main; main()"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_demo(target: Path, cases: int, seed: int) -> tuple[float, float]:
    """Wall and CPU seconds of one ``complaint-tui demo`` run, process start to exit."""
    cpu = _children_cpu()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", CLI, "demo", "--db", str(target), "--cases", str(cases), "--seed", str(seed)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started, _children_cpu() - cpu


def remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def time_copy(demo: Path, folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds of copying every row of ``demo`` into a new store by plain SQL."""
    path = folder / "copy.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("ATTACH DATABASE ? AS demo", (str(demo),))
        tables = [
            str(r[0])
            for r in db.execute(
                "SELECT name FROM demo.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'case_search_%' AND name != 'alembic_version'"
            )
        ]
        cpu, started = time.process_time(), time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        for name in tables:
            db.execute(f"DELETE FROM main.{name}")  # rows a migration seeds (the audit head)
            if name == "case_search":
                db.execute("INSERT INTO main.case_search (rowid, doc) SELECT rowid, doc FROM demo.case_search")
            else:
                db.execute(f"INSERT INTO main.{name} SELECT * FROM demo.{name}")
        db.execute("COMMIT")
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        db.close()
        remove(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="demo-bench-") as tmp:
        folder = Path(tmp)
        walls, cpus = [], []
        target = folder / "demo.sqlite3"
        for i in range(args.runs):
            remove(target)
            wall, cpu = time_demo(target, args.cases, args.seed)
            walls.append(wall)
            cpus.append(cpu)
            print(f"demo run {i + 1}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
        copy_wall, copy_cpu = time_copy(target, folder)
        remove(target)
    load = max(load, os.getloadavg()[0])
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"complaint-tui demo --cases {args.cases}: median {wall:.1f} s wall, {cpu:.1f} s CPU of {len(walls)}")
    print(f"plain SQL copy of the same rows into a new store: {copy_wall:.1f} s wall, {copy_cpu:.1f} s CPU")
    print(f"ratio demo / copy: {wall / copy_wall:.1f}x wall, {cpu / copy_cpu:.1f}x CPU (load average up to {load:.1f})")


if __name__ == "__main__":
    main()
