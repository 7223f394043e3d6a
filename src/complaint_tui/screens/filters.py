"""The queue's filter form: status, category, urgency, department, channel, building, and the
overdue / unassigned / reopened / mine switches of ``QueueFilter`` (DESIGN.md "case queue")."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Footer, Input, Label, SelectionList, Static

from complaint_tui.models import Status
from complaint_tui.policy import Named
from complaint_tui.queries import QueueFilter
from complaint_tui.screens.base import DeskModal

LISTS = ("statuses", "categories", "urgencies", "departments", "channels", "estates")
SWITCHES = ("overdue", "unassigned", "reopened", "mine", "open_only")


class FilterScreen(DeskModal[QueueFilter | None]):
    """Returns the chosen filter (ctrl+s), or None (escape)."""

    AUTO_FOCUS = "#filter-statuses"  # the first list, not the dialog's scrolling frame
    # Three lists a row where a row has room for three (see app.tcss), else two.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (130, "-wide")]

    BINDINGS = [
        Binding("ctrl+s", "apply", "keys.form.apply", id="filter-apply"),
        Binding("ctrl+l", "reset", "keys.form.reset", id="filter-reset"),
        Binding("escape", "cancel", "keys.form.cancel", id="filter-cancel"),
    ]

    def __init__(self, current: QueueFilter) -> None:
        super().__init__(id="filters")
        self.current = current

    def lists(self) -> tuple[str, ...]:
        """The lists shown: the estates only where the policy has more than one."""
        return LISTS if len(self.desk.policy.estates) > 1 else tuple(n for n in LISTS if n != "estates")

    def options(self, name: str) -> list[tuple[str, str]]:
        policy, lang = self.desk.policy, self.lang
        if name == "statuses":
            return [(s.value, self.tr(f"status.{s.value}")) for s in Status]
        tables: dict[str, Mapping[str, Named]] = {
            "categories": policy.categories,
            "urgencies": policy.urgencies,
            "departments": policy.departments,
            "channels": policy.channels,
            "estates": policy.estates,
        }
        return [(code, item.label(lang)) for code, item in tables[name].items()]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(self.tr("tui.filter.title"), classes="dialog-title")
            with Horizontal(classes="filter-lists"):
                for name in self.lists():
                    chosen = set(getattr(self.current, name))
                    with Vertical(classes="filter-list"):
                        yield Label(self.tr(f"tui.filter.{name}"), classes="field-label")
                        yield SelectionList[str](
                            *[(label, code, code in chosen) for code, label in self.options(name)],
                            id=f"filter-{name}",
                        )
            yield Label(self.tr("tui.filter.buildings"), classes="field-label")
            yield Input(", ".join(self.current.buildings), id="filter-buildings")
            with Horizontal(classes="filter-switches"):
                for name in SWITCHES:
                    yield Checkbox(self.tr(f"tui.filter.{name}"), bool(getattr(self.current, name)), id=f"sw-{name}")
            yield Footer()

    def action_apply(self) -> None:
        chosen = {name: tuple(self.query_one(f"#filter-{name}", SelectionList).selected) for name in self.lists()}
        raw = self.query_one("#filter-buildings", Input).value.replace("，", ",")
        buildings = tuple(b.strip() for b in raw.split(",") if b.strip())
        switches = {name: self.query_one(f"#sw-{name}", Checkbox).value for name in SWITCHES}
        self.dismiss(QueueFilter(**chosen, buildings=buildings, **switches))  # type: ignore[arg-type]

    def action_reset(self) -> None:
        self.dismiss(QueueFilter())

    def action_cancel(self) -> None:
        self.dismiss(None)
