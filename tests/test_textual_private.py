"""Textual's private attributes that complaint-tui relies on are still there, with their shape.

When this fails after a Textual upgrade, fix ``complaint_tui/textual_private.py`` (the only
module that touches them) and nothing else.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.document._document import Document
from textual.document._wrapped_document import WrappedDocument
from textual.geometry import Offset
from textual.widgets import Static

from complaint_tui import textual_private as tp


class _Probe(App[object]):
    BINDINGS = [Binding("x", "noop", "tui.key.probe")]

    def compose(self) -> ComposeResult:
        yield Static("探针 probe")


def _missing(obj: object, name: str) -> str:
    return (
        f"Textual {type(obj).__name__} has no attribute {name!r} any more: complaint-tui's "
        "textual_private.py must be adapted to this Textual version."
    )


async def test_the_private_attributes_are_where_complaint_tui_expects_them() -> None:
    app = _Probe()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        assert hasattr(app, tp.NODE_BINDINGS), _missing(app, tp.NODE_BINDINGS)
        assert hasattr(getattr(app, tp.NODE_BINDINGS), tp.BINDINGS_TABLE), _missing(
            getattr(app, tp.NODE_BINDINGS), tp.BINDINGS_TABLE
        )
        assert hasattr(app, tp.APP_MERGED_BINDINGS), _missing(app, tp.APP_MERGED_BINDINGS)
        assert hasattr(app.screen, tp.SCREEN_COMPOSITOR), _missing(app.screen, tp.SCREEN_COMPOSITOR)

        table = tp.binding_table(app)
        assert [b.description for b in table["x"]] == ["tui.key.probe"]
        table["x"] = [Binding("x", "noop", "translated")]
        assert [b.description for b in tp.binding_table(app)["x"]] == ["translated"]
        tp.restore_app_bindings(app)
        assert [b.description for b in tp.binding_table(app)["x"]] == ["tui.key.probe"]

        assert any("探针 probe" in line for line in tp.screen_lines(app.screen))

        assert hasattr(app, tp.APP_SCREEN_STACKS), _missing(app, tp.APP_SCREEN_STACKS)
        assert tp.all_screens(app) == [app.screen]


def test_a_wrapped_document_is_broken_where_complaint_tui_says() -> None:
    """``set_wrap_offsets`` (the long-text fields' Chinese wrapping) replaces Textual's offsets
    and the maps between rows and lines that Textual derives from them."""
    wrapped = WrappedDocument(Document("楼上漏水三天\n墙面发霉"), width=40)
    for name in (tp.WRAP_OFFSETS, tp.WRAP_ROW_TO_LINE, tp.WRAP_LINE_TO_ROWS):
        assert hasattr(wrapped, name), _missing(wrapped, name)
    tp.set_wrap_offsets(wrapped, [[2, 4], [2]])
    assert wrapped.get_sections(0) == ["楼上", "漏水", "三天"]
    assert wrapped.height == 5
    assert wrapped.offset_to_location(Offset(0, 3)) == (1, 0)
    assert wrapped.location_to_offset((1, 3)) == Offset(2, 4)
