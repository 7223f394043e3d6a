"""Typing for the desk TUI tests: a burst of keys as a fast typist sends them, and words put into
a field through the widget when the keys are not what a test is about (issue 8, item 12).

``Pilot.press`` waits for the app to go idle after every key, twice; a person on a live call
does not. ``burst()`` posts every key to the App at once, the way a terminal delivers keys
typed faster than the screen keeps up, and returns without waiting for any of them.
"""

from __future__ import annotations

import unicodedata

from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from complaint_tui.widgets.choice import ChoiceBar
from tests.tui.conftest import settle

# Keys a test names (anything else of more than one character is words to type).
NAMED = {
    "enter",
    "tab",
    "shift+tab",
    "escape",
    "backspace",
    "delete",
    "up",
    "down",
    "left",
    "right",
    "home",
    "end",
    "space",
    "plus",
}


def _key_name(char: str) -> str:
    """Textual's name of the key that types ``char`` (``a``, ``1``, ``space``, ``full_stop``)."""
    if char == " ":
        return "space"
    if char.isalnum():
        return char
    return unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")


def key_events(*parts: str) -> list[events.Key]:
    """``parts`` as Key events: a named key (``enter``, ``ctrl+s``, ``f3``) or words, one event a
    character."""
    out: list[events.Key] = []
    for part in parts:
        named = part in NAMED or part.startswith(("ctrl+", "shift+")) or (part[:1] == "f" and part[1:].isdigit())
        if named and len(part) > 1:
            out.append(events.Key(part, None))
        else:
            out.extend(events.Key(_key_name(c), c) for c in part)
    return out


def burst(app: App[None], *parts: str) -> int:
    """Send ``parts`` to ``app`` all at once, as typed ahead of the screen; returns how many keys."""
    keys = key_events(*parts)
    for key in keys:
        app.post_message(key)
    return len(keys)


def put(field: Input | TextArea, text: str) -> None:
    """Words into a field through the widget (for tests about something else than the keys)."""
    if isinstance(field, TextArea):  # a field of several lines: typing goes on at the end
        field.text = text
        field.move_cursor(field.document.end)
    else:
        field.value = text


async def fill(pilot: Pilot[None], selector: str, text: str) -> None:
    """``text`` into the Input or TextArea ``selector`` names on the current screen, as if pasted,
    and wait until the app has handled it (for tests about something else than the keys)."""
    widget = pilot.app.screen.query_one(selector)
    assert isinstance(widget, Input | TextArea), selector
    put(widget, text)
    await settle(pilot)


async def choose(pilot: Pilot[None], selector: str, code: str) -> None:
    """The choice ``code`` of the ChoiceBar ``selector`` names, as its shortcut key picks it (the
    form is told; the focus stays where it is)."""
    bar = pilot.app.screen.query_one(selector, ChoiceBar)
    assert code in [c for c, _ in bar.options], (selector, code)
    bar.pick(code)
    await settle(pilot)
