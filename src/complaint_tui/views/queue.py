"""One row of the case queue as the cells of its columns (SPEC S5.2, S6.2): the next due step
coloured by the time left, the status with its pause and reopen marks, the urgency (the most
urgent in bold red), the handling department and person, and the phone as the query masked it."""

from __future__ import annotations

import datetime as dt

from rich.text import Text

from complaint_tui.i18n import t
from complaint_tui.policy import Policy
from complaint_tui.queries import QueueRow
from complaint_tui.views.times import due_text, local

# What the desk reads first comes first: on an 80-column terminal the right-hand columns scroll.
COLUMNS = ("number", "due", "status", "category", "urgency", "address", "owner", "handler", "channel", "received")

Cell = str | Text


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
        f"{row.building}-{row.unit}-{row.room}",
        f"{row.owner_name} {row.phone}",
        handler,
        policy.label("channels", row.channel, lang),
        local(row.received_at, policy.zone),
    )
