"""The ways the verbs' forms ask for a value: free text, a code from a list, a staff member, a
tick, a date; with the choices and defaults that depend on the policy, the case and who asks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from complaint_tui.i18n import t
from complaint_tui.models import ContactChannel, Role
from complaint_tui.verbs.base import Ask, Choices, FormContext

ChoicesOf = Callable[[FormContext], Choices]
DefaultOf = Callable[[FormContext], str | bool | None]


def enum_choices(prefix: str, values: list[str]) -> ChoicesOf:
    """Codes labelled ``<prefix>.<code>`` in the catalogs."""
    return lambda ctx: [(v, t(f"{prefix}.{v}", ctx.lang)) for v in values]


def policy_choices(kind: str) -> ChoicesOf:
    """The policy's list ``kind`` (departments, causes, authorities, channels), in its labels."""
    return lambda ctx: [(code, item.label(ctx.lang)) for code, item in getattr(ctx.policy, kind).items()]


def handlers(ctx: FormContext) -> Choices:
    """Who may take the case: the handling department's handlers first (issue 8 item 11), then
    the other handlers and supervisors, each group in the staff list's order."""
    department = ctx.detail.department if ctx.detail else None
    able = [s for s in ctx.staff if s.active and s.role in (Role.HANDLER, Role.SUPERVISOR)]
    ordered = sorted(able, key=lambda s: not (department is not None and s.department == department))
    return [(str(s.id), s.name) for s in ordered]


def open_tasks(ctx: FormContext) -> Choices:
    tasks = ctx.detail.open_tasks if ctx.detail else []
    return [
        (str(task.id), f"{ctx.policy.label('departments', task.department, ctx.lang)}: {task.what[:30]}")
        for task in tasks
    ]


def plan_measures(ctx: FormContext) -> str | None:
    """The measures of the cycle's latest plan: what the feedback tells the owner starts there."""
    plans = [p for p in ctx.detail.plans if p.cycle == ctx.detail.cycle] if ctx.detail else []
    return plans[-1].measures if plans else None


def task_results(ctx: FormContext) -> str | None:
    """The results of the cycle's finished department tasks, one after the other."""
    if ctx.detail is None:
        return None
    done = [task for task in ctx.detail.tasks if task.cycle == ctx.detail.cycle and task.done_at and task.result]
    return ("；" if ctx.lang == "zh" else "; ").join(task.result for task in done) or None


def satisfaction_scores(ctx: FormContext) -> Choices:
    return [(str(n), t(f"tui.satisfaction.{n}", ctx.lang)) for n in range(1, 6)]


def hours_later(hours: int) -> DefaultOf:
    """A due time ``hours`` from now, as typed in the centre's zone."""
    return lambda ctx: (ctx.now + dt.timedelta(hours=hours)).astimezone(ctx.policy.zone).strftime("%Y-%m-%d %H:%M")


def case_department(ctx: FormContext) -> str | None:
    return ctx.detail.department if ctx.detail else None


def self_if_handling(ctx: FormContext) -> str | None:
    return str(ctx.operator.id) if ctx.operator.role in (Role.HANDLER, Role.SUPERVISOR) else None


def always(value: str | bool) -> DefaultOf:
    return lambda ctx: value


TEXT = Ask("text")
# Sentences: what the core keeps line breaks in (a text of up to TEXT_MAX characters, S1.4): the
# owner's words, notes, findings, measures, results, reasons. The form shows several lines.
LONG_TEXT = Ask("long")
CHANNEL = Ask(
    "choice", enum_choices("contact_channel", [c.value for c in ContactChannel]), always(ContactChannel.PHONE.value)
)
DEPARTMENT = Ask("choice", policy_choices("departments"))
CASE_DEPARTMENT = Ask("choice", policy_choices("departments"), default=case_department)
OWNER_CHANNEL = Ask("choice", policy_choices("channels"))
# The evidence file: a problem with the file found at the path is shown at the path.
EVIDENCE_PATH = Ask("text", also=("evidence_file", "evidence_kind"))
