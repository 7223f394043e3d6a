"""Export speed and memory against their baselines, measured in one run (issue 4, issue 11 item 5).

Builds a demo store of ``--cases`` cases (100,000 by default) with ``complaint-tui demo``, or
reads the store ``--db`` names (exports only read it), then times, as separate processes so each
gets its own CPU time and peak memory (``wait4``):

* ``sqlite3 -csv`` dumping the ``complaint_case`` table: the CSV baseline (FACTS.md "Export");
* ``complaint-tui export -f csv``, ``-f jsonl`` and ``-f xlsx`` of all cases;
* ``sqlite3 -json`` dumping the ``complaint_case`` table: the JSON Lines baseline (the case rows
  alone, as JSON objects; a document also holds every list of the case, about 25 rows and a
  dozen audit values, so expect a factor of tens);
* bare xlsxwriter (``constant_memory``) writing the same 40 columns from a raw cursor, the times
  as dates: the XLSX baseline;

in interleaved rounds (``--runs``, 3 by default), and prints the medians: CPU seconds (user +
system; on a shared machine the wall clock also counts other processes' turns), wall seconds,
cases per CPU second, peak RSS; then the three figures of issue 11 item 5: CSV speed over
``sqlite3 -csv`` (target 0.4), JSON Lines cases per second (target 10,000; beside the rows per
second of ``sqlite3 -json``), XLSX speed over bare xlsxwriter (target 0.8). ``--skip jsonl,xlsx``
leaves jobs out (XLSX of a million cases takes minutes). Trust the ratios more than the absolute
times. The JSON Lines go to /dev/null: a demo case's document is about 12 KB, 12 GB at a million.

    python benchmarks/export_bench.py [--cases 100000 | --db FILE] [--runs 3] [--keep DIR] [--skip xlsx]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("complaint-tui")

# The bare-xlsxwriter baseline, run as its own process: the export's 40 columns through a raw
# cursor, written as they come (the stored times parsed to dates, as the sheet holds them).
BARE_XLSX = r"""
import datetime as dt, sqlite3, sys, xlsxwriter
SQL = (
    "SELECT c.number, c.source_id, c.received_at, c.channel, c.received_by_id, c.contact_confirmed,"
    " o.name, o.phone, r.building, r.unit, r.room, c.object_kind, c.object_text, c.object_staff_id,"
    " c.matter_what, c.matter_when, c.matter_where, c.matter_state, c.demand, c.category, c.urgency,"
    " c.status, c.department, c.assignee_id, c.next_step, c.next_due_at, c.cycle, c.reopen_count,"
    " c.append_count, c.chase_count, c.paused_at, c.closed_at, c.close_kind, c.close_reason,"
    " c.withdrawn_reason, c.owner_rejects_decision, c.external_recourse, m.number, c.updated_at, c.estate"
    " FROM complaint_case c JOIN owner o ON o.id = c.owner_id JOIN room r ON r.id = c.room_id"
    " LEFT JOIN complaint_case m ON m.id = c.merged_into_id ORDER BY c.id"
)
TIMES = (2, 25, 30, 31, 38)
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
           "default_date_format": "yyyy-mm-dd hh:mm:ss"}
book = xlsxwriter.Workbook(sys.argv[2], options)
sheet = book.add_worksheet("cases")
parse = dt.datetime.fromisoformat
for n, row in enumerate(conn.execute(SQL), 1):
    cells = list(row)
    for i in TIMES:
        if cells[i] is not None:
            cells[i] = parse(cells[i])
    sheet.write_row(n, 0, cells)
book.close()
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float
    max_rss_mb: float


def measure(argv: list[str], stdout_path: Path | None = None) -> Run:
    """Wall time, CPU time and peak RSS of one child process (its own rusage, not every child's)."""
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
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)  # Linux: kilobytes


def build(db: Path, cases: int) -> float:
    start = time.perf_counter()
    subprocess.run([str(SCRIPT), "demo", "--db", str(db), "--cases", str(cases), "--seed", "7"], check=True)
    return time.perf_counter() - start


def jobs_for(db: Path, out: Path, skip: set[str]) -> dict[str, tuple[list[str], Path | None]]:
    """Each job's command and the file its stdout goes to; the baselines beside their exports."""
    tool = shutil.which("sqlite3")
    if tool is None and "csv" not in skip:
        raise SystemExit("the sqlite3 command line tool is needed for the baseline (apt-get install sqlite3)")

    def export(fmt: str) -> tuple[list[str], Path | None]:
        return [str(SCRIPT), "export", "--db", str(db), "-f", fmt, "-o", "-"], out / f"cases.{fmt}"

    jobs: dict[str, tuple[list[str], Path | None]] = {}
    if "csv" not in skip:
        assert tool is not None
        jobs["sqlite3 -csv (baseline)"] = (
            [tool, "-csv", "-header", str(db), "SELECT * FROM complaint_case"],
            out / "raw.csv",
        )
        jobs["export csv"] = export("csv")
    if "jsonl" not in skip:
        json_tool = shutil.which("sqlite3")
        if json_tool is None:
            raise SystemExit("the sqlite3 command line tool is needed for the baseline (apt-get install sqlite3)")
        jobs["sqlite3 -json (baseline)"] = (
            [json_tool, "-json", str(db), "SELECT * FROM complaint_case"],
            out / "raw.json",
        )
        jobs["export jsonl"] = (export("jsonl")[0], None)
    if "xlsx" not in skip:
        jobs["bare xlsxwriter (baseline)"] = ([sys.executable, "-c", BARE_XLSX, str(db), str(out / "bare.xlsx")], None)
        jobs["export xlsx"] = ([str(SCRIPT), "export", "--db", str(db), "-f", "xlsx", "-o", str(out / "x.xlsx")], None)
    return jobs


def report(cases: int, runs: int, name: str, med: dict[str, Run]) -> None:
    print(f"\n{cases:,} cases, median of {runs} runs (SQLite {name})")
    print(f"{'job':<28}{'CPU s':>9}{'wall s':>9}{'cases/CPU-s':>13}{'peak RSS MB':>13}")
    for job, m in med.items():
        print(f"{job:<28}{m.cpu_seconds:>9.2f}{m.seconds:>9.2f}{cases / m.cpu_seconds:>13,.0f}{m.max_rss_mb:>13.1f}")
    print("\nissue 11 item 5, by CPU time (by wall time in brackets):")
    if "export csv" in med:
        base, ours = med["sqlite3 -csv (baseline)"], med["export csv"]
        print(
            f"  CSV speed / sqlite3 -csv      {base.cpu_seconds / ours.cpu_seconds:.2f}x "
            f"({base.seconds / ours.seconds:.2f}x)  target >= 0.4x; peak RSS {ours.max_rss_mb:.0f} MB (<= 100)"
        )
    if "export jsonl" in med:
        m, base = med["export jsonl"], med["sqlite3 -json (baseline)"]
        print(
            f"  JSON Lines cases per second   {cases / m.cpu_seconds:,.0f} ({cases / m.seconds:,.0f})  "
            f"target >= 10,000; peak RSS {m.max_rss_mb:.0f} MB; sqlite3 -json "
            f"{cases / base.cpu_seconds:,.0f} case rows per second ({cases / base.seconds:,.0f})"
        )
    if "export xlsx" in med:
        base, ours = med["bare xlsxwriter (baseline)"], med["export xlsx"]
        print(
            f"  XLSX speed / bare xlsxwriter  {base.cpu_seconds / ours.cpu_seconds:.2f}x "
            f"({base.seconds / ours.seconds:.2f}x)  target >= 0.8x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="An existing SQLite store to read (nothing is built).")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Build the store here and keep it (reused when present).")
    parser.add_argument("--skip", default="", help="Jobs to leave out, comma-separated: csv, jsonl, xlsx.")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="export-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = args.db or folder / f"demo-{args.cases}.sqlite3"
    if not db.exists():
        print(f"building {args.cases:,} cases ... ", end="", flush=True)
        print(f"{build(db, args.cases):.1f} s")
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        cases = int(conn.execute("SELECT count(*) FROM complaint_case").fetchone()[0])
    out = folder / "out"
    out.mkdir(exist_ok=True)
    jobs = jobs_for(db, out, {s.strip() for s in args.skip.split(",") if s.strip()})
    results: dict[str, list[Run]] = {name: [] for name in jobs}
    # Interleaved rounds: a noisy neighbour slows every job a little, not one job a lot.
    for _round in range(args.runs):
        for name, (argv, stdout_path) in jobs.items():
            (out / "x.xlsx").unlink(missing_ok=True)  # export refuses to replace a file
            results[name].append(measure(argv, stdout_path))
    med = {
        name: Run(
            statistics.median(r.seconds for r in runs),
            statistics.median(r.cpu_seconds for r in runs),
            statistics.median(r.max_rss_mb for r in runs),
        )
        for name, runs in results.items()
    }
    report(cases, args.runs, db.name, med)
    sizes = {p.name: p.stat().st_size / 1e6 for p in sorted(out.iterdir())}
    print("file sizes (MB): " + ", ".join(f"{k} {v:.1f}" for k, v in sizes.items()))
    if not args.keep:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
