"""Chinese fits (issue 8 item 6): the keys at the foot of the case screen and the dashboard are
each shown whole, in zh and en, at 80x24, 100x30 and 160x45; the dashboard cuts no label.

What is asserted is what the terminal shows: the lines of the screen, read back as text.
"""

from __future__ import annotations

from typing import Any

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.geometry import Region

from complaint_tui.db import Store
from complaint_tui.i18n import catalog, t
from complaint_tui.textual_private import screen_lines
from complaint_tui.widgets.choice import SHORTCUTS, ChoiceBar
from complaint_tui.widgets.key_bar import KeyBar
from tests.tui.conftest import Staff, make_app, seed_centre, settle, shown

SIZES = [(80, 24), (100, 30), (160, 45)]


def crop_cells(line: str, start: int, end: int) -> str:
    """The part of a terminal line from cell ``start`` to ``end`` (a Chinese character takes two)."""
    out, x = [], 0
    for char in line:
        if start <= x < end:
            out.append(char)
        x += cell_len(char)
    return "".join(out)


def region_lines(app: Any, region: Region) -> list[str]:
    """The lines of the terminal in ``region`` (a widget's region, or its content region)."""
    lines = screen_lines(app.screen)
    return [crop_cells(lines[y], region.x, region.right).rstrip() for y in range(region.y, region.bottom)]


def bar_lines(app: Any) -> list[str]:
    """The lines the key bar of the current screen occupies, as the terminal shows them."""
    return [line.strip() for line in region_lines(app, app.screen.query_one(KeyBar).region)]


def check_choices(app: Any, bar: ChoiceBar) -> list[str]:
    """The rows of a choice bar as shown, after checking that each choice is whole on one row
    (its key, two spaces, its whole label) and every row starts at the same indent."""
    lines = [line for line in region_lines(app, bar.content_region) if line.strip()]
    for i, (_, label) in enumerate(bar.options):
        assert any(f" {SHORTCUTS[i]}  {label}" in line for line in lines), (label, lines)
    assert {len(line) - len(line.lstrip()) for line in lines} == {1}, lines
    return lines


def key_words(lang: str) -> set[str]:
    """Every text a key at the foot may say: the verbs' names and the keys' descriptions."""
    words = catalog(lang)
    return {v for k, v in words.items() if k.startswith(("action.", "keys.")) and isinstance(v, str)} | {
        t("tui.help.more", lang)
    }


def shown_keys(lines: list[str]) -> list[tuple[str, str]]:
    """Each ``key words`` pair of the bar (two spaces part them; a key is one token)."""
    out = []
    for line in lines:
        for chunk in line.split("  "):
            if chunk.strip():
                key, _, words = chunk.strip().partition(" ")
                out.append((key, words))
    return out


def check_bar(app: Any, lang: str) -> list[tuple[str, str]]:
    """The bar's keys, after checking that each says one whole verb or key description, in at
    most two lines, and that F1 says "more keys" exactly when some are left out."""
    lines = bar_lines(app)
    assert 1 <= len(lines) <= 2, lines
    pairs = shown_keys(lines)
    assert [p for p in pairs if p[1] not in key_words(lang)] == [], lines
    assert ("^p", t("keys.app.commands", lang)) in pairs
    offered = {b.binding.description for b in app.screen.active_bindings.values() if b.binding.show}
    more = ("f1", t("tui.help.more", lang))
    if offered - {w for _, w in pairs}:
        assert more in pairs, lines
    else:
        assert more not in pairs and ("f1", t("keys.app.help", lang)) in pairs, lines
    return pairs


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_keys_at_the_foot_are_whole(sqlite_store: Store, staff: Staff, lang: str) -> None:
    """No key's words are cut at the right edge (the case screen showed ``z 暂停▏^p   令`` at
    160 columns, the dashboard ``f4 Dash`` at 80): at each size, every key shown on the case
    screen and the dashboard says one whole verb or description; the ones left out are behind
    F1 "more keys", and a verb that works now is never left out while one that waits is shown."""
    ids = seed_centre(sqlite_store, staff)
    app = make_app(sqlite_store, lang)
    async with app.run_test(size=SIZES[0]) as pilot:
        await settle(pilot)
        app.open_case(ids["visited"])
        await settle(pilot)
        for size in SIZES:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            pairs = check_bar(app, lang)
            assert ("esc", t("keys.case.back", lang)) in pairs
            words = {w for _, w in pairs}
            actions = app.screen.detail.actions
            working = {t(f"action.{a.value}", lang) for a, why in actions.items() if why is None}
            waiting = {t(f"action.{a.value}", lang) for a, why in actions.items() if why is not None}
            if working - words:
                assert not waiting & words, (size, pairs)
            if size == (160, 45):
                assert ("z", t("action.pause", lang)) in pairs  # the reported cut, whole now
            if size == (80, 24):  # most are left out here: F1 lists every one of them
                offered = {b.binding.description for b in app.screen.active_bindings.values() if b.binding.show}
                left_out = offered - words
                assert left_out
                await pilot.press("f1")
                await settle(pilot)
                listed = shown(app, "#help-keys")
                assert [w for w in left_out if w not in listed] == []
                await pilot.press("escape")
                await settle(pilot)
        await pilot.press("escape", "f4")
        for size in SIZES:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            pairs = check_bar(app, lang)
            assert ("f4", t("keys.app.dashboard", lang)) in pairs
            assert ("p", t("keys.dashboard.period", lang)) in pairs


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_intake_choices_wrap_between_choices(sqlite_store: Store, staff: Staff, lang: str) -> None:
    """Issue 8 item 6: a row of choices wrapped inside a label and lost its indent (``3  WeChat``
    / ``official account``). At each size the intake's channel, object and category rows show
    every choice whole on one row, key and label together, each row at the same indent (S1.5)."""
    app = make_app(sqlite_store, lang)
    async with app.run_test(size=SIZES[0]) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        for size in SIZES:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            rows = {}
            for name in CHOSEN:
                bar = app.screen.query_one(f"#f-{name}", ChoiceBar)
                bar.scroll_visible(animate=False, immediate=True)
                await pilot.pause()
                rows[name] = check_choices(app, bar)
            if size == (80, 24):
                assert len(rows["channel"]) > 1  # the narrow form does wrap them


CHOSEN = ("channel", "object_kind", "category")
CHANNELS = {
    "en": [
        ("desk", "Front desk"),
        ("hotline", "24-hour hotline"),
        ("wechat", "WeChat official account"),
        ("app", "Owner app"),
        ("email", "E-mail"),
    ],
    "zh": [
        ("desk", "现场接待"),
        ("hotline", "24小时服务热线"),
        ("wechat", "微信公众号"),
        ("app", "业主APP"),
        ("email", "电子邮箱"),
    ],
}


class OneBar(App[None]):
    """A choice bar alone, as wide as the terminal."""

    def __init__(self, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.options = options

    def compose(self) -> ComposeResult:
        yield ChoiceBar(self.options, id="bar")


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_a_click_on_a_wrapped_choice_picks_it(lang: str) -> None:
    """On a narrow row the choices take three rows or more; a click on the label of the fourth,
    on a later row, picks that one (placed by the rows as laid out, not by one long line)."""
    app = OneBar(CHANNELS[lang])
    async with app.run_test(size=(34, 8)) as pilot:
        bar = app.query_one(ChoiceBar)
        lines = check_choices(app, bar)
        assert len(lines) >= 3, lines
        y = next(i for i, line in enumerate(lines) if "4  " in line)
        x = crop_cells_index(lines[y], lines[y].index("4  ") + 4)
        inside = bar.content_region.offset - bar.region.offset
        await pilot.click(bar, offset=(inside.x + x, inside.y + y))
        assert bar.value == "app"


def crop_cells_index(line: str, index: int) -> int:
    """The cell where the character at ``index`` of ``line`` starts."""
    return cell_len(line[:index])


async def test_a_label_wider_than_the_row_goes_on_under_itself() -> None:
    """A label longer than the whole row folds at a word (Chinese: at any character), its next
    rows under the label's start, never under the key or at the row's edge."""
    long_en = "Noise from the building site next door at night"
    long_zh = "隔壁工地夜间施工噪音严重影响休息"
    app = OneBar([("a", "Repair"), ("b", long_en), ("c", long_zh)])
    async with app.run_test(size=(26, 12)) as pilot:
        await pilot.pause()
        bar = app.query_one(ChoiceBar)
        lines = region_lines(app, bar.content_region)
        start = next(i for i, line in enumerate(lines) if line.startswith(" 2  "))
        end = next(i for i, line in enumerate(lines) if line.startswith(" 3  "))
        assert " ".join(line.strip() for line in lines[start:end]).removeprefix("2  ") == long_en
        assert all(line.startswith("    ") and line[4] != " " for line in lines[start + 1 : end]), lines
        rest = [line for line in lines[end:] if line.strip()]
        assert "".join(line.strip() for line in rest).removeprefix("3  ") == long_zh
        assert all(line.startswith("    ") for line in rest[1:]), lines
