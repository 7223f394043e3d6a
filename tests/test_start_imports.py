"""The desk starts without loading what only other commands use (issue 11 item 7; SPEC S5.2).

Each check runs a fresh interpreter and looks at ``sys.modules``: whatever a module imports at
its top is paid by every desk's start, so an eager import of the batch side (export, import,
report: xlsxwriter), the staff commands, Alembic, or pypinyin's phrase dictionary coming back
fails here. Nothing is timed (``benchmarks/tui_start.py`` measures the start).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from complaint_tui.cli import desk_only
from complaint_tui.db import Store

# Loaded only by the commands that use them, never by the desk on its way to the sign-in.
BATCH_SIDE = (
    "alembic",
    "xlsxwriter",
    "complaint_tui.cli_batch",
    "complaint_tui.cli_staff",
    "complaint_tui.exporting",
    "complaint_tui.reporting",
    "complaint_tui.importing",
    "complaint_tui.demo",
)


def run_python(code: str, *args: str) -> Any:
    """Run ``code`` in a fresh interpreter; the JSON it prints last."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLAINT_TUI_")}
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


DESK_MODULES = """
import json, sys
import complaint_tui.app, complaint_tui.screens.signin
at_import = sorted(sys.modules)
from complaint_tui.name_find import name_key
key = name_key("王芳", "wang")
print(json.dumps({"at_import": at_import, "after_key": sorted(sys.modules), "wf": key.matches("wf")}))
"""


@pytest.fixture(scope="module")
def desk_modules() -> dict[str, Any]:
    result: dict[str, Any] = run_python(DESK_MODULES)
    return result


def test_the_desk_and_its_sign_in_import_no_command_line_and_no_batch_side(desk_modules: dict[str, Any]) -> None:
    """The App and the sign-in screen: no typer (the command line's), no queue screen yet (the
    sign-in comes first), none of the batch side, no pypinyin until a name is looked up."""
    loaded = set(desk_modules["at_import"])
    unwanted = (*BATCH_SIDE, "typer", "complaint_tui.config", "complaint_tui.screens.queue", "pypinyin")
    assert sorted(loaded & set(unwanted)) == []


def test_finding_a_name_by_initials_loads_no_phrase_dictionary(desk_modules: dict[str, Any]) -> None:
    """A person is found by the initials of each character (``wf`` for 王芳); the desk has
    pypinyin read single characters only, not its phrase dictionary (a third of a second)."""
    assert desk_modules["wf"] is True
    loaded = set(desk_modules["after_key"])
    assert "pypinyin" in loaded
    assert "pypinyin.phrases_dict" not in loaded


DESK_COMMAND = """
import json, sys
import complaint_tui.app

def instead_of_the_desk(settings, store):
    print(json.dumps({"operator": settings.operator_login, "modules": sorted(sys.modules)}))

complaint_tui.app.run_app = instead_of_the_desk
sys.argv = ["complaint-tui", *sys.argv[1:]]
from complaint_tui.cli import main
main()
"""


def test_the_desk_command_opens_the_store_without_alembic_or_the_batch_commands(sqlite_store: Store) -> None:
    """``complaint-tui --db FILE --operator LOGIN`` on a store at the current revision reads the
    revision with one SELECT (no Alembic) and never imports the batch or staff commands."""
    path = sqlite_store.engine.url.database
    assert path is not None
    sqlite_store.engine.dispose()
    seen = run_python(DESK_COMMAND, "--db", path, "--operator", "wang", "--lang", "en")
    assert seen["operator"] == "wang"  # the desk was reached, with the options typed
    assert sorted(set(seen["modules"]) & set(BATCH_SIDE)) == []


def test_a_command_word_still_reaches_the_commands_registered_on_first_use() -> None:
    """The batch and staff commands are added when the command line names one: ``staff
    --help`` lists the account commands, which only the staff module defines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLAINT_TUI_")}
    code = "import sys; sys.argv = ['complaint-tui', *sys.argv[1:]]; from complaint_tui.cli import main; main()"
    run = subprocess.run(
        [sys.executable, "-c", code, "--lang", "en", "staff", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    for command in ("add", "reset-pin", "unlock", "list"):
        assert command in run.stdout


@pytest.mark.parametrize(
    ("words", "desk"),
    [
        ([], True),
        (["--db", "centre.sqlite3", "--operator", "wang"], True),
        (["--db=centre.sqlite3", "--lang", "zh", "--estate", "a,b", "--policy", "p.toml", "--demo"], True),
        (["--version"], True),
        (["report"], False),
        (["--db", "centre.sqlite3", "export"], False),
        (["--lang", "zh", "staff", "list"], False),
        (["--help"], False),
        (["--lang", "en", "--bogus"], False),
        (["reprot"], False),  # a slip: the whole command line suggests the near commands
    ],
)
def test_only_the_desks_own_options_skip_the_other_commands(words: list[str], desk: bool) -> None:
    """Words that only open the desk start it without registering the other commands; a
    command, a slip or ``--help`` goes to the whole command line, which answers as before."""
    assert desk_only(words) is desk
