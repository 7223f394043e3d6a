"""How times read on the desk: a stored UTC time in the centre's zone, a duration in the two
largest units, and the time left to a step, coloured by how close it is."""

from __future__ import annotations

import datetime as dt

from rich.text import Text

from complaint_tui.i18n import t

SOON = dt.timedelta(hours=2)  # time left below this shows yellow
DAY_TIME = "%Y-%m-%d %H:%M"  # a moment in full: the case screen, the receipt


def local(moment: dt.datetime | None, zone: dt.tzinfo, fmt: str = "%m-%d %H:%M") -> str:
    """A stored UTC time in the centre's zone (DESIGN "Times are ... shown in the centre's zone")."""
    return moment.astimezone(zone).strftime(fmt) if moment is not None else ""


def duration(delta: dt.timedelta, lang: str) -> str:
    """``2d 3h`` / ``2天3小时``: the two largest units, enough to read out on a call."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return t("tui.time.days_hours", lang, d=days, h=hours)
    if hours:
        return t("tui.time.hours_minutes", lang, h=hours, m=mins)
    return t("tui.time.minutes", lang, m=mins)


def due_text(step: str | None, left: dt.timedelta | None, lang: str, paused: bool = False) -> Text:
    """The next due step with time left, coloured: red overdue, yellow within two hours."""
    if step is None or left is None:
        return Text("")
    name = t(f"step.{step}", lang)
    if paused:
        return Text(t("tui.time.paused", lang, step=name, time=duration(left, lang)), style="dim")
    if left < dt.timedelta(0):
        return Text(t("tui.time.overdue", lang, step=name, time=duration(left, lang)), style="bold red")
    style = "yellow" if left < SOON else "green"
    return Text(t("tui.time.left", lang, step=name, time=duration(left, lang)), style=style)
