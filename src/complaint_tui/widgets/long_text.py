"""A field for the owner's own words and other sentences (issue 8, item 8): ``LongText``.

A long statement typed into one line cannot be read back to the caller. ``LongText`` is a
TextArea that behaves as a form field: it wraps (``wrap_offsets``: Chinese at any character,
Latin words whole, no line begun by a closing mark), starts a few lines high and grows with the
text up to a maximum (then it scrolls), Enter starts a new line, Tab and shift+Tab move between
fields (never a tab character), and the form's save key (ctrl+s) is left to the form. Like an
``Input`` it has a ``value`` and validators checked when it loses the focus (``Blurred`` carries
the result), so the form shows the same refusal under it as under an Input.

Textual's TextArea wraps at spaces only and folds a word wider than the line: a Chinese run after
a space went to the next line whole, leaving the line before it half empty, and a folded line
could begin with ``，`` or ``。``. ``wrap_offsets`` breaks as Chinese is set (issue 8 item 6).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rich.cells import get_character_cell_size
from textual import events
from textual.document._document import DocumentBase, Location
from textual.document._wrapped_document import WrappedDocument
from textual.expand_tabs import get_tab_widths
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import TextArea

from complaint_tui.textual_private import set_wrap_offsets

# The line-start rules of Chinese typesetting (GB/T 15834, 标点符号用法): closing marks, pauses
# and stops never begin a line, opening marks never end one. The ASCII ones follow Chinese
# text too ("见附件)"), and the ellipsis and dash are never split from their second half.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…—,.;:!?)]}%")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")


def _is_wide(character: str) -> bool:
    """A character set in a square of its own (Han, kana, Hangul, full-width forms): a line may
    break before or after it, as Chinese text breaks between any two characters."""
    return unicodedata.east_asian_width(character) in ("W", "F")


def _may_break_before(line: str, index: int) -> bool:
    """Whether a wrapped line may begin at ``line[index]`` (0 < index < len(line))."""
    before, after = line[index - 1], line[index]
    if before == " ":
        return True  # after a space, inside a run of them too
    if after == " ":
        return False  # spaces stay at the end of the line they follow
    if not (_is_wide(before) or _is_wide(after)):
        return False  # inside a Latin word or number
    return after not in NO_LINE_START and before not in NO_LINE_END


def _cell_widths(line: str, tab_width: int) -> list[int]:
    """The cells each character of ``line`` takes, a tab as wide as its stop makes it."""
    tabs = iter([width for _, width in get_tab_widths(line, tab_width)])
    return [next(tabs, tab_width) if c == "\t" else get_character_cell_size(c) for c in line]


def wrap_offsets(line: str, width: int, tab_width: int = 4) -> list[int]:
    """Where ``line`` breaks to fit in ``width`` cells: the index each wrapped line starts at.

    Each line takes as many characters as fit, then goes back to the last place a line may
    begin (``_may_break_before``): between two Chinese characters unless a closing mark would
    begin the next line or an opening mark end this one (the character before the mark goes
    down with it), after a space, between Chinese and Latin; never inside a Latin word. A space
    just past the edge stays on its line, in the cell a TextArea keeps for the cursor, so the
    next line does not begin with it. A line with no such place (one long word, a row of marks)
    is folded at the edge.
    """
    if width <= 0:
        return []
    cells = _cell_widths(line, tab_width)
    breaks: list[int] = []
    start, size = 0, len(line)
    while True:
        end, used = start, 0
        while end < size and used + cells[end] <= width:
            used += cells[end]
            end += 1
        end = max(end, start + 1)  # a character wider than the line has a line of its own
        if end < size and line[end] == " ":
            end += 1
        if end >= size:
            return breaks
        cut = next((i for i in range(end, start, -1) if _may_break_before(line, i)), end)
        breaks.append(cut)
        start = cut


class ChineseWrappedDocument(WrappedDocument):
    """Textual's wrapped view of a document, with the lines broken by ``wrap_offsets``.

    Textual's own offsets are computed first (they also measure the tabs), then each line
    wrapped is given its offsets here."""

    def __init__(self, document: DocumentBase, width: int = 0, tab_width: int = 4) -> None:
        self._line_cells, self._tab_cells = width, tab_width  # set before the base wraps
        super().__init__(document, width, tab_width)

    def wrap(self, width: int, tab_width: int | None = None) -> None:
        self._line_cells, self._tab_cells = width, tab_width or self._tab_cells
        super().wrap(width, tab_width)
        self._rewrap(range(self.document.line_count))

    def wrap_range(self, start: Location, old_end: Location, new_end: Location) -> None:
        super().wrap_range(start, old_end, new_end)
        last = self.document.line_count - 1
        top = min(start[0], old_end[0], new_end[0], last)
        bottom = min(max(start[0], new_end[0]), last)
        self._rewrap(range(max(top, 0), bottom + 1))

    def _rewrap(self, lines: range) -> None:
        if not self._line_cells:
            return  # not wrapped: no offsets to change
        offsets = [self.get_offsets(i) for i in range(self.document.line_count)]
        for i in lines:
            offsets[i] = wrap_offsets(self.document[i], self._line_cells, self._tab_cells)
        set_wrap_offsets(self, offsets)


class LongText(TextArea):
    """A multi-line form field (module docstring)."""

    # The TextArea makes a new wrapped view for each document it is given (``load_text``):
    # whatever it makes, this field keeps a ``ChineseWrappedDocument`` of the same document.
    @property
    def wrapped_document(self) -> WrappedDocument:
        return self._chinese_wrapped

    @wrapped_document.setter
    def wrapped_document(self, wrapped: WrappedDocument) -> None:
        self._chinese_wrapped: WrappedDocument = ChineseWrappedDocument(wrapped.document)

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
