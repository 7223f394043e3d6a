"""Every desk text in both languages (issue 3, item 9), Chinese columns that line up, and the
sign-in flows (issue 3, items 1-2)."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

from textual.widgets import DataTable, Input

from complaint_tui.db import Store
from complaint_tui.i18n import catalog, t
from complaint_tui.screens.queue import QueueScreen
from complaint_tui.services import add_staff, list_staff, sign_in
from tests.tui.conftest import Keys, Staff, file_intake, make_app, settle, shown

SOURCES = Path(__file__).parents[2] / "src" / "complaint_tui"
LITERAL_KEY = re.compile(r"\"((?:tui|keys)\.[a-z_.]+[a-z_])\"")


def _flat(prefix: str, table: dict[str, object], into: set[str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flat(full, value, into)
        else:
            into.add(full)


def test_every_tui_key_has_both_languages() -> None:
    folder = resources.files("complaint_tui.data.locale")
    keys = {}
    for lang in ("zh", "en"):
        found: set[str] = set()
        _flat("", tomllib.loads(folder.joinpath(f"tui.{lang}.toml").read_text("utf-8")), found)
        keys[lang] = found
    assert keys["zh"] - keys["en"] == set(), "in zh only"
    assert keys["en"] - keys["zh"] == set(), "in en only"
    assert set(catalog("zh")) == set(catalog("en"))


def test_every_key_the_screens_name_exists() -> None:
    """A literal key in the TUI's code that no catalog holds would show as the key itself."""
    files = [SOURCES / "app.py", SOURCES / "commands.py", *(SOURCES / "screens").glob("*.py")]
    named = {key for f in files for key in LITERAL_KEY.findall(f.read_text("utf-8"))}
    assert named, "the pattern found nothing"
    for lang in ("zh", "en"):
        assert named - set(catalog(lang)) == set(), lang


def test_no_chinese_left_in_english_and_translations_differ() -> None:
    zh, en = catalog("zh"), catalog("en")
    tui_keys = [k for k in en if k.startswith(("tui.", "keys."))]
    han = re.compile(r"[\u4e00-\u9fff]")
    assert not [k for k in tui_keys if han.search(en[k])]
    assert [k for k in tui_keys if han.search(zh[k])], "the Chinese catalog is not Chinese"


async def test_chinese_columns_line_up(sqlite_store: Store, staff: Staff) -> None:
    """Wide (CJK) and narrow characters mixed: each cell starts at its column's offset."""
    file_intake(sqlite_store, staff.desk, owner_name="欧阳娜娜", building="12", room="3", category="neighbour_dispute")
    file_intake(sqlite_store, staff.desk, owner_name="Li", phone="13900001111", building="A座", room="1502")
    file_intake(sqlite_store, staff.desk, owner_name="王五", phone="021-62345678", category="environment")
    app = make_app(sqlite_store, "zh")
    async with app.run_test(size=(200, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        table = app.screen.query_one(DataTable)
        offsets, x = {}, 0
        for key, column in table.columns.items():
            offsets[key.value] = (x, column.get_render_width(table))
            x += column.get_render_width(table)
        for y, row in enumerate(table.ordered_rows, start=1):
            strip = table.render_line(y)
            for name in ("category", "address", "owner", "handler"):
                start, width = offsets[name]
                cell = str(table.get_cell(row.key, name))
                assert strip.crop(start, start + width).text.strip() == cell, (name, cell)


async def test_first_run_creates_the_first_supervisor(sqlite_store: Store) -> None:
    """Issue 3, item 1: on an empty store the first user creates a supervisor and is signed in."""
    app = make_app(sqlite_store, "zh", operator=None)
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        assert t("tui.signin.first_run", "zh") in shown(app, "#signin-help")
        await keys.type("Wang")  # not a login: refused in words, next to the field
        await keys.press("tab")
        await keys.type("王芳")
        await keys.press("tab", "2", "ctrl+s")
        assert t("rule.login", "zh", field=t("field.login", "zh")) in shown(app, "#err-login")
        app.screen.query_one("#first-login", Input).value = ""
        app.screen.query_one("#first-login", Input).focus()
        await keys.type("wang")
        app.screen.query_one("#first-pin", Input).value = "2468"  # a supervisor needs a PIN
        await keys.press("ctrl+s")
        assert isinstance(app.screen, QueueScreen)
        assert app.operator is not None and app.operator.role.value == "supervisor"
    rows = list_staff(sqlite_store)
    assert [(r.login, r.name, r.department) for r in rows] == [("wang", "王芳", "customer_service")]


async def test_pin_is_asked_and_checked(sqlite_store: Store) -> None:
    """Issue 3, item 2: an account with a PIN signs in only with it."""
    add_staff(sqlite_store, None, login="wang", name="王芳", role="supervisor", pin_code="2468")
    add_staff(sqlite_store, sign_in(sqlite_store, "wang", "2468"), login="xu", name="徐亮", role="handler")
    app = make_app(sqlite_store, "en", operator=None)
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("enter")  # the first listed: wang, with a PIN
        await keys.type("1111")
        await keys.press("enter")
        assert t("error.sign_in_failed", "en") in shown(app, "#err-pin-signin")
        assert app.operator is None
        await keys.type("2468")
        await keys.press("enter")
        assert isinstance(app.screen, QueueScreen) and app.operator is not None
        assert app.operator.login == "wang"
