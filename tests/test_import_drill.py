"""Kill -9 drill of the CSV import (issue 7; SPEC S1.4, S6.6): all rows or none, whatever moment
the process dies at.

A ``complaint-tui import`` of a few thousand rows is SIGKILLed again and again: right after it
starts, while it reads and checks the file, and while it writes. After every kill the store
passes ``complaint-tui db check`` (integrity, the audit chain) and holds none of the rows; a last
run without a kill imports them all, and a reader watching it never sees a part of them.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from complaint_tui.db import Store, check, make_engine
from complaint_tui.policy import default_policy
from complaint_tui.services import add_staff, sign_in
from tests.batch.conftest import csv_text, row
from tests.conftest import new_store_url

ROWS = 1500
PIN = "3579"
SCRIPT = Path(sys.executable).with_name("complaint-tui")
ENV = {**os.environ, "LANG": "en_US.UTF-8"}


def _cases(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM complaint_case").fetchone()[0])


def _write_locked(db: Path) -> bool:
    """Whether another process holds the store's write lock now (the import is writing)."""
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def _has_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open (it reads and checks the file while it does)."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(os.readlink(fd) == str(path) for fd in fds.iterdir())
    except OSError:
        return False


def _kill_when(
    proc: subprocess.Popen[bytes], moment: Callable[[], bool], every_s: float, limit_s: float = 60.0
) -> bool:
    """SIGKILL ``proc`` at the first ``moment()`` (asked every ``every_s``); False if it ended first."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        if moment():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(every_s)
    raise AssertionError("the moment to kill never came")


def _check(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "db", "check", "--db", str(db)], capture_output=True, text=True, env=ENV, check=False
    )


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="the drill watches /proc for the moments")
def test_killed_imports_leave_all_rows_or_none_and_a_sound_store(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = new_store_url("sqlite", tmp_path, request)
    db = Path(url.removeprefix("sqlite:///"))
    store = Store(make_engine(url), default_policy())
    add_staff(store, None, login="boss", name="王芳", role="supervisor", pin_code=PIN)
    boss = sign_in(store, "boss", PIN)
    add_staff(store, boss, login="desk", name="赵敏", role="desk", department="customer_service", pin_code=PIN)
    store.engine.dispose()
    csv_path = tmp_path / "rows.csv"
    csv_path.write_text(csv_text([row(n) for n in range(1, ROWS + 1)]), encoding="utf-8")
    argv = [str(SCRIPT), "import", str(csv_path), "--operator", "desk", "--pin", PIN, "--db", str(db)]

    started: dict[str, float] = {}

    def still_writing() -> bool:
        # Locked twice 0.05 s apart: the write is under way and its commit (which frees the lock)
        # has not come yet.
        return _write_locked(db) and time.sleep(0.05) is None and _write_locked(db)

    # Asking for the lock takes it for an instant, and the import then waits for it a little:
    # asked every 20 ms, not more often, so the import still gets on with its work.
    moments: list[tuple[str, Callable[[subprocess.Popen[bytes]], Callable[[], bool]], float]] = [
        ("right after start", lambda p: lambda: time.monotonic() - started["at"] > 0.05, 0.002),
        ("while reading and checking the file", lambda p: lambda: _has_open(p.pid, csv_path), 0.002),
        ("as the write begins", lambda p: lambda: _write_locked(db), 0.02),
        ("in the middle of the write", lambda p: still_writing, 0.02),
    ]
    for name, moment, every_s in moments:
        started["at"] = time.monotonic()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
        killed = _kill_when(proc, moment(proc), every_s)
        assert killed, (name, "the import ended before it was killed", proc.stderr.read() if proc.stderr else "")
        # ``db check``'s own checks, in this process (each command line start costs a second).
        engine = make_engine(url)
        report = check(Store(engine, default_policy()), [])
        engine.dispose()
        assert report.ok, (name, report.integrity, report.audit)
        # Every kill came before the commit (the last two while the lock was held): nothing stays.
        assert _cases(db) == 0, name
    checked = _check(db)  # and the command itself, after the last kill
    assert checked.returncode == 0, (checked.stdout, checked.stderr)

    # The last run is not killed; a desk reading meanwhile sees none of the rows, then all of them.
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    seen = set()
    while proc.poll() is None:
        seen.add(_cases(db))
        time.sleep(0.01)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert seen <= {0, ROWS}, sorted(seen)
    assert _cases(db) == ROWS
    checked = _check(db)
    assert checked.returncode == 0, (checked.stdout, checked.stderr)
