"""The keys of the screen in front of the user (issue 3, item 7), in their language."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from complaint_tui.i18n import catalog
from complaint_tui.screens.base import DeskModal

# Keys shown by their name rather than the symbol's long form.
KEY_NAMES = {"slash": "/", "plus": "+", "question_mark": "?", "escape": "Esc", "enter": "Enter"}


class HelpScreen(DeskModal[None]):
    """Lists every binding active on ``screen``, enabled ones first."""

    BINDINGS = [Binding("escape,f1,q", "close", "keys.help.close", id="help-close")]

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.under = screen

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2))
        table.add_column(self.tr("tui.help.key"), style="bold", no_wrap=True)
        table.add_column(self.tr("tui.help.does"))
        seen: set[str] = set()
        rows: list[tuple[bool, str, str]] = []
        words = catalog(self.lang)
        for key, active in self.under.active_bindings.items():
            binding = active.binding
            description = binding.description
            if binding.id is None and description:
                # One of Textual's own keys (Tab, a tab row's arrows, copy): its words from our
                # catalog, so no English shows in the Chinese list; keys we have no words for
                # (a focused field's editing keys) are left out.
                description = words.get(f"tui.help.builtin.{binding.action.rpartition('.')[2]}", "")
            if not description or binding.system or description in seen:
                continue
            seen.add(description)
            rows.append((active.enabled, KEY_NAMES.get(key, key), description))
        for enabled, key, does in sorted(rows, key=lambda r: not r[0]):
            table.add_row(key, Text(does, style="" if enabled else "dim"))
        table.add_row("ctrl+p", self.tr("keys.app.palette"))
        with VerticalScroll(classes="dialog"):
            yield Static(self.tr("tui.help.title"), classes="dialog-title")
            yield Static(table, id="help-keys")
            yield Static(self.tr("tui.help.digits"), classes="hint")
            yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
