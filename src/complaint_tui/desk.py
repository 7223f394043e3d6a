"""What a screen may know of the desk it runs on, and the messages it sends the desk (STYLE 6a).

``Desk`` is the protocol a screen reads: the store, the policy, the signed-in operator, the
language and the clock. The App satisfies it; screens never import the App (an import-linter
contract in pyproject.toml), so a screen can be read, typed and tested without it.

The messages are how a screen (or the command palette) asks the desk to do something or tells
it something happened; the App handles them (``DeskApp`` in ``app.py``):

* ``OpenCase`` / ``OpenCaseNumber``: show one case (by id, or by the number a person typed).
* ``ShowQueue``: switch to the queue showing a ``QueueRequest`` (a saved section, or a filter as
  the dashboard's drill-down asks); the App hands the same message on to the queue screen.
* ``SignedIn``: the sign-in screen has an operator; open the desk for them.
* ``CaseChanged``: this desk saved something; the other screens should read the store again now.
* ``StoreChanged``: the store changed (``mark``: the desk's count of changes seen; ``case_ids``:
  the cases changed, None when not known); the App tells the screens on the stack.

Each is a ``@dataclass`` of plain data. None of them bubbles: whoever posts one posts it to its
addressee, so the queue screen taking a ``ShowQueue`` from the App never hands it back to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from textual.message import Message

from complaint_tui.db import Store
from complaint_tui.operators import Operator
from complaint_tui.policy import Policy
from complaint_tui.queries import QueueFilter


class Desk(Protocol):
    """The desk as a screen sees it (the App implements it)."""

    @property
    def store(self) -> Store:
        """The open store; screens hand it to services and queries in their workers."""
        ...

    @property
    def policy(self) -> Policy:
        """The centre's policy (labels, time zone, time limits)."""
        ...

    @property
    def operator(self) -> Operator | None:
        """Who is signed in (None on the sign-in screen)."""
        ...

    @property
    def lang(self) -> str:
        """The language every text on the desk is shown in (``zh`` or ``en``)."""
        ...

    @property
    def change_mark(self) -> int:
        """How many changes of the store the desk has seen; a screen that comes back compares it
        with the mark it loaded at."""
        ...

    def now(self) -> dt.datetime:
        """What time it is on this desk (a fixed time in tests and snapshots)."""
        ...


@dataclass(frozen=True)
class QueueRequest:
    """What another screen asks the queue to show: a saved section by its code, or (section
    ``None``) every case narrowed by ``filter``, as the dashboard's drill-down does."""

    section: str | None = None
    filter: QueueFilter = QueueFilter()


@dataclass
class OpenCase(Message, bubble=False):
    """Show case ``case_id`` as the one pushed case screen; ``mode``: the desk area to show it
    in (``None``: the area the person is in)."""

    case_id: int
    mode: str | None = None


@dataclass
class OpenCaseNumber(Message, bubble=False):
    """Show the case a person named by its number (the palette); an unknown number is said."""

    number: str


@dataclass
class ShowQueue(Message, bubble=False):
    """Switch to the queue and show ``request`` there (an open case is closed first)."""

    request: QueueRequest


@dataclass
class SignedIn(Message, bubble=False):
    """``operator`` has signed in: open the queue and start watching for other desks' changes."""

    operator: Operator


@dataclass
class CaseChanged(Message, bubble=False):
    """This desk saved a change to case ``case_id``; the other screens read the store again."""

    case_id: int


@dataclass
class StoreChanged(Message, bubble=False):
    """Another desk (or this one) wrote to the store: ``mark`` counts the changes the desk has
    seen; ``case_ids`` are the cases changed (None: not known, read everything again)."""

    mark: int
    case_ids: frozenset[int] | None = None
