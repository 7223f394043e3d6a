"""Estates (项目/小区): several estates in one store (issue 9 item 6).

An estate is a code declared in the policy (``[[estates]]``, with its names in both languages),
like a channel, a category or a department: rooms and cases store the code, screens and
exports show the name. A policy that declares none has one estate, ``DEFAULT_ESTATE``, which is
also where migration 0007 puts every room and case of an older store. Rooms are unique per
estate, so two estates' ``3栋-2-1502`` are two rooms with two histories.

A desk may be bound to some of the estates (``--estate CODE``, repeatable; ``Store.estates``):
its queue, search, counts, statistics and exports then read only those estates' cases, and its
intake takes only those. An unbound desk (a supervisor's, say) sees every estate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from complaint_tui.errors import DeskError

# The estate of a store that names none, and of every room and case migrated from before estates.
DEFAULT_ESTATE = "main"
# The column width of an estate code (room.estate, complaint_case.estate).
ESTATE_CODE_MAX = 32


def bind_estates(known: Iterable[str], chosen: Sequence[str]) -> tuple[str, ...]:
    """The estates a desk is bound to (``--estate``), each a code the policy declares.

    Empty: not bound, every estate. A code the policy does not know is refused by name rather
    than binding the desk to an estate that shows nothing.
    """
    codes = list(known)
    bound: list[str] = []
    for raw in chosen:
        code = raw.strip()
        if code not in codes:
            raise DeskError("estate.unknown", value=raw, known=", ".join(codes))
        if code not in bound:
            bound.append(code)
    return tuple(bound)


def intake_choices(known: Iterable[str], bound: Sequence[str]) -> list[str]:
    """The estates an intake may name: the desk's own if it is bound, else every one."""
    return list(bound) if bound else list(known)


def default_estate(known: Iterable[str], bound: Sequence[str]) -> str | None:
    """The estate an intake that names none goes to: the only one it may name (None: it must choose)."""
    choices = intake_choices(known, bound)
    return choices[0] if len(choices) == 1 else None


def visible(bound: Sequence[str], wanted: Sequence[str]) -> tuple[str, ...] | None:
    """The estates a read may show: what the filter ``wanted`` within what the desk is ``bound``
    to (None: every estate). A filter outside the binding shows nothing (an empty tuple)."""
    if not bound:
        return tuple(wanted) if wanted else None
    if not wanted:
        return tuple(bound)
    return tuple(code for code in wanted if code in bound)
