"""The supervisor's dashboard (SPEC S4.3, S6.6; issue 3, item 6).

Hot spots by category, building and department; the on-time rate of each step; satisfaction;
the reopen rate; the weekly trend as a bar chart. Every figure is one ``queries.statistics``
call (GROUP BYs in the database). Enter on a hot-spot row opens the queue filtered to it.

A warning line says when the working-day calendar of this year or the next is not the official
schedule (issue 2, item 9): due times counted in working days are then only as good as the
days the centre added to its policy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Region, Spacing
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from complaint_tui.desk import QueueRequest, ShowQueue, StoreChanged
from complaint_tui.policy import Step
from complaint_tui.queries import QueueFilter, Statistics, statistics
from complaint_tui.screens.base import DeskScreen
from complaint_tui.widgets.key_bar import KeyBar
from complaint_tui.widgets.status import StatusLine
from complaint_tui.widgets.trend import TrendChart
from complaint_tui.workcalendar import CalendarGrade

PERIODS: tuple[int | None, ...] = (30, 90, 365, None)  # days back; None: everything
HOT = ("category", "building", "department")
HOT_ROWS = 10


@dataclass
class StatisticsLoaded(Message):
    """The figures of the period shown."""

    statistics: Statistics


@dataclass
class CalendarGraded(Message):
    """How official the working-day calendar of this year and the next is."""

    grades: dict[int, CalendarGrade]


class ColumnsThatFit:
    """A table of figures that shows as many of its columns as the width holds, first to last,
    each whole: no label is cut or wrapped inside a word (issue 8 item 6). The first column (what
    the row is about) and the second always show; the columns after them are left out from the
    last when the terminal is narrow, and the ones shown keep every cell on one line."""

    PAD = 1  # cells each side of a cell

    def __init__(self, headers: list[str], rows: list[list[Text]]) -> None:
        self.headers = headers
        self.rows = rows

    def widths(self) -> list[int]:
        """The cells each column needs, its padding included."""
        return [
            max([cell_len(h), *(r[i].cell_len for r in self.rows)]) + 2 * self.PAD for i, h in enumerate(self.headers)
        ]

    def shown(self, width: int) -> int:
        """How many columns (from the first) fit in ``width`` cells; two at least."""
        used, count = 0, 0
        for need in self.widths():
            if count >= 2 and used + need > width:
                break
            used, count = used + need, count + 1
        return count

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        count = self.shown(options.max_width)
        table = Table(box=None, padding=(0, self.PAD))
        for i, header in enumerate(self.headers[:count]):
            table.add_column(header, justify="left" if i == 0 else "right", no_wrap=True)
        for row in self.rows:
            table.add_row(*row[:count])
        yield table

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = self.widths()
        return Measurement(sum(widths[:2]), sum(widths))


class HotSpots(VerticalScroll, can_focus=False):
    """The three hot-spot tables, each as tall as its rows (no scrollbar of its own, whose thumb
    would stand beside the next section's title); on a short terminal the column scrolls, and
    follows the cursor of the table in use."""


class DashboardScreen(DeskScreen):
    """Where complaints come from and how well each step keeps its time."""

    BINDINGS = [
        Binding("p", "period", "keys.dashboard.period", id="dash-period"),
        Binding("r", "reload", "keys.dashboard.reload", id="dash-reload"),
        Binding("enter", "drill", "keys.dashboard.drill", id="dash-drill", show=True),
    ]

    def __init__(self) -> None:
        super().__init__(id="dashboard")
        self.period_index = 0
        self.since: dt.datetime | None = None
        self.loaded_mark = -2

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="dash-title", classes="screen-title")
        yield Static(id="dash-calendar", classes="warning")
        with Horizontal(id="dash-body"):
            with HotSpots(id="dash-hot"):
                for name in HOT:
                    yield Static(self.tr(f"tui.dashboard.by_{name}"), classes="section-title")
                    table: DataTable[Any] = DataTable(id=f"hot-{name}", cursor_type="row", classes="hot")
                    yield table
            with VerticalScroll(id="dash-rates"):
                yield Static(id="dash-ontime")
                yield Static(id="dash-satisfaction")
                yield Static(self.tr("tui.dashboard.trend"), classes="section-title")
                yield TrendChart((self.tr("tui.dashboard.received"), self.tr("tui.dashboard.closed")), id="trend")
        yield StatusLine(id="status")
        yield KeyBar(self.tr("tui.help.more"))

    def on_mount(self) -> None:
        self.query_one("#dash-calendar").display = False
        self.load()
        self.query_one("#hot-category").focus()

    def on_screen_resume(self) -> None:
        if self.loaded_mark != self.desk.change_mark:
            self.load()

    @on(StoreChanged)
    def reload_changed(self) -> None:
        if self.is_current:
            self.load()

    def load(self) -> None:
        days = PERIODS[self.period_index]
        now = self.desk.now()
        self.since = now - dt.timedelta(days=days) if days else None
        self.loaded_mark = self.desk.change_mark
        self.fetch_statistics(self.since, now)
        self.grade_calendar(now.astimezone(self.desk.policy.zone).year)

    @work(thread=True, exclusive=True, exit_on_error=False, group="stats")
    def fetch_statistics(self, since: dt.datetime | None, now: dt.datetime) -> None:
        self.deliver(StatisticsLoaded(statistics(self.desk.store, since=since, now=now)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="calendar")
    def grade_calendar(self, this_year: int) -> None:
        # The calendar library builds a year's table on first use (about 0.1 s): in a worker.
        self.deliver(CalendarGraded(self.desk.policy.calendar.grades((this_year, this_year + 1))))

    @on(CalendarGraded)
    def show_calendar(self, message: CalendarGraded) -> None:
        lines = [
            self.tr("tui.dashboard.calendar", year=year, grade=self.tr(f"calendar.{grade.value}"))
            for year, grade in sorted(message.grades.items())
            if grade is not CalendarGrade.OFFICIAL
        ]
        line = self.query_one("#dash-calendar", Static)
        line.update("\n".join(lines))
        line.display = bool(lines)

    def period_words(self) -> str:
        days = PERIODS[self.period_index]
        return self.tr("tui.dashboard.days", days=days) if days else self.tr("tui.dashboard.all_time")

    @on(StatisticsLoaded)
    def show_statistics(self, message: StatisticsLoaded) -> None:
        s, p, lang = message.statistics, self.desk.policy, self.lang
        self.query_one("#dash-title", Static).update(
            self.tr("tui.dashboard.title", period=self.period_words(), total=f"{s.total:,}")
        )
        figures = {
            "category": {code: (p.label("categories", code, lang), n) for code, n in s.by_category.items()},
            "building": {code: (code, n) for code, n in s.by_building.items()},
            "department": {code: (p.label("departments", code, lang) or "—", n) for code, n in s.by_department.items()},
        }
        for name, rows in figures.items():
            table = self.query_one(f"#hot-{name}", DataTable)
            # A dozen rows of counts, rebuilt each time with their columns, so every column is as wide
            # as what it holds now (Chinese labels measured with the rows, not left from before).
            table.clear(columns=True)
            table.add_column(self.tr(f"tui.dashboard.col.{name}"), key="name")
            table.add_column(self.tr("tui.dashboard.col.cases"), key="count")
            table.add_column(self.tr("tui.dashboard.col.share"), key="share")
            for code, (label, n) in sorted(rows.items(), key=lambda kv: -kv[1][1])[:HOT_ROWS]:
                share = f"{n / s.total:.0%}" if s.total else ""
                table.add_row(label, f"{n:,}", share, key=code)
        self.query_one("#dash-ontime", Static).update(self.render_on_time(s))
        self.query_one("#dash-satisfaction", Static).update(self.render_satisfaction(s))
        self.query_one(TrendChart).set_weeks([(w.week_start, w.received, w.closed) for w in s.weekly])

    def render_on_time(self, s: Statistics) -> Group:
        columns = ("step", "rate", "done", "overdue", "in_time")
        rows: list[list[Text]] = []
        for step in Step:
            o = s.on_time.get(step.value)
            if o is None:
                continue
            rate = Text("—") if o.rate is None else Text(f"{o.rate:.0%}", style=self.rate_style(o.rate))
            figures = (f"{o.done:,}", f"{o.open_overdue:,}", f"{o.open_in_time:,}")
            rows.append([Text(self.tr(f"step.{step.value}")), rate, *(Text(f) for f in figures)])
        table = ColumnsThatFit([self.tr(f"tui.dashboard.col.{c}") for c in columns], rows)
        return Group(Text(self.tr("tui.dashboard.on_time"), style="bold"), table)

    @staticmethod
    def rate_style(rate: float) -> str:
        return "green" if rate >= 0.9 else ("yellow" if rate >= 0.75 else "bold red")

    def render_satisfaction(self, s: Statistics) -> Group:
        lines = Text()
        mean = f"{s.satisfaction_mean:.2f}" if s.satisfaction_mean is not None else "—"
        lines.append(self.tr("tui.dashboard.satisfaction", mean=mean, count=s.satisfaction_count) + "\n", style="bold")
        top = max(s.satisfaction_histogram.values(), default=0)
        for score in range(5, 0, -1):
            n = s.satisfaction_histogram.get(score, 0)
            bar = "█" * (round(n / top * 20) if top else 0)
            lines.append(f" {score}★ ", style="bold")
            lines.append(bar, style="green" if score >= self.desk.policy.satisfied_min else "red")
            lines.append(f" {n}\n")
        rate = f"{s.reopen_rate:.1%}" if s.reopen_rate is not None else "—"
        lines.append(
            self.tr("tui.dashboard.reopen_rate", rate=rate, reopened=s.reopened_cases, visited=s.visited_cases)
        )
        return Group(lines)

    def action_period(self) -> None:
        self.period_index = (self.period_index + 1) % len(PERIODS)
        self.load()

    def action_reload(self) -> None:
        self.load()

    @on(DataTable.RowHighlighted, ".hot")
    def follow_cursor(self, event: DataTable.RowHighlighted) -> None:
        # The tables do not scroll themselves (they are as tall as their rows): the column does,
        # so that the highlighted row and the table's header stay in view.
        table = event.data_table
        line = table.virtual_region.y + int(table.show_header) + event.cursor_row
        self.query_one(HotSpots).scroll_to_region(Region(0, line, 1, 1), spacing=Spacing(2, 0, 0, 0), animate=False)

    @on(DataTable.RowSelected, ".hot")
    def drill_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.drill(event.data_table, str(event.row_key.value))

    def action_drill(self) -> None:
        focused = self.focused
        if isinstance(focused, DataTable) and focused.row_count:
            key = focused.coordinate_to_cell_key(focused.cursor_coordinate).row_key.value
            self.drill(focused, str(key))

    def drill(self, table: DataTable[Any], code: str) -> None:
        """Open the queue on the cases behind a hot-spot row, in the same period."""
        name = (table.id or "").removeprefix("hot-")
        field = {"category": "categories", "building": "buildings", "department": "departments"}[name]
        filt = QueueFilter(**{field: (code,)}, received_from=self.since)  # type: ignore[arg-type]
        self.tell_desk(ShowQueue(QueueRequest(filter=filt)))
