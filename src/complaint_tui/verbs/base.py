"""What a desk verb is made of: a ``Command`` (typed inputs and one service call) whose fields say,
with ``Annotated[type, Ask]``, how a form asks for them.

A verb is declared once, as a subclass of ``Command``::

    @dataclass(frozen=True)
    class Acknowledge(Command, action=Action.ACKNOWLEDGE, key="a"):
        contact_channel: Annotated[str, CHANNEL]
        content: Annotated[str, LONG_TEXT]

        def run(self, store, operator, case, now):
            return acknowledge(store, operator, case.id, case.version, self.contact_channel, ...)

Declaring the class registers it: the case screen binds its key, the dialog shows its fields in
order (named as the services name them, so an ``InvalidInput`` problem lands next to its field),
``build()`` turns what was typed into the typed command, and ``run()`` makes the one service call.
The step's guard is the workflow's rule for ``action``; its labels are ``action.<action>`` and
``field.<name>`` (or ``tui.field.<name>``) in the catalogs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from complaint_tui.db import Store
from complaint_tui.errors import FieldProblem, InvalidInput
from complaint_tui.operators import Operator
from complaint_tui.policy import Policy
from complaint_tui.queries.case_view import CaseDetail
from complaint_tui.services.base import CaseChange
from complaint_tui.services.staff import StaffRow
from complaint_tui.validation import RuleBroken, local_date, local_datetime
from complaint_tui.workflow import Action

Choices = list[tuple[str, str]]


@dataclass(frozen=True)
class CaseRef:
    """The case a verb acts on, as the desk loaded it (the service compares the version)."""

    id: int
    number: str
    version: int


@dataclass(frozen=True)
class FormContext:
    """What a field's choices and default may depend on."""

    policy: Policy
    lang: str
    now: dt.datetime
    operator: Operator
    staff: list[StaffRow] = field(default_factory=list)
    detail: CaseDetail | None = None


# How a field is asked for, and what the form hands the command for it:
# text (one line), long (sentences, several lines) and choice → str, pick (a choice of ids) → int,
# bool → bool, when (local date and time) → datetime, date (optional local date) → date | None.
Kind = Literal["text", "long", "choice", "pick", "bool", "when", "date"]
KIND_TYPES: Mapping[Kind, object] = {
    "text": str,
    "long": str,
    "choice": str,
    "pick": int,
    "bool": bool,
    "when": dt.datetime,
    "date": dt.date | None,
}


@dataclass(frozen=True)
class Ask:
    """How the form asks for one field of a command."""

    kind: Kind = "text"
    choices: Callable[[FormContext], Choices] | None = None
    default: Callable[[FormContext], str | bool | None] | None = None
    password: bool = False
    # Other names the services give a problem with this field (e.g. the file at a typed path).
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormField:
    """One field of a verb's form: the command's field name and how it is asked for."""

    name: str
    ask: Ask


class Command:
    """A desk verb with its inputs; subclasses are frozen dataclasses declared with
    ``action=`` (the workflow step) and ``key=`` (its key on the case screen)."""

    action: ClassVar[Action]
    key: ClassVar[str]

    def __init_subclass__(cls, *, action: Action, key: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.action = action
        cls.key = key
        _DECLARED.append(cls)

    def run(self, store: Store, operator: Operator, case: CaseRef, now: dt.datetime) -> CaseChange:
        """The verb's one service call (one transaction) on ``case`` as loaded."""
        raise NotImplementedError


# Every declared command, in the order the modules declare them.
_DECLARED: list[type[Command]] = []


def form_fields(command: type[Command]) -> tuple[FormField, ...]:
    """The fields of ``command``'s form, in the order the command declares them."""
    if command not in _FIELDS:
        _FIELDS[command] = _read_fields(command)
    return _FIELDS[command]


_FIELDS: dict[type[Command], tuple[FormField, ...]] = {}


def _read_fields(command: type[Command]) -> tuple[FormField, ...]:
    hints = typing.get_type_hints(command, include_extras=True)
    out = []
    for item in dataclasses.fields(command):  # type: ignore[arg-type]
        asks = [m for m in getattr(hints[item.name], "__metadata__", ()) if isinstance(m, Ask)]
        if len(asks) != 1:
            raise TypeError(f"{command.__name__}.{item.name}: declare it as Annotated[type, Ask(...)]")
        out.append(FormField(item.name, asks[0]))
    return tuple(out)


def field_type(command: type[Command], name: str) -> object:
    """The type ``command`` declares for its field ``name`` (without the ``Ask``)."""
    return typing.get_type_hints(command)[name]


def _parsed(name: str, kind: Kind, raw: object, ctx: FormContext) -> object:
    if kind == "bool":
        return bool(raw)
    text = "" if raw is None else str(raw)
    if kind == "pick":
        if not text.strip():
            raise RuleBroken("required")
        return int(text)
    if kind == "when":
        return local_datetime(text, ctx.policy.zone)
    if kind == "date":
        return local_date(text)
    return text


def build(command: type[Command], values: Mapping[str, object], ctx: FormContext) -> Command:
    """The command from what the form holds (strings, ticks); every field that cannot be read
    is named in one ``InvalidInput``."""
    kwargs: dict[str, object] = {}
    problems: list[FieldProblem] = []
    for spec in form_fields(command):
        try:
            kwargs[spec.name] = _parsed(spec.name, spec.ask.kind, values.get(spec.name), ctx)
        except RuleBroken as broken:
            problems.append(FieldProblem(spec.name, broken.rule, broken.params))
    if problems:
        raise InvalidInput(problems)
    return command(**kwargs)
