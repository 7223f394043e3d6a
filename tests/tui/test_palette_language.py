"""The command palette speaks the desk's language (issue 8 item 7): its prompt, and what it says
when nothing matches (Textual's own words are English)."""

from __future__ import annotations

import pytest
from textual.command import CommandInput, CommandList, CommandPalette

from complaint_tui.db import Store
from complaint_tui.screens.help import HelpScreen
from tests.tui.conftest import Keys, Staff, make_app, settle, wait_until

WORDS = {
    "zh": ("输入命令或案件编号", "没有与“xyzzy”相符的命令"),
    "en": ("Type a command or a case number", "No command matches “xyzzy”"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_palette_prompts_and_answers_in_the_desk_language(
    sqlite_store: Store, staff: Staff, lang: str
) -> None:
    prompt, no_match = WORDS[lang]
    app = make_app(sqlite_store, lang)
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("ctrl+p")
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        assert prompt in str(palette.query_one(CommandInput).placeholder)
        await keys.type("xyzzy")
        listed = palette.query_one(CommandList)

        def options() -> list[str]:
            return [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]

        await wait_until(pilot, lambda: any(no_match in o for o in options()))
        assert not any("No matches found" in o for o in options())
        await keys.press("enter")
        assert isinstance(app.screen, HelpScreen)
