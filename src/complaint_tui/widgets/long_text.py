"""A field for the owner's own words and other sentences (issue 8, item 8): ``LongText``.

A long statement typed into one line cannot be read back to the caller. ``LongText`` is a
TextArea that behaves as a form field: it wraps (Chinese at any character: a run of characters
without spaces is folded at the edge), starts a few lines high and grows with the text up to a
maximum (then it scrolls), Enter starts a new line, Tab and shift+Tab move between fields (never
a tab character), and the form's save key (ctrl+s) is left to the form. Like an ``Input`` it has
a ``value`` and validators checked when it loses the focus (``Blurred`` carries the result), so
the form shows the same refusal under it as under an Input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import TextArea


class LongText(TextArea):
    """A multi-line form field (module docstring)."""

    # Three lines of text when empty, eight at most (the border takes two rows).
    DEFAULT_CSS = """
    LongText {
        height: auto;
        min-height: 5;
        max-height: 10;
    }
    """

    @dataclass
    class Blurred(Message):
        """The field lost the focus: its value and what its validators say of it."""

        long_text: LongText
        value: str
        validation_result: ValidationResult | None

        @property
        def control(self) -> LongText:
            return self.long_text

    def __init__(
        self,
        value: str = "",
        *,
        placeholder: str = "",
        validators: Iterable[Validator] = (),
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            value,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            placeholder=placeholder,
            id=id,
            classes=classes,
        )
        self.validators = list(validators)
        self.move_cursor(self.document.end)

    @property
    def value(self) -> str:
        """The text as typed, line breaks included."""
        return self.text

    @value.setter
    def value(self, text: str) -> None:
        self.load_text(text)
        # Typing goes on after a default (the plan's measures), as in an Input.
        self.move_cursor(self.document.end)

    def validate(self, value: str) -> ValidationResult | None:
        """What the validators say of ``value`` (None when the field has none)."""
        if not self.validators:
            return None
        return ValidationResult.merge([validator.validate(value) for validator in self.validators])

    def _on_blur(self, event: events.Blur) -> None:
        self.post_message(self.Blurred(self, self.value, self.validate(self.value)))
