"""The configurable standard (S5.2): loading, refusing bad files, and due times on the Chinese calendar."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from complaint_tui.policy import PolicyError, Step, default_policy, load_policy, parse_policy
from complaint_tui.workcalendar import CalendarGrade, WorkCalendar

SHANGHAI = default_policy().zone


def raw_default() -> dict[str, Any]:
    return tomllib.loads(resources.files("complaint_tui.data").joinpath("policy.toml").read_text("utf-8"))


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_the_default_policy_has_the_standard_channels_classes_and_departments() -> None:
    p = default_policy()
    assert list(p.channels) == ["front_desk", "hotline", "wechat", "owner_app", "email"]  # S1.1
    assert {"repair", "complaint", "neighbour_dispute", "safety"} <= set(p.categories)  # S1.5
    assert set(p.departments) == {"engineering", "customer_service", "security", "environment"}  # S3.3
    assert p.channels["hotline"].live and not p.channels["email"].live  # S1.2
    assert p.channels["hotline"].scope("zh") and p.channels["hotline"].promise("en")
    assert p.categories["neighbour_dispute"].both_parties and p.categories["safety"].immediate
    assert p.zone.key == "Asia/Shanghai"


def test_a_centre_file_overrides_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = resources.files("complaint_tui.data").joinpath("policy.toml").read_text("utf-8")
    path = tmp_path / "centre.toml"
    path.write_text(text.replace('case_number_prefix = "TS"', 'case_number_prefix = "BJ"'), "utf-8")
    assert load_policy(path).case_number_prefix == "BJ"
    monkeypatch.setenv("COMPLAINT_TUI_POLICY", str(path))
    assert load_policy().case_number_prefix == "BJ"


@pytest.mark.parametrize(
    "change,key,rule",
    [
        (lambda d: d.update(timezone="Mars/Olympus"), "timezone", "timezone"),
        (lambda d: d["limits"]["normal"].update(feedback="72h"), "limits.normal.feedback", "feedback_max"),
        (lambda d: d["limits"]["normal"].update(feedback="2wd"), "limits.normal.feedback", "feedback_max"),
        (lambda d: d["limits"]["high"].pop("resolution"), "limits.high.resolution", "missing"),
        (lambda d: d["limits"]["high"].update(resolution="soon"), "limits.high.resolution", "limit"),
        (lambda d: d["categories"][0].update(department="kitchen"), "categories[0].department", "unknown_code"),
        (lambda d: d["channels"][1].update(code="front_desk"), "channels[1].code", "duplicate"),
        (lambda d: d["channels"][0]["name"].pop("zh"), "channels[0].name", "names"),
        (lambda d: d["calendar"].update(extra_days_off=["2027-02-30"]), "calendar.extra_days_off[0]", "date"),
        (lambda d: d.update(satisfied_min=9), "satisfied_min", "satisfaction"),
    ],
)
def test_an_invalid_policy_is_refused_naming_the_key_and_the_rule(change: Any, key: str, rule: str) -> None:
    data = raw_default()
    change(data)
    with pytest.raises(PolicyError) as err:
        parse_policy(data, "centre.toml")
    assert err.value.policy_key == key and err.value.rule == rule
    assert key in err.value.message("en") and key in err.value.message("zh")


def test_a_broken_toml_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("timezone = ", "utf-8")
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert "bad.toml" in err.value.message("en")


def test_working_days_skip_the_national_day_holiday_and_count_make_up_days() -> None:
    """2026: 1-7 October off; Saturday 10 October is a make-up working day (调休)."""
    p = default_policy()
    cal = p.calendar
    assert not cal.is_working_day(dt.date(2026, 10, 5))  # Monday, but National Day
    assert cal.is_working_day(dt.date(2026, 10, 10))  # Saturday, a make-up working day
    assert cal.is_working_day(dt.date(2026, 9, 20))  # Sunday, a make-up working day
    # Received Wednesday 30 September 15:00; 3 working days → 8 Oct, 9 Oct, Sat 10 Oct.
    start = local(2026, 9, 30, 15, 0)
    assert cal.add_working_days(start, 3) == local(2026, 10, 10, 15, 0)
    due = p.due(Step.RESOLUTION, start.astimezone(dt.UTC), "normal", "repair", "front_desk")
    assert due == local(2026, 10, 10, 15, 0).astimezone(dt.UTC)


def test_hour_limits_are_clock_hours_and_the_earliest_limit_wins() -> None:
    p = default_policy()
    start = local(2026, 12, 5, 22, 0).astimezone(dt.UTC)  # a Saturday night on the hotline
    assert p.due(Step.FIRST_RESPONSE, start, "normal", "repair", "hotline") == start + dt.timedelta(hours=2)
    assert p.due(Step.FIRST_RESPONSE, start, "critical", "safety", "hotline") == start + dt.timedelta(minutes=30)
    # e-mail promises one working day, the normal urgency two hours: the earlier applies.
    assert p.due(Step.FIRST_RESPONSE, start, "normal", "repair", "email") == start + dt.timedelta(hours=2)
    assert p.due(Step.FIRST_RESPONSE, start, "low", "repair", "email") == start + dt.timedelta(hours=4)


def test_a_december_case_is_due_in_january_2027_without_crashing() -> None:
    """The calendar library has no 2027 make-up days; due times still come out (FACTS)."""
    p = default_policy()
    start = local(2026, 12, 30, 10, 0)
    due = p.calendar.add_working_days(start, 3)
    # 31 Dec (Thu), 1 Jan 2027 is New Year's Day, then Mon 4 Jan and Tue 5 Jan.
    assert due == local(2027, 1, 5, 10, 0)
    assert p.calendar.year(2026).grade is CalendarGrade.OFFICIAL
    assert p.calendar.year(2027).grade in (CalendarGrade.STATUTORY_ONLY, CalendarGrade.OFFICIAL)


def test_past_the_librarys_range_it_falls_back_to_weekends_plus_the_policys_days() -> None:
    cal = WorkCalendar(
        extra_days_off=frozenset({dt.date(2150, 1, 6)}), extra_working_days=frozenset({dt.date(2150, 1, 10)})
    )
    assert cal.year(2150).grade is CalendarGrade.WEEKENDS_ONLY
    assert not cal.is_working_day(dt.date(2150, 1, 4))  # Sunday
    assert not cal.is_working_day(dt.date(2150, 1, 6))  # the policy's day off
    assert cal.is_working_day(dt.date(2150, 1, 10))  # a Saturday the policy makes a working day
    assert cal.add_working_days(dt.datetime(2150, 1, 5, 9, tzinfo=SHANGHAI), 1).date() == dt.date(2150, 1, 7)


def test_the_policys_own_days_override_the_library(tmp_path: Path) -> None:
    data = raw_default()
    data["calendar"] = {"extra_days_off": ["2027-02-12"], "extra_working_days": ["2027-02-20"]}
    p = parse_policy(data, "centre.toml")
    assert not p.calendar.is_working_day(dt.date(2027, 2, 12))  # a Friday the centre gives off
    assert p.calendar.is_working_day(dt.date(2027, 2, 20))  # a Saturday the centre works


def test_a_category_limit_replaces_the_urgency_limit_even_when_longer() -> None:
    """A neighbour dispute gets five working days to settle, a repair three (normal urgency)."""
    p = default_policy()
    start = local(2026, 11, 30, 10, 0).astimezone(dt.UTC)  # Monday
    repair = p.due(Step.RESOLUTION, start, "normal", "repair", "front_desk")
    dispute = p.due(Step.RESOLUTION, start, "normal", "neighbour_dispute", "front_desk")
    assert repair == local(2026, 12, 3, 10, 0).astimezone(dt.UTC)
    assert dispute == local(2026, 12, 7, 10, 0).astimezone(dt.UTC)
