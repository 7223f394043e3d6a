"""What every desk screen shares: text in the operator's language, database calls in thread
workers, and one place that turns a failed call into words on the screen.

* ``tr()`` renders a message key in the app's language. The language is an attribute of the
  app, not the i18n context variable: Textual runs each widget's messages in its own asyncio
  task (each with a copy of the context) and thread workers run in pooled threads, so a
  context variable set in one handler is not seen by the others.
* ``call_db()`` runs a core call (a service or a query) in a thread worker and posts its plain
  result back as a ``DbResult``; the screen's ``got_<tag>()`` method changes the widgets. No
  widget is touched from a thread (STYLE 6).
* ``on_worker_state_changed()`` is the one handler that shows a failed call: a ``DeskError``
  in the user's words (a form may take it first, to show problems next to its fields), anything
  else as a short line naming the error, never a traceback.
* Binding descriptions in the class data are message keys; ``translate_bindings()`` turns them
  into the footer's words when the screen is built.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from rich.text import Text
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState, get_current_worker

from complaint_tui.errors import DeskError
from complaint_tui.i18n import set_language, t
from complaint_tui.textual_private import binding_table
from complaint_tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from complaint_tui.app import DeskApp

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


class DbResult(Message):
    """The plain result of one core call, delivered to the screen that asked."""

    def __init__(self, tag: str, value: Any) -> None:
        super().__init__()
        self.tag = tag
        self.value = value


class DeskMixin:
    """Shared by full screens and modal dialogs (see the module docstring)."""

    app: Any

    @property
    def desk(self) -> DeskApp:
        return cast("DeskApp", self.app)

    @property
    def lang(self) -> str:
        return self.desk.lang

    def tr(self, key: str, /, **params: Any) -> str:
        return t(key, self.lang, **params)

    def call_db(self, tag: str, job: Callable[[], Any], *, exclusive: bool = True) -> Worker[None]:
        """Run ``job`` (a core call) in a thread worker; its result arrives at ``got_<tag>()``."""
        lang = self.lang
        node = cast(DOMNode, self)

        def work() -> None:
            # The core renders some texts itself (the receipt read to the owner): in our language.
            set_language(lang)
            value = job()
            if not get_current_worker().is_cancelled:
                node.post_message(DbResult(tag, value))

        return node.run_worker(work, thread=True, exclusive=exclusive, exit_on_error=False, group=tag, name=tag)

    def on_db_result(self, message: DbResult) -> None:
        message.stop()
        handler = getattr(self, f"got_{message.tag}", None)
        if handler is not None:
            handler(message.value)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, DeskError):
            if self.handle_desk_error(error):
                return
            self.show_error(error.message(self.lang))
        else:
            self.desk.log.error(f"worker {event.worker.name} failed: {error!r}")
            self.show_error(self.tr("tui.error.unexpected", error=type(error).__name__))

    def handle_desk_error(self, error: DeskError) -> bool:
        """A screen that can show ``error`` better (next to a field) does so and returns True."""
        return False

    def show_error(self, text: str) -> None:
        node = cast(DOMNode, self)
        lines = node.query(StatusLine)
        if lines:
            lines.first().warn(text)
        self.desk.notify(text, severity="error", timeout=8)

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


# --- how times and clocks read on the desk ----------------------------------------------


def local(moment: dt.datetime | None, zone: dt.tzinfo, fmt: str = "%m-%d %H:%M") -> str:
    """A stored UTC time in the centre's zone (DESIGN "Times are ... shown in the centre's zone")."""
    return moment.astimezone(zone).strftime(fmt) if moment is not None else ""


def duration(delta: dt.timedelta, lang: str) -> str:
    """``2d 3h`` / ``2天3小时``: the two largest units, enough to read out on a call."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return t("tui.time.days_hours", lang, d=days, h=hours)
    if hours:
        return t("tui.time.hours_minutes", lang, h=hours, m=mins)
    return t("tui.time.minutes", lang, m=mins)


SOON = dt.timedelta(hours=2)


def due_text(step: str | None, left: dt.timedelta | None, lang: str, paused: bool = False) -> Text:
    """The next due step with time left, coloured: red overdue, yellow within two hours."""
    if step is None or left is None:
        return Text("")
    name = t(f"step.{step}", lang)
    if paused:
        return Text(t("tui.time.paused", lang, step=name, time=duration(left, lang)), style="dim")
    if left < dt.timedelta(0):
        return Text(t("tui.time.overdue", lang, step=name, time=duration(left, lang)), style="bold red")
    style = "yellow" if left < SOON else "green"
    return Text(t("tui.time.left", lang, step=name, time=duration(left, lang)), style=style)
