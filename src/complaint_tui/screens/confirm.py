"""The question asked before something typed would be lost (issue 8, item 2): clearing a form
with content (ctrl+n), signing out (F10) or quitting (ctrl+q) with an unsaved intake.

Only ``y`` says yes. Enter does not: a clerk typing ahead presses Enter often, and a wiped call
cannot be typed again from memory. ``n`` and Esc go back to the form as it was.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Static

from complaint_tui.screens.base import DeskModal


class ConfirmLeaveScreen(DeskModal[bool]):
    """Asks whether to go on and lose the unsaved input; dismisses with the answer."""

    BINDINGS = [
        Binding("y", "answer(True)", "keys.leave.yes", id="leave-yes"),
        Binding("n,escape", "answer(False)", "keys.leave.no", id="leave-no"),
    ]

    def __init__(self, question_key: str) -> None:
        super().__init__(classes="confirm-leave")
        self.question_key = question_key

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Static(self.tr("tui.leave.title"), classes="dialog-title")
            yield Static(self.tr(self.question_key), id="leave-question")
            yield Static(self.tr("tui.leave.answer"), id="leave-answer")
            yield Footer()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
