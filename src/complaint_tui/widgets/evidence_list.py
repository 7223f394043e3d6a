"""The evidence files a form will save with the case, as a list the keyboard can move into
(issue 8, item 2): arrows choose an item, Enter asks to edit it, Delete or Backspace removes it.

The list only shows and chooses; the form owns the items (``EvidenceInput``) and decides what
editing and removing mean, so the list posts ``EditItem`` and ``RemoveItem`` with the index.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class EvidenceList(OptionList):
    """One line an item; hidden while there is none, so Tab never stops on an empty list."""

    DEFAULT_CSS = """
    EvidenceList {
        height: auto;
        max-height: 8;
    }
    """

    BINDINGS = [
        Binding("delete,backspace", "remove", show=False),
    ]

    @dataclass
    class EditItem(Message):
        """Enter on an item: the form loads it into its fields."""

        index: int

    @dataclass
    class RemoveItem(Message):
        """Delete on an item: the form drops it."""

        index: int

    def show_items(self, lines: list[str], highlight: int | None = None) -> None:
        """Show ``lines`` (one an item), the cursor on ``highlight`` (or kept where it was)."""
        before = self.highlighted
        self.clear_options()
        self.add_options([Option(line) for line in lines])
        self.display = bool(lines)
        if lines:
            wanted = highlight if highlight is not None else before or 0
            self.highlighted = max(0, min(wanted, len(lines) - 1))

    def point_at(self, index: int) -> None:
        """Focus the list on item ``index`` (a failed save points at the item it refuses)."""
        if 0 <= index < self.option_count:
            self.highlighted = index
            self.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.EditItem(event.option_index))

    def action_remove(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.RemoveItem(self.highlighted))
