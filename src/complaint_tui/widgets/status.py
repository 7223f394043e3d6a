"""The one-line message area at the bottom of every desk screen.

Notifications vanish after a few seconds; what a refused step or a failed save said must stay
readable until the next action, so each screen keeps its latest message here.

While the database cannot be reached, every status line of the desk says so (``outage()``,
called by the App for all of them at once) and gives the screen's own message back by itself
when the database answers again (issue 9 item 3).
"""

from __future__ import annotations

import weakref
from typing import ClassVar

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

    # Every status line mounted on the desk, for ``outage_everywhere()``; and what they should
    # say about the database meanwhile (None: it answers), for lines mounted during an outage.
    _mounted: ClassVar[weakref.WeakSet[StatusLine]] = weakref.WeakSet()
    _outage_text: ClassVar[dict[int, str]] = {}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._own: tuple[str, bool] = ("", False)  # the screen's own message, kept under an outage
        self._showing_outage = False

    def on_mount(self) -> None:
        StatusLine._mounted.add(self)
        text = StatusLine._outage_text.get(id(self.app))
        if text is not None:
            self.outage(text)

    def on_unmount(self) -> None:
        StatusLine._mounted.discard(self)

    def say(self, text: str) -> None:
        self._own = (text, False)
        self._showing_outage = False
        self.remove_class("-error")
        self.update(text)

    def warn(self, text: str) -> None:
        self._own = (text, True)
        self._showing_outage = False
        self.add_class("-error")
        self.update(text)

    def outage(self, text: str | None) -> None:
        """Show ``text`` (the database is unreachable), or, with None, the screen's own message
        again, unless the screen said something newer meanwhile (a failed save's words)."""
        if text is not None:
            self._showing_outage = True
            self.add_class("-error")
            self.update(text)
        elif self._showing_outage:
            self._showing_outage = False
            own, error = self._own
            self.set_class(error, "-error")
            self.update(own)

    @classmethod
    def outage_everywhere(cls, app_id: int, text: str | None) -> None:
        """Tell every status line of the app ``app_id`` (``id(app)``) about the database."""
        if text is None:
            cls._outage_text.pop(app_id, None)
        else:
            cls._outage_text[app_id] = text
        for line in list(cls._mounted):
            if line.is_attached and id(line.app) == app_id:
                line.outage(text)

    @property
    def text(self) -> str:
        return str(self.render())
