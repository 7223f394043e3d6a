"""One dialog per desk verb (SPEC S2-S4): the fields it needs, and the service it calls.

Each verb is data: a ``VerbForm`` lists its fields (named as the core names them, so an
``InvalidInput`` problem lands next to the right field) and a ``call`` that turns the typed
values into one service call with the case version the screen loaded. ``ActionForm`` shows any
of them, saves in a thread worker, and on failure keeps every value typed: a refused step shows
the guard's reason, an ``EditConflict`` shows what the other desk changed (ctrl+r takes the new
version so the same input can be saved again, issue 3 item 8).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Footer, Input, Static

from complaint_tui.desk import CaseChanged, Desk
from complaint_tui.errors import DeskError, EditConflict, FieldProblem, InvalidInput
from complaint_tui.i18n import catalog, t
from complaint_tui.models import (
    ContactChannel,
    DemandMet,
    FollowUpKind,
    NoteKind,
    Party,
    Responsibility,
    Role,
    VisitMethod,
    VisitOutcome,
)
from complaint_tui.policy import Policy
from complaint_tui.queries import case_detail
from complaint_tui.queries.case_view import CaseDetail
from complaint_tui.screens.base import DeskModal
from complaint_tui.services import (
    CaseChange,
    EvidenceInput,
    Operator,
    StaffRow,
    acknowledge,
    add_evidence,
    add_note,
    add_task,
    append_complaint,
    assign,
    close,
    finish_task,
    follow_up,
    force_close,
    give_feedback,
    log_return_visit,
    merge,
    pause,
    plan,
    record_chase,
    record_finding,
    refer,
    reopen,
    resolve,
    resume,
    unmerge,
    update_owner,
    withdraw,
)
from complaint_tui.validation import RuleBroken, local_date, local_datetime
from complaint_tui.widgets.choice import ChoiceBar
from complaint_tui.widgets.fields import FieldBlock
from complaint_tui.workflow import Action

Choices = list[tuple[str, str]]


@dataclass(frozen=True)
class CaseRef:
    """The case a form acts on, as the screen loaded it."""

    id: int
    number: str
    version: int


@dataclass(frozen=True)
class FormContext:
    """What the field choices and defaults may depend on."""

    policy: Policy
    lang: str
    now: dt.datetime
    operator: Operator
    staff: list[StaffRow] = field(default_factory=list)
    detail: CaseDetail | None = None


@dataclass(frozen=True)
class FieldSpec:
    """One field of a verb's form; ``name`` is the core's field name (labels, problems)."""

    name: str
    kind: str = "text"  # text, choice, bool, when (local date-time), date
    choices: Callable[[FormContext], Choices] | None = None
    default: Callable[[FormContext], str | bool | None] | None = None
    password: bool = False


Values = dict[str, Any]
# The verb's service call, run in the form's thread worker with the desk's store.
Call = Callable[[Desk, Operator, CaseRef, Values, FormContext], CaseChange]


@dataclass(frozen=True)
class VerbForm:
    action: Action
    fields: tuple[FieldSpec, ...]
    call: Call


def label(name: str, lang: str) -> str:
    """The core's field label when it has one, else the desk's own."""
    key = f"field.{name}"
    return t(key, lang) if key in catalog(lang) else t(f"tui.field.{name}", lang)


# --- choices and defaults --------------------------------------------------------------


def _enum(prefix: str, values: list[str]) -> Callable[[FormContext], Choices]:
    return lambda ctx: [(v, t(f"{prefix}.{v}", ctx.lang)) for v in values]


def _policy(kind: str) -> Callable[[FormContext], Choices]:
    return lambda ctx: [(code, item.label(ctx.lang)) for code, item in getattr(ctx.policy, kind).items()]


def _handlers(ctx: FormContext) -> Choices:
    return [(str(s.id), s.name) for s in ctx.staff if s.active and s.role in (Role.HANDLER, Role.SUPERVISOR)]


def _open_tasks(ctx: FormContext) -> Choices:
    tasks = ctx.detail.open_tasks if ctx.detail else []
    return [
        (str(task.id), f"{ctx.policy.label('departments', task.department, ctx.lang)}: {task.what[:30]}")
        for task in tasks
    ]


def _satisfaction(ctx: FormContext) -> Choices:
    return [(str(n), t(f"tui.satisfaction.{n}", ctx.lang)) for n in range(1, 6)]


def _later(hours: int) -> Callable[[FormContext], str]:
    return lambda ctx: (ctx.now + dt.timedelta(hours=hours)).astimezone(ctx.policy.zone).strftime("%Y-%m-%d %H:%M")


def _case_department(ctx: FormContext) -> str | None:
    return ctx.detail.department if ctx.detail else None


def _self_if_handling(ctx: FormContext) -> str | None:
    return str(ctx.operator.id) if ctx.operator.role in (Role.HANDLER, Role.SUPERVISOR) else None


CHANNEL = FieldSpec(
    "contact_channel",
    "choice",
    _enum("contact_channel", [c.value for c in ContactChannel]),
    default=lambda ctx: ContactChannel.PHONE.value,
)
CONTENT = FieldSpec("content")
REASON = FieldSpec("reason")
EVIDENCE = (FieldSpec("evidence_path"), FieldSpec("evidence_source"), FieldSpec("evidence_taken_on", "date"))


# --- turning typed values into service arguments ----------------------------------------


def when(values: Values, name: str, ctx: FormContext) -> dt.datetime:
    try:
        return local_datetime(values.get(name), ctx.policy.zone)
    except RuleBroken as broken:
        raise InvalidInput([FieldProblem(name, broken.rule, broken.params)]) from None


def evidence(values: Values) -> list[EvidenceInput]:
    """The file named in the form, read here in the worker thread (hashed and stored by the service)."""
    path = str(values.get("evidence_path") or "").strip()
    if not path:
        return []
    try:
        taken = local_date(values.get("evidence_taken_on"))
    except RuleBroken as broken:
        raise InvalidInput([FieldProblem("evidence_taken_on", broken.rule, broken.params)]) from None
    return [EvidenceInput.from_path(path, str(values.get("evidence_source") or ""), taken)]


def _s(values: Values, name: str) -> str:
    value = values.get(name)
    return "" if value is None else str(value)


def _id(values: Values, name: str) -> int:
    value = values.get(name)
    if not value:
        raise InvalidInput([FieldProblem(name, "required")])
    return int(value)


def _now(ctx: FormContext) -> dt.datetime:
    return ctx.now


FORMS: dict[Action, VerbForm] = {
    f.action: f
    for f in (
        VerbForm(
            Action.ACKNOWLEDGE,
            (CHANNEL, CONTENT),
            lambda d, o, c, v, x: acknowledge(
                d.store, o, c.id, c.version, _s(v, "contact_channel"), _s(v, "content"), x.now
            ),
        ),
        VerbForm(
            Action.ASSIGN,
            (
                FieldSpec("assignee", "choice", _handlers),
                FieldSpec("department", "choice", _policy("departments"), default=_case_department),
            ),
            lambda d, o, c, v, x: assign(
                d.store, o, c.id, c.version, _id(v, "assignee"), v.get("department") or None, x.now
            ),
        ),
        VerbForm(
            Action.ADD_NOTE,
            (
                FieldSpec("note_kind", "choice", _enum("note_kind", [k.value for k in NoteKind])),
                FieldSpec("party", "choice", _enum("party", [p.value for p in Party])),
                FieldSpec("person"),
                CONTENT,
                *EVIDENCE,
            ),
            lambda d, o, c, v, x: add_note(
                d.store,
                o,
                c.id,
                c.version,
                _s(v, "note_kind"),
                _s(v, "content"),
                party=v.get("party") or None,
                person=_s(v, "person"),
                evidence=evidence(v),
                now=x.now,
            ),
        ),
        VerbForm(
            Action.ADD_EVIDENCE,
            EVIDENCE,
            lambda d, o, c, v, x: add_evidence(d.store, o, c.id, c.version, evidence(v), x.now),
        ),
        VerbForm(
            Action.RECORD_FINDING,
            (
                FieldSpec("responsibility", "choice", _enum("responsibility", [r.value for r in Responsibility])),
                FieldSpec("cause_code", "choice", _policy("causes")),
                FieldSpec("cause_text"),
                FieldSpec("valid", "bool", default=lambda ctx: True),
                FieldSpec("validity_reason"),
                FieldSpec("signatories"),
                FieldSpec("confirmed_by", "choice", _handlers, default=_self_if_handling),
            ),
            lambda d, o, c, v, x: record_finding(
                d.store,
                o,
                c.id,
                c.version,
                responsibility=_s(v, "responsibility"),
                cause_code=_s(v, "cause_code"),
                cause_text=_s(v, "cause_text"),
                valid=bool(v.get("valid")),
                validity_reason=_s(v, "validity_reason"),
                signatories=_s(v, "signatories"),
                confirmed_by_id=_id(v, "confirmed_by"),
                now=x.now,
            ),
        ),
        VerbForm(
            Action.PLAN,
            (
                FieldSpec("measures"),
                FieldSpec("deadline", "when", default=_later(48)),
                FieldSpec("department", "choice", _policy("departments"), default=_case_department),
                FieldSpec("responsible_name", default=lambda ctx: ctx.operator.name),
                FieldSpec("resources"),
            ),
            lambda d, o, c, v, x: plan(
                d.store,
                o,
                c.id,
                c.version,
                measures=_s(v, "measures"),
                deadline=when(v, "deadline", x),
                department=_s(v, "department"),
                resources=_s(v, "resources"),
                responsible_name=_s(v, "responsible_name"),
                now=x.now,
            ),
        ),
        VerbForm(
            Action.REFER,
            (
                FieldSpec("authority", "choice", _policy("authorities")),
                FieldSpec("explanation"),
                FieldSpec("authority_text"),
            ),
            lambda d, o, c, v, x: refer(
                d.store,
                o,
                c.id,
                c.version,
                authority=_s(v, "authority"),
                explanation=_s(v, "explanation"),
                authority_text=_s(v, "authority_text"),
                now=x.now,
            ),
        ),
        VerbForm(
            Action.ADD_TASK,
            (
                FieldSpec("department", "choice", _policy("departments")),
                FieldSpec("task_what"),
                FieldSpec("task_due", "when", default=_later(24)),
            ),
            lambda d, o, c, v, x: add_task(
                d.store,
                o,
                c.id,
                c.version,
                department=_s(v, "department"),
                what=_s(v, "task_what"),
                due_at=when(v, "task_due", x),
                now=x.now,
            ),
        ),
        VerbForm(
            Action.FINISH_TASK,
            (FieldSpec("task", "choice", _open_tasks), FieldSpec("task_result")),
            lambda d, o, c, v, x: finish_task(
                d.store, o, c.id, c.version, task_id=_id(v, "task"), result=_s(v, "task_result"), now=x.now
            ),
        ),
        VerbForm(
            Action.FOLLOW_UP,
            (FieldSpec("follow_up_kind", "choice", _enum("follow_up_kind", [k.value for k in FollowUpKind])), CONTENT),
            lambda d, o, c, v, x: follow_up(
                d.store, o, c.id, c.version, kind=_s(v, "follow_up_kind"), content=_s(v, "content"), now=x.now
            ),
        ),
        VerbForm(
            Action.UPDATE_OWNER,
            (CHANNEL, CONTENT),
            lambda d, o, c, v, x: update_owner(
                d.store, o, c.id, c.version, channel=_s(v, "contact_channel"), content=_s(v, "content"), now=x.now
            ),
        ),
        VerbForm(Action.RESOLVE, (), lambda d, o, c, v, x: resolve(d.store, o, c.id, c.version, x.now)),
        VerbForm(
            Action.GIVE_FEEDBACK,
            (
                CHANNEL,
                FieldSpec("what_done"),
                FieldSpec("measures"),
                FieldSpec("result"),
                FieldSpec("demand_met", "choice", _enum("demand_met", [d.value for d in DemandMet])),
                FieldSpec("unmet_reason"),
                FieldSpec("next_step"),
            ),
            lambda d, o, c, v, x: give_feedback(
                d.store,
                o,
                c.id,
                c.version,
                channel=_s(v, "contact_channel"),
                what_done=_s(v, "what_done"),
                measures=_s(v, "measures"),
                result=_s(v, "result"),
                demand_met=_s(v, "demand_met"),
                unmet_reason=_s(v, "unmet_reason"),
                next_step=_s(v, "next_step"),
                now=x.now,
            ),
        ),
        VerbForm(
            Action.LOG_RETURN_VISIT,
            (
                FieldSpec(
                    "visit_method",
                    "choice",
                    _enum("visit_method", [m.value for m in VisitMethod]),
                    default=lambda ctx: VisitMethod.PHONE.value,
                ),
                FieldSpec("satisfaction", "choice", _satisfaction),
                FieldSpec("visit_outcome", "choice", _enum("visit_outcome", [o.value for o in VisitOutcome])),
                FieldSpec("remaining_issues"),
                FieldSpec("rejects_decision", "bool", default=lambda ctx: False),
                FieldSpec("external_recourse"),
            ),
            lambda d, o, c, v, x: log_return_visit(
                d.store,
                o,
                c.id,
                c.version,
                method=_s(v, "visit_method"),
                satisfaction_score=_s(v, "satisfaction"),
                outcome=_s(v, "visit_outcome"),
                remaining_issues=_s(v, "remaining_issues"),
                rejects_decision=bool(v.get("rejects_decision")),
                external_recourse=_s(v, "external_recourse"),
                now=x.now,
            ),
        ),
        VerbForm(Action.CLOSE, (), lambda d, o, c, v, x: close(d.store, o, c.id, c.version, x.now)),
        VerbForm(
            Action.FORCE_CLOSE,
            (REASON,),
            lambda d, o, c, v, x: force_close(d.store, o, c.id, c.version, _s(v, "reason"), x.now),
        ),
        VerbForm(
            Action.REOPEN, (REASON,), lambda d, o, c, v, x: reopen(d.store, o, c.id, c.version, _s(v, "reason"), x.now)
        ),
        VerbForm(
            Action.WITHDRAW,
            (REASON,),
            lambda d, o, c, v, x: withdraw(d.store, o, c.id, c.version, _s(v, "reason"), x.now),
        ),
        VerbForm(
            Action.MERGE,
            (FieldSpec("into_number"),),
            lambda d, o, c, v, x: merge(d.store, o, c.id, c.version, into_number=_s(v, "into_number"), now=x.now),
        ),
        VerbForm(Action.UNMERGE, (), lambda d, o, c, v, x: unmerge(d.store, o, c.id, c.version, x.now)),
        VerbForm(
            Action.APPEND,
            (FieldSpec("channel", "choice", _policy("channels")), CONTENT),
            lambda d, o, c, v, x: append_complaint(
                d.store, o, c.id, c.version, channel=_s(v, "channel"), content=_s(v, "content"), now=x.now
            ),
        ),
        VerbForm(
            Action.CHASE,
            (FieldSpec("channel", "choice", _policy("channels")), CONTENT),
            lambda d, o, c, v, x: record_chase(
                d.store, o, c.id, c.version, channel=_s(v, "channel"), content=_s(v, "content"), now=x.now
            ),
        ),
        VerbForm(
            Action.PAUSE, (REASON,), lambda d, o, c, v, x: pause(d.store, o, c.id, c.version, _s(v, "reason"), x.now)
        ),
        VerbForm(Action.RESUME, (), lambda d, o, c, v, x: resume(d.store, o, c.id, c.version, x.now)),
    )
}


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
    ]

    def __init__(
        self,
        action: Action,
        target: CaseRef,
        ctx: FormContext,
        prefill: dict[str, str] | None = None,
    ) -> None:
        super().__init__(classes="action-form")
        self.spec = FORMS[action]
        self.target = target
        self.version = target.version
        self.ctx = ctx
        self.prefill = prefill or {}
        self.conflicted = False

    def compose(self) -> ComposeResult:
        action = self.tr(f"action.{self.spec.action.value}")
        with VerticalScroll(classes="dialog"):
            yield Static(self.tr("tui.form.title", number=self.target.number, action=action), classes="dialog-title")
            yield Static("", id="form-banner")
            if not self.spec.fields:
                yield Static(self.tr("tui.form.confirm", action=action), id="form-confirm")
            for spec in self.spec.fields:
                yield FieldBlock(spec.name, label(spec.name, self.lang), self.make_widget(spec))
            yield Footer()

    def make_widget(self, spec: FieldSpec) -> Widget:
        default = self.prefill.get(spec.name)
        if default is None and spec.default is not None:
            default = spec.default(self.ctx)  # type: ignore[assignment]
        wid = f"ff-{spec.name}"
        if spec.kind == "choice":
            assert spec.choices is not None
            return ChoiceBar(spec.choices(self.ctx), value=str(default) if default else None, id=wid)
        if spec.kind == "bool":
            return Checkbox(label(spec.name, self.lang), bool(default), id=wid)
        placeholder = "YYYY-MM-DD HH:MM" if spec.kind == "when" else ("YYYY-MM-DD" if spec.kind == "date" else "")
        return Input(str(default or ""), id=wid, placeholder=placeholder, password=spec.password)

    def on_mount(self) -> None:
        # Start where typing is needed: the first field without a value (defaults are skipped).
        widgets = [w for w in self.query("Input, ChoiceBar, Checkbox") if w.id and w.id.startswith("ff-")]
        empty = [w for w in widgets if isinstance(w, Input | ChoiceBar) and not w.value]
        if empty or widgets:
            (empty or widgets)[0].focus()

    def values(self) -> Values:
        out: Values = {}
        for spec in self.spec.fields:
            widget = self.query_one(f"#ff-{spec.name}")
            if isinstance(widget, ChoiceBar):
                out[spec.name] = widget.value
            elif isinstance(widget, Checkbox):
                out[spec.name] = widget.value
            elif isinstance(widget, Input):
                out[spec.name] = widget.value
        return out

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
        self.deliver(VerbSaved(self.spec.call(self.desk, ctx.operator, target, values, ctx)))

    @on(VerbSaved)
    def saved(self, message: VerbSaved) -> None:
        self.tell_desk(CaseChanged(message.change.case_id))
        self.dismiss(message.change)

    def action_cancel(self) -> None:
        self.dismiss(None)

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

    def handle_desk_error(self, error: DeskError) -> bool:
        if isinstance(error, InvalidInput):
            unplaced = []
            for problem in error.problems:
                blocks = self.query(f"#block-{problem.field}").results(FieldBlock)
                block = next(iter(blocks), None)
                if block is None:
                    unplaced.append(problem.message(self.lang))
                else:
                    block.show_error(problem.message(self.lang))
            self.banner(self.tr("tui.form.fix_fields", count=len(error.problems)) + " " + "; ".join(unplaced), True)
            return True
        if isinstance(error, EditConflict):
            self.conflicted = True
            changes = "; ".join(describe_change(c, self.lang) for c in error.changes) or "-"
            self.banner(self.tr("tui.form.conflict", number=error.params.get("number", ""), changes=changes), True)
            return True
        self.banner(error.message(self.lang), True)
        return True
