"""A row of numbered choices: one key picks one and moves on.

On a live call the clerk must not open a drop-down for every category or urgency (SPEC S1.5):
the choices sit on one line, each with its digit (then letters), and pressing that key picks it
and focuses the next field. Arrows and Enter/Space work too, and so does the mouse.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

SHORTCUTS = "123456789abcdefghijklmnopqrstuvwxyz"


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

    def render(self) -> Text:
        out = Text()
        for i, (code, label) in enumerate(self.options):
            chosen = code == self.value
            key_style = "bold reverse" if chosen else "bold"
            label_style = "bold underline" if chosen else ""
            if self.has_focus and i == self.cursor:
                label_style += " reverse"
            # No-break spaces keep a key with its label when the row wraps.
            out.append(f"\u00a0{SHORTCUTS[i]}\u00a0", style=key_style)
            out.append("\u00a0" + label.replace(" ", "\u00a0"), style=label_style.strip())
            out.append("   ")
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
        # The rendered line is " 1  label   " per option: find which option the click hit.
        x = event.x - 1  # left padding
        pos = 0
        for i, (_, label) in enumerate(self.options):
            width = 4 + Text(label).cell_len + 3
            if pos <= x < pos + width:
                self.cursor = i
                self.pick(self.options[i][0])
                return
            pos += width

    def watch_cursor(self) -> None:
        self.refresh()

    def watch_value(self) -> None:
        self.refresh()
