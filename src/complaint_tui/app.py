"""The desk application: settings, the store, modes, global keys, the palette and the stylesheet.

Screens do the work (one module each under ``screens/``); this module only wires them. The
areas of the desk are modes (SPEC S5.2): the queue, intake and the supervisor's dashboard,
each with its own screen stack, so a case opened from the queue is one pushed ``CaseScreen``
and switching to intake mid-call keeps the queue where it was. Sign-in is a mode of its own.

Screens know the app only as the ``complaint_tui.desk.Desk`` protocol and ask it for things
with ``complaint_tui.desk``'s messages (open a case, show the queue, signed in, case changed),
handled here with ``@on``.

Other desks' changes come from ``change_feed`` (issue 9 item 2): PostgreSQL notifies each
commit with the cases it touched, SQLite's ``PRAGMA data_version`` moves; a short thread worker
looks at the feed twice a second without a round trip to the server. The screens are told
(``StoreChanged``); a case screen only when its case is among those changed. A save on this
desk (``CaseChanged``) tells the screens at once, in the app, not through the database.

While the database cannot be reached, every status line says so and the feed keeps trying; when
it answers again the lines clear by themselves and every screen reads the store again
(issue 9 item 3).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import AwaitMount
from textual.worker import Worker, WorkerState

from complaint_tui.change_feed import ChangeFeed, Changes
from complaint_tui.commands import DeskCommands
from complaint_tui.db import Store
from complaint_tui.desk import (
    CaseChanged,
    Desk,
    OpenCase,
    OpenCaseNumber,
    QueueRequest,
    ShowQueue,
    SignedIn,
    StoreChanged,
)
from complaint_tui.errors import DeskError
from complaint_tui.i18n import LANGUAGES, set_language, t
from complaint_tui.models import Role, utcnow
from complaint_tui.policy import Policy
from complaint_tui.queries import case_id_by_number
from complaint_tui.screens.base import DeskMixin, translate_bindings
from complaint_tui.services import Operator, needs_pin, sign_in
from complaint_tui.textual_private import all_screens, restore_app_bindings
from complaint_tui.widgets.status import StatusLine
from complaint_tui.widgets.typeahead import KeyOrderApp
from complaint_tui.workflow import ROLE_ACTIONS, Action

if TYPE_CHECKING:  # the command line's module (typer): the desk only reads the settings it made
    from complaint_tui.config import Settings

# The sign-in list finds a person by pinyin initials, read one character at a time
# (name_find); pypinyin also loads its phrase dictionary and copies both unless told not to:
# about three quarters of its import, a third of a second of CPU before sign-in is usable, for
# words the desk never looks up (a character's readings are the same either way).
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")

# How often the desk looks at the change feed (a local look: no server round trip, except the
# feed's health check every few seconds). Another desk's change is on screen within this.
POLL_SECONDS = 0.5
# A look at the feed that has not come back after this long means the server does not answer.
STUCK_SECONDS = 2.0
# How often the feed asks the server whether it is there (one primary-key read): a hung server
# is said within about this plus STUCK_SECONDS; 200 idle desks cost the server under 2% of a core.
HEALTH_SECONDS = 5.0
# How many changes the desk remembers for the screens of modes not shown meanwhile.
RECENT_CHANGES = 200


# The screens not shown at start are imported when first shown (start-up time, issues 3 and
# 11): the sign-in screen comes first and needs none of the queue's code.
def _queue() -> Screen[Any]:
    from complaint_tui.screens.queue import QueueScreen

    return QueueScreen()


def _signin() -> Screen[Any]:
    from complaint_tui.screens.signin import SignInScreen

    return SignInScreen()


def _intake() -> Screen[Any]:
    from complaint_tui.screens.intake import IntakeScreen

    return IntakeScreen()


def _dashboard() -> Screen[Any]:
    from complaint_tui.screens.dashboard import DashboardScreen

    return DashboardScreen()


def _is_case(screen: Screen[Any]) -> bool:
    from complaint_tui.screens.case import CaseScreen

    return isinstance(screen, CaseScreen)


DESK_MODES: dict[str, Callable[[], Screen[Any]]] = {
    "queue": _queue,
    "intake": _intake,
    "dashboard": _dashboard,
}


@dataclass
class StoreReachable(Message, bubble=False):
    """The change feed's last look reached the database (True) or could not (False)."""

    reachable: bool


class BlankScreen(Screen[None]):
    """Shown while the app starts (signing in the ``--operator``) and for the instant in which
    the desk screens are rebuilt in another language."""


class DeskApp(KeyOrderApp):
    """The complaint desk. Build it with the same store and settings the CLI uses."""

    CSS_PATH = "app.tcss"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "signin": _signin,
        "blank": BlankScreen,
        **DESK_MODES,
    }
    # Blank until on_mount knows whether the sign-in screen is needed at all.
    DEFAULT_MODE = "blank"
    COMMANDS = {DeskCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "keys.app.help", id="help"),
        Binding("f2", "desk_mode('queue')", "keys.app.queue", id="mode-queue"),
        Binding("f3", "desk_mode('intake')", "keys.app.intake", id="mode-intake"),
        Binding("f4", "desk_mode('dashboard')", "keys.app.dashboard", id="mode-dashboard"),
        Binding("f10", "sign_out", "keys.app.sign_out", id="sign-out", show=False),
        Binding("ctrl+q", "quit", "keys.app.quit", id="quit", priority=True),
        # Declared here so the footer shows its description in the operator's language.
        Binding("ctrl+p", "command_palette", "keys.app.commands", id="palette", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        poll_seconds: float | None = POLL_SECONDS,
    ) -> None:
        """
        Args:
            settings: the run's settings (language, operator to sign in as, ...).
            store: the open store; the app never makes its own engine.
            clock: what "now" is; tests and snapshots pass a fixed time so due times are stable.
            poll_seconds: how often to look for other desks' changes (None: never, for snapshots).
        """
        self.settings = settings
        self.store = store
        self.lang = settings.lang if settings.lang in LANGUAGES else "en"
        self.clock = clock or utcnow
        self.poll_seconds = poll_seconds
        self.operator: Operator | None = None
        # ``--operator``: signed in at start; after signing out, nobody is chosen for the next.
        self.preselect_login = settings.operator_login
        self.change_mark = 0
        self.poll_timer: Timer | None = None
        self.feed: ChangeFeed | None = None
        self.db_reachable = True
        # The recent changes (mark, cases; None: unknown) and the mark at which each mode was
        # left: a case screen under another mode catches up when its mode is shown again.
        self.recent_changes: deque[tuple[int, frozenset[int] | None]] = deque(maxlen=RECENT_CHANGES)
        self.left_at: dict[str, int] = {}
        # Until the first desk screen is chosen (signed in at start, or the sign-in screen), keys
        # typed wait (KeyOrderApp.holding_keys): the blank screen shown meanwhile takes none, and
        # F3 typed while ``--operator`` signs in must open intake once the desk is there.
        self.starting = True
        super().__init__()
        set_language(self.lang)
        translate_bindings(self, self.lang)
        self.title = t("tui.app.title", self.lang)

    def on_mount(self) -> None:
        login = self.preselect_login
        if login:
            self.sign_in_at_start(login)
        else:
            self.switch_mode("signin")
            self.starting = False

    @work(thread=True, exclusive=True, exit_on_error=False, group="start")
    def sign_in_at_start(self, login: str) -> None:
        """``--operator LOGIN`` goes straight to the queue when the account has no PIN, or the run
        was given it (``--demo``): no sign-in screen is built. An account with a PIN, or any
        problem, leads to the sign-in screen, which preselects LOGIN and asks for the PIN."""
        pin_code = self.settings.operator_pin
        if needs_pin(self.store, login) and not pin_code:
            operator = None
        else:
            operator = sign_in(self.store, login, pin_code)
        self.call_from_thread(self._started, operator)

    def _started(self, operator: Operator | None) -> None:
        self.call_later(self._show_first_screen, operator)

    async def _show_first_screen(self, operator: Operator | None) -> None:
        # Keys typed so far wait until the screen that takes them has mounted (and started the
        # work it holds keys for: the sign-in screen's list of accounts).
        if operator is None:
            await self.switch_mode("signin")
        else:
            await self.signed_in(operator)
        self.starting = False

    def holding_keys(self) -> bool:
        return self.starting

    # --- the desk as screens know it (complaint_tui.desk.Desk) and what they ask of it ------

    @property
    def policy(self) -> Policy:
        return self.store.policy

    def now(self) -> dt.datetime:
        return self.clock()

    def may(self, action: Action) -> bool:
        """Whether the signed-in role may take ``action`` at all (the services check again)."""
        return self.operator is not None and action in ROLE_ACTIONS[self.operator.role]

    @on(SignedIn)
    def operator_signed_in(self, message: SignedIn) -> None:
        self.signed_in(message.operator)

    def signed_in(self, operator: Operator) -> AwaitMount:
        """Open the queue for ``operator`` and start watching for changes."""
        self.operator = operator
        self.store.sign_as(operator.login)  # application_name: whose desk holds the connections
        self.sub_title = f"{operator.name} · {t(f'role.{operator.role.value}', self.lang)}"
        shown = self.switch_mode("queue")
        if self.poll_seconds and self.poll_timer is None:
            self.feed = ChangeFeed(self.store, health_every=max(HEALTH_SECONDS, self.poll_seconds))
            self.poll_timer = self.set_interval(self.poll_seconds, self.poll_changes, name="poll")
        return shown

    @on(OpenCase)
    def show_case(self, message: OpenCase) -> None:
        if message.mode is not None and message.mode != self.current_mode:
            self.switch_mode(message.mode)
        self.open_case(message.case_id)

    def open_case(self, case_id: int) -> None:
        """Show one case: a single pushed screen, replacing a case already shown (no deep stacks)."""
        from complaint_tui.screens.case import CaseScreen

        screen = CaseScreen(case_id)
        if isinstance(self.screen, CaseScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    @on(ShowQueue)
    def show_queue(self, message: ShowQueue) -> None:
        """Switch to the queue showing a saved section (the palette) or the cases behind a
        filter (the dashboard's drill-down). An open case is closed first."""
        self.open_queue(message.request)

    def open_queue(self, request: QueueRequest) -> None:
        if self.current_mode == "queue":
            while _is_case(self.screen):
                self.pop_screen()
        self.switch_mode("queue")
        # The queue's own screen is the bottom of the mode's stack: the request is its to take.
        self.screen_stack[0].post_message(ShowQueue(request))

    @on(OpenCaseNumber)
    def show_case_number(self, message: OpenCaseNumber) -> None:
        self.find_case_number(message.number)

    @work(thread=True, exclusive=True, exit_on_error=False, group="open-number")
    def find_case_number(self, number: str) -> None:
        set_language(self.lang)
        self.post_message(OpenCase(case_id_by_number(self.store, number)))

    # --- other desks' changes -----------------------------------------------------------

    def poll_changes(self) -> None:
        """Look at the change feed (a timer calls this); a look that hangs means an outage."""
        feed = self.feed
        if feed is None:
            return
        if feed.looking_for() > STUCK_SECONDS:
            feed.given_up()
            self.reachability(StoreReachable(False))
        self.look_at_feed(feed)

    @work(thread=True, exit_on_error=False, group="poll")
    def look_at_feed(self, feed: ChangeFeed) -> None:
        for seen in feed.look():  # at once, when another look still waits on a hung server
            if isinstance(seen, Changes):
                self.post_message(StoreChanged(self.change_mark + 1, seen.case_ids))
            else:
                self.post_message(StoreReachable(seen.reachable))

    @on(CaseChanged)
    def tell_own_change(self, message: CaseChanged) -> None:
        # This desk saved something: its screens read the store again now, told in the app,
        # not through the database (whose notification of this save the feed skips).
        if self.operator is not None:
            self.tell_screens(StoreChanged(self.change_mark + 1, frozenset({message.case_id})))

    @on(StoreChanged)
    def tell_screens(self, message: StoreChanged) -> None:
        """Move the mark on and tell the screens on the stack; a case screen only when its case
        is among those changed (the queue and the dashboard show many cases, so always them)."""
        from complaint_tui.screens.case import CaseScreen

        self.change_mark += 1
        self.recent_changes.append((self.change_mark, message.case_ids))
        for screen in self.screen_stack:
            if isinstance(screen, CaseScreen) and message.case_ids is not None:
                if screen.case_id not in message.case_ids:
                    continue
            screen.post_message(StoreChanged(self.change_mark, message.case_ids))

    def switch_mode(self, mode: str) -> AwaitMount:
        """Switch modes; a case screen of the mode shown again reads its case again when it
        changed while another mode was shown (the queue and the dashboard compare marks)."""
        self.left_at[self.current_mode] = self.change_mark
        shown = super().switch_mode(mode)
        since = self.left_at.get(mode)
        if since is not None and since != self.change_mark:
            self.call_after_refresh(self.catch_up, since)
        return shown

    def catch_up(self, since: int) -> None:
        from complaint_tui.screens.case import CaseScreen

        missed = [cases for mark, cases in self.recent_changes if mark > since]
        complete = len(self.recent_changes) < RECENT_CHANGES or self.recent_changes[0][0] <= since + 1
        for screen in self.screen_stack:
            if not isinstance(screen, CaseScreen):
                continue
            if not complete or any(cases is None or screen.case_id in cases for cases in missed):
                screen.post_message(StoreChanged(self.change_mark, None))

    @on(StoreReachable)
    def reachability(self, message: StoreReachable) -> None:
        if message.reachable == self.db_reachable:
            return
        self.db_reachable = message.reachable
        text = None if message.reachable else t("tui.error.db_unreachable", self.lang)
        StatusLine.outage_everywhere(id(self), text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The app's own workers: signing in at start, opening a case by number, polling. A
        # failed look at the feed is said by the status lines (StoreReachable), not here.
        if event.state is not WorkerState.ERROR or event.worker.group == "poll":
            return
        if event.worker.group == "start":
            self._started(None)  # the sign-in screen says what is wrong with the login
            return
        error = event.worker.error
        text = error.message(self.lang) if isinstance(error, DeskError) else t("tui.error.unexpected", self.lang)
        if isinstance(self.screen, DeskMixin):
            self.screen.show_error(text)
        else:
            self.notify(text, severity="error")

    # --- actions ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("desk_mode", "sign_out"):
            if self.operator is None:
                return False
            if action == "desk_mode" and parameters:
                return self.mode_allowed(str(parameters[0]))
        return True

    def mode_allowed(self, mode: str) -> bool:
        if self.operator is None:
            return False
        if mode == "intake":
            return self.may(Action.INTAKE)
        if mode == "dashboard":
            return self.operator.role in (Role.SUPERVISOR, Role.ADMIN)
        return True

    def action_desk_mode(self, mode: str) -> None:
        if self.mode_allowed(mode):
            self.switch_mode(mode)

    def action_command_palette(self) -> None:
        """Textual's palette, with its prompt in the desk's language (its own is English)."""
        if self.use_command_palette and not any(isinstance(screen, CommandPalette) for screen in self.screen_stack):
            placeholder = t("tui.palette.placeholder", self.lang)
            self.push_screen(CommandPalette(placeholder=placeholder, id="--command-palette"))

    def action_help(self) -> None:
        from complaint_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def on_unmount(self) -> None:
        # The feed's connection is outside the pool: disposing of the engine would not close it.
        if self.feed is not None:
            self.feed.close()

    def action_sign_out(self) -> None:
        self.leave("tui.leave.sign_out", self.sign_out)

    async def action_quit(self) -> None:
        self.leave("tui.leave.quit", self.exit)

    def leave(self, question_key: str, then: Callable[[], Any]) -> None:
        """Sign out or quit; asks first when a desk screen holds unsaved input (issue 8, item 2)."""
        from complaint_tui.screens.confirm import ConfirmLeaveScreen

        unsaved = [s for s in all_screens(self) if isinstance(s, DeskMixin) and s.has_unsaved_input()]
        if not unsaved or isinstance(self.screen, ConfirmLeaveScreen):
            self.call_later(then)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.call_later(then)

        self.push_screen(ConfirmLeaveScreen(question_key), answered)

    async def sign_out(self) -> None:
        self.operator = None
        self.preselect_login = None
        self.sub_title = ""
        if self.poll_timer is not None:
            self.poll_timer.stop()
            self.poll_timer = None
        if self.feed is not None:
            self.feed.close()
            self.feed = None
        self.store.sign_as(None)
        self.reachability(StoreReachable(True))
        await self.switch_mode("signin")
        await self._rebuild_modes(tuple(DESK_MODES))

    async def change_language(self, lang: str) -> None:
        """Show every screen in ``lang``: rebuild the desk screens, keep the open case open."""
        if lang == self.lang or lang not in LANGUAGES:
            return
        self.lang = lang
        set_language(lang)
        restore_app_bindings(self)
        translate_bindings(self, lang)
        self.title = t("tui.app.title", lang)
        if self.operator is not None:
            self.sub_title = f"{self.operator.name} · {t(f'role.{self.operator.role.value}', lang)}"
        current = self.current_mode
        from complaint_tui.screens.case import CaseScreen

        open_cases = [s.case_id for s in self.screen_stack if isinstance(s, CaseScreen)]
        await self.switch_mode("blank")
        await self._rebuild_modes(("signin", *DESK_MODES))
        await self.switch_mode(current)
        for case_id in open_cases[-1:]:
            await self.push_screen(CaseScreen(case_id))

    async def _rebuild_modes(self, modes: tuple[str, ...]) -> None:
        for mode in modes:
            factory = self.MODES[mode]
            await self.remove_mode(mode)
            self.add_mode(mode, factory)


def run_app(settings: Settings, store: Store) -> None:
    """Open the desk on ``store`` (called by ``complaint-tui`` with no subcommand)."""
    DeskApp(settings, store).run()


# mypy checks here that the App is the desk the screens are written against.
_THE_APP_IS_A_DESK: type[Desk] = DeskApp
