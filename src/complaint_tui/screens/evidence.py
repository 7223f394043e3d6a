"""Save a copy of a stored evidence file out of the store (DESIGN.md "Evidence": staff open or
save a copy when they need the file).

The files live in the database by their SHA-256. The dialog picks one of the case's files and a
path; a thread worker has ``services.save_evidence_copy`` check the bytes against their hash and
write a new file, never over an existing one. The dialog returns the path written. The path it
offers uses the file's safe base name, so a stored name like ``../../x`` cannot point the copy
outside the folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Input, Static

from complaint_tui.errors import DeskError
from complaint_tui.queries.case_view import EvidenceView
from complaint_tui.screens.base import DeskModal
from complaint_tui.services import save_evidence_copy
from complaint_tui.services.evidence import safe_filename
from complaint_tui.widgets.choice import ChoiceBar
from complaint_tui.widgets.fields import FieldBlock


@dataclass
class CopySaved(Message):
    """The copy is written, at ``path``."""

    path: Path


class SaveEvidenceScreen(DeskModal[Path | None]):
    """Choose a file of the case (by its digit) and where its copy goes; ctrl+s saves."""

    BINDINGS = [
        Binding("ctrl+s", "save", "keys.form.save", id="evidence-save", priority=True),
        Binding("escape", "cancel", "keys.form.cancel", id="evidence-cancel"),
    ]

    def __init__(self, number: str, items: list[EvidenceView], folder: Path) -> None:
        super().__init__()
        self.number = number
        self.items = {str(item.id): item for item in items}
        self.folder = folder

    def compose(self) -> ComposeResult:
        first = next(iter(self.items.values()))
        choices = [(code, f"{safe_filename(item.filename)} ({item.size:,} B)") for code, item in self.items.items()]
        with VerticalScroll(classes="dialog"):
            yield Static(self.tr("tui.evidence.title", number=self.number), classes="dialog-title")
            yield Static("", id="form-banner")
            yield FieldBlock(
                "evidence_file", self.tr("tui.evidence.file"), ChoiceBar(choices, str(first.id), id="copy-file")
            )
            yield FieldBlock(
                "evidence_path",
                self.tr("tui.evidence.path"),
                Input(str(self.folder / safe_filename(first.filename)), id="copy-path"),
            )
            yield Footer()

    def on_mount(self) -> None:
        # One file: nothing to choose, straight to the path.
        self.query_one("#copy-path" if len(self.items) == 1 else "#copy-file").focus()

    @on(ChoiceBar.Changed, "#copy-file")
    def file_chosen(self, event: ChoiceBar.Changed) -> None:
        # Another file: the same folder, that file's name.
        item = self.items.get(event.value or "")
        if item is not None:
            box = self.query_one("#copy-path", Input)
            box.value = str(Path(box.value).expanduser().parent / safe_filename(item.filename))

    @on(Input.Submitted, "#copy-path")
    def path_typed(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        item = self.items.get(self.query_one("#copy-file", ChoiceBar).value or "")
        raw = self.query_one("#copy-path", Input).value.strip()
        if item is None or not raw:
            return
        self.banner(self.tr("tui.evidence.saving"))
        self.save_copy(item, Path(raw).expanduser())

    @work(thread=True, exclusive=True, exit_on_error=False, group="saved")
    def save_copy(self, item: EvidenceView, path: Path) -> None:
        self.deliver(CopySaved(save_evidence_copy(self.desk.store, item.sha256, item.filename, path)))

    @on(CopySaved)
    def copy_saved(self, message: CopySaved) -> None:
        self.dismiss(message.path)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def banner(self, text: str, error: bool = False) -> None:
        line = self.query_one("#form-banner", Static)
        line.update(text)
        line.set_class(error, "-error")

    def handle_desk_error(self, error: DeskError) -> bool:
        self.banner(error.message(self.lang), True)
        return True
