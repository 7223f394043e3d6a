"""Saved queue sections (issue 3, item 3): named ``QueueFilter`` presets the queue offers by key.

Supervisors watch every section; desk clerks and handlers get the ones their work needs. A
section is a plain filter and sort, so the CLI export could use the same presets.
"""

from __future__ import annotations

from dataclasses import dataclass

from complaint_tui.models import Role, Status
from complaint_tui.queries.queue import QueueFilter, QueueSort


@dataclass(frozen=True)
class Section:
    code: str
    filter: QueueFilter
    sort: QueueSort = QueueSort.URGENT
    roles: frozenset[Role] = frozenset(Role)


_SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})

SECTIONS: tuple[Section, ...] = (
    Section("open", QueueFilter(open_only=True)),
    Section("mine", QueueFilter(mine=True, open_only=True), roles=frozenset({Role.HANDLER, Role.SUPERVISOR})),
    Section("overdue", QueueFilter(overdue=True)),
    Section("unassigned", QueueFilter(unassigned=True, open_only=True), roles=_SUPERVISING | {Role.DESK}),
    Section(
        "awaiting_feedback",
        QueueFilter(statuses=(Status.RESOLVED.value, Status.REFERRED.value)),
    ),
    Section("awaiting_visit", QueueFilter(statuses=(Status.FEEDBACK_GIVEN.value,))),
    Section("reopened", QueueFilter(reopened=True, open_only=True), roles=_SUPERVISING),
    Section("all", QueueFilter(), sort=QueueSort.NEWEST),
)


def sections_for(role: Role) -> list[Section]:
    """The sections offered to ``role``, in the order of their shortcut keys."""
    return [s for s in SECTIONS if role in s.roles]
