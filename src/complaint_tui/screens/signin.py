"""Sign-in (issue 3, item 2): choose who you are, type the PIN where the account has one.

The find box has the focus from the first frame: a clerk types part of the name, the login or
the name's pinyin initials (``wf`` for 王芳, issue 8 item 5) and Enter takes the highlighted
person. Nothing moves the highlight but the clerk: Up/Down typed before the list has arrived are
counted and applied to it, and a refreshed list keeps the highlighted person.

On an empty store the first person is led through creating the first supervisor account, with
its PIN (``add_staff`` with no operator accepts only a managing role with a PIN then), and is
signed in with it. ``--operator LOGIN`` preselects the account and asks for its PIN.
A refused sign-in says "wrong login or PIN" whatever the reason (services/staff.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from complaint_tui.desk import Desk, SignedIn
from complaint_tui.errors import DeskError, InvalidInput
from complaint_tui.models import Role
from complaint_tui.name_find import NameKey, name_key
from complaint_tui.screens.base import DeskScreen
from complaint_tui.services import StaffRow, add_staff, list_staff, sign_in, staff_count
from complaint_tui.services.staff import SIGN_IN_FAILED
from complaint_tui.validation import login_name, person_name, pin
from complaint_tui.widgets.choice import ChoiceBar
from complaint_tui.widgets.fields import FieldBlock, RuleValidator
from complaint_tui.widgets.status import StatusLine


class SignInDesk(Desk, Protocol):
    """The desk as the sign-in screen sees it: also who ``--operator`` named, if anyone."""

    @property
    def preselect_login(self) -> str | None: ...


@dataclass
class StaffListed(Message):
    """How many accounts the store has, and the ones to choose from."""

    count: int
    rows: list[StaffRow]
    keys: list[NameKey]


class SignInScreen(DeskScreen):
    """Choose the operator; PIN where set; the first-run flow on an empty store."""

    BINDINGS = [
        Binding("ctrl+s", "create_first", "keys.signin.create", id="signin-create"),
        Binding("escape", "back_to_list", "keys.signin.back", id="signin-back", show=False),
        # Only reached from the find box: the list handles its own arrows when it has the focus.
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]
    # Names typed while the list loads, and keys typed after the PIN, wait for it (type-ahead).
    HOLD_KEYS_FOR = frozenset({"staff", "signed_in"})

    def __init__(self) -> None:
        super().__init__(id="signin")
        self.staff: list[StaffRow] = []
        self.first_run = False
        self.chosen: StaffRow | None = None
        self.keys: dict[str, NameKey] = {}
        self.loaded = False
        self.moves_before_load = 0
        self.submitted_before_load = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="signin-box"):
            yield Static(self.tr("tui.signin.title"), id="signin-title", classes="screen-title")
            yield Static(self.tr("tui.signin.loading"), id="signin-help")
            yield Input(id="staff-find", placeholder=self.tr("tui.signin.find_placeholder"))
            yield OptionList(id="staff-list")
            yield FieldBlock(
                "pin",
                self.tr("field.pin"),
                Input(password=True, id="pin", max_length=12, placeholder="••••"),
                id="block-pin-signin",
            )
            with Vertical(id="first-run"):
                yield FieldBlock(
                    "login",
                    self.tr("field.login"),
                    Input(id="first-login", validators=[RuleValidator("login", login_name, lang=self.lang)]),
                )
                yield FieldBlock(
                    "staff_name",
                    self.tr("field.staff_name"),
                    Input(id="first-name", validators=[RuleValidator("staff_name", person_name, lang=self.lang)]),
                )
                yield FieldBlock(
                    "department",
                    self.tr("field.department"),
                    ChoiceBar(
                        [(code, d.label(self.lang)) for code, d in self.desk.policy.departments.items()],
                        id="first-department",
                    ),
                )
                yield FieldBlock(
                    "pin",
                    self.tr("tui.signin.pin_required"),
                    Input(
                        password=True,
                        id="first-pin",
                        max_length=12,
                        validators=[RuleValidator("pin", pin, lang=self.lang)],
                    ),
                    id="block-pin-first",
                )
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#block-pin-signin").display = False
        self.query_one("#first-run").display = False
        self.query_one("#staff-find", Input).focus()
        self.list_accounts()

    @work(thread=True, exclusive=True, exit_on_error=False, group="staff")
    def list_accounts(self) -> None:
        store = self.desk.store
        rows = list_staff(store)
        self.deliver(StaffListed(staff_count(store), rows, [name_key(r.name, r.login) for r in rows]))

    @on(StaffListed)
    def show_accounts(self, message: StaffListed) -> None:
        count, rows = message.count, message.rows
        self.staff = rows
        self.keys = {key.login: key for key in message.keys}
        self.loaded = True
        help_line = self.query_one("#signin-help", Static)
        if count == 0:
            self.first_run = True
            help_line.update(self.tr("tui.signin.first_run"))
            self.query_one("#staff-list").display = False
            find = self.query_one("#staff-find", Input)
            find.display = False
            self.query_one("#first-run").display = True
            first_login = self.query_one("#first-login", Input)
            first_login.value, find.value = find.value, ""  # what was typed ahead is the login
            first_login.focus()
            self.refresh_bindings()
            return
        help_line.update(self.tr("tui.signin.choose"))
        wanted = cast(SignInDesk, self.app).preselect_login
        match = next((r for r in rows if r.login == wanted), None)
        if match is not None:
            self.show_matches(keep=match.login)
            self.choose(match)
            return
        self.show_matches()
        self.action_move(self.moves_before_load)
        self.moves_before_load = 0
        if self.submitted_before_load:
            self.submitted_before_load = False
            self.find_submitted()

    def matching_rows(self) -> list[StaffRow]:
        """The accounts the find box's text matches, in the store's order (by login)."""
        query = self.query_one("#staff-find", Input).value
        return [r for r in self.staff if self.keys[r.login].matches(query)]

    def show_matches(self, keep: str | None = None) -> None:
        """Refill the list with the matches; the highlighted person stays highlighted if shown."""
        options = self.query_one("#staff-list", OptionList)
        if keep is None and options.highlighted is not None and options.option_count:
            keep = options.get_option_at_index(options.highlighted).id
        options.clear_options()
        rows = self.matching_rows()
        for row in rows:
            role = self.tr(f"role.{row.role.value}")
            lock = " 🔒" if row.has_pin else ""
            options.add_option(Option(f"{row.name}  {row.login} · {role}{lock}", id=row.login))
        logins = [r.login for r in rows]
        options.highlighted = logins.index(keep) if keep in logins else (0 if rows else None)

    @on(Input.Changed, "#staff-find")
    def find_changed(self) -> None:
        if self.loaded and not self.first_run:
            options = self.query_one("#staff-list", OptionList)
            options.highlighted = None  # a new search starts at its first match
            self.show_matches()

    @on(Input.Submitted, "#staff-find")
    def find_submitted(self) -> None:
        if not self.loaded:  # Enter typed ahead of the list: acted on when the list is there
            self.submitted_before_load = True
            return
        options = self.query_one("#staff-list", OptionList)
        if options.highlighted is None or not options.option_count:
            self.query_one(StatusLine).warn(self.tr("tui.signin.no_match"))
            return
        chosen = options.get_option_at_index(options.highlighted).id
        row = next((r for r in self.staff if r.login == chosen), None)
        if row is not None:
            self.choose(row)

    def action_move(self, steps: int) -> None:
        """Up/Down from the find box move the highlight; before the list arrives they are kept."""
        if not self.loaded:
            self.moves_before_load += steps
            return
        options = self.query_one("#staff-list", OptionList)
        if not options.option_count:
            return
        current = options.highlighted if options.highlighted is not None else 0
        options.highlighted = max(0, min(options.option_count - 1, current + steps))

    @on(OptionList.OptionSelected, "#staff-list")
    def account_chosen(self, event: OptionList.OptionSelected) -> None:
        row = next((r for r in self.staff if r.login == event.option.id), None)
        if row is not None:
            self.choose(row)

    def choose(self, row: StaffRow) -> None:
        self.chosen = row
        if row.has_pin:
            block = self.query_one("#block-pin-signin", FieldBlock)
            block.display = True
            block.show_error(None)
            pin_input = self.query_one("#pin", Input)
            pin_input.value = ""
            pin_input.focus()
            self.say(self.tr("tui.signin.pin_for", name=row.name))
        else:
            self.sign_in(row.login, None)

    @on(Input.Submitted, "#pin")
    def pin_typed(self, event: Input.Submitted) -> None:
        if self.chosen is not None:
            self.sign_in(self.chosen.login, event.value)

    @on(Input.Submitted, "#first-login, #first-name, #first-pin")
    def next_field(self) -> None:
        if self.first_run:
            self.focus_next()

    @work(thread=True, exclusive=True, exit_on_error=False, group="signed_in")
    def sign_in(self, login: str, pin_code: str | None) -> None:
        self.tell_desk(SignedIn(sign_in(self.desk.store, login, pin_code)))

    def action_back_to_list(self) -> None:
        if not self.first_run:
            self.query_one("#block-pin-signin").display = False
            self.query_one("#staff-find").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "create_first":
            return self.first_run
        return True

    def action_create_first(self) -> None:
        login = self.query_one("#first-login", Input).value.strip()
        name = self.query_one("#first-name", Input).value
        department = self.query_one("#first-department", ChoiceBar).value
        pin_code = self.query_one("#first-pin", Input).value.strip() or None
        for block in self.query(FieldBlock):
            block.show_error(None)

        self.create_first(login, name, department, pin_code)

    @work(thread=True, exclusive=True, exit_on_error=False, group="signed_in")
    def create_first(self, login: str, name: str, department: str | None, pin_code: str | None) -> None:
        store = self.desk.store
        add_staff(
            store,
            None,
            login=login,
            name=name,
            role=Role.SUPERVISOR.value,
            department=department,
            pin_code=pin_code,
        )
        self.tell_desk(SignedIn(sign_in(store, login, pin_code)))

    def handle_desk_error(self, error: DeskError) -> bool:
        if isinstance(error, InvalidInput):
            for problem in error.problems:
                block_id = "#block-pin-first" if problem.field == "pin" else f"#block-{problem.field}"
                for block in self.query(block_id).results(FieldBlock):
                    block.show_error(problem.message(self.lang))
            self.query_one(StatusLine).warn(error.message(self.lang))
            return True
        if error.key in (SIGN_IN_FAILED, "error.account_locked", "error.pin_not_set"):
            block = self.query_one("#block-pin-signin", FieldBlock)
            if block.display:
                block.show_error(error.message(self.lang))
                self.query_one("#pin", Input).value = ""
            self.query_one(StatusLine).warn(error.message(self.lang))
            return True
        return False
