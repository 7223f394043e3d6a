"""Intake (SPEC S1, S6.1; issue 3, item 4): a complaint recorded completely on a live call.

The channel comes first, with its scope and promised time limit (S1.1). Enter in the phone field
looks the owner up: past and open cases are listed, an empty name and room are filled from the
last case, and a likely duplicate is offered for appending instead (ctrl+o). Every S1.4 field
has its rule checked on blur (the rule's words next to the field); category, urgency and the
object are picked by one digit. The owner's own words (what happened, the current state, the
demand) are typed in fields of several lines (``LongText``: Enter starts a new line, Tab goes
on). On a live channel saving asks to confirm the contact details with the owner first (S1.2).
A failed save keeps everything typed; a saved one shows the case number and due times to read
out (S6.1), then the form is cleared for the next call.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Button, Footer, Header, Input, Static

from complaint_tui.desk import CaseChanged, OpenCase
from complaint_tui.errors import DeskError, FieldProblem, InvalidInput
from complaint_tui.estates import intake_choices
from complaint_tui.i18n import set_language
from complaint_tui.models import ObjectKind
from complaint_tui.operators import Operator
from complaint_tui.queries import HistoryRow, likely_duplicates, owner_history, room_history
from complaint_tui.screens.base import DeskModal, DeskScreen
from complaint_tui.screens.forms import ActionForm, CaseRef, FormContext
from complaint_tui.services import (
    CaseChange,
    EvidenceInput,
    IntakeForm,
    IntakeReceipt,
    StaffRow,
    check_intake,
    intake,
    list_staff,
)
from complaint_tui.validation import (
    SHORT_MAX,
    TEXT_MAX,
    RuleBroken,
    address_part,
    local_date,
    local_datetime,
    normalise_phone,
    optional_text,
    person_name,
    required_text,
)
from complaint_tui.views.times import DAY_TIME, local
from complaint_tui.widgets.choice import ChoiceBar
from complaint_tui.widgets.evidence_list import EvidenceList
from complaint_tui.widgets.field_input import FieldInput
from complaint_tui.widgets.fields import FieldBlock, RuleValidator
from complaint_tui.widgets.key_bar import KeyBar
from complaint_tui.widgets.long_text import LongText
from complaint_tui.widgets.status import StatusLine
from complaint_tui.workflow import Action

CHOICES = ("channel", "object_kind", "category", "urgency")
TEXTS = (
    "phone",
    "owner_name",
    "building",
    "unit",
    "room",
    "object_text",
    "object_staff_login",
    "matter_what",
    "matter_when",
    "matter_where",
    "matter_state",
    "demand",
    "received_at",
)
# The owner's own words, typed in several lines: the fields the core keeps line breaks in.
LONG_TEXTS = ("matter_what", "matter_state", "demand")
# The owner's past cases shown beside the form.
HISTORY_ROWS = 12
EVIDENCE_FIELDS = ("evidence_path", "evidence_source", "evidence_taken_on", "evidence_note")


@dataclass
class StaffNamed(Message):
    """The centre's staff, to offer by name for "the staff member complained about"."""

    rows: list[StaffRow]


@dataclass
class HistoryFound(Message):
    """The owner's past cases (looked up by ``how``: phone or room) and likely duplicates."""

    how: str
    rows: list[HistoryRow]
    duplicates: list[HistoryRow]


@dataclass
class EvidenceRead(Message):
    """A file named in the evidence fields, read and ready to save with the case."""

    item: EvidenceInput


@dataclass
class IntakeSaved(Message):
    """The complaint is recorded: its number and due times to read out."""

    receipt: IntakeReceipt


class ConfirmContactScreen(DeskModal[bool]):
    """S1.2: read the contact details back to the owner on a live channel before saving."""

    BINDINGS = [
        Binding("enter,y", "answer(True)", "keys.confirm.yes", id="confirm-yes"),
        Binding("escape,n", "answer(False)", "keys.confirm.no", id="confirm-no"),
    ]

    def __init__(self, name: str, phone: str, address: str) -> None:
        super().__init__()
        self.details = (name, phone, address)

    def compose(self) -> ComposeResult:
        name, phone, address = self.details
        with Vertical(classes="dialog small"):
            yield Static(self.tr("tui.intake.confirm_title"), classes="dialog-title")
            yield Static(self.tr("tui.intake.confirm_text", name=name, phone=phone, address=address), id="confirm-text")
            yield Footer()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ReceiptScreen(DeskModal[bool]):
    """The new case number and its due times, to read out to the owner (S6.1)."""

    BINDINGS = [
        Binding("enter,escape", "finish(False)", "keys.receipt.next", id="receipt-next"),
        Binding("o", "finish(True)", "keys.receipt.open", id="receipt-open"),
    ]

    def __init__(self, receipt: IntakeReceipt) -> None:
        super().__init__()
        self.receipt = receipt

    def compose(self) -> ComposeResult:
        r, zone = self.receipt, self.desk.policy.zone
        urgency = self.desk.policy.label("urgencies", r.urgency, self.lang)
        with Vertical(classes="dialog small"):
            yield Static(self.tr("tui.intake.saved_title"), classes="dialog-title")
            yield Static(
                self.tr(
                    "tui.intake.saved_text",
                    number=r.number,
                    first=local(r.first_response_due, zone, DAY_TIME),
                    resolution=local(r.resolution_due, zone, DAY_TIME),
                    urgency=urgency,
                ),
                id="receipt-text",
            )
            if r.urgency_raised:
                yield Static(self.tr("tui.intake.urgency_raised", urgency=urgency), classes="warning")
            yield Footer()

    def action_finish(self, open_case: bool) -> None:
        self.dismiss(open_case)


class IntakeScreen(DeskScreen):
    """The intake form, with the owner lookup beside it."""

    BINDINGS = [
        Binding("ctrl+s", "save", "keys.intake.save", id="intake-save", priority=True),
        # Not ctrl+a / ctrl+e: a focused Input takes those for home and end.
        Binding("ctrl+o", "append", "keys.intake.append", id="intake-append"),
        Binding("ctrl+f", "add_evidence", "keys.intake.add_evidence", id="intake-evidence"),
        Binding("ctrl+n", "new_form", "keys.intake.clear", id="intake-clear"),
        Binding("escape", "stop_editing", "keys.form.cancel", id="intake-stop-editing"),
    ]
    # Keys typed while the case is saved or an evidence file is read wait for it (the form is
    # cleared or its evidence fields emptied then); the owner lookup is typed past.
    HOLD_KEYS_FOR = frozenset({"save", "evidence"})
    # The side panel takes two fifths of the width: below 180 columns it lists the owner's cases
    # instead of a table of five columns (at 100 the table showed "TS20…  环境…  调查 …", at 160
    # it left what happened 12 cells): the class picks the one app.tcss shows.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (180, "-wide")]

    def __init__(self) -> None:
        super().__init__(id="intake")
        self.evidence: list[EvidenceInput] = []
        # The index of the evidence item loaded into the fields for editing, if any.
        self.editing: int | None = None
        self.duplicates: list[HistoryRow] = []
        self.received_default = ""
        self.staff: list[StaffRow] = []  # loaded when a complaint is about a staff member
        self.intake_key = str(uuid.uuid4())

    # --- layout ------------------------------------------------------------------------

    def block(self, name: str, widget: Widget) -> FieldBlock:
        return FieldBlock(name, self.tr(f"field.{name}"), widget)

    def text(self, name: str, rule: Any = None, *args: Any, optional: bool = False, **kw: Any) -> FieldBlock:
        validators = [RuleValidator(name, rule, *args, lang=self.lang, optional=optional)] if rule else []
        if name in LONG_TEXTS:
            return self.block(name, LongText(id=f"f-{name}", validators=validators, **kw))
        return self.block(name, FieldInput(id=f"f-{name}", validators=validators, validate_on=["blur"], **kw))

    def compose(self) -> ComposeResult:
        p, lang = self.desk.policy, self.lang
        yield Header()
        with Horizontal(id="intake-body"):
            with VerticalScroll(id="intake-form"):
                yield self.block(
                    "channel", ChoiceBar([(c, ch.label(lang)) for c, ch in p.channels.items()], id="f-channel")
                )
                yield Static(self.tr("tui.intake.choose_channel"), id="channel-guide")
                estates = self.estate_choices()
                if len(estates) > 1:  # a desk of one estate is never asked (issue 9 item 6)
                    yield self.block(
                        "estate", ChoiceBar([(c, p.label("estates", c, lang)) for c in estates], id="f-estate")
                    )
                with Horizontal(classes="row"):
                    yield self.text("phone", normalise_phone, placeholder="138 1234 5678")
                    yield self.text("owner_name", person_name)
                with Horizontal(classes="row"):
                    yield self.text("building", address_part)
                    yield self.text("unit", address_part)
                    yield self.text("room", address_part)
                yield self.block(
                    "object_kind",
                    ChoiceBar([(k.value, self.tr(f"object_kind.{k.value}")) for k in ObjectKind], id="f-object_kind"),
                )
                yield self.text("object_text", required_text, 200, placeholder=self.tr("tui.intake.object_hint"))
                yield self.text("object_staff_login", placeholder=self.tr("tui.intake.staff_hint"))
                yield self.text("matter_what", required_text, placeholder=self.tr("tui.intake.what_hint"))
                with Horizontal(classes="row"):
                    yield self.text("matter_when", optional_text, 200, optional=True)
                    yield self.text("matter_where", optional_text, 200, optional=True)
                yield self.text("matter_state", optional_text, optional=True)
                yield self.text("demand", required_text, placeholder=self.tr("tui.intake.demand_hint"))
                yield self.block(
                    "category", ChoiceBar([(c, cat.label(lang)) for c, cat in p.categories.items()], id="f-category")
                )
                yield self.block(
                    "urgency",
                    ChoiceBar([(c, u.label(lang)) for c, u in p.urgencies.items()], value="normal", id="f-urgency"),
                )
                yield self.text("received_at", local_datetime, p.zone)
                yield Static(self.tr("tui.intake.evidence"), classes="section-title")
                with Horizontal(classes="row"):
                    for name, hint in (("path", "~/photos/leak.jpg"), ("source", ""), ("taken_on", "YYYY-MM-DD")):
                        box = FieldInput(id=f"f-evidence_{name}", placeholder=hint, classes="evidence-field")
                        yield self.block(f"evidence_{name}", box)
                yield self.block("evidence_note", FieldInput(id="f-evidence_note", classes="evidence-field"))
                yield Static(self.tr("tui.intake.no_evidence"), id="evidence-none")
                yield EvidenceList(id="evidence-list")
                yield Button(self.tr("tui.intake.save_button"), id="save", variant="primary")
            with VerticalScroll(id="intake-side"):
                yield Static(self.tr("tui.intake.lookup_hint"), id="lookup")
                # The owner's cases twice, the stylesheet shows one: a table where the panel is
                # wide, a list of two lines a case where it is narrow (HORIZONTAL_BREAKPOINTS).
                yield Static("", id="lookup-table", classes="lookup-cases")
                yield Static("", id="lookup-list", classes="lookup-cases")
        yield StatusLine(id="status")
        # Whole keys, two lines at most (issue 8 item 6): the one-line footer cut "f2 Qu▏" at 80 columns.
        yield KeyBar(self.tr("tui.help.more"))

    def on_mount(self) -> None:
        self.reset()

    def estate_choices(self) -> list[str]:
        """The estates this desk takes complaints for (all, or those it is bound to)."""
        return intake_choices(self.desk.policy.estates, self.desk.store.estates)

    def estate(self) -> str:
        """The chosen estate; empty when the desk has one (the service fills it in)."""
        found = self.query("#f-estate").results(ChoiceBar)
        return next((bar.value or "" for bar in found), "")

    def reset(self) -> None:
        """An empty form for the next call (only after a save or on ctrl+n: never after a failure)."""
        for name in TEXTS + EVIDENCE_FIELDS:
            self.field(name).value = ""
        self.stop_editing()
        for name in CHOICES:
            self.query_one(f"#f-{name}", ChoiceBar).value = "normal" if name == "urgency" else None
        self.received_default = self.desk.now().astimezone(self.desk.policy.zone).strftime(DAY_TIME)
        self.query_one("#f-received_at", Input).value = self.received_default
        self.query_one("#block-object_staff_login").display = False
        self.query_one("#channel-guide", Static).update(self.tr("tui.intake.choose_channel"))
        self.query_one("#lookup", Static).update(self.tr("tui.intake.lookup_hint"))
        for cases in self.query(".lookup-cases").results(Static):
            cases.update("")
        self.evidence, self.duplicates = [], []
        for bar in self.query("#f-estate").results(ChoiceBar):
            bar.value = None
        # One key per call: a save retried after a lost acknowledgement finds the case it made
        # (the service answers with the first receipt) instead of making a second one.
        self.intake_key = str(uuid.uuid4())
        self.show_evidence()
        for block in self.query(FieldBlock):
            block.show_error(None)
        self.query_one("#f-channel").focus()
        self.refresh_bindings()

    # --- field events -------------------------------------------------------------------

    @on(ChoiceBar.Changed, "#f-channel")
    def show_channel_guide(self, event: ChoiceBar.Changed) -> None:
        if event.value:
            channel = self.desk.policy.channels[event.value]
            live = self.tr("tui.intake.live") if channel.live else ""
            guide = Text()
            guide.append(self.tr("tui.intake.scope") + " ", style="bold")
            guide.append(channel.scope(self.lang) + "\n")
            guide.append(self.tr("tui.intake.promise") + " ", style="bold")
            guide.append(channel.promise(self.lang))
            if live:
                guide.append("\n" + live, style="yellow")
            self.query_one("#channel-guide", Static).update(guide)

    @on(ChoiceBar.Changed, "#f-object_kind")
    def show_staff_login(self, event: ChoiceBar.Changed) -> None:
        about_staff = event.value == ObjectKind.STAFF.value
        self.query_one("#block-object_staff_login").display = about_staff
        if about_staff and not self.staff:
            self.load_staff()

    @work(thread=True, exclusive=True, exit_on_error=False, group="staff")
    def load_staff(self) -> None:
        self.deliver(StaffNamed(list_staff(self.desk.store)))

    @on(StaffNamed)
    def offer_staff(self, message: StaffNamed) -> None:
        """The staff member complained about is typed by name (the login is the desk's word):
        names are suggested as the clerk types, each with its login."""
        self.staff = message.rows
        names = [f"{r.name} {r.login}" for r in self.staff]
        self.query_one("#f-object_staff_login", Input).suggester = SuggestFromList(names, case_sensitive=False)

    def staff_login(self, typed: str) -> str:
        """The login of what was typed: a name (if one person has it), "name login", or a login."""
        words = typed.split()
        if not words:
            return ""
        named = [r.login for r in self.staff if r.name == typed.strip()]
        if len(named) == 1:
            return named[0]
        return words[-1]

    @on(ChoiceBar.Changed)
    def clear_choice_error(self, event: ChoiceBar.Changed) -> None:
        self.show_field_error(field_name(event.bar), None)

    @on(Input.Blurred)
    def check_field(self, event: Input.Blurred) -> None:
        result = event.validation_result
        text = None if result is None or result.is_valid else result.failure_descriptions[0]
        self.show_field_error(field_name(event.input), text)

    @on(LongText.Blurred)
    def check_long_text(self, event: LongText.Blurred) -> None:
        result = event.validation_result
        text = None if result is None or result.is_valid else result.failure_descriptions[0]
        self.show_field_error(field_name(event.long_text), text)

    @on(Input.Blurred, "#f-building, #f-unit, #f-room")
    def look_up_room(self) -> None:
        self.lookup_room()

    @on(Input.Submitted, "#f-phone")
    def look_up_phone(self) -> None:
        self.lookup_phone()

    @on(Input.Submitted, "#f-evidence_note")
    def add_typed_evidence(self) -> None:
        # Enter in the last evidence field adds the item; in the others it goes on to the next,
        # so an item is never added before its source is typed (issue 8, item 2).
        self.action_add_evidence()

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id != "f-evidence_note":
            self.focus_next()

    def show_field_error(self, name: str, text: str | None) -> None:
        for block in self.query(f"#block-{name}").results(FieldBlock):
            block.show_error(text)

    def field(self, name: str) -> Input | LongText:
        """The widget of the text field ``name`` (one line, or several for the owner's words)."""
        if name in LONG_TEXTS:
            return self.query_one(f"#f-{name}", LongText)
        return self.query_one(f"#f-{name}", Input)

    def value(self, name: str) -> str:
        return self.field(name).value

    # --- owner lookup (S6.2) -----------------------------------------------------------------

    def lookup_phone(self) -> None:
        category = self.query_one("#f-category", ChoiceBar).value
        self.phone_history(self.value("phone"), category, self.estate(), self.desk.operator, self.desk.now())

    def lookup_room(self) -> None:
        building, unit, room = self.value("building"), self.value("unit"), self.value("room")
        if not (building.strip() and unit.strip() and room.strip()) or self.value("phone").strip():
            return
        self.room_history(building, unit, room, self.estate(), self.desk.operator, self.desk.now())

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def phone_history(
        self, phone: str, category: str | None, estate: str, viewer: Operator | None, now: dt.datetime
    ) -> None:
        store = self.desk.store
        rows = owner_history(store, viewer, phone, estate=estate)
        duplicates = likely_duplicates(store, viewer, phone=phone, category=category, now=now, estate=estate)
        self.deliver(HistoryFound("phone", rows, duplicates))

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def room_history(
        self, building: str, unit: str, room: str, estate: str, viewer: Operator | None, now: dt.datetime
    ) -> None:
        store = self.desk.store
        rows = room_history(store, viewer, building, unit, room, estate=estate)
        duplicates = likely_duplicates(store, viewer, building=building, unit=unit, room=room, now=now, estate=estate)
        self.deliver(HistoryFound("room", rows, duplicates))

    @on(HistoryFound)
    def show_history(self, message: HistoryFound) -> None:
        how, rows, duplicates = message.how, message.rows, message.duplicates
        self.duplicates = duplicates
        self.refresh_bindings()
        panel = self.query_one("#lookup", Static)
        for cases in self.query(".lookup-cases").results(Static):
            cases.update("")
        if not rows:
            panel.update(self.tr("tui.intake.no_history"))
            return
        latest = rows[0]
        if how == "phone":
            for name, value in (
                ("owner_name", latest.owner_name),
                ("building", latest.building),
                ("unit", latest.unit),
                ("room", latest.room),
            ):
                self.offer(name, value)
        head = Text(self.tr("tui.intake.history", name=latest.owner_name, count=len(rows)), style="bold")
        parts: list[Any] = [head]
        if duplicates:
            # Above the cases: the clerk may append to it (ctrl+o) instead of filing a new one.
            dup = duplicates[0]
            parts.append(
                Text(
                    self.tr("tui.intake.duplicate", number=dup.number, status=self.tr(f"status.{dup.status}")),
                    style="bold yellow",
                )
            )
        panel.update(Group(*parts))
        self.query_one("#lookup-table", Static).update(self.history_table(rows[:HISTORY_ROWS]))
        self.query_one("#lookup-list", Static).update(self.history_list(rows[:HISTORY_ROWS]))

    def history_table(self, rows: list[HistoryRow]) -> Table:
        """The owner's cases as a table: one a row (a wide panel)."""
        table = Table(box=None, padding=(0, 1), show_header=True, expand=True)
        # The short columns whole (a number cut to "TS20260302-00…" names no case); what
        # happened takes the rest of the width and wraps, at any character in Chinese.
        for column in ("number", "received", "category", "status"):
            table.add_column(self.tr(f"tui.queue.col.{column}"), no_wrap=True)
        table.add_column(self.tr("field.matter_what"), ratio=1, overflow="fold")
        for r in rows:
            table.add_row(
                r.number,
                local(r.received_at, self.desk.policy.zone),
                self.desk.policy.label("categories", r.category, self.lang),
                self.tr(f"status.{r.status}"),
                r.matter,
                style="bold" if r.is_open else "dim",
            )
        return table

    def history_list(self, rows: list[HistoryRow]) -> Text:
        """The owner's cases as a list (a narrow panel, issue 8 item 6): the number and status on
        one line, then when, what kind and what happened, wrapped under it (at any character in
        Chinese), never cut."""
        out = Text()
        for r in rows:
            style = "bold" if r.is_open else "dim"
            out.append(f"{r.number}  {self.tr(f'status.{r.status}')}\n", style=style)
            category = self.desk.policy.label("categories", r.category, self.lang)
            out.append(f"  {local(r.received_at, self.desk.policy.zone)}  {category}  {r.matter}\n", style="dim")
        out.rstrip()
        return out

    def offer(self, name: str, value: str) -> None:
        """Fill an empty field with what the owner's last case says, never moving the focus.

        The result comes while the clerk may already be typing (issue 8, item 1): a field with
        text keeps it, and the filled text is selected, so a word typed into the field the
        clerk sees as empty replaces the offer instead of being added to it (an Input selects
        its text on focus too, so the same holds for the fields the clerk moves into later).
        """
        box = self.query_one(f"#f-{name}", Input)
        if box.value.strip() or not value:
            return
        box.value = value
        box.select_all()

    # --- evidence (S1.4; issue 8, item 2) ------------------------------------------------------

    def action_add_evidence(self) -> None:
        """Add the file in the evidence fields, or keep the changes to the item being edited."""
        for name in EVIDENCE_FIELDS:
            self.show_field_error(name, None)
        path, source, note = self.value("evidence_path"), self.value("evidence_source"), self.value("evidence_note")
        problems: list[FieldProblem] = []
        if self.editing is None and not path.strip():
            problems.append(FieldProblem("evidence_path", "required"))
        for name, rule, text, longest in (
            ("evidence_source", required_text, source, SHORT_MAX),
            ("evidence_note", optional_text, note, TEXT_MAX),
        ):
            try:
                rule(text, longest)
            except RuleBroken as broken:
                problems.append(FieldProblem(name, broken.rule, broken.params))
        taken: dt.date | None = None
        try:
            taken = local_date(self.value("evidence_taken_on"))
        except RuleBroken as broken:
            problems.append(FieldProblem("evidence_taken_on", broken.rule, broken.params))
        if problems:
            for problem in problems:
                self.show_field_error(problem.field, problem.message(self.lang))
            self.query_one(f"#f-{problems[0].field}").focus()
            return
        if self.editing is not None:
            index = self.editing
            self.evidence[index] = dataclasses.replace(self.evidence[index], source=source, taken_on=taken, note=note)
            self.stop_editing()
            self.show_evidence(highlight=index)
            self.say(self.tr("tui.intake.evidence_kept", item=index + 1))
            self.query_one(EvidenceList).point_at(index)
            return
        self.read_evidence(path, source, taken, note)

    @work(thread=True, exclusive=True, exit_on_error=False, group="evidence")
    def read_evidence(self, path: str, source: str, taken: dt.date | None, note: str) -> None:
        self.deliver(EvidenceRead(EvidenceInput.from_path(path, source, taken, note)))

    @on(EvidenceRead)
    def keep_evidence(self, message: EvidenceRead) -> None:
        self.evidence.append(message.item)
        self.clear_evidence_fields()
        self.show_evidence(highlight=len(self.evidence) - 1)

    def clear_evidence_fields(self) -> None:
        for name in EVIDENCE_FIELDS:
            self.query_one(f"#f-{name}", Input).value = ""
            self.show_field_error(name, None)

    @on(EvidenceList.EditItem)
    def edit_evidence(self, message: EvidenceList.EditItem) -> None:
        """Load the item into the fields: its source, date and note can be changed (the file not)."""
        if not 0 <= message.index < len(self.evidence):
            return
        item = self.evidence[message.index]
        self.editing = message.index
        path = self.query_one("#f-evidence_path", Input)
        path.value = item.filename
        path.disabled = True
        self.query_one("#f-evidence_source", Input).value = item.source
        self.query_one("#f-evidence_taken_on", Input).value = item.taken_on.isoformat() if item.taken_on else ""
        self.query_one("#f-evidence_note", Input).value = item.note
        self.say(self.tr("tui.intake.evidence_editing", item=message.index + 1, file=item.filename))
        self.query_one("#f-evidence_source").focus()
        self.refresh_bindings()

    def action_stop_editing(self) -> None:
        """Esc while editing an item: the item stays as it was, the fields are emptied."""
        index = self.editing
        self.stop_editing()
        if index is not None:
            self.clear_evidence_fields()
            self.query_one(EvidenceList).point_at(index)

    def stop_editing(self) -> None:
        if self.editing is None:
            return
        self.editing = None
        path = self.query_one("#f-evidence_path", Input)
        path.disabled = False
        path.value = ""
        self.refresh_bindings()

    @on(EvidenceList.RemoveItem)
    def remove_evidence(self, message: EvidenceList.RemoveItem) -> None:
        if not 0 <= message.index < len(self.evidence):
            return
        if self.editing is not None:
            self.action_stop_editing()
        del self.evidence[message.index]
        self.show_evidence(highlight=message.index)
        self.say(self.tr("tui.intake.evidence_removed", item=message.index + 1))
        listing = self.query_one(EvidenceList)
        if self.evidence:
            listing.focus()
        else:
            self.query_one("#f-evidence_path").focus()

    def show_evidence(self, highlight: int | None = None) -> None:
        lines = [
            " · ".join(
                part
                for part in (
                    f"{i + 1}. {self.tr(f'evidence_kind.{e.kind}')} {e.filename} ({len(e.data):,} B)",
                    e.source,
                    e.taken_on.isoformat() if e.taken_on else "",
                    e.note,
                )
                if part
            )
            for i, e in enumerate(self.evidence)
        ]
        self.query_one(EvidenceList).show_items(lines, highlight)
        self.query_one("#evidence-none", Static).update(
            self.tr("tui.intake.evidence_list" if lines else "tui.intake.no_evidence")
        )

    # --- saving ------------------------------------------------------------------------------

    def form(self, confirmed: bool) -> IntakeForm:
        choice = {name: self.query_one(f"#f-{name}", ChoiceBar).value or "" for name in CHOICES}
        typed = self.value("received_at").strip()
        received: dt.datetime | None = None
        if typed and typed != self.received_default:
            try:
                received = local_datetime(typed, self.desk.policy.zone)
            except RuleBroken as broken:
                raise InvalidInput([FieldProblem("received_at", broken.rule, broken.params)]) from None
        return IntakeForm(
            channel=choice["channel"],
            owner_name=self.value("owner_name"),
            phone=self.value("phone"),
            building=self.value("building"),
            unit=self.value("unit"),
            room=self.value("room"),
            object_kind=choice["object_kind"],
            object_text=self.value("object_text"),
            object_staff_login=self.staff_login(self.value("object_staff_login")),
            matter_what=self.value("matter_what"),
            matter_when=self.value("matter_when"),
            matter_where=self.value("matter_where"),
            matter_state=self.value("matter_state"),
            demand=self.value("demand"),
            category=choice["category"],
            urgency=choice["urgency"],
            received_at=received,
            contact_confirmed=confirmed,
            evidence=list(self.evidence),
            intake_key=self.intake_key,
            estate=self.estate(),
        )

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        for block in self.query(FieldBlock):
            block.show_error(None)
        try:
            # The pure check first (no database): every broken rule shows before the owner is
            # asked to confirm anything. The contact is taken as confirmed for this check only.
            form = self.form(confirmed=True)
            check_intake(form, self.desk.policy, self.desk.now(), self.desk.store.estates)
        except InvalidInput as error:
            self.handle_desk_error(error)
            return
        channel = self.desk.policy.channels[form.channel]
        if not channel.live:
            self.save(form)
            return
        address = f"{form.building} {form.unit} {form.room}"

        def answered(yes: bool | None) -> None:
            if yes:
                self.save(form)
            else:
                self.query_one("#f-phone").focus()

        self.app.push_screen(ConfirmContactScreen(form.owner_name, form.phone, address), answered)

    def save(self, form: IntakeForm) -> None:
        operator = self.desk.operator
        assert operator is not None
        self.say(self.tr("tui.form.saving"))
        self.record(form, operator, self.desk.now())

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def record(self, form: IntakeForm, operator: Operator, now: dt.datetime) -> None:
        # The receipt read to the owner is written by the core, in the current language.
        set_language(self.lang)
        self.deliver(IntakeSaved(intake(self.desk.store, operator, form, now)))

    @on(IntakeSaved)
    def show_receipt(self, message: IntakeSaved) -> None:
        receipt = message.receipt
        self.tell_desk(CaseChanged(receipt.case_id))
        self.say(self.tr("tui.intake.saved_status", number=receipt.number))

        def after(open_case: bool | None) -> None:
            self.reset()
            if open_case:
                self.tell_desk(OpenCase(receipt.case_id, mode="queue"))

        self.app.push_screen(ReceiptScreen(receipt), after)

    def handle_desk_error(self, error: DeskError) -> bool:
        if not isinstance(error, InvalidInput):
            return False
        first: Widget | None = None
        item_problems = [p for p in error.problems if "item" in p.params]
        for problem in error.problems:
            if problem in item_problems:
                continue  # said below, with the item pointed at
            self.show_field_error(problem.field, problem.message(self.lang))
            widgets = self.query(f"#f-{problem.field}")
            if first is None and widgets:
                first = widgets.first()
        words = self.tr("tui.form.fix_fields", count=len(error.problems))
        if item_problems:
            problem = item_problems[0]
            item = int(problem.params["item"])
            words += " " + self.tr("tui.intake.evidence_check", item=item, problem=problem.message(self.lang))
        self.query_one(StatusLine).warn(words)
        if first is not None:
            first.focus()
        elif item_problems:
            self.query_one(EvidenceList).point_at(int(item_problems[0].params["item"]) - 1)
        return True

    # --- appending to a likely duplicate --------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "append":
            return True if self.duplicates else None
        if action == "stop_editing":
            return self.editing is not None
        return True

    def action_append(self) -> None:
        operator = self.desk.operator
        if not self.duplicates or operator is None:
            return
        dup = self.duplicates[0]
        words = " / ".join(x for x in (self.value("matter_what"), self.value("demand")) if x.strip())
        ctx = FormContext(self.desk.policy, self.lang, self.desk.now(), operator)
        channel = self.query_one("#f-channel", ChoiceBar).value or ""
        form = ActionForm(
            Action.APPEND, CaseRef(dup.id, dup.number, dup.version), ctx, {"channel": channel, "content": words}
        )

        def done(change: CaseChange | None) -> None:
            if change is not None:
                self.reset()
                self.say(self.tr("tui.intake.appended", number=change.number))

        self.app.push_screen(form, done)

    def action_new_form(self) -> None:
        """ctrl+n: a clean form; asks first when something typed would be lost (issue 8, item 2)."""
        if not self.has_unsaved_input():
            self.reset()
            return
        from complaint_tui.screens.confirm import ConfirmLeaveScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.reset()

        self.app.push_screen(ConfirmLeaveScreen("tui.leave.clear"), answered)

    def has_unsaved_input(self) -> bool:
        typed = any(self.value(name).strip() for name in TEXTS + EVIDENCE_FIELDS if name != "received_at")
        received = self.value("received_at").strip() not in ("", self.received_default)
        chosen = any(
            self.query_one(f"#f-{name}", ChoiceBar).value not in (None, "normal" if name == "urgency" else None)
            for name in CHOICES
        )
        return typed or received or chosen or bool(self.evidence)


def field_name(widget: Widget) -> str:
    """The core's name of the field ``widget`` edits (its id is ``f-`` and that name)."""
    return (widget.id or "").removeprefix("f-")
