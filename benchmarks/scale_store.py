"""Grow a SQLite demo store N-fold by copying its cases in SQL: a million cases in minutes.

Usage::

    python -m benchmarks.scale_store SOURCE TARGET --times 10

For measuring reads at a size the demo takes too long to build on a small machine (the demo
simulates every story in Python: about 700 CPU-seconds for a million cases). Every case with
everything recorded on it (clocks, notes, findings, ..., audit events, its search document) is
copied ``times - 1`` times with its ids shifted past the source's, its number suffixed with the
copy's index (``/2``) and its owner a new owner with a phone of their own. Staff, rooms and
stored files are shared. The times are the source's, so each copy has the source's mix of open,
overdue and closed cases: the same views, N times as many rows.

The copy is for reading only: the audit chain's hashes do not cover the copied events, so
``db check`` reports the chain broken. Build the demo itself for anything but benchmarks.

Mostly obsolete: ``complaint-tui demo --cases 1000000`` now copies a few thousand simulated
stories in SQL itself (``complaint_tui.demo.clone``), with numbers as typed and a chain that
verifies. Kept while stores grown by it are still measured.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

# Copied in this order (a row's references are copied before it); the rest is shared.
CLONED = (
    "owner",
    "complaint_case",
    "step_clock",
    "investigation_note",
    "evidence",
    "finding",
    "plan",
    "referral",
    "department_task",
    "follow_up",
    "owner_update",
    "feedback",
    "return_visit",
    "case_contact",
    "case_pause",
    "audit_event",
)
# Columns holding the id of a copied table's row: shifted by that table's offset.
REFERENCES = {
    "case_id": "complaint_case",
    "merged_into_id": "complaint_case",
    "owner_id": "owner",
    "note_id": "investigation_note",
}


def _expression(table: str, column: str, copy: int, offsets: dict[str, int]) -> str:
    if column == "id":
        return f"id + {offsets[table]}"
    if column in REFERENCES:
        return f"{column} + {offsets[REFERENCES[column]]}"
    if table == "complaint_case" and column in ("number", "source_id"):
        return f"{column} || '/{copy}'"  # both unique; NULL stays NULL
    if table == "owner" and column == "phone":
        return f"printf('1%02d%08d', {60 + copy}, id)"  # unique per copy and owner
    return column


def scale(source: Path, target: Path, times: int) -> int:
    """Write ``times`` copies of ``source``'s cases to ``target`` (a new file); the case count."""
    if target.exists():
        raise SystemExit(f"{target} exists")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, isolation_level=None)
    src.backup(dst)
    src.close()
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=OFF")
    dst.execute("PRAGMA foreign_keys=OFF")
    dst.execute("PRAGMA cache_size=-262144")
    dst.execute("ATTACH DATABASE ? AS src", (str(source),))
    spans = {t: dst.execute(f"SELECT coalesce(max(id), 0) FROM src.{t}").fetchone()[0] for t in CLONED}
    for copy in range(1, times):
        started = time.perf_counter()
        offsets = {t: span * copy for t, span in spans.items()}
        dst.execute("BEGIN")
        for table in CLONED:
            columns = [row[1] for row in dst.execute(f"PRAGMA src.table_info({table})")]
            values = ", ".join(_expression(table, c, copy + 1, offsets) for c in columns)
            dst.execute(f"INSERT INTO main.{table} ({', '.join(columns)}) SELECT {values} FROM src.{table}")
        dst.execute(
            "INSERT INTO main.case_search (rowid, doc) SELECT rowid + ?, doc FROM src.case_search",
            (offsets["complaint_case"],),
        )
        dst.execute("COMMIT")
        print(f"copy {copy + 1} of {times}: {time.perf_counter() - started:.0f} s", flush=True)
    dst.execute("DETACH DATABASE src")
    dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    n = int(dst.execute("SELECT count(*) FROM complaint_case").fetchone()[0])
    dst.close()
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--times", type=int, default=10)
    args = parser.parse_args()
    print(f"{scale(args.source, args.target, args.times)} cases in {args.target}")


if __name__ == "__main__":
    main()
