"""The only place that touches Textual's private attributes, each behind a named function.

Textual has no public way (in 8.2) to translate a node's binding descriptions after it is built,
to restore an App's bindings before translating them again, to read the rendered screen as
text for tests, or to list the screens of the modes not shown (unsaved input before signing
out). Each use is wrapped here; ``tests/test_textual_private.py`` fails with a message
naming the attribute when a Textual upgrade moves one, so the fix is made here and nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.binding import Binding
    from textual.document._wrapped_document import WrappedDocument
    from textual.dom import DOMNode
    from textual.screen import Screen

# The private names used below, for the test that checks they still exist.
NODE_BINDINGS = "_bindings"  # DOMNode: its BindingsMap (Textual copies the class bindings into it)
BINDINGS_TABLE = "key_to_bindings"  # BindingsMap: key -> list[Binding]
APP_MERGED_BINDINGS = "_merged_bindings"  # App: the bindings as built from the class, untranslated
SCREEN_COMPOSITOR = "_compositor"  # Screen: what was last laid out and painted
APP_SCREEN_STACKS = "_screen_stacks"  # App: mode -> that mode's screen stack
# WrappedDocument: per document line, the indices its wrapped lines start at; and the two maps
# between screen rows and (line, wrapped line) that Textual derives from them.
WRAP_OFFSETS = "_wrap_offsets"
WRAP_ROW_TO_LINE = "_offset_to_line_info"
WRAP_LINE_TO_ROWS = "_line_index_to_offsets"


def binding_table(node: DOMNode) -> dict[str, list[Binding]]:
    """The node's own key → bindings table, editable in place (descriptions per language)."""
    table: dict[str, list[Binding]] = getattr(getattr(node, NODE_BINDINGS), BINDINGS_TABLE)
    return table


def restore_app_bindings(app: App[Any]) -> None:
    """Put back the App's bindings as the class declared them, before translating them again."""
    merged = getattr(app, APP_MERGED_BINDINGS)
    if merged:
        setattr(app, NODE_BINDINGS, merged.copy())


def screen_lines(screen: Screen[Any]) -> list[str]:
    """What the terminal shows of ``screen`` now, one plain-text line per row (for tests)."""
    compositor = getattr(screen, SCREEN_COMPOSITOR)
    return [strip.text.rstrip() for strip in compositor.render_strips()]


def all_screens(app: App[Any]) -> list[Screen[Any]]:
    """Every screen of every mode the App has built (``screen_stack`` holds the current mode's
    only): an unsaved intake in the intake mode counts while the clerk is in the queue."""
    stacks: dict[str, list[Screen[Any]]] = getattr(app, APP_SCREEN_STACKS)
    return [screen for stack in stacks.values() for screen in stack]


def set_wrap_offsets(wrapped: WrappedDocument, offsets: list[list[int]]) -> None:
    """Break each line of ``wrapped`` at its own ``offsets`` (one list per document line):
    Textual has no public way to wrap a TextArea other than at spaces (Chinese wraps anywhere)."""
    row_to_line: list[tuple[int, int]] = []
    line_to_rows: list[list[int]] = []
    for line_index, line_offsets in enumerate(offsets):
        first = len(row_to_line)
        row_to_line.extend((line_index, section) for section in range(len(line_offsets) + 1))
        line_to_rows.append(list(range(first, len(row_to_line))))
    setattr(wrapped, WRAP_OFFSETS, offsets)
    setattr(wrapped, WRAP_ROW_TO_LINE, row_to_line)
    setattr(wrapped, WRAP_LINE_TO_ROWS, line_to_rows)
