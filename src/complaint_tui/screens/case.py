"""One case, every step of the standard (issue 3, item 5): a pushed screen with five tabs.

Overview (S1.4 record, each step's due time and state, the actions allowed now; for a step not
yet allowed, the guard's reason), Investigation (S2), Resolution (S3), Feedback and return visit
(S4), History (the audit trail in plain words). Each verb has a key; ``check_action`` hides the
verbs the role may never take and disables those the guards refuse now, and the verb's dialog
(``screens.forms``) carries the case version loaded here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from complaint_tui.desk import StoreChanged
from complaint_tui.operators import Operator
from complaint_tui.queries import case_detail
from complaint_tui.queries.case_view import CaseDetail
from complaint_tui.screens.base import DeskScreen
from complaint_tui.screens.forms import ActionForm, CaseRef, FormContext
from complaint_tui.services import CaseChange, StaffRow, list_staff
from complaint_tui.views.case import NOT_THIS_STAGE, TABS, CaseView
from complaint_tui.widgets.status import StatusLine
from complaint_tui.workflow import Action

# The key of each verb. Lower case for the everyday steps, capitals for the rare ones.
VERB_KEYS: tuple[tuple[str, Action], ...] = (
    ("a", Action.ACKNOWLEDGE),
    ("s", Action.ASSIGN),
    ("n", Action.ADD_NOTE),
    ("e", Action.ADD_EVIDENCE),
    ("f", Action.RECORD_FINDING),
    ("p", Action.PLAN),
    ("r", Action.REFER),
    ("t", Action.ADD_TASK),
    ("d", Action.FINISH_TASK),
    ("u", Action.FOLLOW_UP),
    ("o", Action.UPDATE_OWNER),
    ("v", Action.RESOLVE),
    ("b", Action.GIVE_FEEDBACK),
    ("w", Action.LOG_RETURN_VISIT),
    ("c", Action.CLOSE),
    ("h", Action.CHASE),
    ("plus", Action.APPEND),
    ("z", Action.PAUSE),
    ("y", Action.RESUME),
    ("m", Action.MERGE),
    ("X", Action.FORCE_CLOSE),
    ("O", Action.REOPEN),
    ("W", Action.WITHDRAW),
    ("U", Action.UNMERGE),
)
KEY_OF = {action: key for key, action in VERB_KEYS}


@dataclass
class CaseLoaded(Message):
    """The case as the store holds it now, and the staff its forms may choose from."""

    detail: CaseDetail
    staff: list[StaffRow]


class CaseScreen(DeskScreen):
    """Everything about one case; reloads itself when any desk changes the store."""

    BINDINGS = [
        Binding("escape", "close_case", "keys.case.back", id="case-back"),
        Binding("E", "save_evidence", "keys.case.save_evidence", id="case-save-evidence"),
        *[Binding(str(i + 1), f"tab('{tab}')", show=False) for i, tab in enumerate(TABS)],
        *[
            Binding(key, f"verb('{action.value}')", f"action.{action.value}", id=f"verb-{action.value}")
            for key, action in VERB_KEYS
        ],
    ]

    def __init__(self, case_id: int) -> None:
        super().__init__(classes="case-screen")
        self.case_id = case_id
        self.detail: CaseDetail | None = None
        self.staff: list[StaffRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.tr("tui.case.loading"), id="case-title", classes="screen-title")
        with TabbedContent(id="case-tabs", initial="overview"):
            for tab in TABS:
                with TabPane(self.tr(f"tui.case.tab.{tab}"), id=tab):
                    with VerticalScroll():
                        yield Static(id=f"pane-{tab}")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @on(StoreChanged)
    def load(self) -> None:
        self.fetch_case(self.case_id, self.desk.operator, self.desk.now())

    @work(thread=True, exclusive=True, exit_on_error=False, group="case")
    def fetch_case(self, case_id: int, viewer: Operator | None, now: dt.datetime) -> None:
        store = self.desk.store
        self.deliver(CaseLoaded(case_detail(store, viewer, case_id, now), list_staff(store)))

    @on(CaseLoaded)
    def show_case(self, message: CaseLoaded) -> None:
        d = message.detail
        self.detail, self.staff = d, message.staff
        view = CaseView(self.desk.policy, self.lang, self.desk.now(), KEY_OF)
        self.query_one("#case-title", Static).update(view.title(d))
        for tab in TABS:
            self.query_one(f"#pane-{tab}", Static).update(view.pane(tab, d))
        self.refresh_bindings()

    # --- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save_evidence":
            return self.detail is not None and bool(self.detail.evidence)
        if action != "verb":
            return True
        if self.detail is None or not parameters:
            return False
        verb = Action(str(parameters[0]))
        if verb not in self.detail.actions:
            return False  # the role never takes this step: not offered at all
        refused = self.detail.actions[verb]
        if refused is None:
            return True
        # A step of another stage (or of a finished case) is not offered; a step that waits for
        # something recorded first is shown disabled, and the overview says what it waits for.
        return False if refused.key in NOT_THIS_STAGE else None

    def action_verb(self, name: str) -> None:
        d, operator = self.detail, self.desk.operator
        if d is None or operator is None:
            return
        action = Action(name)
        refused = d.actions.get(action)
        if refused is not None:
            self.show_error(refused.message(self.lang))
            return
        ctx = FormContext(self.desk.policy, self.lang, self.desk.now(), operator, self.staff, d)
        form = ActionForm(action, CaseRef(d.id, d.number, d.version), ctx)

        def done(change: CaseChange | None) -> None:
            if change is not None:
                self.say(
                    self.tr(
                        "tui.case.saved",
                        action=self.tr(f"action.{name}"),
                        status=self.tr(f"status.{change.status.value}"),
                    )
                )
                self.load()

        self.app.push_screen(form, done)

    def action_save_evidence(self) -> None:
        """Save a copy of one of the case's evidence files out of the store."""
        from complaint_tui.paths import copies_dir
        from complaint_tui.screens.evidence import SaveEvidenceScreen

        d = self.detail
        if d is None or not d.evidence:
            return

        def done(path: Path | None) -> None:
            if path is not None:
                self.say(self.tr("tui.case.copy_saved", file=path.name, path=str(path)))

        self.app.push_screen(SaveEvidenceScreen(d.number, list(d.evidence), copies_dir()), done)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_close_case(self) -> None:
        self.dismiss()
