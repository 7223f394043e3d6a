"""Keys in the order they were typed, each to the field that had focus when it was typed (issue 8,
item 1): an App base class that delivers typed input one key at a time.

Textual forwards a key to whichever widget has focus when the App takes the key off its queue;
the widget handles it later, in its own task, and what the key causes (Enter's "next field",
Backspace, which reaches its binding only after bubbling up to the App) happens later still. A
desk clerk on a live call types ahead of the screen: with several keys waiting, the App used to
forward all of them before the first was handled, so the words after an Enter went into the
field before it, a priority ``ctrl+s`` saved before the last characters reached the field, and
keys typed while a form was mounting went to the screen under it.

``KeyOrderApp`` holds each typed key (and paste) back until everything the previous one caused
has been handled (the message queues of the App and of every widget on the screen are empty,
so a new screen has mounted and focused its first field) and until no worker that a screen on
the stack (or the App) names in its ``HOLD_KEYS_FOR`` (its save, its loading, signing in at
start) is running, nor the App says it is not ready for keys (``holding_keys``: a desk starting
up, before the screen that takes them is there). Then the key goes
to the widget focused at that moment, which is the widget the person saw focused when typing.
A worker that never ends holds the keys at most ``MAX_HOLD_SECONDS``; a lookup the clerk types
past (the owner found by phone) is not named there, and its result never moves the focus.

Nothing here depends on the kind of field: a field of several lines (``widgets.long_text``, a
TextArea) handles its keys, Enter's line break included, in its own queue like an Input, so it is
waited for in the same way (it is the focused widget of ``_pumps``) and a ``ctrl+s`` after its
words saves all of them (tests/tui/test_type_ahead.py types every such form in one burst).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any
from weakref import WeakSet

from textual import events, messages
from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import WorkerState

# A save that never ends must not take the keyboard with it.
MAX_HOLD_SECONDS = 15.0
# Messages that keep coming (another desk's changes arriving) must not hold a key for long.
MAX_ROUNDS = 50
# How often a round of "call me back" looks for widgets removed since it asked them.
REMOVED_SECONDS = 0.05
# How often held keys look again whether the work holding them has ended.
RECHECK_SECONDS = 0.005

_UNFINISHED = (WorkerState.PENDING, WorkerState.RUNNING)
# What a widget handles without any effect on where the next key goes.
_NOT_EFFECTS = (
    messages.Update,
    messages.UpdateScroll,
    messages.Layout,
    messages.Prompt,
    events.Idle,
    events.Timer,
)

Typed = events.Key | events.Paste


class KeyOrderApp(App[None]):
    """An App whose typed keys each wait for the effects of the one before (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._typed: deque[Typed] = deque()
        self._delivering = False
        self._held_since: float | None = None
        # Every pump whose handled messages are counted, and the count (see ``_handled``).
        self._watched: WeakSet[MessagePump] = WeakSet()
        self._effects = 0

    async def on_event(self, event: events.Event) -> None:
        # A key bubbling back up from a widget is forwarded already: Textual handles it as ever.
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            self._typed.append(event)
            self._deliver_next()
            return
        await super().on_event(event)

    @property
    def keys_waiting(self) -> int:
        """How many typed keys have not reached a widget yet."""
        return len(self._typed)

    def _deliver_next(self) -> None:
        if self._delivering or not self._typed:
            return
        self._delivering = True
        self._quiet_then_send()

    def _quiet_then_send(self) -> None:
        held_before = self._held_by_work()
        self._when_quiet(lambda: self._send_or_wait(held_before), 0)

    def _send_or_wait(self, held_before: bool) -> None:
        if self._held_by_work():
            self.set_timer(RECHECK_SECONDS, self._quiet_then_send)
            return
        if held_before:
            # The work ended during the round: the result it posted just before ending (a list of
            # accounts that moves the focus to the PIN box) may still be queued. Handled in one
            # more round, before the key goes to whatever has the focus then.
            self._quiet_then_send()
            return
        self.call_later(self._send_one)

    async def _send_one(self) -> None:
        event = self._typed.popleft()
        await super().on_event(event)
        self._delivering = False
        self._deliver_next()

    def holding_keys(self) -> bool:
        """Whether the App itself is not ready for keys yet (a desk starting up): every typed key
        waits, whatever screen is shown meanwhile. None by default."""
        return False

    def _held_by_work(self) -> bool:
        """Whether the App is not ready for keys, or a screen's (or the App's own) key-holding
        work is still running (for at most MAX_HOLD_SECONDS)."""
        stack = self.screen_stack
        holders = (self, *stack)
        holding = self.holding_keys() or any(
            worker.state in _UNFINISHED
            and worker.node in holders
            and worker.group in getattr(worker.node, "HOLD_KEYS_FOR", ())
            for worker in self.workers
        )
        if not holding:
            self._held_since = None
            return False
        now = time.monotonic()
        if self._held_since is None:
            self._held_since = now
        return now - self._held_since < MAX_HOLD_SECONDS

    def _pumps(self) -> list[MessagePump]:
        """Where a key and what it causes are handled: the focused widget and its ancestors up to
        the App (a key bubbles up that way to its binding), or the screen when nothing has the
        focus (a screen mounting its widgets). Not every widget: a form has a hundred."""
        try:
            screen = self.screen
        except Exception:  # no screen yet, or the App closing: the App alone
            return [self]
        focused = screen.focused
        pumps: list[MessagePump] = list(focused.ancestors_with_self) if focused is not None else [screen, self]
        for pump in pumps:
            # Keys typed before the App runs (a desk starting up) wait for it to be running.
            if pump not in self._watched and pump.is_running and self.is_running:
                self._watched.add(pump)
                pump.message_signal.subscribe(self, self._handled, immediate=True)
                self._effects += 1  # new on the screen: what it did before this is not known
        return pumps

    def _handled(self, message: Message) -> None:
        """Count what a key may have caused; not painting, idling or this module's own asking."""
        if isinstance(message, _NOT_EFFECTS):
            return
        if isinstance(message, events.Callback):
            func = getattr(message.callback, "func", message.callback)
            # A round's own asking, or a test pilot's asking whether the screen is idle, is no
            # effect of a key: counted, a test waiting in a loop would hold every key back.
            if isinstance(func, _Answer) or getattr(func, "__module__", "") == "textual.pilot":
                return
        self._effects += 1

    def _when_quiet(self, then: Callable[[], None], rounds: int) -> None:
        """Call ``then`` once every pump has handled what was queued, and that caused nothing new.

        Each round asks every pump to call back after the messages it holds now. When a pump
        handled anything but painting meanwhile (a key bubbling up, a field taking focus, a new
        screen mounting its widgets), what that posted is handled in another round. A widget
        removed meanwhile (a footer rebuilding its keys) never calls back: it is not waited for.
        """
        waiting: set[MessagePump] = set()
        effects = self._effects

        def answered(pump: MessagePump) -> None:
            waiting.discard(pump)
            if not waiting:
                round_done()

        def round_done() -> None:
            if self._effects != effects and rounds < MAX_ROUNDS:
                self._when_quiet(then, rounds + 1)
            else:
                then()

        def look_for_removed() -> None:
            if not waiting:
                return
            for pump in [p for p in waiting if not p.is_running or not p.is_attached]:
                waiting.discard(pump)
            if waiting:
                self.set_timer(REMOVED_SECONDS, look_for_removed)
            else:
                round_done()

        ask = _Answer(answered)
        for pump in self._pumps():
            if pump.call_later(ask, pump):
                waiting.add(pump)
        if not waiting:
            round_done()
        else:
            self.set_timer(REMOVED_SECONDS, look_for_removed)


class _Answer:
    """A pump's "done" for one round (a class of its own, so its callbacks are not counted)."""

    def __init__(self, answered: Callable[[MessagePump], None]) -> None:
        self.answered = answered

    def __call__(self, pump: MessagePump) -> None:
        self.answered(pump)
