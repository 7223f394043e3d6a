"""The admin commands through the real entry point: db upgrade / check / backup, staff add / list."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from complaint_tui import cli


def run(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``complaint-tui ARGS`` in this process, as the console script would."""
    monkeypatch.setattr(sys, "argv", ["complaint-tui", *args])
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    with pytest.raises(SystemExit) as done:
        cli.main()
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def test_db_upgrade_check_and_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "centre.sqlite3"
    code, out, _ = run(["db", "upgrade", "--db", str(db)], monkeypatch, capsys)
    assert code == 0 and "current schema" in out
    code, out, _ = run(["db", "check", "--db", str(db)], monkeypatch, capsys)
    assert code == 0 and "Check passed" in out and "Working-day calendar" in out
    add = ["staff", "add", "wang", "王芳", "--role", "supervisor", "--new-pin", "2468", "--db", str(db)]
    code, out, _ = run(add, monkeypatch, capsys)
    assert code == 0 and "wang" in out
    backup = tmp_path / "backup.sqlite3"
    code, out, _ = run(["db", "backup", str(backup), "--db", str(db)], monkeypatch, capsys)
    assert code == 0 and backup.exists()
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT login FROM staff").fetchall() == [("wang",)]
    code, _, err = run(["db", "backup", str(backup), "--db", str(db)], monkeypatch, capsys)
    assert code == 1 and "already exists" in err and "Traceback" not in err


def test_db_check_reports_the_calendar_years(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.sqlite3"
    run(["db", "upgrade", "--db", str(db)], monkeypatch, capsys)
    code, out, _ = run(["--lang", "zh", "db", "check", "--db", str(db)], monkeypatch, capsys)
    assert code == 0 and "工作日历" in out and "检查通过" in out


def test_staff_add_and_list_with_roles_and_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.sqlite3")
    assert run(["db", "upgrade", "--db", db], monkeypatch, capsys)[0] == 0  # staff add never creates a store
    code, _, err = run(["staff", "add", "zhao", "赵敏", "--db", db], monkeypatch, capsys)
    assert code == 1 and "first account must be a supervisor" in err
    boss = ["--operator", "wang", "--pin", "2468"]  # a store with staff: a supervisor signs in
    assert (
        run(
            ["staff", "add", "wang", "王芳", "--role", "supervisor", "--new-pin", "2468", "--db", db],
            monkeypatch,
            capsys,
        )[0]
        == 0
    )
    assert (
        run(
            ["staff", "add", "li", "李强", "--role", "handler", "--department", "engineering", "--db", db, *boss],
            monkeypatch,
            capsys,
        )[0]
        == 0
    )
    code, _, err = run(["staff", "add", "qian", "钱", "--role", "chef", "--db", db, *boss], monkeypatch, capsys)
    assert code == 1 and "Role: choose one of" in err
    code, out, _ = run(["staff", "list", "--db", db, *boss], monkeypatch, capsys)
    assert code == 0 and "李强" in out and "Engineering" in out and "supervisor" in out


def test_bad_database_addresses_end_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["staff", "list", "--db", str(tmp_path / "missing" / "x.sqlite3")], monkeypatch, capsys)
    assert code == 1 and "No store at" in err and "Traceback" not in err
    code, _, err = run(["staff", "list", "--db", "nosuch://x"], monkeypatch, capsys)
    assert code == 1 and "Not a usable database address" in err


def test_the_environment_variable_names_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "env.sqlite3"
    monkeypatch.setenv("COMPLAINT_TUI_DB", str(db))
    assert run(["db", "upgrade"], monkeypatch, capsys)[0] == 0
    assert db.exists()


def test_the_installed_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("complaint-tui")
    env = {**os.environ, "LANG": "en_US.UTF-8"}
    run_ = subprocess.run(
        [str(script), "db", "upgrade", "--db", str(tmp_path / "x.sqlite3")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run_.returncode == 0, run_.stderr
    helped = subprocess.run(
        [str(script), "db", "backup", "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert helped.returncode == 0 and "Example" in helped.stdout
