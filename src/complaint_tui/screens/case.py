"""One case, every step of the standard (issue 3, item 5): a pushed screen with five tabs.

Overview (S1.4 record, each step's due time and state, the actions allowed now; for a step not
yet allowed, the guard's reason), Investigation (S2), Resolution (S3), Feedback and return visit
(S4), History (the audit trail in plain words). Each verb has the key the verb registry
(``complaint_tui.verbs``) declares; ``check_action`` hides the verbs the role may never take and
disables those the guards refuse now, and pressing such a key says at once why, in a notice with
the guard's words (issue 8, item 3). The verb's dialog (``screens.forms``) carries the case
version loaded here. Esc, and F2 over the queue, go back to the queue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Header, Static, TabbedContent, TabPane

from complaint_tui.desk import StoreChanged
from complaint_tui.models import Status
from complaint_tui.operators import Operator
from complaint_tui.queries import case_detail
from complaint_tui.queries.case_view import CaseDetail
from complaint_tui.screens.base import DeskScreen
from complaint_tui.screens.forms import ActionForm, CaseRef, FormContext
from complaint_tui.services import CaseChange, StaffRow, list_staff
from complaint_tui.verbs import VERBS, verb_on_key
from complaint_tui.views.case import NOT_THIS_STAGE, TABS, CaseView
from complaint_tui.widgets.key_bar import KeyBar
from complaint_tui.widgets.status import StatusLine
from complaint_tui.workflow import Action, CaseFacts, refusal

# The key of each verb, as the registry declares it (the overview's action list shows them).
KEY_OF = {verb.action: verb.key for verb in VERBS}
# Refusals that never lift for this operator: the desk's correction window has passed.
TIME_IS_OVER = frozenset({"guard.correction_window"})


@dataclass
class CaseLoaded(Message):
    """The case as the store holds it now, and the staff its forms may choose from."""

    detail: CaseDetail
    staff: list[StaffRow]


class CaseScreen(DeskScreen):
    """Everything about one case; reloads itself when any desk changes the store."""

    # A verb key typed while the case (re)loads waits for it: it is offered by the case as saved.
    HOLD_KEYS_FOR = frozenset({"save", "case"})

    BINDINGS = [
        Binding("escape", "close_case", "keys.case.back", id="case-back"),
        Binding("E", "save_evidence", "keys.case.save_evidence", id="case-save-evidence"),
        *[Binding(str(i + 1), f"tab('{tab}')", show=False) for i, tab in enumerate(TABS)],
        *[
            Binding(
                verb.key, f"verb('{verb.action.value}')", f"action.{verb.action.value}", id=f"verb-{verb.action.value}"
            )
            for verb in VERBS
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
        # The verbs' keys in two lines at most, each whole; the rest behind F1 (issue 8 item 6).
        yield KeyBar(self.tr("tui.help.more"))

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
        # A step of another stage (or of a finished case), or one whose time is over, is not
        # offered; a step that waits for something recorded first is shown disabled, and the
        # overview says what it waits for. Pressing either key says why (``on_key``).
        return False if refused.key in NOT_THIS_STAGE | TIME_IS_OVER else None

    def refused(self, action: Action) -> str | None:
        """Why the operator may not take ``action`` on this case now, in the guard's words."""
        d, operator = self.detail, self.desk.operator
        if d is None or operator is None:
            return None
        if action in d.actions:
            found = d.actions[action]
            return None if found is None else found.message(self.lang)
        # Not among the role's actions at all: the workflow's own words for that (the role is
        # checked before anything about the case).
        role = refusal(action, CaseFacts(status=Status(d.status)), operator.actor)
        return None if role is None else role.message(self.lang)

    def tell_refused(self, action: Action, reason: str) -> None:
        """A refused key says why at once, as a notice (the overview's reason may be out of view)."""
        self.notify(reason, title=self.tr(f"action.{action.value}"), severity="warning", timeout=8, markup=False)
        self.query_one(StatusLine).warn(reason)

    def on_key(self, event: events.Key) -> None:
        # A verb key whose binding is disabled or hidden never reaches action_verb: Textual skips
        # it. Say why here, before the bindings are tried, and let an allowed key go on to them.
        if event.key == "f2" and self.app.current_mode == "queue":
            event.stop()  # the case lies over the queue: F2 goes back to it, like Esc
            self.action_close_case()
            return
        verb = verb_on_key(event.key)
        if verb is None or self.detail is None:
            return
        reason = self.refused(verb.action)
        if reason is not None:
            event.stop()
            self.tell_refused(verb.action, reason)

    def action_verb(self, name: str) -> None:
        d, operator = self.detail, self.desk.operator
        if d is None or operator is None:
            return
        action = Action(name)
        reason = self.refused(action)
        if reason is not None:
            self.tell_refused(action, reason)
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
