"""The registry of desk verbs: each verb declared once, as a ``Command`` (see ``verbs.base``).

``VERBS`` lists them in the order the case screen offers them: the everyday steps (lower-case
keys) by stage and as each stage's module declares them, then the rare ones (capital keys). ``verb_of`` finds a verb
by its workflow action, ``verb_on_key`` by its key.

Adding a verb: its rule in ``workflow.py``, its service, and one ``Command`` class in the
module of its stage here (plus catalog labels for new words). The case screen's keys, the
action list and the dialog are built from it.
"""

from __future__ import annotations

from complaint_tui.verbs import closing, contacts, investigation, records, resolution
from complaint_tui.verbs.base import (
    _DECLARED,
    Ask,
    CaseRef,
    Command,
    FormContext,
    FormField,
    build,
    field_type,
    form_fields,
)
from complaint_tui.workflow import Action

# The stages, in the standard's order; declaring a command in one of them registers it.
_STAGES = tuple(module.__name__ for module in (investigation, resolution, closing, contacts, records))


def _place(command: type[Command]) -> tuple[bool, int, int]:
    """Everyday verbs before rare ones (capital keys), then by stage and by declaration."""
    return (command.key[:1].isupper(), _STAGES.index(command.__module__), _DECLARED.index(command))


def _registry() -> tuple[type[Command], ...]:
    verbs = tuple(sorted(_DECLARED, key=_place))
    for attribute in ("action", "key"):
        seen: dict[object, str] = {}
        for command in verbs:
            value = getattr(command, attribute)
            if value in seen:
                raise TypeError(f"{command.__name__} and {seen[value]} both declare {attribute} {value!r}")
            seen[value] = command.__name__
    return verbs


VERBS: tuple[type[Command], ...] = _registry()
_BY_ACTION = {command.action: command for command in VERBS}
_BY_KEY = {command.key: command for command in VERBS}


def verb_of(action: Action) -> type[Command]:
    """The verb of a workflow ``action`` (KeyError for one the desk does not offer, e.g. intake)."""
    return _BY_ACTION[action]


def verb_on_key(key: str) -> type[Command] | None:
    return _BY_KEY.get(key)


__all__ = [
    "VERBS",
    "Ask",
    "CaseRef",
    "Command",
    "FormContext",
    "FormField",
    "build",
    "field_type",
    "form_fields",
    "verb_of",
    "verb_on_key",
]
