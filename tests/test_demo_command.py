"""``complaint-tui demo --db FILE``: the store is built beside the asked name and moved in whole.

A large demo is written without a rollback journal (issue 11 item 6: every page once, not to the
WAL and again into the file), which is safe only because nobody can open a half-built store: it
is made in a private folder next to the asked file and given that name when complete. Checked
from the file system and the finished file: nothing under the asked name while the demo runs,
nothing left beside it afterwards, a store in WAL mode that passes ``db check`` with the copied
stories (the copying lowered to a few dozen stories). A demo that fails leaves nothing at all
(tests/test_cli_safety.py, a full disk).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import complaint_tui.demo as demo_package
from complaint_tui.cli import app
from complaint_tui.db import Store
from complaint_tui.demo import build_demo, clone

STORIES = 40
CASES = 100  # three copies of 34 stories, the last two short


def cli(*args: str) -> Result:
    env = {"LANG": "C.UTF-8", "LC_ALL": None, "COMPLAINT_TUI_DB": None, "COLUMNS": "250"}
    return CliRunner().invoke(app, list(args), env=env)


def test_the_store_appears_under_its_name_only_when_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """S7 (demo): a store that is there is whole, checks clean and is an ordinary WAL store."""
    target = tmp_path / "demo.sqlite3"
    seen: list[tuple[bool, list[str]]] = []
    real = demo_package.build_demo

    def watched(store: Store, **kwargs: Any) -> Any:
        summary = real(store, **kwargs)
        seen.append((target.exists(), sorted(p.name for p in tmp_path.iterdir())))
        return summary

    monkeypatch.setattr(clone, "TEMPLATE_CASES", STORIES)
    monkeypatch.setattr(demo_package, "build_demo", watched)
    made = cli("demo", "--db", str(target), "--cases", str(CASES))
    assert made.exit_code == 0, made.output
    assert len(seen) == 1
    there, names = seen[0]
    assert not there, "the asked name held the store before it was complete"
    assert len(names) == 1 and names[0].startswith(".demo.sqlite3.") and names[0].endswith(".building")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.sqlite3"]
    with closing(sqlite3.connect(target)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM complaint_case").fetchone()[0] == CASES
    checked = cli("db", "check", "--db", str(target))
    assert checked.exit_code == 0, checked.output
    assert "Check passed." in checked.output


def test_the_command_refuses_a_name_that_appeared_while_it_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The finished store never replaces a file: one made meanwhile stays as it was."""
    target = tmp_path / "demo.sqlite3"
    real = demo_package.build_demo

    def raced(store: Store, **kwargs: Any) -> Any:
        summary = real(store, **kwargs)
        target.write_text("someone else's", encoding="utf-8")
        return summary

    monkeypatch.setattr(demo_package, "build_demo", raced)
    refused = cli("demo", "--db", str(target), "--cases", "5")
    assert refused.exit_code == 1
    assert "already exists" in refused.stderr and "Traceback" not in refused.stderr
    assert target.read_text(encoding="utf-8") == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.sqlite3"]


def test_the_store_s_connections_check_foreign_keys_again_after_a_copied_demo(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copies are written without a foreign-key look-up per row; the pool's connection is
    given back checking them, so a wrong reference written later is refused."""
    monkeypatch.setattr(clone, "TEMPLATE_CASES", STORIES)
    build_demo(sqlite_store, cases=CASES, seed=3)
    for _ in range(2):
        with sqlite_store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
