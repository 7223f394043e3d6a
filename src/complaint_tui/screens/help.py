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
        for key, active in self.under.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.system or binding.description in seen:
                continue
            seen.add(binding.description)
            rows.append((active.enabled, KEY_NAMES.get(key, key), binding.description))
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
