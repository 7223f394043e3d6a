"""The case queue (SPEC S5.2 "fast flow and tracking", S6.2; issue 3, item 3).

A bounded page from SQL (``queries.queue_page`` with a keyset ``Cursor``), never every case:
the DataTable is keyed by the case id and a refresh changes only what changed (``update_cell``,
``add_row``, ``remove_row``), so the cursor and the scroll stay put while another desk works; a
new page replaces the rows at once. The columns are chosen by the terminal's width (the room is
never cut), and the detail line under the table shows the highlighted case's hidden columns.
Sections (saved filters) by digit, search with ``/``, filters with ``f``, sort with ``s``, pages
with ``n`` and ``b``. The next due step is coloured by the time left; phones are masked (S6.5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from functools import partial
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Header, Input, Static

from complaint_tui.desk import OpenCase, ShowQueue, StoreChanged
from complaint_tui.operators import Operator
from complaint_tui.queries import Cursor, QueueFilter, QueuePage, QueueRow, QueueSort, queue_count, queue_page
from complaint_tui.queries.sections import Section, sections_for
from complaint_tui.screens.base import DeskScreen
from complaint_tui.views.queue import COLUMNS, Cell, columns_for, detail_line, queue_cells, widest
from complaint_tui.widgets.key_bar import KeyBar
from complaint_tui.widgets.status import StatusLine

PAGE_SIZE = 100  # FACTS.md: about 0.27 ms a row to add; a page paints in a few tens of ms
SORTS = (QueueSort.URGENT, QueueSort.NEWEST, QueueSort.OLDEST)
RETIME_SECONDS = 60  # time left moves even when nobody writes


@dataclass
class PageLoaded(Message):
    """The page asked for by request ``token`` (an older token's page is dropped)."""

    token: int
    page: QueuePage


@dataclass
class CasesCounted(Message):
    """How many cases the filter of request ``token`` matches, all pages together."""

    token: int
    total: int


def _lines(width: int, room: int, most: int | None) -> int | None:
    """How many lines a text ``width`` cells wide takes in ``room`` columns, when that is sure:
    one, or the line's most when it holds no more than two (wrapped at words, a text shorter
    than two widths may still take three lines); None when not sure."""
    if width <= room:
        return 1
    return most if most is not None and most <= 2 else None


def merge_filters(base: QueueFilter, extra: QueueFilter, search: str) -> QueueFilter:
    """The section's filter narrowed by the filter form's choices and the search words."""
    changes: dict[str, Any] = {}
    for f in fields(QueueFilter):
        mine, theirs = getattr(base, f.name), getattr(extra, f.name)
        if isinstance(mine, bool):
            changes[f.name] = mine or theirs
        elif theirs not in ((), None, ""):
            changes[f.name] = theirs
    changes["search"] = search.strip()
    return replace(base, **changes)


class QueueScreen(DeskScreen):
    """The desk's list of cases, one bounded page at a time."""

    BINDINGS = [
        # Enter works too (the table's own key); "o" puts "open" in the footer.
        Binding("o", "open_case", "keys.queue.open", id="queue-open"),
        Binding("slash", "search", "keys.queue.search", id="queue-search"),
        Binding("f", "filters", "keys.queue.filters", id="queue-filters"),
        Binding("s", "sort", "keys.queue.sort", id="queue-sort"),
        Binding("n", "page(1)", "keys.queue.next_page", id="queue-next"),
        Binding("b", "page(-1)", "keys.queue.prev_page", id="queue-prev"),
        Binding("x", "clear", "keys.queue.clear", id="queue-clear"),
        Binding("r", "reload", "keys.queue.reload", id="queue-reload", show=False),
        Binding("escape", "focus_table", "keys.queue.back", id="queue-back", show=False),
        *[Binding(str(i), f"section({i - 1})", show=False) for i in range(1, 10)],
    ]

    def __init__(self) -> None:
        super().__init__(id="queue")
        self.sections: list[Section] = []
        self.section_index = 0
        self.extra = QueueFilter()
        self.search_text = ""
        self.sort = QueueSort.URGENT
        self.cursors: list[Cursor | None] = [None]
        self.page_no = 0
        self.next_cursor: Cursor | None = None
        self.shown: dict[int, tuple[Any, ...]] = {}
        self.request = 0
        self.total: int | None = None
        self.count_after_page: Callable[[], object] | None = None
        self.paging: tuple[bool, bool] = (False, False)  # whether next / previous page is possible
        self.columns: tuple[str, ...] = ()  # the columns the table shows now
        self.widths: dict[str, int] = {}
        self.rows: list[QueueRow] = []  # the page shown
        self.full: dict[int, tuple[Cell, ...]] = {}  # every column's cell of each shown case
        self.loaded_mark = -2
        self.texts: dict[str, tuple[str, tuple[Any, ...], str]] = {}  # what each line shows

    # --- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="sections")
        with Horizontal(id="queue-bar"):
            yield Input(placeholder=self.tr("tui.queue.search_placeholder"), id="search")
            yield Static(id="queue-info")
        table: DataTable[Any] = DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="queue-detail")
        yield StatusLine(id="status")
        # Whole keys, two lines at most (issue 8 item 6): the one-line footer cut "f2 Qu▏" at 80 columns.
        yield KeyBar(self.tr("tui.help.more"))

    def on_mount(self) -> None:
        operator = self.desk.operator
        assert operator is not None
        self.sections = sections_for(operator.role)
        table = self.query_one(DataTable)
        self.widths = widest(self.labels(), [], {})
        self.set_columns(columns_for(self.size.width, self.widths, self.skipped()))
        self.sort = self.sections[0].sort
        self.set_interval(RETIME_SECONDS, self.retime)
        self.load(reset=True)
        table.focus()

    def on_screen_resume(self) -> None:
        if self.loaded_mark != self.desk.change_mark:
            self.load(reset=self.page_no == 0, count=True)

    @on(ShowQueue)
    def take_request(self, message: ShowQueue) -> None:
        """Show what the dashboard or the palette asked for (the App hands their request on)."""
        request = message.request
        codes = [s.code for s in self.sections]
        code = request.section if request.section in codes else "all"
        self.section_index = codes.index(code) if code in codes else 0
        self.sort = self.section.sort
        self.extra = request.filter
        self.search_text = request.filter.search
        self.query_one("#search", Input).value = request.filter.search
        self.load(reset=True)

    @on(StoreChanged)
    def reload_changed(self) -> None:
        # Another desk wrote: fetch the same page again; only the changed cells are redrawn.
        self.load(reset=False, count=True)

    # --- loading -----------------------------------------------------------------------

    @property
    def section(self) -> Section:
        return self.sections[self.section_index]

    def current_filter(self) -> QueueFilter:
        return merge_filters(self.section.filter, self.extra, self.search_text)

    def load(self, *, reset: bool, count: bool = False) -> None:
        """Fetch the current page (the first one after ``reset``); count the cases again after
        a reset, when asked (``count``: the store changed) or when no count is known yet."""
        if reset:
            self.cursors, self.page_no = [None], 0
        self.request += 1
        token, filt, viewer, now = self.request, self.current_filter(), self.desk.operator, self.desk.now()
        self.loaded_mark = self.desk.change_mark
        self.fetch_page(token, filt, self.sort, self.cursors[self.page_no], viewer, now)
        if reset or count or self.total is None:
            # Counted once the page is shown: the rows come first, and the two queries do not
            # compete for the database and the interpreter while the screen is being drawn.
            self.count_after_page = partial(self.count_cases, token, filt, viewer, now)
        self.show_sections()

    @work(thread=True, exclusive=True, exit_on_error=False, group="page")
    def fetch_page(
        self,
        token: int,
        filt: QueueFilter,
        sort: QueueSort,
        cursor: Cursor | None,
        viewer: Operator | None,
        now: dt.datetime,
    ) -> None:
        page = queue_page(self.desk.store, viewer, filt, sort, cursor, PAGE_SIZE, now)
        self.deliver(PageLoaded(token, page))

    @work(thread=True, exclusive=True, exit_on_error=False, group="count")
    def count_cases(self, token: int, filt: QueueFilter, viewer: Operator | None, now: dt.datetime) -> None:
        self.deliver(CasesCounted(token, queue_count(self.desk.store, viewer, filt, now)))

    @on(PageLoaded)
    def show_page(self, message: PageLoaded) -> None:
        page = message.page
        if message.token != self.request:
            return  # an older request finished late
        self.next_cursor = page.next_cursor
        self.apply(page.rows)
        self.show_info()
        paging = (self.next_cursor is not None, self.page_no > 0)
        if paging != self.paging:  # the footer is rebuilt only when next / previous changed
            self.paging = paging
            self.refresh_bindings()
        if self.count_after_page is not None:
            count_now, self.count_after_page = self.count_after_page, None
            count_now()

    @on(CasesCounted)
    def show_count(self, message: CasesCounted) -> None:
        if message.token == self.request:
            self.total = message.total
            self.show_info()

    def retime(self) -> None:
        if self.is_current:
            self.load(reset=False)

    # --- the keyed diff ------------------------------------------------------------------

    def cells(self, row: QueueRow, now: dt.datetime) -> tuple[Cell, ...]:
        return queue_cells(row, self.desk.policy, self.lang, now)

    def skipped(self) -> frozenset[str]:
        """Columns never shown: the estate where the policy has only one."""
        return frozenset() if len(self.desk.policy.estates) > 1 else frozenset({"estate"})

    def labels(self) -> dict[str, str]:
        return {c: self.tr(f"tui.queue.col.{c}") for c in COLUMNS}

    def set_columns(self, columns: tuple[str, ...]) -> None:
        """Show ``columns``: the table is rebuilt, its rows are added again by ``apply``."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        labels = self.labels()
        for column in columns:
            table.add_column(labels[column], key=column)
        self.columns = columns
        self.shown = {}

    def on_resize(self, event: events.Resize) -> None:
        if self.columns and columns_for(event.size.width, self.widths, self.skipped()) != self.columns:
            self.apply(self.rows)

    @staticmethod
    def signature(cells: tuple[Cell, ...]) -> tuple[Any, ...]:
        return tuple((c.plain, str(c.style), tuple(c.spans)) if isinstance(c, Text) else c for c in cells)

    def apply(self, rows: list[QueueRow]) -> None:
        """Make the table show ``rows`` in order, touching only the cells that changed."""
        table = self.query_one(DataTable)
        now = self.desk.now()
        keep_key = self.highlighted_key()
        self.rows = rows
        self.full = {row.id: self.cells(row, now) for row in rows}
        self.widths = widest(self.labels(), self.full.values(), self.widths)
        columns = columns_for(self.size.width, self.widths, self.skipped())
        if columns != self.columns:
            self.set_columns(columns)
        picked = [COLUMNS.index(c) for c in self.columns]
        wanted = [r.id for r in rows]
        if self.shown and not set(self.shown) & set(wanted):
            table.clear()  # a new page: its rows replace the old ones at once
            self.shown = {}
        for gone in set(self.shown) - set(wanted):
            table.remove_row(str(gone))
            del self.shown[gone]
        for row in rows:
            cells = tuple(self.full[row.id][i] for i in picked)
            sig = self.signature(cells)
            if row.id not in self.shown:
                table.add_row(*cells, key=str(row.id))
            elif self.shown[row.id] != sig:
                old = self.shown[row.id]
                for column, value, before, after in zip(self.columns, cells, old, sig, strict=True):
                    if before != after:
                        table.update_cell(str(row.id), column, value)
            self.shown[row.id] = sig
        order = [int(str(r.key.value)) for r in table.ordered_rows]
        if order != wanted:
            position = {r.number: i for i, r in enumerate(rows)}
            table.sort("number", key=lambda number: position.get(str(number), 0))
        if keep_key is not None and int(keep_key) in self.shown:
            table.move_cursor(row=table.get_row_index(keep_key))
        elif rows:
            table.move_cursor(row=0)
        self.show_detail()

    @on(DataTable.RowHighlighted, "#queue-table")
    def show_detail(self) -> None:
        """The highlighted case's columns that have no room on this terminal, in one line."""
        key = self.highlighted_key()
        detail = self.query_one("#queue-detail", Static)
        hidden = [c for c in COLUMNS if c not in self.columns and c not in self.skipped()]
        if key is None or int(key) not in self.full or not hidden:
            self.show_text("#queue-detail", "")
            detail.display = bool(hidden)
            return
        detail.display = True
        self.show_text("#queue-detail", detail_line(self.full[int(key)], hidden, self.labels(), self.lang))

    def highlighted_key(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:  # no valid cursor yet
            return None

    # --- what the bars say ---------------------------------------------------------------

    def show_text(self, selector: str, content: Text | str) -> None:
        """Show ``content`` in the line ``selector``, unless it shows it already.

        Every update of a line asked for a layout of the whole screen, and each layout repainted
        the table: a page swap painted the table four times (issue 11 item 8). A line takes the
        whole width of the screen: a text that needs as many lines as the one it replaces takes
        the same room, so it is only repainted (the page number and the highlighted case's
        detail change on every swap, their length with them).
        """
        if isinstance(content, Text):
            key = (content.plain, tuple(content.spans), str(content.style))
        else:
            key = (content, (), "")
        before = self.texts.get(selector)
        if before == key:
            return
        self.texts[selector] = key
        line = self.query_one(selector, Static)
        room = line.content_size.width
        most = line.styles.max_height
        most_lines = int(most.value) if most is not None and most.is_cells else None
        taken = _lines(cell_len(key[0]), room, most_lines)
        same_room = (
            before is not None
            and room > 0
            and line.display
            and taken is not None
            and taken == _lines(cell_len(before[0]), room, most_lines)
        )
        line.update(content, layout=not same_room)

    def show_sections(self) -> None:
        line = Text()
        for i, section in enumerate(self.sections):
            chosen = i == self.section_index
            line.append(f" {i + 1} ", style="bold reverse" if chosen else "bold")
            line.append(f" {self.tr(f'tui.section.{section.code}')}  ", style="bold underline" if chosen else "")
        self.show_text("#sections", line)

    def show_info(self) -> None:
        parts = [self.tr(f"tui.queue.sort.{self.sort.value}"), self.tr("tui.queue.page", page=self.page_no + 1)]
        if self.total is not None:
            parts.append(self.tr("tui.queue.total", count=f"{self.total:,}"))
        active = ["categories", "urgencies", "departments", "statuses", "buildings", "channels", "estates"]
        chosen = [self.tr(f"tui.filter.{name}") for name in active if getattr(self.extra, name)]
        if chosen:
            parts.append(self.tr("tui.queue.filtered", what=("、" if self.lang == "zh" else ", ").join(chosen)))
        self.show_text("#queue-info", " · ".join(parts))

    # --- actions -------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#queue-table")
    def open_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.tell_desk(OpenCase(int(str(event.row_key.value))))

    def action_open_case(self) -> None:
        key = self.highlighted_key()
        if key is not None:
            self.tell_desk(OpenCase(int(key)))

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    @on(Input.Submitted, "#search")
    def search_typed(self, event: Input.Submitted) -> None:
        self.search_text = event.value
        self.load(reset=True)
        self.query_one(DataTable).focus()

    def action_focus_table(self) -> None:
        self.query_one(DataTable).focus()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.load(reset=True)

    def action_page(self, step: int) -> None:
        if step > 0 and self.next_cursor is not None:
            del self.cursors[self.page_no + 1 :]
            self.cursors.append(self.next_cursor)
            self.page_no += 1
            self.load(reset=False)
        elif step < 0 and self.page_no > 0:
            self.page_no -= 1
            self.load(reset=False)

    def action_section(self, index: int) -> None:
        if 0 <= index < len(self.sections):
            self.section_index = index
            self.sort = self.sections[index].sort
            self.load(reset=True)

    def choose_section(self, code: str) -> None:
        for i, section in enumerate(self.sections):
            if section.code == code:
                self.action_section(i)

    def action_clear(self) -> None:
        self.extra = QueueFilter()
        self.search_text = ""
        self.query_one("#search", Input).value = ""
        self.load(reset=True)

    def action_reload(self) -> None:
        self.total = None
        self.load(reset=False)

    def action_filters(self) -> None:
        from complaint_tui.screens.filters import FilterScreen

        def done(result: QueueFilter | None) -> None:
            if result is not None:
                self.extra = result
                self.load(reset=True)

        self.app.push_screen(FilterScreen(self.extra), done)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "page" and parameters:
            if int(str(parameters[0])) > 0:
                return None if self.next_cursor is None else True
            return None if self.page_no == 0 else True
        if action == "section" and parameters:
            return int(str(parameters[0])) < len(self.sections)
        return True
