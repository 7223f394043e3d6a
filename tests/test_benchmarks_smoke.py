"""The benchmark entry point runs (issue 11 item 1): ``python -m benchmarks`` at 10,000 cases.

A smoke test: it checks that a demo store is built, measured and printed with every row and a
raw baseline beside each figure, not the timings (CI machines differ too much for those).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from complaint_tui.queries.sections import SECTIONS

ROOT = Path(__file__).resolve().parent.parent
FIGURE = re.compile(r"^(?P<name>.+?)\s+(?P<ours>\d+\.\d\d)\s+(?P<raw>\d+\.\d\d)\s+(?P<ratio>\d+\.\d|inf)$")


def expected_rows() -> list[str]:
    """Every queue view the issue names: each section in each sort, a search in each section,
    phone and case number, each single filter in each sort, a deep page, the case view, the
    statistics."""
    sorts = ("urgent", "newest", "oldest")
    rows = [f"{s.code} / {sort}" for s in SECTIONS for sort in sorts]
    rows += [f"search 漏水 in {s.code}" for s in SECTIONS] + ["search 漏水 in all / newest"]
    rows += ["search a case number", "search a phone"]
    filters = ("status", "category", "urgency", "department", "channel", "building", "assignee", "unassigned")
    filters += ("reopened", "received last 30 days")
    rows += [f"filter {f} / {sort}" for f in filters for sort in sorts]
    rows += ["open + building + category", "all / urgent, deep keyset page", "case view", "statistics (all cases)"]
    return rows


def test_the_benchmark_builds_a_store_and_prints_every_row_beside_its_baseline(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--cases", "10000", "--repeat", "1", "--cache", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "10,000 ours" in run.stdout
    printed = {}
    for line in run.stdout.splitlines():
        found = FIGURE.match(line)
        if found:
            printed[found["name"].strip()] = (float(found["ours"]), float(found["raw"]))
    missing = [row for row in expected_rows() if row not in printed]
    assert not missing, run.stdout
    assert all(raw > 0 for _, raw in printed.values()), run.stdout
    # The store is kept for the next run at this size and schema: a second run builds nothing.
    assert len(list(tmp_path.glob("demo-10000-r*.sqlite3"))) == 1
