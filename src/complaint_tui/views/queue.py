"""One row of the case queue as the cells of its columns (SPEC S5.2, S6.2): the next due step
coloured by the time left, the status with its pause and reopen marks, the urgency (the most
urgent in bold red), the handling department and person, and the phone as the query masked it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from rich.cells import cell_len
from rich.text import Text

from complaint_tui.i18n import t
from complaint_tui.policy import Policy
from complaint_tui.queries import QueueRow
from complaint_tui.views.times import due_text, local

# What the desk reads first comes first.
COLUMNS = (
    "number",
    "due",
    "status",
    "category",
    "urgency",
    "estate",
    "address",
    "owner",
    "handler",
    "channel",
    "received",
)
# What a narrow terminal keeps, most needed first (issue 8 item 6): the number, what is due and
# the room (never cut: it is what the caller says), then the state; the rest is read on the
# detail line under the table when there is no room for its column.
PRIORITY = (
    "number",
    "due",
    "address",
    "estate",
    "status",
    "category",
    "urgency",
    "owner",
    "handler",
    "channel",
    "received",
)
ALWAYS = frozenset({"number", "due", "address"})
CELL_PADDING = 2  # a DataTable cell's padding, one column each side
# Room for the table's scrollbar, so that the chosen columns fit without scrolling sideways.
SCROLLBAR = 2

Cell = str | Text


def cell_width(cell: Cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


def widest(labels: Mapping[str, str], rows: Iterable[tuple[Cell, ...]], seen: Mapping[str, int]) -> dict[str, int]:
    """Each column's width in cells: its label or its widest cell, never narrower than ``seen``
    (so the layout does not change back and forth from one page to the next)."""
    out = {c: max(seen.get(c, 0), cell_len(labels[c])) for c in COLUMNS}
    for cells in rows:
        for column, cell in zip(COLUMNS, cells, strict=True):
            out[column] = max(out[column], cell_width(cell))
    return out


def columns_for(width: int, widths: Mapping[str, int], skip: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The columns that fit side by side in ``width`` cells, in display order; the number, the
    due step and the room always; never those in ``skip`` (the estate, on a one-estate store)."""
    budget = width - SCROLLBAR
    chosen = set(ALWAYS)
    used = sum(widths[c] + CELL_PADDING for c in ALWAYS)
    for column in PRIORITY:
        if column in chosen or column in skip:
            continue
        need = widths[column] + CELL_PADDING
        if used + need <= budget:
            chosen.add(column)
            used += need
    return tuple(c for c in COLUMNS if c in chosen)


def detail_line(cells: tuple[Cell, ...], hidden: Iterable[str], labels: Mapping[str, str], lang: str) -> Text:
    """The highlighted case's hidden columns as one line: "业主：张伟 138****5678 · 渠道：热线"."""
    colon = "：" if lang == "zh" else ": "
    line = Text()
    values = dict(zip(COLUMNS, cells, strict=True))
    for column in hidden:
        value = values[column]
        if not (value.plain if isinstance(value, Text) else value):
            continue
        if line:
            line.append(" · ", style="dim")
        line.append(f"{labels[column]}{colon}", style="dim")
        line.append(value if isinstance(value, Text) else Text(value))
    return line


def queue_cells(row: QueueRow, policy: Policy, lang: str, now: dt.datetime) -> tuple[Cell, ...]:
    """The cells of ``row``, one per ``COLUMNS`` entry, in ``lang`` as of ``now``."""
    status = t(f"status.{row.status}", lang)
    if row.paused:
        status += " ⏸"
    if row.reopen_count:
        status += f" ↻{row.reopen_count}"
    handler = " / ".join(x for x in (policy.label("departments", row.department, lang), row.assignee_name or "") if x)
    urgency = Text(policy.label("urgencies", row.urgency, lang))
    if policy.urgency_rank(row.urgency) == 0:
        urgency.stylize("bold red")
    return (
        row.number,
        due_text(row.next_step, row.time_left(now), lang, row.paused),
        status,
        policy.label("categories", row.category, lang),
        urgency,
        policy.label("estates", row.estate, lang) if row.estate else "",
        f"{row.building}-{row.unit}-{row.room}",
        f"{row.owner_name} {row.phone}",
        handler,
        policy.label("channels", row.channel, lang),
        local(row.received_at, policy.zone),
    )
