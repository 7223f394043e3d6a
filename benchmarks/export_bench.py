"""Export speed and memory against the raw-SQLite baseline, measured in one run (issue 4).

Builds a demo store of ``--cases`` cases (100,000 by default) with ``complaint-tui demo``, then
times, as separate processes so each gets its own peak memory (``ru_maxrss`` from ``wait4``):

* ``sqlite3 -csv`` dumping the ``complaint_case`` table: the speed limit (FACTS.md "Export");
* ``complaint-tui export -f csv`` and ``-f xlsx`` (and ``jsonl``), all cases;

and prints the median of ``--runs`` runs (3 by default) of each, cases per second, peak RSS,
and each export's ratio to the baseline. Trust the ratios more than the absolute times.

    python benchmarks/export_bench.py [--cases 100000] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("complaint-tui")


@dataclass(frozen=True)
class Run:
    seconds: float
    max_rss_mb: float


def measure(argv: list[str], stdout_path: Path | None = None) -> Run:
    """Wall time and peak RSS of one child process (its own rusage, not every child's)."""
    out = stdout_path.open("wb") if stdout_path else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    finally:
        if stdout_path:
            out.close()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err}")
    return Run(seconds, usage.ru_maxrss / 1024)  # Linux: kilobytes


def build(db: Path, cases: int) -> float:
    start = time.perf_counter()
    subprocess.run([str(SCRIPT), "demo", "--db", str(db), "--cases", str(cases), "--seed", "7"], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Build the store here and keep it (reused when present).")
    args = parser.parse_args()
    sqlite3 = shutil.which("sqlite3")
    if sqlite3 is None:
        raise SystemExit("the sqlite3 command line tool is needed for the baseline (apt-get install sqlite3)")

    folder = args.keep or Path(tempfile.mkdtemp(prefix="export-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"demo-{args.cases}.sqlite3"
    if not db.exists():
        print(f"building {args.cases:,} cases ... ", end="", flush=True)
        print(f"{build(db, args.cases):.1f} s")
    out = folder / "out"
    out.mkdir(exist_ok=True)

    jobs: dict[str, tuple[list[str], Path | None]] = {
        "sqlite3 -csv (baseline)": (
            [sqlite3, "-csv", "-header", str(db), "SELECT * FROM complaint_case"],
            out / "raw.csv",
        ),
        "export csv": ([str(SCRIPT), "export", "--db", str(db), "-f", "csv", "-o", str(out / "cases.csv")], None),
        "export xlsx": ([str(SCRIPT), "export", "--db", str(db), "-f", "xlsx", "-o", str(out / "cases.xlsx")], None),
        "export jsonl": ([str(SCRIPT), "export", "--db", str(db), "-f", "jsonl", "-o", str(out / "cases.jsonl")], None),
    }
    results: dict[str, list[Run]] = {name: [] for name in jobs}
    # Interleaved rounds: a noisy neighbour slows every job a little, not one job a lot.
    for _round in range(args.runs):
        for name, (argv, stdout_path) in jobs.items():
            results[name].append(measure(argv, stdout_path))

    base = statistics.median(r.seconds for r in results["sqlite3 -csv (baseline)"])
    print(f"\n{args.cases:,} cases, median of {args.runs} runs (SQLite {db.name})")
    print(f"{'job':<26}{'seconds':>9}{'cases/s':>11}{'peak RSS MB':>13}{'vs baseline':>13}{'speed %':>9}")
    for name, runs in results.items():
        sec = statistics.median(r.seconds for r in runs)
        rss = statistics.median(r.max_rss_mb for r in runs)
        speed = f"{args.cases / sec:>11,.0f}{rss:>13.1f}{sec / base:>12.1f}x{100 * base / sec:>8.1f}%"
        print(f"{name:<26}{sec:>9.2f}{speed}")
    sizes = {p.name: p.stat().st_size / 1e6 for p in sorted(out.iterdir())}
    print("file sizes (MB): " + ", ".join(f"{k} {v:.1f}" for k, v in sizes.items()))
    if not args.keep:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
