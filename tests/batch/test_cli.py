"""The batch commands through the installed console script (STYLE.md 13; issue 4 items 4-5)."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from complaint_tui.db import Store
from complaint_tui.exporting import COLUMN_CODES
from tests.batch.conftest import csv_text, row
from tests.conftest import TEAM_PINS, Team

SCRIPT = Path(sys.executable).with_name("complaint-tui")


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    # Wide COLUMNS: rich would otherwise wrap a long error line at 80 characters in a pipe.
    env = os.environ | {"LANG": "C.UTF-8", "COLUMNS": "250", "COMPLAINT_TUI_PIN": ""}
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120, input=stdin, check=False
    )


@pytest.fixture
def centre(sqlite_store: Store, tmp_path: Path) -> tuple[str, Path]:
    Team(sqlite_store)
    db = sqlite_store.engine.url.database
    assert db
    path = tmp_path / "intake.csv"
    path.write_text(csv_text([row(n) for n in range(1, 6)]), encoding="utf-8")
    return db, path


def test_import_export_report_through_the_console_script(centre: tuple[str, Path], tmp_path: Path) -> None:
    db, path = centre
    imported = run("import", str(path), "--db", db, "--operator", "zhao", "--pin", TEAM_PINS["zhao"])
    assert imported.returncode == 0, imported.stderr
    assert "Imported 5 case(s)" in imported.stdout and "TS" in imported.stdout
    again = run("import", str(path), "--db", db, "--operator", "zhao", "--pin", TEAM_PINS["zhao"])
    assert again.returncode == 0 and "Imported 0 case(s); 5 row(s)" in again.stdout

    exported = run("export", "--db", db, "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    assert exported.stderr == ""  # not a terminal: no progress bar, nothing but data on stdout
    rows = list(csv.reader(io.StringIO(exported.stdout)))
    assert tuple(rows[0]) == COLUMN_CODES and len(rows) == 6

    jsonl = run("export", "--db", db, "-f", "jsonl", "--category", "repair")
    docs = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert docs and all(d["category"] == "repair" for d in docs)

    out = tmp_path / "cases.xlsx"
    xlsx = run("export", "--db", db, "-f", "xlsx", "-o", str(out), "--labels", "zh")
    assert xlsx.returncode == 0 and out.read_bytes().startswith(b"PK") and xlsx.stdout == ""
    piped = subprocess.run([str(SCRIPT), "export", "--db", db, "-f", "xlsx"], capture_output=True, check=False)
    assert piped.returncode == 0 and piped.stdout.startswith(b"PK")  # a pipe takes the binary sheet

    report = run("report", "--db", db, "--format", "json")
    assert report.returncode == 0 and json.loads(report.stdout)["total"] == 5
    md = run("report", "--db", db, "--format", "md", "--by", "week")
    assert md.returncode == 0 and md.stdout.startswith("# Complaint statistics")
    table = run("report", "--db", db)
    assert table.returncode == 0 and "Hot spots by category" in table.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["export", "--since", "2026-13-01"], "you typed '2026-13-01'; --since takes YYYY-MM-DD"),
        (["report", "--until", "tomorrow"], "you typed 'tomorrow'; --until takes YYYY-MM-DD"),
        (["export", "--since", "2026-11-30", "--until", "2026-11-01"], "is after"),
        (["export", "--status", "open"], "unknown code 'open'"),
        (["export", "--format", "pdf"], "unknown code 'pdf'"),
        (["report", "--by", "floor"], "unknown code 'floor'"),
        (["import", "missing.csv", "--operator", "zhao", "--pin", TEAM_PINS["zhao"]], "No file missing.csv"),
        (["import", "{csv}"], "--operator"),
        (["import", "{csv}", "--operator", "nobody", "--pin", "1234"], "Wrong login or PIN"),
        (["export", "--include-pii"], "--operator"),
    ],
)
def test_user_errors_end_with_one_line_and_exit_1(
    centre: tuple[str, Path], args: list[str], needle: str, tmp_path: Path
) -> None:
    db, path = centre
    result = run(*[a.replace("{csv}", str(path)) for a in args], "--db", db)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and needle in result.stderr


@pytest.mark.parametrize(
    "db",
    ["{tmp}/absent.sqlite3", "{tmp}/garbage.sqlite3", "{tmp}/no/such/dir/x.sqlite3", "nosuchdriver://x", "{tmp}"],
)
def test_unreadable_database_or_bad_url_is_one_line(tmp_path: Path, db: str) -> None:
    (tmp_path / "garbage.sqlite3").write_bytes(b"this is not a database" * 100)
    for command in (["export"], ["report"]):
        result = run(*command, "--db", db.replace("{tmp}", str(tmp_path)))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_rejected_import_prints_the_report_and_exits_1(centre: tuple[str, Path], tmp_path: Path) -> None:
    db, _path = centre
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text([row(1), row(2, channel="fax", phone="abc")]), encoding="utf-8")
    result = run("import", str(bad), "--db", db, "--operator", "zhao", "--pin", TEAM_PINS["zhao"])
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "fax" in result.stderr and "one_of" in result.stderr and "phone" in result.stderr
    assert "2 problem(s) in the file; nothing was imported." in result.stderr
    assert json.loads(run("report", "--db", db, "-f", "json").stdout)["total"] == 0


@pytest.mark.parametrize("command", ["export", "import", "report"])
def test_help_shows_examples(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert "Examples" in result.stdout and f"complaint-tui {command} " in result.stdout


def test_export_path_does_not_import_textual(centre: tuple[str, Path], tmp_path: Path) -> None:
    """STYLE.md 1: the batch commands run on the headless core alone."""
    db, _path = centre
    out = str(tmp_path / "cases.jsonl")
    code = (
        "import sys\n"
        "from complaint_tui.cli import app\n"
        f"app(['export', '--db', {db!r}, '-f', 'jsonl', '-o', {out!r}], standalone_mode=False)\n"
        f"app(['report', '--db', {db!r}, '-f', 'json'], standalone_mode=False)\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if m.startswith('textual'))\n"
        "print('headless')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("headless")


def test_export_into_a_named_pipe_writes_through_it(centre: tuple[str, Path], tmp_path: Path) -> None:
    """A device or FIFO target is written into, never replaced by a renamed temporary file."""
    db, _path = centre
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run("export", "--db", db, "-o", str(fifo))
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received and received[0].startswith(b"number,source_id,")
