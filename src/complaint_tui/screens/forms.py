"""One dialog per desk verb (SPEC S2-S4), built from the verb registry (``complaint_tui.verbs``).

The verb's ``Command`` says which fields the dialog shows, in order, and how each is asked for
(named as the core names them, so an ``InvalidInput`` problem lands next to the right field).
``ActionForm`` shows any of them, turns what was typed into the command and runs it in a thread
worker with the case version the screen loaded; on failure it keeps every value typed: a refused
step shows the guard's reason, an ``EditConflict`` shows what the other desk changed (ctrl+r takes
the new version so the same input can be saved again, issue 3 item 8).

Sentences (a ``long`` field: notes, findings, measures, reasons) are typed in a ``LongText`` of
several lines: Enter starts a new line there, Tab goes on to the next field, ctrl+s saves. A
refused field is named under itself and takes the focus. Esc (or F10, ctrl+q) on a form with
something typed or changed asks before the input is thrown away; an untouched form closes at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Static

from complaint_tui.desk import CaseChanged
from complaint_tui.errors import DeskError, EditConflict, InvalidInput
from complaint_tui.i18n import catalog, t
from complaint_tui.operators import Operator
from complaint_tui.queries import case_detail
from complaint_tui.queries.case_view import CaseDetail
from complaint_tui.screens.base import DeskModal
from complaint_tui.services import CaseChange
from complaint_tui.verbs import CaseRef, FormContext, FormField, build, form_fields, verb_of
from complaint_tui.verbs.asks import handlers
from complaint_tui.widgets.choice import ChoiceBar
from complaint_tui.widgets.field_input import FieldInput
from complaint_tui.widgets.fields import FieldBlock
from complaint_tui.widgets.long_text import LongText
from complaint_tui.widgets.picker import SHOWN, PickerBar
from complaint_tui.widgets.steady_footer import SteadyFooter
from complaint_tui.workflow import Action

# Named here too: the intake screen opens the "append" dialog with them.
__all__ = ["ActionForm", "CaseRef", "FormContext", "describe_change", "label"]

Values = dict[str, Any]
PLACEHOLDERS = {"when": "YYYY-MM-DD HH:MM", "date": "YYYY-MM-DD"}


def label(name: str, lang: str) -> str:
    """The core's field label when it has one, else the desk's own."""
    key = f"field.{name}"
    return t(key, lang) if key in catalog(lang) else t(f"tui.field.{name}", lang)


def describe_change(entry: str, lang: str) -> str:
    """``"plan:李强"`` (from ``EditConflict.changes``) as "plan the fix — 李强"."""
    action, _, who = entry.partition(":")
    text = t(f"action.{action}", lang) if f"action.{action}" in catalog(lang) else action
    return f"{text} — {who}" if who else text


@dataclass
class VerbSaved(Message):
    """The verb is saved: what changed on the case."""

    change: CaseChange


@dataclass
class VersionTaken(Message):
    """The case as it is now, after another desk changed it (the form saves against it)."""

    detail: CaseDetail


class ActionForm(DeskModal[CaseChange | None]):
    """The dialog of one verb on one case; dismisses with the ``CaseChange`` once saved."""

    BINDINGS = [
        Binding("ctrl+s", "save", "keys.form.save", id="form-save", priority=True),
        Binding("ctrl+r", "take_new_version", "keys.form.reload", id="form-reload"),
        Binding("escape", "cancel", "keys.form.cancel", id="form-cancel"),
        # A dialog hides the App's keys but its priority ones: F10 signs out from here too (and
        # asks first when something is typed, as ctrl+q does).
        Binding("f10", "app.sign_out", show=False),
    ]
    # A ctrl+s typed right after ctrl+r saves against the version ctrl+r takes: keys wait for it.
    HOLD_KEYS_FOR = frozenset({"save", "latest"})

    def __init__(
        self,
        action: Action,
        target: CaseRef,
        ctx: FormContext,
        prefill: dict[str, str] | None = None,
    ) -> None:
        super().__init__(classes="action-form")
        self.command = verb_of(action)
        self.fields = form_fields(self.command)
        self.target = target
        self.version = target.version
        self.ctx = ctx
        self.prefill = prefill or {}
        self.conflicted = False
        # The values the form opened with (defaults included): anything else was typed.
        self.opened_with: Values = {}

    def compose(self) -> ComposeResult:
        action = self.tr(f"action.{self.command.action.value}")
        with VerticalScroll(classes="dialog"):
            yield Static(self.tr("tui.form.title", number=self.target.number, action=action), classes="dialog-title")
            yield Static("", id="form-banner")
            if not self.fields:
                yield Static(self.tr("tui.form.confirm", action=action), id="form-confirm")
            for spec in self.fields:
                yield FieldBlock(spec.name, label(spec.name, self.lang), self.make_widget(spec))
            yield SteadyFooter()

    def make_widget(self, spec: FormField) -> Widget:
        ask = spec.ask
        default: str | bool | None = self.prefill.get(spec.name)
        if default is None and ask.default is not None:
            default = ask.default(self.ctx)
        wid = f"ff-{spec.name}"
        if ask.kind in ("choice", "pick"):
            choices = ask.choices(self.ctx) if ask.choices is not None else []
            value = str(default) if default else None
            if ask.choices is handlers or len(choices) > SHOWN:
                # Staff, and lists longer than a row of digits, narrow as one types (issue 8 item 11).
                logins = {str(s.id): s.login for s in self.ctx.staff} if ask.choices is handlers else {}
                return PickerBar(choices, value, lang=self.lang, also=logins, id=wid)
            return ChoiceBar(choices, value=value, id=wid)
        if ask.kind == "bool":
            return Checkbox(label(spec.name, self.lang), bool(default), id=wid)
        if ask.kind == "long":
            return LongText(str(default or ""), id=wid)
        return FieldInput(str(default or ""), id=wid, placeholder=PLACEHOLDERS.get(ask.kind, ""), password=ask.password)

    def on_mount(self) -> None:
        self.opened_with = self.values()
        # Start where typing is needed: the first field without a value (defaults are skipped).
        widgets = [w for w in self.query("Input, LongText, ChoiceBar, Checkbox") if w.id and w.id.startswith("ff-")]
        empty = [w for w in widgets if isinstance(w, Input | LongText | ChoiceBar) and not w.value]
        if empty or widgets:
            (empty or widgets)[0].focus()

    def values(self) -> Values:
        out: Values = {}
        for spec in self.fields:
            widget = self.query_one(f"#ff-{spec.name}")
            if isinstance(widget, ChoiceBar):
                out[spec.name] = widget.value
            elif isinstance(widget, Checkbox):
                out[spec.name] = widget.value
            elif isinstance(widget, Input | LongText):
                out[spec.name] = widget.value
        return out

    def has_unsaved_input(self) -> bool:
        """Whether any field holds other than what the form opened with (issue 8, item 2)."""
        return bool(self.opened_with) and self.values() != self.opened_with

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_save(self) -> None:
        for block in self.query(FieldBlock):
            block.show_error(None)
        ctx = self.ctx
        ctx = FormContext(ctx.policy, ctx.lang, self.desk.now(), ctx.operator, ctx.staff, ctx.detail)
        target = CaseRef(self.target.id, self.target.number, self.version)
        self.query_one("#form-banner", Static).update(self.tr("tui.form.saving"))
        self.save(target, self.values(), ctx)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def save(self, target: CaseRef, values: Values, ctx: FormContext) -> None:
        command = build(self.command, values, ctx)
        self.deliver(VerbSaved(command.run(self.desk.store, ctx.operator, target, ctx.now)))

    @on(VerbSaved)
    def saved(self, message: VerbSaved) -> None:
        self.tell_desk(CaseChanged(message.change.case_id))
        self.dismiss(message.change)

    def action_cancel(self) -> None:
        """Esc: close; with something typed, only once the person says so (only ``y`` does)."""
        if not self.has_unsaved_input():
            self.dismiss(None)
            return
        from complaint_tui.screens.confirm import ConfirmLeaveScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(ConfirmLeaveScreen("tui.leave.discard"), answered)

    def action_take_new_version(self) -> None:
        """After a conflict: adopt the case's new version; the typed values stay as they are."""
        self.take_new_version(self.target.id, self.ctx.operator, self.desk.now())

    @work(thread=True, exclusive=True, exit_on_error=False, group="latest")
    def take_new_version(self, case_id: int, viewer: Operator, now: dt.datetime) -> None:
        self.deliver(VersionTaken(case_detail(self.desk.store, viewer, case_id, now)))

    @on(VersionTaken)
    def took_new_version(self, message: VersionTaken) -> None:
        detail = message.detail
        self.version = detail.version
        self.conflicted = False
        self.banner(self.tr("tui.form.took_version", version=detail.version, status=self.tr(f"status.{detail.status}")))

    def banner(self, text: str, error: bool = False) -> None:
        line = self.query_one("#form-banner", Static)
        line.update(text)
        line.set_class(error, "-error")

    def field_showing(self, problem_field: str) -> str | None:
        """The form's field a problem with ``problem_field`` is shown at, if any."""
        for spec in self.fields:
            if problem_field == spec.name or problem_field in spec.ask.also:
                return spec.name
        return None

    def handle_desk_error(self, error: DeskError) -> bool:
        if isinstance(error, InvalidInput):
            unplaced = []
            refused: list[FieldBlock] = []
            for problem in error.problems:
                name = self.field_showing(problem.field)
                blocks = self.query(f"#block-{name}").results(FieldBlock) if name else ()
                block = next(iter(blocks), None)
                if block is None:
                    unplaced.append(problem.message(self.lang))
                else:
                    block.show_error(problem.message(self.lang))
                    refused.append(block)
            self.banner(self.tr("tui.form.fix_fields", count=len(error.problems)) + " " + "; ".join(unplaced), True)
            # The first refused field in the form's order takes the focus, and with it the keys
            # typed while the save ran (widgets.typeahead).
            first = next((b for b in self.query(FieldBlock) if b in refused), None)
            if first is not None:
                first.widget.focus()
            return True
        if isinstance(error, EditConflict):
            self.conflicted = True
            changes = "; ".join(describe_change(c, self.lang) for c in error.changes) or "-"
            self.banner(self.tr("tui.form.conflict", number=error.params.get("number", ""), changes=changes), True)
            return True
        self.banner(error.message(self.lang), True)
        return True
