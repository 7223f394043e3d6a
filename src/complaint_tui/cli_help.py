"""``--help`` in the user's language: every word of it, typer's and click's own included.

Commands, options and arguments carry message keys instead of English sentences: a command's
``help`` is a key prefix (``help.cmd.export``: ``.short`` for the command list, ``.text`` for its
page), an option's ``help`` and ``metavar`` are keys (``help.opt.db``, ``help.metavar.file``).
``HelpCommand`` and ``HelpGroup`` render the page from those keys in the current language,
which ``cli_errors.OneLineGroup`` sets from ``--lang``, ``$COMPLAINT_TUI_LANG`` or the locale
before typer reads the command line. The frame ("Usage", "Options", "[default: …]", the help
option's own line) comes from the same catalogs. A flag shows no value placeholder.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from complaint_tui.i18n import t

try:  # typer 0.20 and later carry their own copy of click
    from typer._click import Context, HelpFormatter, Parameter
except ImportError:  # pragma: no cover - older typer runs on click itself
    from click import Context, HelpFormatter, Parameter  # type: ignore[assignment]


def command_text(cmd: Any, part: str) -> str:
    """The ``short`` line or the full ``text`` of a command whose help is a key prefix."""
    key = str(cmd.help or "")
    return t(f"{key}.{part}") if key.startswith("help.") else key


def _metavar(param: Parameter) -> str:
    key = getattr(param, "metavar", None)
    if isinstance(key, str) and key.startswith("help."):
        return t(key)
    if isinstance(param, TyperArgument):
        return param.name.upper() if param.name else ""
    return t("help.metavar.value")


def _option_names(param: Parameter) -> str:
    opts = sorted(param.opts, key=lambda o: (not o.startswith("--"), o))
    return ", ".join([*opts, *param.secondary_opts])


def _extras(param: Parameter) -> list[str]:
    """The bracketed notes after an option's help: default, environment variable, range, required."""
    notes: list[str] = []
    default = param.default
    flag = bool(getattr(param, "is_flag", False))
    shown = getattr(param, "show_default", False)
    if shown and not flag and default not in (None, "", (), []) and not callable(default):
        notes.append(t("help.default", value=default))
    envvar = getattr(param, "envvar", None)
    if isinstance(envvar, str):
        notes.append(t("help.envvar", name=envvar))
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is not None and high is not None:
        notes.append(t("help.range", low=low, high=high))
    elif low is not None:
        notes.append(t("help.range_min", low=low))
    elif high is not None:
        notes.append(t("help.range_max", high=high))
    if param.required:
        notes.append(t("help.required"))
    return notes


def _param_help(param: Parameter, ctx: Context) -> str:
    if param.name == "help" and "--help" in param.opts:
        text = t("help.opt.help")
    else:
        key = str(getattr(param, "help", "") or "")
        text = t(key) if key else ""
    for note in _extras(param):
        # A space after a Latin word; a full-width bracket after a Chinese sentence needs none.
        text += note if text and not text[-1].isascii() else f" {note}"
    return text.strip()


def _usage(cmd: TyperCommand | TyperGroup, ctx: Context) -> str:
    pieces = [ctx.command_path, t("help.usage_options")]
    for param in cmd.get_params(ctx):
        if isinstance(param, TyperArgument):
            name = _metavar(param)
            pieces.append(name if param.required else f"[{name}]")
    if isinstance(cmd, TyperGroup):
        pieces.append(t("help.usage_command"))
    return t("help.usage", usage=" ".join(pieces))


# A line may break before any Han character or full-width bracket, not only at a space: a Chinese
# sentence has no spaces. Closing punctuation stays with the character before it.
_HAN = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CLOSING = r"[\u3001\u3002\uff0c\uff1a\uff1b\uff09\uff3d\u201d\u300b]"
_PIECES = re.compile(
    r"[\uff08\uff3b\u201c\u300a]*"  # an opening bracket or quote goes with what follows it
    rf"(?:[{_HAN}]|[^\s{_HAN}]+){_CLOSING}*\s*|\s+"  # a closing mark goes with what precedes it
)


def wrap(text: str, width: int) -> str:
    """``text`` wrapped to ``width`` terminal cells, Chinese at any character, words at spaces;
    each line's own indentation kept (the examples)."""
    out: list[str] = []
    for line in text.splitlines() or [""]:
        indent = line[: len(line) - len(line.lstrip(" "))]
        current, used = indent, cell_len(indent)
        for piece in _PIECES.findall(line[len(indent) :]):
            size = cell_len(piece.rstrip())
            if used + size > width and current.strip():
                out.append(current.rstrip())
                current, used = indent, cell_len(indent)
                piece = piece.lstrip()
            current += piece
            used += cell_len(piece)
        out.append(current.rstrip())
    return "\n".join(out)


def _panel(title: str, rows: list[tuple[str, str, str]], width: int) -> Panel:
    """A titled box of rows; the last column is wrapped here, to what is left of ``width`` once
    the two name columns, the gaps between the columns and the box's border are taken."""
    names = max(cell_len(r[0]) for r in rows)
    placeholders = max(cell_len(r[1]) for r in rows)
    room = max(20, width - 4 - names - placeholders - 4)
    table = Table(show_header=False, box=None, padding=(0, 1), expand=True, pad_edge=False)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(style="yellow", no_wrap=True)
    table.add_column(ratio=1, overflow="fold")  # should the sum be off by a cell: fold, never cut
    for name, placeholder, text in rows:
        table.add_row(name, placeholder, wrap(text, room))
    return Panel(table, title=title, title_align="left", border_style="dim")


def help_page(cmd: TyperCommand | TyperGroup, ctx: Context, width: int = 80) -> list[RenderableType]:
    """The parts of ``cmd``'s help page, in the current language, for a terminal ``width`` wide."""
    parts: list[RenderableType] = [Padding(Text(_usage(cmd, ctx), style="bold"), (1, 1, 0, 1))]
    text = command_text(cmd, "text")
    if text:
        parts.append(Padding(Text(wrap(text.rstrip(), width - 2)), (1, 1, 1, 1)))
    arguments: list[tuple[str, str, str]] = []
    options: list[tuple[str, str, str]] = []
    for param in cmd.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        if isinstance(param, TyperArgument):
            arguments.append((_metavar(param), "", _param_help(param, ctx)))
        elif isinstance(param, TyperOption) or param.name == "help":
            flag = bool(getattr(param, "is_flag", False))
            options.append((_option_names(param), "" if flag else _metavar(param), _param_help(param, ctx)))
    if arguments:
        parts.append(_panel(t("help.arguments"), arguments, width))
    if options:
        parts.append(_panel(t("help.options"), options, width))
    if isinstance(cmd, TyperGroup):
        commands = []
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                commands.append((name, "", command_text(sub, "short")))
        if commands:
            parts.append(_panel(t("help.commands"), commands, width))
    return parts


def render_help(cmd: TyperCommand | TyperGroup, ctx: Context) -> str:
    """The help page as text: coloured on a terminal, plain in a pipe or a test."""
    console = Console(file=sys.stdout, highlight=False, markup=False, emoji=False, soft_wrap=False)
    with console.capture() as captured:
        console.print(Group(*help_page(cmd, ctx, console.width)))
    return captured.get().rstrip("\n")


class HelpCommand(TyperCommand):
    """A command whose ``--help`` is rendered from the catalogs (see the module docstring)."""

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        formatter.write(render_help(self, ctx))


class HelpGroup(TyperGroup):
    """A command group whose ``--help`` is rendered from the catalogs."""

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        formatter.write(render_help(self, ctx))
