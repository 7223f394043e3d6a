"""The keys of the screen at its foot, each shown whole (issue 8 item 6): ``KeyBar``.

Textual's footer is one line that scrolls sideways: at 160 columns the case screen's last verb
was cut in the middle of its Chinese words (``z 暂停▏^p   令``). ``KeyBar`` lays the same keys
out itself: a key and its words never part, the keys wrap onto a second line between keys, and
what still does not fit is left out behind "F1 more keys" (the help lists every key). When keys
are left out, the ones that wait for something (shown dimmed) go first, then the last ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import RenderResult, ScreenStackError
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget

GAP = 2  # cells between two keys
HELP_KEY = "f1"


@dataclass(frozen=True)
class KeyEntry:
    """One key as shown: what to press, its words, whether it works now."""

    key: str
    display: str
    words: str
    enabled: bool = True

    @property
    def width(self) -> int:
        return cell_len(self.display) + 1 + cell_len(self.words)


def pack(entries: list[KeyEntry], width: int) -> list[list[KeyEntry]]:
    """The entries in lines of at most ``width`` cells, in order, breaking only between entries."""
    lines: list[list[KeyEntry]] = []
    used = 0
    for entry in entries:
        if lines and used + GAP + entry.width <= width:
            lines[-1].append(entry)
            used += GAP + entry.width
        else:
            lines.append([entry])
            used = entry.width
    return lines


def fit(entries: list[KeyEntry], width: int, max_lines: int, tail: list[KeyEntry]) -> list[list[KeyEntry]]:
    """``entries`` in at most ``max_lines`` lines, ``tail`` (F1 "more keys", the palette) after
    them; the dimmed entries are left out first, then the last ones, until they fit."""
    kept = list(entries)
    order = [e for e in reversed(entries) if not e.enabled] + [e for e in reversed(entries) if e.enabled]
    for dropped in order:
        kept.remove(dropped)
        lines = pack([*kept, *tail], width)
        if len(lines) <= max_lines:
            return lines
    return pack(tail, width)


class KeyBar(Widget, can_focus=False):
    """The footer of a desk screen: its keys in as many lines as ``max_lines`` allows."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        padding: 0 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    KeyBar > .key-bar--words {
        color: $footer-description-foreground;
    }
    """
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--words"}

    def __init__(self, more: str, *, max_lines: int = 2, id: str | None = None) -> None:
        """``more``: the words of F1 when keys are left out ("more keys", in the desk's language)."""
        super().__init__(id=id)
        self.more = KeyEntry(HELP_KEY, HELP_KEY, more)
        self.max_lines = max_lines
        # Where each shown key sits: (line, first cell, past the last cell, entry), for clicks.
        self._spots: list[tuple[int, int, int, KeyEntry]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh(layout=True)

    def entries(self) -> tuple[list[KeyEntry], list[KeyEntry]]:
        """The keys the screen shows now, in the footer's order, and the command palette's key
        (shown last, always)."""
        out: list[KeyEntry] = []
        actions: set[str] = set()
        palette: list[KeyEntry] = []
        try:
            bindings = self.screen.active_bindings
        except ScreenStackError:
            # The app is closing: the shown mode's screens are gone while another mode's screen
            # (this bar's) is still laid out once more before it is pruned. No keys work then.
            return out, palette
        for active in bindings.values():
            binding = active.binding
            entry = KeyEntry(binding.key, self.app.get_key_display(binding), binding.description, active.enabled)
            if binding.key == self.app.COMMAND_PALETTE_BINDING:
                if self.app.ENABLE_COMMAND_PALETTE and binding.description:
                    palette = [entry]
            elif binding.show and binding.description and binding.action not in actions:
                actions.add(binding.action)
                out.append(entry)
        return out, palette

    def lines(self, width: int) -> list[list[KeyEntry]]:
        """The keys in lines of ``width`` cells; F1 says "more keys" when some are left out."""
        keys, palette = self.entries()
        lines = pack([*keys, *palette], width)
        if len(lines) <= self.max_lines:
            return lines
        return fit([e for e in keys if e.key != HELP_KEY], width, self.max_lines, [self.more, *palette])

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(len(self.lines(width)), 1)

    def render(self) -> RenderResult:
        key_style = self.get_component_rich_style("key-bar--key")
        words_style = self.get_component_rich_style("key-bar--words")
        out = Text(no_wrap=True, overflow="ignore")
        self._spots = []
        for y, line in enumerate(self.lines(self.content_size.width)):
            if y:
                out.append("\n")
            x = 0
            for i, entry in enumerate(line):
                if i:
                    out.append(" " * GAP)
                    x += GAP
                dim = Style() if entry.enabled else Style(dim=True)
                out.append(entry.display, style=key_style + dim)
                out.append(" " + entry.words, style=words_style + dim)
                self._spots.append((y, x, x + entry.width, entry))
                x += entry.width
        return out

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for y, start, end, entry in self._spots:
            if y == offset.y and start <= offset.x < end:
                if entry.enabled:
                    self.app.simulate_key(entry.key)
                else:
                    self.app.bell()
                return
