"""What every desk screen shares: the desk it runs on, text in the operator's language, and one
place that turns a failed database call into words on the screen.

* ``desk`` is the App as the ``complaint_tui.desk.Desk`` protocol: the store, the policy, the
  operator, the language and the clock. Screens ask the desk for anything else by posting one
  of ``complaint_tui.desk``'s messages to ``self.app`` (``tell_desk()``); no screen imports the
  App.
* ``tr()`` renders a message key in the desk's language. The language is an attribute of the
  app, not the i18n context variable: Textual runs each widget's messages in its own asyncio
  task (each with a copy of the context) and thread workers run in pooled threads, so a
  context variable set in one handler is not seen by the others.
* Each screen's database calls are its own ``@work(thread=True, exit_on_error=False, ...)``
  methods; each posts its plain result as a message of its own kind (a ``@dataclass`` Message
  subclass, handled by ``@on(ThatMessage)``) through ``deliver()``, which drops the result of
  a worker that a newer one of its group replaced. No widget is touched from a thread (STYLE 6).
* ``on_worker_state_changed()`` is the one handler that shows a failed call: a ``DeskError``
  in the user's words (a form may take it first, to show problems next to its fields), anything
  else as a short line naming the error, never a traceback.
* Binding descriptions in the class data are message keys; ``translate_bindings()`` turns them
  into the footer's words when the screen is built.
* Typed keys reach a screen one at a time (``widgets.typeahead``): a form reads its fields only
  after every key typed before its save key, and keys typed while a worker of a group named in
  ``HOLD_KEYS_FOR`` runs (a save) wait for its result. A result never moves the focus.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, TypeVar, cast

from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState, get_current_worker

from complaint_tui.desk import Desk
from complaint_tui.errors import DeskError
from complaint_tui.i18n import t
from complaint_tui.textual_private import binding_table
from complaint_tui.widgets.status import StatusLine

T = TypeVar("T")


def translate_bindings(node: DOMNode, lang: str) -> None:
    """Replace each binding's description (a message key) with its text in ``lang``.

    Textual copies the class's bindings into each node when it is created; editing that copy
    is the only way to show per-language descriptions in the standard footer.
    """
    table = binding_table(node)
    for key, bindings in table.items():
        table[key] = [
            dataclasses.replace(
                b,
                description=t(b.description, lang) if b.description else "",
                tooltip=t(b.tooltip, lang) if b.tooltip else "",
            )
            for b in bindings
        ]


class DeskMixin:
    """Shared by full screens and modal dialogs (see the module docstring)."""

    # Worker groups whose result decides where the next typed key goes: keys typed while one
    # runs wait for it (``widgets.typeahead``). A save: on success the form closes and the keys
    # go on underneath; on failure they go to the field the form points at. Not a lookup the
    # clerk types past.
    HOLD_KEYS_FOR: ClassVar[frozenset[str]] = frozenset({"save"})

    def has_unsaved_input(self) -> bool:
        """Whether leaving now (clearing, signing out, quitting) would lose something typed."""
        return False

    @property
    def desk(self) -> Desk:
        return cast(Desk, cast(Widget, self).app)

    @property
    def lang(self) -> str:
        return self.desk.lang

    def tr(self, key: str, /, **params: Any) -> str:
        return t(key, self.lang, **params)

    def tell_desk(self, message: Message) -> None:
        """Ask the desk (the App) for something: one of ``complaint_tui.desk``'s messages."""
        cast(Widget, self).app.post_message(message)

    def deliver(self, result: Message) -> None:
        """Called in a thread worker: post its ``result`` to this screen, unless a newer call of
        the same group replaced the worker meanwhile (an exclusive worker is cancelled then)."""
        if not get_current_worker().is_cancelled:
            cast(Widget, self).post_message(result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, DeskError):
            if self.handle_desk_error(error):
                return
            self.show_error(error.message(self.lang))
        else:
            cast(Widget, self).log.error(f"worker {event.worker.name} failed: {error!r}")
            self.show_error(self.tr("tui.error.unexpected", error=type(error).__name__))

    def handle_desk_error(self, error: DeskError) -> bool:
        """A screen that can show ``error`` better (next to a field) does so and returns True."""
        return False

    def show_error(self, text: str) -> None:
        node = cast(Widget, self)
        lines = node.query(StatusLine)
        if lines:
            lines.first().warn(text)
        node.app.notify(text, severity="error", timeout=8)

    def say(self, text: str) -> None:
        lines = cast(DOMNode, self).query(StatusLine)
        if lines:
            lines.first().say(text)


class DeskScreen(DeskMixin, Screen[None]):
    """A full desk screen (queue, intake, case, dashboard, sign-in)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self, self.lang)


class DeskModal(DeskMixin, ModalScreen[T]):
    """A dialog that returns a value with ``dismiss()``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self, self.lang)
