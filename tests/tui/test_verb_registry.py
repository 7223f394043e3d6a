"""The verb registry is the one place a desk verb is declared (issue 10, item 3): each case step of
the workflow has exactly one entry; its key is bound on the case screen and no other binding
takes it; its form asks for exactly the command's fields, typed as the command types them; the
services name their problems with those fields, so a refused form shows each problem at a field."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from textual.widget import Widget

from complaint_tui.app import DeskApp
from complaint_tui.db import Store
from complaint_tui.errors import DeskError, InvalidInput
from complaint_tui.i18n import catalog
from complaint_tui.models import Case
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.forms import ActionForm
from complaint_tui.verbs import (
    VERBS,
    CaseRef,
    Command,
    FormContext,
    build,
    field_type,
    form_fields,
    verb_of,
    verb_on_key,
)
from complaint_tui.workflow import TRANSITIONS, Action
from tests.tui.conftest import NOW, Staff, file_intake, make_app, settle

# What the form hands a command for each way of asking (spelled out here, not read from the code).
KIND_TYPES: dict[str, Any] = {
    "text": str,
    "long": str,
    "choice": str,
    "pick": int,
    "bool": bool,
    "when": dt.datetime,
    "date": dt.date | None,
}


def test_every_case_step_has_exactly_one_verb() -> None:
    """Every workflow action on an existing case is one registry entry; intake (its own screen) none."""
    for action in Action:
        declared = [verb.__name__ for verb in VERBS if verb.action is action]
        assert len(declared) == (1 if action in TRANSITIONS else 0), (action, declared)
        if action in TRANSITIONS:
            assert verb_of(action).action is action


def test_each_verb_key_is_unique_and_bound_on_the_case_screen() -> None:
    keys = [verb.key for verb in VERBS]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    bound = {binding.key: binding.action for binding in CaseScreen.BINDINGS}
    for verb in VERBS:
        assert bound[verb.key] == f"verb('{verb.action.value}')", verb.__name__
        assert verb_on_key(verb.key) is verb
    # No other binding of the case screen or of the app takes a verb's key.
    others = [b.key for b in CaseScreen.BINDINGS if not b.action.startswith("verb(")]
    others += [b.key for b in DeskApp.BINDINGS]  # type: ignore[union-attr]
    assert not set(keys) & set(others)
    # And every verb binding is a registry verb.
    assert sorted(a for a in bound.values() if a.startswith("verb(")) == sorted(
        f"verb('{verb.action.value}')" for verb in VERBS
    )


def test_the_form_asks_for_each_command_field_as_the_command_types_it() -> None:
    for verb in VERBS:
        declared = [f.name for f in dataclasses.fields(verb)]  # type: ignore[arg-type]
        assert [f.name for f in form_fields(verb)] == declared, verb.__name__
        for spec in form_fields(verb):
            assert field_type(verb, spec.name) == KIND_TYPES[spec.ask.kind], (verb.__name__, spec.name)
            assert (spec.ask.choices is not None) == (spec.ask.kind in ("choice", "pick")), (verb.__name__, spec.name)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_verb_and_field_has_words(lang: str) -> None:
    words = catalog(lang)
    for verb in VERBS:
        assert f"action.{verb.action.value}" in words, verb.__name__
        for spec in form_fields(verb):
            assert f"field.{spec.name}" in words or f"tui.field.{spec.name}" in words, (verb.__name__, spec.name)


# Verbs whose blank form is not refused field by field (none now: a blank merge target was
# looked up as the case number "" until the merge service asked for it as required).
_BLANK_NOT_INVALID: set[Action] = set()


@pytest.mark.parametrize(
    "verb",
    [
        pytest.param(verb, id=verb.action.value, marks=[pytest.mark.xfail(strict=True)])
        if verb.action in _BLANK_NOT_INVALID
        else pytest.param(verb, id=verb.action.value)
        for verb in VERBS
        if form_fields(verb)
    ],
)
def test_a_blank_form_is_refused_at_its_own_fields(verb: type[Command], sqlite_store: Store, staff: Staff) -> None:
    """Each verb with fields, saved blank on a new case by a supervisor, is refused as invalid input
    (nothing written), and every problem names a field of that verb's form (or a name the field
    shows, like the file at a typed path): none lands only in the banner."""
    receipt = file_intake(sqlite_store, staff.desk)
    boss = staff.supervisor
    ctx = FormContext(sqlite_store.policy, "en", NOW, boss)
    fields = form_fields(verb)
    blank = {spec.name: (False if spec.ask.kind == "bool" else "") for spec in fields}
    with pytest.raises(DeskError) as caught:
        build(verb, blank, ctx).run(sqlite_store, boss, CaseRef(receipt.case_id, receipt.number, receipt.version), NOW)
    error = caught.value
    assert isinstance(error, InvalidInput), error
    shown = {spec.name for spec in fields} | {name for spec in fields for name in spec.ask.also}
    assert {p.field for p in error.problems} <= shown, error.problems
    with sqlite_store.read() as session:
        row = session.get(Case, receipt.case_id)
        assert row is not None and row.version == receipt.version


async def test_each_dialog_shows_its_command_fields_in_order(sqlite_store: Store, staff: Staff) -> None:
    """The dialog of every verb is built from its entry: one field per command field, in order."""
    receipt = file_intake(sqlite_store, staff.desk)
    app = make_app(sqlite_store, "zh", operator="wang")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        operator = app.operator
        assert operator is not None
        ctx = FormContext(sqlite_store.policy, "zh", NOW, operator)
        for verb in VERBS:
            form = ActionForm(verb.action, CaseRef(receipt.case_id, receipt.number, receipt.version), ctx)
            await app.push_screen(form)
            await settle(pilot)
            shown = [
                w.id.removeprefix("ff-") for w in form.query("*").results(Widget) if w.id and w.id.startswith("ff-")
            ]
            assert shown == [f.name for f in dataclasses.fields(verb)], verb.__name__  # type: ignore[arg-type]
            assert bool(form.query("#form-confirm")) == (not shown)
            form.dismiss(None)
            await settle(pilot)
