"""Form fields that check the same pure rules the services enforce (SPEC S1.3, S1.4).

``RuleValidator`` wraps a rule from ``complaint_tui.validation`` as a Textual validator, so the
words next to a field are the words the service would refuse with. ``FieldBlock`` is a label,
the input and its error line; the form shows an ``InvalidInput``'s problems in those lines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Label, Static

from complaint_tui.errors import FieldProblem
from complaint_tui.validation import RuleBroken


class RuleValidator(Validator):
    """Fails with the rule's own message when ``rule(value, *args)`` raises ``RuleBroken``."""

    def __init__(self, field: str, rule: Callable[..., Any], *args: Any, lang: str, optional: bool = False) -> None:
        super().__init__()
        self.field = field
        self.rule = rule
        self.args = args
        self.lang = lang
        self.optional = optional

    def validate(self, value: str) -> ValidationResult:
        if self.optional and not value.strip():
            return self.success()
        try:
            self.rule(value, *self.args)
        except RuleBroken as broken:
            return self.failure(FieldProblem(self.field, broken.rule, broken.params).message(self.lang))
        return self.success()


class FieldBlock(Vertical):
    """A labelled field with the line where its broken rule is shown."""

    DEFAULT_CSS = """
    FieldBlock {
        height: auto;
        width: 1fr;
    }
    FieldBlock > .field-label {
        color: $text-muted;
        padding: 0 1;
    }
    FieldBlock > .field-error {
        color: $text-error;
        padding: 0 1;
        height: auto;
        display: none;
    }
    FieldBlock > .field-error.-shown {
        display: block;
    }
    """

    def __init__(self, name: str, label: str, widget: Widget, *, id: str | None = None) -> None:
        super().__init__(id=id or f"block-{name}", classes="field-block")
        self.field_name = name
        self.label_text = label
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield Label(self.label_text, classes="field-label")
        yield self.widget
        # Named after the block, so one screen may show the same field twice (sign-in's two PINs).
        yield Static("", classes="field-error", id=f"err-{(self.id or self.field_name).removeprefix('block-')}")

    def show_error(self, text: str | None) -> None:
        line = self.query_one(".field-error", Static)
        line.update(text or "")
        line.set_class(bool(text), "-shown")

    @property
    def error_text(self) -> str:
        line = self.query_one(".field-error", Static)
        return str(line.render()) if line.has_class("-shown") else ""
