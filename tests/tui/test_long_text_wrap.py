"""Chinese wraps at any character in the fields for long texts (issue 8 item 6, S1.3).

The owner's words are read back from these fields (S1.3): a line left half empty because a
Chinese run followed a space, or a line that begins with ``，``, makes them hard to read. The
offsets are checked at several widths; one Pilot test shows a statement in a real field.
"""

from __future__ import annotations

import unicodedata

from textual.app import App, ComposeResult
from textual.document._document import Document

from complaint_tui.textual_private import screen_lines
from complaint_tui.widgets.long_text import ChineseWrappedDocument, LongText, wrap_offsets

# Written out here, not read from the module under test: the marks that never begin a line and
# the marks that never end one (Chinese typesetting's line-start rules).
CLOSING = "，。、；：？！）》」』"
OPENING = "（《「『"

STATEMENT = (
    "业主王女士来电 楼上卫生间的防水层老化，导致她家厨房顶棚持续滴水、墙面发霉；"
    "物业两周前（11月20日）来看过一次，说是《维修单》已经报上去了，但至今没有人上门。"
    "她问：到底什么时候能修好？她说如果本周还不处理，就要向住建局投诉！"
)


def cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrapped(text: str, width: int) -> list[str]:
    bounds = [0, *wrap_offsets(text, width), len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def test_chinese_breaks_between_any_two_characters() -> None:
    """A run of Chinese with no space is cut where the line is full, not only at spaces."""
    assert wrapped("楼上卫生间防水层老化导致厨房顶棚滴水", 10) == ["楼上卫生间", "防水层老化", "导致厨房顶", "棚滴水"]
    assert wrapped("楼上卫生间防水层老化导致厨房顶棚滴水", 11) == ["楼上卫生间", "防水层老化", "导致厨房顶", "棚滴水"]


def test_a_chinese_run_after_a_space_fills_the_line_before_it() -> None:
    """The run after the space is not one word moved down whole: the line before is filled."""
    assert wrapped("业主来电 楼上卫生间防水层老化导致漏水", 20) == ["业主来电 楼上卫生间", "防水层老化导致漏水"]
    assert wrapped("来电 楼上卫生间防水层老化", 12) == ["来电 楼上卫", "生间防水层老", "化"]


def test_a_closing_mark_never_begins_a_line_and_an_opening_mark_never_ends_one() -> None:
    """The character before a closing mark goes down with it; an opening mark goes down with
    the character after it."""
    assert wrapped("墙面发霉，物业来过", 8) == ["墙面发", "霉，物业", "来过"]
    assert wrapped("漏水三天。物业来过", 8) == ["漏水三", "天。物业", "来过"]
    assert wrapped("报上去了（维修单）", 10) == ["报上去了", "（维修单）"]
    assert wrapped("她问：什么时候", 6) == ["她问：", "什么时", "候"]
    for width in range(6, 41):
        lines = wrapped(STATEMENT, width)
        assert "".join(lines) == STATEMENT, width  # nothing lost, nothing doubled
        for line in lines[1:]:
            assert line[0] not in CLOSING, (width, lines)
        for line in lines[:-1]:
            assert line[-1] not in OPENING, (width, lines)
            # Full lines: at most one character (two cells) pushed down by a mark, one odd cell,
            # one more held back by the space of the first line.
            assert width - 4 <= cells(line) <= width + 1, (width, lines)
            assert cells(line.rstrip(" ")) <= width, (width, lines)


def test_latin_words_and_numbers_stay_whole() -> None:
    """A phone number, a date or an English word is never cut while it fits on a line; Chinese
    next to it still breaks at any character."""
    text = "请回电13900001111或发邮件给wang@example.com谢谢"
    assert wrapped(text, 16) == ["请回电", "13900001111或发", "邮件给", "wang@example.com", "谢谢"]
    assert wrapped("room 1704 leaks again", 10) == ["room 1704 ", "leaks ", "again"]
    # A space just past the edge stays at the end of its line (in the cursor's cell).
    assert wrapped("room 1704 leaks", 9) == ["room 1704 ", "leaks"]
    assert wrapped("2026-11-20上午十点", 12) == ["2026-11-20上", "午十点"]


def test_a_word_longer_than_the_line_and_a_row_of_marks_are_folded_at_the_edge() -> None:
    assert wrapped("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert wrapped("。。。。。。", 4) == ["。。", "。。", "。。"]
    assert wrap_offsets("", 10) == []
    # A tab is as wide as its stop: "项目" takes 4 cells, the tab 4 more.
    assert wrapped("项目\t漏水严重", 10) == ["项目\t漏", "水严重"]
    assert wrapped("中", 1) == ["中"]


def test_an_edit_wraps_again_the_lines_it_changed() -> None:
    """Typing re-wraps only the edited lines (``wrap_range``), by the same rules."""
    document = Document("业主来电\n墙面发霉")
    view = ChineseWrappedDocument(document, width=10)
    result = document.replace_range((0, 4), (0, 4), " 楼上卫生间防水层老化，漏水")
    view.wrap_range((0, 4), (0, 4), result.end_location)
    assert view.get_sections(0) == ["业主来电 ", "楼上卫生间", "防水层老", "化，漏水"]
    assert view.get_sections(1) == ["墙面发霉"]
    assert view.height == 5


class _Field(App[None]):
    def compose(self) -> ComposeResult:
        yield LongText(id="words")


async def test_a_long_statement_with_a_space_is_shown_in_full_lines() -> None:
    """In a real field (32 columns: a border and a cell of padding each side, one cell kept for
    the cursor, so 27 for text), the statement fills every line but the last, no line begins with a closing mark,
    and text typed at the end is wrapped the same way."""
    app = _Field()
    async with app.run_test(size=(32, 24)) as pilot:
        field = app.query_one(LongText)
        field.value = "业主来电 楼上卫生间的防水层老化，导致厨房顶棚持续滴水、墙面发霉"
        field.focus()
        await pilot.pause()
        rows = [row.strip("│ ▊▎▔▁▏┃") for row in screen_lines(app.screen)]
        shown = [row for row in rows if row and set(row) - set("─━╭╮╰╯")]
        assert shown == ["业主来电 楼上卫生间的防水层", "老化，导致厨房顶棚持续滴", "水、墙面发霉"]
        field.insert("。")  # an edit at the end: only that line is wrapped again
        await pilot.press("修", "好", "了", "吗")
        await pilot.pause()
        rows = [row.strip("│ ▊▎▔▁▏┃") for row in screen_lines(app.screen)]
        shown = [row for row in rows if row and set(row) - set("─━╭╮╰╯")]
        assert shown == ["业主来电 楼上卫生间的防水层", "老化，导致厨房顶棚持续滴", "水、墙面发霉。修好了吗"]
        field.move_cursor((0, 0))
        await pilot.press("down")  # the cursor moves by the lines shown
        assert field.cursor_location == (0, 14)
        await pilot.press("down")
        assert field.cursor_location == (0, 26)
