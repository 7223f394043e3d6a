"""Chinese fits (issue 8 item 6): the keys at the foot of the case screen and the dashboard are
each shown whole, in zh and en, at 80x24, 100x30 and 160x45; the dashboard cuts no label.

What is asserted is what the terminal shows: the lines of the screen, read back as text.
"""

from __future__ import annotations

from typing import Any

import pytest

from complaint_tui.db import Store
from complaint_tui.i18n import catalog, t
from complaint_tui.textual_private import screen_lines
from complaint_tui.widgets.key_bar import KeyBar
from tests.tui.conftest import Staff, make_app, seed_centre, settle

SIZES = [(80, 24), (100, 30), (160, 45)]


def bar_lines(app: Any) -> list[str]:
    """The lines the key bar of the current screen occupies, as the terminal shows them."""
    region = app.screen.query_one(KeyBar).region
    lines = screen_lines(app.screen)
    return [lines[y][region.x : region.right].strip() for y in range(region.y, region.bottom)]


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
        await pilot.press("escape", "f4")
        for size in SIZES:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            pairs = check_bar(app, lang)
            assert ("f4", t("keys.app.dashboard", lang)) in pairs
            assert ("p", t("keys.dashboard.period", lang)) in pairs
