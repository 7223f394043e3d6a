"""A weekly trend drawn with block characters (SPEC S4.3): cases received and closed per week.

Two bars per week, scaled to the tallest; the week's Monday under each pair. Plain Rich text,
so it renders in any terminal and in SVG snapshots alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

BLOCKS = " ▁▂▃▄▅▆▇█"


class TrendChart(Widget):
    """Bars of received (and closed) cases per week, newest on the right."""

    DEFAULT_CSS = """
    TrendChart {
        height: 10;
        width: 1fr;
    }
    """

    weeks: reactive[tuple[tuple[dt.date, int, int], ...]] = reactive(())

    def __init__(self, legend: tuple[str, str] = ("received", "closed"), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.legend = legend

    def set_weeks(self, weeks: Sequence[tuple[dt.date, int, int]]) -> None:
        self.weeks = tuple(weeks)

    def render(self) -> Text:
        rows = max(self.size.height - 2, 1)
        per_week = 6  # two bars and a gap wide enough for the week's MM-DD under them
        fit = max((self.size.width - 1) // per_week, 1)
        weeks = self.weeks[-fit:]
        top = max((max(r, c) for _, r, c in weeks), default=0)
        out = Text()
        for line in range(rows, 0, -1):
            for _, received, closed in weeks:
                for value, style in ((received, "cyan"), (closed, "green")):
                    out.append(self._cell(value, top, rows, line), style=style)
                out.append(" " * (per_week - 2))
            out.append("\n")
        for week, _, _ in weeks:
            out.append(f"{week:%m-%d}".ljust(per_week), style="dim")
        out.append("\n")
        out.append("█ ", style="cyan")
        out.append(self.legend[0] + "  ")
        out.append("█ ", style="green")
        out.append(self.legend[1])
        if top:
            out.append(f"   max {top}", style="dim")
        return out

    @staticmethod
    def _cell(value: int, top: int, rows: int, line: int) -> str:
        if top == 0:
            return " "
        eighths = round(value / top * rows * 8)
        full = eighths - (line - 1) * 8
        return BLOCKS[max(0, min(full, 8))]
