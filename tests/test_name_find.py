"""Finding a person by name, login or pinyin initials (issue 8 item 5)."""

from __future__ import annotations

import pytest

from complaint_tui.name_find import name_key


@pytest.mark.parametrize("typed", ["wf", "w", "WF", "ｗｆ", "王", "芳", "王芳", "wang", "an", ""])
def test_wang_fang_is_found_by(typed: str) -> None:
    assert name_key("王芳", "wang").matches(typed)


@pytest.mark.parametrize("typed", ["fw", "wfx", "x", "李", "zhao"])
def test_wang_fang_is_not_found_by(typed: str) -> None:
    assert not name_key("王芳", "wang").matches(typed)


@pytest.mark.parametrize(("name", "typed"), [("单伟", "sw"), ("单伟", "dw"), ("曾强", "zq"), ("曾强", "cq")])
def test_every_reading_of_a_surname_counts(name: str, typed: str) -> None:
    """单 is read shan as a surname and dan as a word; the clerk may type either."""
    assert name_key(name, "x1").matches(typed)


def test_a_latin_name_matches_its_letters() -> None:
    key = name_key("Anna Lee", "anna")
    assert key.matches("annal") and key.matches("lee") and not key.matches("bob")
