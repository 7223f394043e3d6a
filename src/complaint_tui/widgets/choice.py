"""A row of numbered choices: one key picks one and moves on.

On a live call the clerk must not open a drop-down for every category or urgency (SPEC S1.5):
the choices sit on one line, each with its digit (then letters), and pressing that key picks it
and focuses the next field. Arrows and Enter/Space work too, and so does the mouse.

When the choices do not fit on one line they wrap between choices, never inside one: a number
stays with its label (``3  WeChat official account`` moves to the next line as a whole), and
each line starts at the same indent (``layout_choices``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

SHORTCUTS = "123456789abcdefghijklmnopqrstuvwxyz"
GAP = "   "  # between two choices on a line
KEY_CELLS = 4  # " 3 " and the space before the label: a wrapped label goes on under its start

# text, what it is, the choice's index (a "note" row, such as a picker's typed words, has none)
Part = tuple[str, Literal["key", "label", "gap", "note"], int]


def _pieces(label: str) -> list[str]:
    """The label in the pieces a line may end between: words (with the space after them) and
    single Chinese characters (Chinese wraps at any character)."""
    out: list[str] = []
    for char in label:
        wide = cell_len(char) > 1
        if out and not wide and not out[-1].endswith(" ") and cell_len(out[-1][-1]) == 1:
            out[-1] += char
        else:
            out.append(char)
    return out


def fold_text(label: str, room: int) -> list[str]:
    """A label wider than a whole line, in lines of at most ``room`` cells (a word longer than
    that is cut: there is nowhere else for it)."""
    lines = [""]
    for piece in _pieces(label):
        while cell_len(piece.rstrip()) > room:  # a single word wider than the line
            if lines[-1]:
                lines.append("")
            cut = 0
            while cut < len(piece) and cell_len(piece[: cut + 1]) <= room:
                cut += 1
            lines[-1], piece = piece[: max(cut, 1)], piece[max(cut, 1) :]
            lines.append("")
        if lines[-1] and cell_len(lines[-1] + piece.rstrip()) > room:
            lines.append("")
        lines[-1] += piece if lines[-1] else piece.lstrip()
    return [line.rstrip() for line in lines if line.strip()] or [""]


def layout_choices(labels: list[str], width: int) -> list[list[Part]]:
    """The choices in lines of ``width`` cells: each choice whole on one line (its key with its
    label), lines broken only between choices (issue 8 item 6). A label wider than a whole line
    goes on in the next lines under its own start, never under the key."""
    rows: list[list[Part]] = [[]]
    used = 0
    for i, label in enumerate(labels):
        need = KEY_CELLS + cell_len(label)
        if rows[-1] and used + len(GAP) + need > width:
            rows.append([])
            used = 0
        if rows[-1]:
            rows[-1].append((GAP, "gap", i))
            used += len(GAP)
        key = f" {SHORTCUTS[i]} "
        rows[-1].append((key, "key", i))
        if used + need <= width:
            rows[-1].append((" " + label, "label", i))
            used += need
            continue
        # Wider than a whole line: the label folds under its own start.
        room = max(width - used - KEY_CELLS, 1)
        first, *rest = fold_text(label, room)
        rows[-1].append((" " + first, "label", i))
        indent = " " * (used + KEY_CELLS)
        for line in rest:
            rows.append([(indent, "gap", i), (line, "label", i)])
        rows.append([])
        used = 0
    return [row for row in rows if row]


class ChoiceBar(Widget, can_focus=True):
    """Pick one of a few codes by its shortcut key; ``value`` is the chosen code or None."""

    DEFAULT_CSS = """
    ChoiceBar {
        height: auto;
        width: 1fr;
        padding: 0 1;
        border: tall $border-blurred;
    }
    ChoiceBar:focus {
        border: tall $border;
    }
    """

    BINDINGS = [
        Binding("left", "move(-1)", show=False),
        Binding("right", "move(1)", show=False),
        Binding("enter,space", "pick_cursor", show=False),
    ]

    value: reactive[str | None] = reactive(None)
    cursor: reactive[int] = reactive(0)

    class Changed(Message):
        """The chosen code changed (by key or by click)."""

        def __init__(self, bar: ChoiceBar, value: str | None) -> None:
            super().__init__()
            self.bar = bar
            self.value = value

        @property
        def control(self) -> ChoiceBar:
            return self.bar

    def __init__(
        self,
        options: Sequence[tuple[str, str]],
        value: str | None = None,
        *,
        advance: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.options = list(options)[: len(SHORTCUTS)]
        self.advance = advance
        self.set_reactive(ChoiceBar.value, value)
        codes = [code for code, _ in self.options]
        self.set_reactive(ChoiceBar.cursor, codes.index(value) if value in codes else 0)

    def set_options(self, options: Sequence[tuple[str, str]], value: str | None = None) -> None:
        self.options = list(options)[: len(SHORTCUTS)]
        self.value = value
        self.refresh(layout=True)

    def rows(self, width: int) -> list[list[Part]]:
        """The choices laid out in lines of ``width`` cells (``layout_choices``)."""
        return layout_choices([label for _, label in self.options], width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(len(self.rows(width)), 1)

    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ignore")
        for y, row in enumerate(self.rows(self.content_size.width)):
            if y:
                out.append("\n")
            for text, kind, i in row:
                if kind == "note":
                    out.append(text, style="dim")
                    continue
                chosen = self.options[i][0] == self.value
                if kind == "key":
                    out.append(text, style="bold reverse" if chosen else "bold")
                elif kind == "label":
                    style = "bold underline" if chosen else ""
                    if self.has_focus and i == self.cursor:
                        style += " reverse"
                    out.append(text, style=style.strip())
                else:
                    out.append(text)
        return out

    def pick(self, code: str | None) -> None:
        """Choose ``code`` and tell the form; the form decides what else follows from it."""
        self.value = code
        codes = [c for c, _ in self.options]
        if code in codes:
            self.cursor = codes.index(code)
        self.post_message(self.Changed(self, code))

    def on_key(self, event: events.Key) -> None:
        char = (event.character or "").lower()
        if char and char in SHORTCUTS[: len(self.options)] and not event.key.startswith("ctrl"):
            event.stop()
            event.prevent_default()
            self.pick(self.options[SHORTCUTS.index(char)][0])
            if self.advance:
                self.screen.focus_next()

    def action_move(self, step: int) -> None:
        if self.options:
            self.cursor = (self.cursor + step) % len(self.options)

    def action_pick_cursor(self) -> None:
        if self.options:
            self.pick(self.options[self.cursor][0])
            if self.advance:
                self.screen.focus_next()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        rows = self.rows(self.content_size.width)
        if offset.y >= len(rows):
            return
        x = 0
        for text, kind, i in rows[offset.y]:
            width = cell_len(text)
            if kind in ("key", "label") and x <= offset.x < x + width:
                self.cursor = i
                self.pick(self.options[i][0])
                return
            x += width

    def watch_cursor(self) -> None:
        self.refresh()

    def watch_value(self) -> None:
        self.refresh()
