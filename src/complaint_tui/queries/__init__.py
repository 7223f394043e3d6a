"""The read side (DESIGN.md queries): queue pages, case views, owner and room history, search,
statistics. Every function opens its own short session and returns plain frozen dataclasses,
never live ORM objects, so a screen can hold the result as long as it likes."""

from complaint_tui.queries.case_view import CaseDetail, case_detail, case_id_by_number
from complaint_tui.queries.history import HistoryRow, likely_duplicates, owner_history, room_history
from complaint_tui.queries.queue import (
    Cursor,
    QueueFilter,
    QueuePage,
    QueueRow,
    QueueSort,
    last_change,
    queue_count,
    queue_page,
)
from complaint_tui.queries.stats import Statistics, statistics

__all__ = [
    "CaseDetail",
    "Cursor",
    "HistoryRow",
    "QueueFilter",
    "QueuePage",
    "QueueRow",
    "QueueSort",
    "Statistics",
    "case_detail",
    "case_id_by_number",
    "last_change",
    "likely_duplicates",
    "owner_history",
    "queue_count",
    "queue_page",
    "room_history",
    "statistics",
]
