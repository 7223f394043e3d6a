"""The statistics report (issue 4 item 3; SPEC S4.3, S6.6): figures against counts made here."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from complaint_tui.cli import app
from complaint_tui.db import Store, make_engine
from complaint_tui.demo.stories import build_demo
from complaint_tui.i18n import t
from complaint_tui.importing import apply_import, read_import_file
from complaint_tui.models import Status, StepClock
from complaint_tui.queries import case_id_by_number
from complaint_tui.queries.stats import scanned_statistics, statistics
from complaint_tui.reporting import Breakdown, build_report, period, render_markdown, render_tables, report_document
from complaint_tui.services import reopen
from tests.batch.conftest import full_case, row
from tests.conftest import BACKENDS, Team, new_store_url

WriteCsv = Callable[..., Path]
ROWS = [row(n) for n in range(1, 13)]
DEPARTMENT = {
    "repair": "engineering",
    "complaint": "customer_service",
    "environment": "environment",
    "other": "customer_service",
}


@pytest.fixture
def centre(store: Store, team: Team, write_csv: WriteCsv) -> tuple[Store, Team, str]:
    """Twelve imported cases, plus one taken through every step to a satisfied close."""
    apply_import(store, team.desk, read_import_file(write_csv(ROWS), store.policy))
    return store, team, full_case(store, team)


def test_report_figures_match_counts_made_independently(centre: tuple[Store, Team, str]) -> None:
    store, team, _number = centre
    doc = build_report(store, None, None)
    # The full case: hotline, repair, building 3栋, closed after a satisfied visit, cause facility_fault.
    categories = Counter(r["category"] for r in ROWS) + Counter({"repair": 1})
    buildings = Counter(r["building"] for r in ROWS) + Counter({"3栋": 1})
    channels = Counter(r["channel"] for r in ROWS) + Counter({"hotline": 1})
    departments = Counter(DEPARTMENT[r["category"]] for r in ROWS) + Counter({"engineering": 1})
    assert doc["total"] == len(ROWS) + 1
    assert doc["by_status"] == {s.value: 0 for s in Status} | {"received": len(ROWS), "closed": 1}
    assert doc["by_category"] == dict(categories)
    assert doc["by_building"] == dict(buildings)
    assert doc["by_channel"] == dict(channels)
    assert doc["by_department"] == dict(departments)
    assert doc["breakdown"]["by"] == "category"
    assert [(r["key"], r["count"]) for r in doc["breakdown"]["rows"]] == sorted(
        categories.items(), key=lambda kv: (-kv[1], kv[0])
    )
    assert doc["causes"] == {"facility_fault": 1}
    assert doc["satisfaction"] == {"visits": 1, "mean": 5.0, "histogram": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}}
    assert doc["reopen"] == {"visited_cases": 1, "reopened_cases": 0, "rate": 0.0}
    first = doc["on_time"]["first_response"]
    # Only the full case was answered (10 minutes in: on time); every imported one is days overdue.
    assert (first["done"], first["done_on_time"], first["open_overdue"], first["open_in_time"]) == (1, 1, len(ROWS), 0)
    assert doc["on_time"]["return_visit"]["done"] == 1
    assert doc["on_time_by_department"]["engineering"]["feedback"]["done"] == 1
    assert sum(w["received"] for w in doc["weekly"]) == doc["total"]
    assert sum(w["closed"] for w in doc["weekly"]) == 1
    weeks = [dt.date.fromisoformat(w["week_start"]) for w in doc["weekly"]]
    assert weeks == sorted(weeks) and all(w.weekday() == 0 for w in weeks)


def test_reopen_rate_counts_reopened_cases(centre: tuple[Store, Team, str]) -> None:
    store, team, number = centre
    cid = case_id_by_number(store, number)
    from complaint_tui.queries import case_detail

    reopen(store, team.supervisor, cid, case_detail(store, None, cid).version, "业主反映电梯再次停运")
    assert build_report(store, None, None)["reopen"] == {"visited_cases": 1, "reopened_cases": 1, "rate": 1.0}


def test_period_counts_only_cases_received_in_it(centre: tuple[Store, Team, str]) -> None:
    store, _team, _number = centre
    days = sorted(dt.date.fromisoformat(r["received_at"][:10]) for r in ROWS)
    since, until = days[2], days[-3]
    doc = build_report(store, since, until)
    assert doc["total"] == sum(1 for d in days if since <= d <= until)
    assert doc["period"] == {"since": since.isoformat(), "until": until.isoformat(), "zone": "Asia/Shanghai"}


@pytest.mark.parametrize("by", list(Breakdown))
def test_every_breakdown(centre: tuple[Store, Team, str], by: Breakdown) -> None:
    store, _team, _number = centre
    doc = build_report(store, None, None, by)
    assert sum(r["count"] for r in doc["breakdown"]["rows"]) == doc["total"]
    if by is Breakdown.WEEK:
        assert [r["key"] for r in doc["breakdown"]["rows"]] == [w["week_start"] for w in doc["weekly"]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_markdown_and_tables_show_names(centre: tuple[Store, Team, str], lang: str) -> None:
    store, _team, _number = centre
    doc = build_report(store, None, None, Breakdown.CATEGORY)
    md = render_markdown(doc, store.policy, lang)
    assert md.startswith(f"# {t('report.title', lang)}")
    assert f"## {t('report.section.by_category', lang)}" in md
    assert store.policy.label("categories", "repair", lang) in md and "█" in md
    assert store.policy.label("causes", "facility_fault", lang) in md
    from rich.console import Console

    console = Console(width=120, record=True, color_system=None)
    console.print(render_tables(doc, store.policy, lang))
    text = console.export_text()
    assert t("report.section.weekly", lang) in text and store.policy.label("categories", "repair", lang) in text


def test_report_json_through_the_cli(centre: tuple[Store, Team, str]) -> None:
    store, _team, _number = centre
    db = store.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["report", "--db", db, "--format", "json", "--by", "building"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc == json.loads(json.dumps(build_report(store, None, None, Breakdown.BUILDING)))
    assert set(doc) == {
        "period", "total", "by_status", "breakdown", "by_category", "by_building", "by_department",
        "by_channel", "by_urgency", "on_time", "on_time_by_department", "satisfaction", "reopen", "causes", "weekly",
        "by_estate", "estates",
    }  # fmt: skip


# --- the report from the tallies equals the report from the cases (issue 11 item 4) ----------


@pytest.fixture(scope="module", params=BACKENDS)
def demo_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A demo of a few hundred cases over six months, built once per backend."""
    engine = make_engine(new_store_url(request.param, tmp_path_factory.mktemp("report-demo"), request))
    store = Store(engine)
    build_demo(store, cases=DEMO_CASES, seed=5, now=DEMO_NOW)
    yield store
    engine.dispose()


DEMO_CASES = 160
DEMO_NOW = dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("by", list(Breakdown))
def test_report_on_the_demo_equals_the_report_counted_from_the_cases(demo_store: Store, by: Breakdown) -> None:
    """S4.3/S6.6: the report read from the tallies is the report the GROUP BYs over the cases
    gave before the tallies (``scanned_statistics``, kept for a store whose zone changed)."""
    store = demo_store
    zone = store.policy.zone
    for since, until in ((None, None), (dt.date(2026, 9, 1), dt.date(2026, 9, 30)), (dt.date(2026, 10, 13), None)):
        start, end = period(since, until, zone)
        old = report_document(scanned_statistics(store, start, end, DEMO_NOW), store.policy, by, since, until)
        assert build_report(store, since, until, by, DEMO_NOW) == old | {"estates": []}
    assert build_report(store, None, None, by, DEMO_NOW)["total"] == DEMO_CASES


def test_statistics_of_any_moment_on_the_demo_equal_the_scan(demo_store: Store) -> None:
    """Periods that start and end within an hour, and the moments around a running clock's due time."""
    store = demo_store
    with store.read() as s:
        dues = sorted(s.exec(select(StepClock.due_at).where(col(StepClock.done_at).is_(None))).all())
    for since, until in (
        (DEMO_NOW - dt.timedelta(days=30), None),
        (dt.datetime(2026, 8, 3, 7, 41, 13, tzinfo=dt.UTC), dt.datetime(2026, 8, 29, 22, 5, tzinfo=dt.UTC)),
        (None, dt.datetime(2026, 10, 1, 0, 0, 1, tzinfo=dt.UTC)),
    ):
        for now in (DEMO_NOW, dues[len(dues) // 2], dues[len(dues) // 2] + dt.timedelta(minutes=1)):
            assert statistics(store, since, until, now) == scanned_statistics(store, since, until, now)
