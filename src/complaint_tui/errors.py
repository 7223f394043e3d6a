"""The errors the core raises: each names a message key, so it can be shown in zh or en."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from complaint_tui.i18n import t


class DeskError(Exception):
    """An error a desk user can read and act on (never a traceback)."""

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, lang: str | None = None) -> str:
        params = {k: (v.message(lang) if isinstance(v, DeskError) else v) for k, v in self.params.items()}
        return t(self.key, lang, **params)  # t() renders Msg parameters itself

    def __str__(self) -> str:
        return self.message()


@dataclass(frozen=True)
class FieldProblem:
    """One field that broke one rule: what the form shows next to the field."""

    field: str
    rule: str
    params: dict[str, Any] = dc_field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        return t(f"rule.{self.rule}", lang, field=t(f"field.{self.field}", lang), **self.params)


class InvalidInput(DeskError):
    """One or more fields broke their rules; nothing was written."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("error.invalid_input", count=len(problems))
        self.problems = problems

    def message(self, lang: str | None = None) -> str:
        return "; ".join(p.message(lang) for p in self.problems)

    def for_field(self, name: str) -> FieldProblem | None:
        return next((p for p in self.problems if p.field == name), None)


class StepRefused(DeskError):
    """A workflow guard refused the step: the reason says what must be done first."""


class RoleRefused(DeskError):
    """The operator's role may not take this action."""


class EditConflict(DeskError):
    """Another desk changed the case after this one loaded it; nothing was written."""

    def __init__(self, number: str, expected: int, actual: int, changes: list[str] | None = None):
        super().__init__("error.conflict", number=number)
        self.expected = expected
        self.actual = actual
        self.changes = changes or []


class NotFound(DeskError):
    """The case, owner or staff member named does not exist."""


class StoreBusy(DeskError):
    """The database stayed locked by other desks longer than the wait allows."""


class StoreError(DeskError):
    """The database could not be opened, read or upgraded."""
