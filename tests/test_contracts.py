"""Architecture contracts: the headless core never imports Textual; every message exists in both
languages; the schema the models describe is the schema the migrations build."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from complaint_tui.db import Store
from complaint_tui.i18n import catalog

SRC = Path(__file__).resolve().parents[1] / "src" / "complaint_tui"
CORE = [
    "complaint_tui.models",
    "complaint_tui.db",
    "complaint_tui.policy",
    "complaint_tui.workflow",
    "complaint_tui.validation",
    "complaint_tui.services",
    "complaint_tui.queries",
    "complaint_tui.verbs",
    "complaint_tui.i18n",
]


def test_the_core_never_imports_textual() -> None:
    code = (
        "import sys\n"
        f"for name in {CORE!r}: __import__(name)\n"
        "import complaint_tui.cli\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_import_linter_contract_holds() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint)], capture_output=True, text=True, check=False, cwd=SRC.parents[1])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "KEPT" in run.stdout


def test_every_message_exists_in_chinese_and_english() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert set(zh) == set(en), sorted(set(zh) ^ set(en))
    assert all(zh[k].strip() and en[k].strip() for k in zh)
    for key in zh:
        assert sorted(re.findall(r"{(\w+)}", zh[key])) == sorted(re.findall(r"{(\w+)}", en[key])), key


def test_every_message_key_the_core_names_is_in_the_catalog() -> None:
    keys = set(catalog("en"))
    pattern = re.compile(r"""["']((?:guard|error|rule|policy_rule|cli|action|status|role|party|step)\.[a-z_]+)["']""")
    named: set[str] = set()
    for path in SRC.rglob("*.py"):
        named.update(pattern.findall(path.read_text("utf-8")))
    # Keys built from a code (f"status.{...}") are covered by the enum tests below.
    assert named - keys == set()


def test_every_code_has_a_label() -> None:
    from complaint_tui import models
    from complaint_tui.policy import Step
    from complaint_tui.workflow import Action

    en = catalog("en")
    families = {
        "status": models.Status,
        "role": models.Role,
        "party": models.Party,
        "object_kind": models.ObjectKind,
        "note_kind": models.NoteKind,
        "responsibility": models.Responsibility,
        "evidence_kind": models.EvidenceKind,
        "follow_up_kind": models.FollowUpKind,
        "contact_channel": models.ContactChannel,
        "update_kind": models.UpdateKind,
        "demand_met": models.DemandMet,
        "visit_method": models.VisitMethod,
        "visit_outcome": models.VisitOutcome,
        "close_kind": models.CloseKind,
        "contact_kind": models.ContactKind,
        "step": Step,
        "action": Action,
    }
    for prefix, enum in families.items():
        for member in enum:
            assert f"{prefix}.{member.value}" in en, f"{prefix}.{member.value}"


def test_the_migrations_build_the_schema_the_models_describe(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    # The search index and the partial index live outside the models on purpose.
    real = [d for d in diff if "case_search" not in str(d) and "ix_case_overdue" not in str(d)]
    assert real == []


def test_the_code_is_ruff_clean() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    run = subprocess.run(
        [str(ruff), "check", "src", "tests", "benchmarks"],
        capture_output=True,
        text=True,
        check=False,
        cwd=SRC.parents[1],
    )
    assert run.returncode == 0, run.stdout + run.stderr


def assert_strict_types(paths: list[str]) -> None:
    """``mypy --strict`` passes on ``paths`` (files or packages)."""
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", *paths],
        capture_output=True,
        text=True,
        check=False,
        cwd=SRC.parents[1],
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_core_type_checks_strictly() -> None:
    """Every module but the desk's Textual side (checked below) and every core package: a new
    module is checked without anyone adding it to a list."""
    desk_side = {"app", "commands", "desk", "textual_private", "__init__"}
    core = sorted(str(p) for p in SRC.glob("*.py") if p.stem not in desk_side)
    core += [str(SRC / name) for name in ("services", "queries", "verbs", "demo")]
    assert_strict_types(core)


def test_the_desk_type_checks_strictly() -> None:
    """Screens, widgets and views are typed against the desk protocol (complaint_tui.desk), and
    mypy checks that the App is that desk: a screen asking the App for something it does not
    offer, or a handler taking the wrong message, fails here (issue 10, item 1)."""
    desk = [str(SRC / name) for name in ("screens", "widgets", "views", "desk.py", "app.py", "commands.py")]
    assert_strict_types(desk)
