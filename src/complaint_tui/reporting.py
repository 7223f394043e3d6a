"""The periodic statistics report (SPEC S4.3, S6.6) as a JSON document, Markdown or rich tables.

``report_document`` turns ``queries.statistics`` into plain data with stable keys (documented
in the README): totals by status; hot spots by category, building, department or channel,
or the weekly trend (``by``); on-time rates per step, overall and per department;
satisfaction; reopen rate; causes. The Markdown and the terminal tables are both rendered from
that one document, so the three formats can never disagree. Codes stay codes in JSON; the
other two show names in the operator's language.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from complaint_tui.db import Store
from complaint_tui.i18n import current_language, t
from complaint_tui.models import Status
from complaint_tui.policy import Policy, Step
from complaint_tui.queries.stats import OnTime, Statistics, statistics

BAR_WIDTH = 24


class Breakdown(StrEnum):
    """What the hot-spot section groups by (``--by``)."""

    CATEGORY = "category"
    BUILDING = "building"
    DEPARTMENT = "department"
    CHANNEL = "channel"
    WEEK = "week"
    ESTATE = "estate"  # issue 9 item 6: one line per estate of a store that holds several


def period(
    since: dt.date | None, until: dt.date | None, zone: dt.tzinfo
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Whole local days ``since``..``until`` (both included) as the half-open UTC-aware range the
    queries take: from ``since`` 00:00 to the day after ``until`` 00:00, in the centre's zone."""
    start = dt.datetime.combine(since, dt.time(), zone) if since else None
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), zone) if until else None
    return start, end


def _rate(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def _on_time(o: OnTime) -> dict[str, Any]:
    return {
        "done": o.done,
        "done_on_time": o.done_on_time,
        "open_overdue": o.open_overdue,
        "open_in_time": o.open_in_time,
        "rate": round(o.rate, 4) if o.rate is not None else None,
    }


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def report_document(
    stats: Statistics, policy: Policy, by: Breakdown, since: dt.date | None, until: dt.date | None
) -> dict[str, Any]:
    """The report as JSON-ready data (keys in the README)."""
    groups = {
        Breakdown.CATEGORY: stats.by_category,
        Breakdown.BUILDING: stats.by_building,
        Breakdown.DEPARTMENT: stats.by_department,
        Breakdown.CHANNEL: stats.by_channel,
        Breakdown.ESTATE: stats.by_estate,
    }
    if by is Breakdown.WEEK:
        rows = [(w.week_start.isoformat(), w.received) for w in stats.weekly]
    else:
        rows = _ranked(groups[by])
    return {
        "period": {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "zone": policy.zone.key,
        },
        "total": stats.total,
        "by_status": {s.value: stats.by_status.get(s.value, 0) for s in Status},
        "breakdown": {
            "by": by.value,
            "rows": [{"key": k, "count": n, "share": _rate(n, stats.total)} for k, n in rows],
        },
        "by_category": dict(_ranked(stats.by_category)),
        "by_building": dict(_ranked(stats.by_building)),
        "by_department": dict(_ranked(stats.by_department)),
        "by_channel": dict(_ranked(stats.by_channel)),
        "by_urgency": dict(_ranked(stats.by_urgency)),
        "by_estate": dict(_ranked(stats.by_estate)),
        "on_time": {s.value: _on_time(stats.on_time[s.value]) for s in Step if s.value in stats.on_time},
        "on_time_by_department": {
            dept: {step: _on_time(o) for step, o in sorted(steps.items())}
            for dept, steps in sorted(stats.on_time_by_department.items())
        },
        "satisfaction": {
            "visits": stats.satisfaction_count,
            "mean": round(stats.satisfaction_mean, 3) if stats.satisfaction_mean is not None else None,
            "histogram": {str(score): stats.satisfaction_histogram.get(score, 0) for score in range(1, 6)},
        },
        "reopen": {
            "visited_cases": stats.visited_cases,
            "reopened_cases": stats.reopened_cases,
            "rate": round(stats.reopen_rate, 4) if stats.reopen_rate is not None else None,
        },
        "causes": dict(_ranked(stats.by_cause)),
        "weekly": [
            {"week_start": w.week_start.isoformat(), "received": w.received, "closed": w.closed} for w in stats.weekly
        ],
    }


def build_report(
    store: Store,
    since: dt.date | None,
    until: dt.date | None,
    by: Breakdown = Breakdown.CATEGORY,
    now: dt.datetime | None = None,
    estates: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The statistics of cases received on local days ``since``..``until`` as a report document,
    of ``estates`` only if any are named (``--estate``)."""
    start, end = period(since, until, store.policy.zone)
    doc = report_document(statistics(store, start, end, now, estates), store.policy, by, since, until)
    doc["estates"] = list(estates)  # empty: every estate
    return doc


# --- names and figures for people ---------------------------------------------------------


def _name(policy: Policy, by: str, code: str, lang: str) -> str:
    if by == "week":
        return t("report.week_of", lang, day=code)
    if by == "building":
        return code
    if by == "status":
        return t(f"status.{code}", lang)
    if by == "step":
        return t(f"step.{code}", lang)
    if by == "cause":
        return policy.label("causes", code, lang)
    if not code:
        return t("report.none", lang)
    table = {"category": "categories", "department": "departments", "channel": "channels", "estate": "estates"}[by]
    return policy.label(table, code, lang)


def _percent(rate: float | None) -> str:
    return f"{rate * 100:.1f}%" if rate is not None else "-"


def _bar(n: int, top: int) -> str:
    return "█" * max(1 if n else 0, round(BAR_WIDTH * n / top)) if top else ""


def _period_text(doc: dict[str, Any], lang: str) -> str:
    p = doc["period"]
    if not p["since"] and not p["until"]:
        return t("report.all_time", lang, zone=p["zone"])
    return t("report.period", lang, since=p["since"] or "…", until=p["until"] or "…", zone=p["zone"])


def _sections(doc: dict[str, Any], policy: Policy, lang: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """Each section as (title, column headers, rows of text): what both renderers draw."""
    total = doc["total"]
    out: list[tuple[str, list[str], list[list[str]]]] = []

    def counted(title: str, by: str, items: list[tuple[str, int]], first: str) -> None:
        top = max((n for _k, n in items), default=0)
        rows = [[_name(policy, by, k, lang), str(n), _percent(_rate(n, total)), _bar(n, top)] for k, n in items]
        out.append((title, [first, t("report.col.cases", lang), t("report.col.share", lang), ""], rows))

    counted(
        t("report.section.status", lang),
        "status",
        [(k, n) for k, n in doc["by_status"].items() if n],
        t("report.col.status", lang),
    )
    by = doc["breakdown"]["by"]
    counted(
        t(f"report.section.by_{by}", lang),
        by,
        [(r["key"], r["count"]) for r in doc["breakdown"]["rows"]],
        t(f"report.col.{by}", lang),
    )

    step_rows = []
    for step, o in doc["on_time"].items():
        step_rows.append(
            [
                _name(policy, "step", step, lang),
                str(o["done"]),
                str(o["done_on_time"]),
                _percent(o["rate"]),
                str(o["open_overdue"]),
                str(o["open_in_time"]),
            ]
        )
    out.append(
        (
            t("report.section.on_time", lang),
            [
                t("report.col.step", lang),
                t("report.col.done", lang),
                t("report.col.done_on_time", lang),
                t("report.col.rate", lang),
                t("report.col.open_overdue", lang),
                t("report.col.open_in_time", lang),
            ],
            step_rows,
        )
    )
    steps = [s.value for s in Step]
    dept_rows = []
    for dept, per_step in doc["on_time_by_department"].items():
        cells = [_name(policy, "department", dept, lang)]
        for step in steps:
            o = per_step.get(step)
            cells.append(f"{_percent(o['rate'])} ({o['done_on_time']}/{o['done']})" if o else "-")
        dept_rows.append(cells)
    out.append(
        (
            t("report.section.on_time_by_department", lang),
            [t("report.col.department", lang), *(_name(policy, "step", s, lang) for s in steps)],
            dept_rows,
        )
    )

    sat = doc["satisfaction"]
    top = max(sat["histogram"].values(), default=0)
    sat_rows = [[score, str(n), _bar(n, top)] for score, n in sat["histogram"].items()]
    mean = f"{sat['mean']:.2f}" if sat["mean"] is not None else "-"
    out.append(
        (
            t("report.section.satisfaction", lang, visits=sat["visits"], mean=mean),
            [t("report.col.score", lang), t("report.col.visits", lang), ""],
            sat_rows,
        )
    )
    re = doc["reopen"]
    out.append(
        (
            t("report.section.reopen", lang),
            [t("report.col.visited", lang), t("report.col.reopened", lang), t("report.col.rate", lang)],
            [[str(re["visited_cases"]), str(re["reopened_cases"]), _percent(re["rate"])]],
        )
    )
    causes = list(doc["causes"].items())
    ctop = max((n for _k, n in causes), default=0)
    found = sum(n for _k, n in causes)
    out.append(
        (
            t("report.section.causes", lang),
            [t("report.col.cause", lang), t("report.col.cases", lang), t("report.col.share", lang), ""],
            [[_name(policy, "cause", k, lang), str(n), _percent(_rate(n, found)), _bar(n, ctop)] for k, n in causes],
        )
    )
    wtop = max((w["received"] for w in doc["weekly"]), default=0)
    out.append(
        (
            t("report.section.weekly", lang),
            [t("report.col.week", lang), t("report.col.received", lang), t("report.col.closed", lang), ""],
            [[w["week_start"], str(w["received"]), str(w["closed"]), _bar(w["received"], wtop)] for w in doc["weekly"]],
        )
    )
    return out


def render_markdown(doc: dict[str, Any], policy: Policy, lang: str | None = None) -> str:
    """The report as Markdown for a meeting: a heading per section and a GFM table each."""
    lang = lang or current_language()
    lines = [
        f"# {t('report.title', lang)}",
        "",
        _period_text(doc, lang),
        "",
        t("report.total", lang, total=doc["total"]),
    ]
    for title, cols, rows in _sections(doc, policy, lang):
        lines += ["", f"## {title}", ""]
        if not rows:
            lines.append(t("report.empty", lang))
            continue
        lines.append("| " + " | ".join(_md(c) for c in cols) + " |")
        lines.append("|" + "|".join("---" if i == 0 else "---:" if c else "---" for i, c in enumerate(cols)) + "|")
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    # A pipe inside a cell (a building named "A|B") would split the table.
    return text.replace("|", "\\|")


def render_tables(doc: dict[str, Any], policy: Policy, lang: str | None = None) -> RenderableType:
    """The report as rich tables with bars, for a terminal."""
    lang = lang or current_language()
    parts: list[RenderableType] = [
        Text(t("report.title", lang), style="bold"),
        Text(_period_text(doc, lang)),
        Text(t("report.total", lang, total=doc["total"])),
    ]
    for title, cols, rows in _sections(doc, policy, lang):
        # The title as its own line: a table title would wrap to the width of a narrow table.
        table = Table(expand=False)
        for i, name in enumerate(cols):
            numeric = i > 0 and name != ""
            table.add_column(name, justify="right" if numeric else "left", style="cyan" if name == "" else None)
        for row in rows:
            table.add_row(*row)
        if not rows:
            table.add_row(t("report.empty", lang), *([""] * (len(cols) - 1)))
        parts += [Text(""), Text(title, style="bold"), table]
    return Group(*parts)
