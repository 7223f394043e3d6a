"""Textual's footer, rebuilt only when the keys it shows change: ``SteadyFooter``.

``Footer`` throws its key widgets away and mounts new ones whenever the screen's bindings are
looked at again, which Textual does on every change of focus: in a verb's dialog each Tab (and
each field a refused save focuses) mounted and styled a whole row of keys that looked exactly as
before, about a twentieth of a whole case's CPU from intake to close (issue 8, item 12). The
dialogs show the same keys the same way; they are rebuilt only when a key comes, goes, changes
its words or is enabled or disabled.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

Shown = tuple[tuple[str, Binding, bool, str], ...]


class SteadyFooter(Footer):
    """A ``Footer`` that keeps its key widgets while the keys it shows stay the same."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: Shown | None = None

    def _keys_shown(self, screen: Screen[Any]) -> Shown:
        """What the footer's row is built from: the shown bindings and the palette's key."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, active.binding, active.enabled, active.tooltip)
            for key, active in screen.active_bindings.items()
            if active.binding.show or key == palette
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            shown = self._keys_shown(screen)
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
