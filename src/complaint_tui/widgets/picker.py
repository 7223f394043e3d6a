"""A choice among many that narrows as you type (issue 8 item 11): ``PickerBar``.

The assignee of a case, and any list longer than a row of digits holds (staff, departments),
is found the way sign-in finds a person (``complaint_tui.name_find``): part of the name or the
login, or the pinyin initials (``wf`` for 王芳). The matches show as a ``ChoiceBar`` row, nine
at most, with their digits: a digit picks one of them, Enter takes the highlighted one (the
first match, unless the arrows moved it) and focuses the next field. Backspace takes back a
letter; Esc clears what was typed (and, with nothing typed, goes on to the form).

Every key is handled where it is typed, so a burst (``wf``, Enter, the next field's words,
ctrl+s) lands as typed: the keys of the names are computed when first needed, and a thread
computes them as the form opens so the first key rarely waits for ``pypinyin`` to load.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual import events
from textual.binding import Binding
from textual.geometry import Size

from complaint_tui.i18n import t
from complaint_tui.name_find import NameKey, name_key
from complaint_tui.widgets.choice import ChoiceBar, Part, fold_text, layout_choices

SHOWN = 9  # the matches a digit can pick: 1-9


class PickerBar(ChoiceBar):
    """Pick one of many codes by typing part of its label (or login) and Enter, or by digit."""

    BINDINGS = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
    ]

    def __init__(
        self,
        options: Sequence[tuple[str, str]],
        value: str | None = None,
        *,
        lang: str,
        also: Mapping[str, str] | None = None,
        advance: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``also``: more words each code is found by (a person's login), beside its label."""
        self.every = list(options)
        self.also = dict(also or {})
        self.lang = lang
        self.typed = ""
        self._keys: dict[str, NameKey] = {}
        super().__init__(self.every[:SHOWN], value, advance=advance, id=id, classes=classes)
        self.options = self.shown()

    def on_mount(self) -> None:
        self.run_worker(self._compute_keys, thread=True, exclusive=True, group="picker-keys", exit_on_error=False)

    def _compute_keys(self) -> None:
        for code, label in self.every:
            self._key(code, label)

    def _key(self, code: str, label: str) -> NameKey:
        found = self._keys.get(code)
        if found is None:
            found = self._keys[code] = name_key(label, self.also.get(code, code))
        return found

    def matches(self) -> list[tuple[str, str]]:
        """The choices what was typed finds, in the list's order (the handling department first)."""
        if not self.typed:
            return self.every
        return [(code, label) for code, label in self.every if self._key(code, label).matches(self.typed)]

    def shown(self) -> list[tuple[str, str]]:
        """The matches on the row (nine at most); the chosen one stays in view."""
        found = self.matches()
        shown = found[:SHOWN]
        chosen = [o for o in found[SHOWN:] if o[0] == self.value]
        return shown[: SHOWN - 1] + chosen if chosen else shown

    def set_options(self, options: Sequence[tuple[str, str]], value: str | None = None) -> None:
        self.every, self.typed = list(options), ""
        self.value = value
        self.narrow()

    def narrow(self) -> None:
        width = self.content_size.width
        lines = len(self.rows(width))
        self.options = self.shown()
        self.cursor = 0
        # The screen is laid out again only when the picker's height changes, not for every
        # typed letter: a layout redoes the whole form (issue 8, item 12; widgets.field_input).
        self.refresh(layout=len(self.rows(width)) != lines)

    # --- what shows -------------------------------------------------------------------------

    def rows(self, width: int) -> list[list[Part]]:
        found = len(self.matches())

        def note(text: str) -> list[list[Part]]:  # wrapped like a label: between words, any 汉字
            return [[(line, "note", -1)] for line in fold_text(text, max(width, 1))]

        if self.typed:
            out = note(t("tui.picker.typed", self.lang, typed=self.typed))
        else:
            out = note(t("tui.picker.hint", self.lang))
        if not self.options:
            return out + note(t("tui.picker.none", self.lang))
        out += layout_choices([label for _, label in self.options], width)
        if found > len(self.options):
            out += note(t("tui.picker.more", self.lang, count=found - len(self.options)))
        return out

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.rows(width))

    # --- keys -------------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        char = event.character or ""
        if event.key == "backspace" and self.typed:
            self.typed = self.typed[:-1]
        elif event.key == "escape" and self.typed:
            self.typed = ""
        elif char.isdigit() and 0 < int(char) <= len(self.options):
            event.stop()
            event.prevent_default()
            self.pick(self.options[int(char) - 1][0])
            if self.advance:
                self.screen.focus_next()
            return
        elif char and char.isprintable() and not event.key.startswith("ctrl"):
            self.typed += char
        else:
            return  # Enter, the arrows, Tab, ctrl+s: the bindings' and the form's
        event.stop()
        event.prevent_default()
        self.narrow()

    def action_pick_cursor(self) -> None:
        if self.options:
            super().action_pick_cursor()
