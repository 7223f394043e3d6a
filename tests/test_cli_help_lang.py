"""Every ``--help`` page is in the user's language (issue 8 item 7): Chinese under a zh_* locale
(LANG, LC_MESSAGES or LC_ALL), ``$COMPLAINT_TUI_LANG=zh`` or ``--lang zh``; English otherwise.

The commands are found by walking the command tree, not listed here: a command added later is
checked too. The Chinese page of each is compared with its English page: no English sentence of
the English page (command text, option help, typer's own words) may appear on the Chinese one,
and every prose line of the Chinese page holds Chinese. A flag shows no value placeholder.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from complaint_tui.cli import app

SCRIPT = Path(sys.executable).with_name("complaint-tui")
CJK = re.compile(r"[\u4e00-\u9fff]")
# What typer and click print on their own help pages when left to themselves.
TYPER_WORDS = ("Usage", "Options", "Arguments", "Commands", "Show this message", "[default", "[env var", "[required")
BORDER = "│"


def commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, command) for the root and every command and group under it."""
    root = typer.main.get_command(app)

    def walk(path: tuple[str, ...], cmd: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk((*path, name), sub)

    yield from walk((), root)


PATHS = [path for path, _ in commands()]


def helps(*args: str, lang: str = "C.UTF-8", **env: str | None) -> Result:
    base: dict[str, str | None] = {
        "LANG": lang,
        "LC_ALL": None,
        "LC_MESSAGES": None,
        "COMPLAINT_TUI_LANG": None,
        "COMPLAINT_TUI_DB": None,
        "COLUMNS": "400",  # nothing wraps: one option, one line
    }
    result = CliRunner().invoke(app, list(args), env=base | env)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result


def rows(page: str) -> dict[str, tuple[str, str]]:
    """The options' rows of a help page: first option name -> (placeholder, help), parsed from
    the table lines (`│ --format, -f   FORMAT   csv, jsonl ... │`)."""
    found: dict[str, tuple[str, str]] = {}
    for line in page.splitlines():
        inner = line.strip().strip(BORDER).strip()
        if not inner.startswith("-"):
            continue
        cells = re.split(r"\s{2,}", inner)
        names = cells[0]
        rest = cells[1:]
        placeholder, text = ("", rest[0]) if len(rest) == 1 else (rest[0], " ".join(rest[1:]))
        found[names.split(",")[0]] = (placeholder, text)
    return found


def prose(page: str) -> list[str]:
    """The lines of a page a person reads as sentences: not an example command line, not an option
    or argument name column, not a box border."""
    lines = []
    for line in page.splitlines():
        inner = line.strip().strip(BORDER).strip()
        if not inner or set(inner) <= set("╭╮╰╯─ "):
            continue
        if inner.startswith("complaint-tui") or inner.startswith("╭"):
            continue
        lines.append(inner)
    return lines


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "complaint-tui")
def test_every_help_page_is_chinese_under_a_chinese_locale(path: tuple[str, ...]) -> None:
    """Issue 8 item 7: command help, option help and typer's own words, all in Chinese."""
    en = helps(*path, "--help").stdout
    zh = helps(*path, "--help", lang="zh_CN.UTF-8").stdout
    assert en.strip() and zh.strip()
    assert "Usage:" in en and "用法：" in zh
    for word in TYPER_WORDS:
        assert word not in zh, (path, word)
    en_rows, zh_rows = rows(en), rows(zh)
    assert set(en_rows) == set(zh_rows) and "--help" in zh_rows
    for option, (_, english) in en_rows.items():
        assert english and english not in zh, (path, option, english)
        assert CJK.search(zh_rows[option][1]), (path, option, zh_rows[option])
    for line in prose(zh):
        names_only = re.fullmatch(r"[-\w, |.\[\]]*", line)
        assert CJK.search(line) or names_only, (path, line)
    for english in prose(en):
        if len(english) > 25 and not english.startswith("-"):
            assert english not in zh, (path, english)
    assert "help." not in en and "help." not in zh  # no message key shows through


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "complaint-tui")
def test_a_flag_shows_no_value_placeholder(path: tuple[str, ...]) -> None:
    """Issue 8 item 7: no `<bool>` after a flag; an option that takes a value names what it takes."""
    cmd = dict(commands())[path]
    page = helps(*path, "--help").stdout
    assert "<bool>" not in page and "<str>" not in page
    shown = rows(page)
    for param in cmd.params:
        opts = [o for o in param.opts if o.startswith("--")]
        if not opts or getattr(param, "hidden", False):
            continue
        placeholder, _ = shown[opts[0]]
        if getattr(param, "is_flag", False):
            assert placeholder == "", (path, opts[0], placeholder)
        else:
            assert placeholder.strip(), (path, opts[0])


@pytest.mark.parametrize(
    ("env", "args", "chinese"),
    [
        ({"LANG": "zh_CN.UTF-8"}, ["--lang", "en"], False),
        ({"LANG": "C.UTF-8"}, ["--lang", "zh"], True),
        ({"LANG": "C.UTF-8"}, ["--lang=zh"], True),
        ({"LANG": "C.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, [], True),
        ({"LANG": "C.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, [], True),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C.UTF-8"}, [], False),
        ({"LANG": "C.UTF-8", "COMPLAINT_TUI_LANG": "zh"}, [], True),
        ({"LANG": "zh_CN.UTF-8", "COMPLAINT_TUI_LANG": "en"}, [], False),
        ({"LANG": "C.UTF-8", "COMPLAINT_TUI_LANG": "zh"}, ["--lang", "en"], False),
    ],
)
def test_the_language_of_help_follows_flag_then_environment_then_locale(
    env: dict[str, str], args: list[str], chinese: bool
) -> None:
    """--lang beats $COMPLAINT_TUI_LANG, which beats the locale; LC_ALL beats LC_MESSAGES and LANG."""
    lang = env.pop("LANG")
    page = helps(*args, "export", "--help", lang=lang, **env).stdout
    reference = helps("export", "--help", lang="zh_CN.UTF-8" if chinese else "C.UTF-8").stdout
    assert page == reference


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--lang", "zh"], {}), (["--lang=zh"], {}), ([], {"COMPLAINT_TUI_LANG": "zh"})],
)
def test_the_language_is_chosen_before_typer_reads_the_line(args: list[str], env: dict[str, str]) -> None:
    """The root's own page (--help acts before the root's --lang is read) and a slip on the line
    are in the language asked for, as on a Chinese terminal."""
    assert helps(*args, "--help", **env).stdout == helps("--help", lang="zh_CN.UTF-8").stdout
    slip = CliRunner().invoke(
        app, [*args, "export", "--bogus"], env={"LANG": "C.UTF-8", "LC_ALL": None, "COMPLAINT_TUI_LANG": None} | env
    )
    assert slip.exit_code == 1 and CJK.search(slip.stderr) and "--bogus" in slip.stderr


def test_a_group_called_alone_shows_its_page_in_chinese() -> None:
    """`complaint-tui db` alone: the group's page, in the locale's language, exit code 0."""
    page = helps("db", lang="zh_CN.UTF-8").stdout
    assert "用法：" in page and "upgrade" in page and "Usage" not in page


def test_the_console_script_shows_chinese_help_under_a_chinese_locale() -> None:
    env = os.environ | {"LANG": "zh_CN.UTF-8", "COLUMNS": "100"}
    for name in ("LC_ALL", "LC_MESSAGES", "COMPLAINT_TUI_LANG"):
        env.pop(name, None)
    done = subprocess.run([str(SCRIPT), "staff", "add", "--help"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert "用法：complaint-tui staff add [选项] 登录名 姓名" in done.stdout
    assert "显示本帮助并退出。" in done.stdout and "Show this" not in done.stdout


def test_a_long_chinese_help_line_wraps_without_losing_characters() -> None:
    """At 80 columns a Chinese option help wraps; nothing is cut off with an ellipsis."""
    page = (
        CliRunner()
        .invoke(app, ["staff", "add", "--help"], env={"LANG": "zh_CN.UTF-8", "LC_ALL": None, "COLUMNS": "80"})
        .stdout
    )
    assert "…" not in page
    flat = "".join(line.strip().strip(BORDER).strip() for line in page.splitlines())
    assert "complaints.sqlite3。［环境变量：COMPLAINT_TUI_DB］" in flat.replace(" ", "")


@pytest.mark.parametrize("width", [12, 17, 24, 40])
def test_chinese_help_wraps_at_any_character_and_keeps_punctuation_in_place(width: int) -> None:
    """A Chinese sentence has no spaces: it breaks between characters, never past the width; a
    closing mark never starts a line and an opening bracket never ends one; nothing is lost."""
    from rich.cells import cell_len

    from complaint_tui.cli_help import wrap

    text = "存储：SQLite 文件或数据库地址（postgresql+psycopg://x）；默认：用户数据目录中的文件。［环境变量：DB］"
    lines = wrap(text, width).splitlines()
    assert len(lines) > 1
    assert all(cell_len(line) <= width or " " not in line.strip() for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line[:1] in "，。：；）］" for line in lines[1:]), lines
    assert not any(line.rstrip()[-1:] in "（［" for line in lines), lines
