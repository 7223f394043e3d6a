"""The one-line message area at the bottom of every desk screen.

Notifications vanish after a few seconds; what a refused step or a failed save said must stay
readable until the next action, so each screen keeps its latest message here.
"""

from __future__ import annotations

from textual.widgets import Static


class StatusLine(Static):
    """Shows the last message of the screen: ``say()`` for information, ``warn()`` for errors."""

    DEFAULT_CSS = """
    StatusLine {
        height: auto;
        min-height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    StatusLine.-error {
        color: $text-error;
        background: $error-muted;
    }
    """

    def say(self, text: str) -> None:
        self.remove_class("-error")
        self.update(text)

    def warn(self, text: str) -> None:
        self.add_class("-error")
        self.update(text)

    @property
    def text(self) -> str:
        return str(self.render())
