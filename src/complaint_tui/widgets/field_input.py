"""A one-line form field whose typing repaints the field only: ``FieldInput``.

Textual's ``Input`` sets its virtual size (the width of its text, what it scrolls sideways
through) on every change of its value, and ``Widget`` declares that size with ``layout=True``:
each typed character laid out the whole screen again and repainted every widget on it. On the
intake form, a hundred widgets, that was most of a key's CPU (issue 8, item 12: 0.1 CPU-s a
key). The field's own size never depends on its text (the form gives it its width, its height
is fixed), so its scroll width is kept without a layout. A field sized by its text
(``width: auto``) is still laid out: ``Input`` asks for that itself.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class FieldInput(Input):
    """An ``Input`` for forms: the same field, without a screen layout per key (module docstring)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
