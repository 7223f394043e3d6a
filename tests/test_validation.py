"""Field rules (S1.3, S1.4): each rule with its message, and nothing half-written on bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import func, select

from complaint_tui.db import Store
from complaint_tui.errors import InvalidInput
from complaint_tui.importing import read_import
from complaint_tui.models import AuditEvent, Case, Owner
from complaint_tui.policy import default_policy
from complaint_tui.services import check_intake, intake
from complaint_tui.validation import (
    RuleBroken,
    address_part,
    local_date,
    local_datetime,
    mask_phone,
    normalise_phone,
    person_name,
    required_text,
    satisfaction,
)
from tests.conftest import Team
from tests.helpers import intake_form

NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("(021) 6234 5678", "021-62345678"),
        ("021-62345678", "021-62345678"),
        ("010-62345678", "010-62345678"),
        ("+86 10 6234 5678", "010-62345678"),
        ("+86 010 6234 5678", "010-62345678"),
        ("0755-86001234", "0755-86001234"),
        ("0755-23456789", "0755-23456789"),
        ("075586001234", "0755-86001234"),
        ("0571.8765.4321", "0571-87654321"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width, as a Chinese input method types it
        ("138１２３４5678", "13812345678"),
        ("＋８６ １３８－１２３４－５６７８", "13812345678"),
        ("（０２１）６２３４ ５６７８", "021-62345678"),
        ("  13812345678\n", "13812345678"),  # a cell with a trailing line break
    ],
)
def test_chinese_mobiles_and_landlines_keep_their_stored_forms(typed: str, stored: str) -> None:
    """S1.4: the stored forms are the ones the owner index and the search index already hold."""
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed,rule",
    [
        ("", "required"),
        ("\x00", "required"),
        ("1381234567", "mobile"),
        ("12812345678", "mobile"),
        ("14012345678", "mobile"),  # 140 is no mobile range
        ("62345678", "landline_area"),
        ("138-abcd-5678", "phone"),  # letters are not read as keypad digits
        ("13812345678 ext. 12", "phone"),
        ("0211", "landline"),
        ("011-12345678", "landline"),  # no area code 011
        ("010-1234", "landline"),
        ("010-8765432", "landline"),  # Beijing numbers have 8 digits
        ("056-6954709", "landline"),
        ("00000000000", "phone"),
        ("400-810-8888", "phone"),  # a company hotline, not an owner's phone
        ("+86 400 810 8888", "phone"),
        ("+86 800 810 8888", "phone"),  # toll-free
        ("+852 9123 4567", "phone_mainland"),  # Hong Kong
        ("+853 6612 3456", "phone_mainland"),  # Macau
        ("+1 212 555 0123", "phone_mainland"),
        ("00852 9123 4567", "phone_mainland"),
        ("138\x1b1234 5678", "control_char"),
        ("138\t1234 5678", "control_char"),
        ("\u202e13812345678", "control_char"),
    ],
)
def test_bad_phones_name_the_rule(typed: str, rule: str) -> None:
    with pytest.raises(RuleBroken) as err:
        normalise_phone(typed)
    assert err.value.rule == rule


def test_a_foreign_phone_is_refused_with_what_is_needed_in_both_languages() -> None:
    with pytest.raises(InvalidInput) as err:
        check_intake(intake_form(phone="+852 9123 4567"), default_policy(), NOW)
    assert "mainland China mobile" in err.value.message("en") and "Hong Kong" in err.value.message("en")
    assert "中国大陆手机号" in err.value.message("zh") and "香港" in err.value.message("zh")


# Mobile ranges in use for years (China Mobile, Unicom, Telecom); 140 or 120 are not.
MOBILE_PREFIXES = [str(p) for p in (*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, *range(180, 190))]


@given(st.sampled_from(MOBILE_PREFIXES), st.from_regex(r"[0-9]{8}", fullmatch=True))
def test_every_valid_mobile_survives_normalisation_and_masks_to_its_ends(prefix: str, rest: str) -> None:
    mobile = prefix + rest
    assert normalise_phone(mobile) == mobile
    masked = mask_phone(mobile)
    assert masked == mobile[:3] + "****" + mobile[-4:]


def test_masking_keeps_a_landlines_area_code() -> None:
    assert mask_phone("021-62345678") == "021-****5678"


def test_other_field_rules() -> None:
    assert address_part(" 3栋 ") == "3栋"
    for bad, rule in (("3 栋!", "address_part"), ("", "required")):
        with pytest.raises(RuleBroken) as err:
            address_part(bad)
        assert err.value.rule == rule
    with pytest.raises(RuleBroken):
        person_name("12345")
    assert satisfaction("4") == 4
    for bad in ("0", "6", "good", None):
        with pytest.raises(RuleBroken):
            satisfaction(bad)


def test_the_intake_check_reports_every_broken_field_at_once_in_both_languages() -> None:
    form = intake_form(phone="abc", owner_name="", demand="  ", category="weather", contact_confirmed=False)
    with pytest.raises(InvalidInput) as err:
        check_intake(form, default_policy(), NOW)
    fields = {p.field: p.rule for p in err.value.problems}
    assert fields == {
        "phone": "phone",
        "owner_name": "required",
        "demand": "required",
        "category": "one_of",
        "contact_confirmed": "contact_confirm",
    }
    en, zh = err.value.message("en"), err.value.message("zh")
    assert "Phone" in en and "Owner's demand: required" in en and "repair" in en
    assert "联系电话" in zh and "业主诉求：必填" in zh
    # The form object still holds what was typed.
    assert form.demand == "  " and form.matter_what


def test_a_live_channel_needs_the_contact_confirmed_but_e_mail_does_not() -> None:
    """S1.2."""
    check_intake(intake_form(channel="email", contact_confirmed=False), default_policy(), NOW)
    with pytest.raises(InvalidInput) as err:
        check_intake(intake_form(channel="front_desk", contact_confirmed=False), default_policy(), NOW)
    assert err.value.for_field("contact_confirmed") is not None


def test_a_complaint_about_staff_names_the_staff_member() -> None:
    with pytest.raises(InvalidInput) as err:
        check_intake(intake_form(object_kind="staff", object_staff_login=""), default_policy(), NOW)
    assert err.value.for_field("object_staff_login") is not None


def test_a_receipt_time_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        check_intake(intake_form(received_at=NOW + dt.timedelta(hours=1)), default_policy(), NOW)
    assert err.value.for_field("received_at").rule == "not_future"  # type: ignore[union-attr]


def test_invalid_input_writes_nothing(store: Store, team: Team) -> None:
    with pytest.raises(InvalidInput):
        intake(store, team.desk, intake_form(phone="not a phone"))
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(Case)).one() == 0
        assert s.exec(select(func.count()).select_from(Owner)).one() == 0
        assert s.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id.is_not(None))).one() == 0  # type: ignore[union-attr]


# --- text fields: no control characters (issue 7, item 5) ----------------------------------

SINGLE_LINE = ["owner_name", "object_text", "matter_when", "matter_where"]
ADDRESS = ["building", "unit", "room"]
MULTI_LINE = ["matter_what", "matter_state", "demand"]
REQUIRED = ["owner_name", "building", "unit", "room", "object_text", "matter_what", "demand"]
INVISIBLE = {
    "NUL": "\x00",
    "ESC": "\x1b",
    "BEL": "\x07",
    "DEL": "\x7f",
    "C1 CSI": "\x9b",
    "RLO U+202E": "\u202e",
    "LRM U+200E": "\u200e",
    "zero-width space": "\u200b",
    "BOM": "\ufeff",
    "lone surrogate": "\ud800",
    "noncharacter": "\ufffe",
    "noncharacter U+FDD0": "\ufdd0",
    "line separator": "\u2028",
    "vertical tab": "\x0b",
}


@pytest.mark.parametrize("field", SINGLE_LINE + ADDRESS + MULTI_LINE)
@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_no_text_field_takes_a_control_character(field: str, char: str) -> None:
    """S1.4: what is stored is what the next reader sees; the refusal names the field and the rule."""
    with pytest.raises(InvalidInput) as err:
        check_intake(intake_form(**{field: f"3{char}5"}), default_policy(), NOW)
    assert [(p.field, p.rule) for p in err.value.problems] == [(field, "control_char")]
    assert f"U+{ord(char):04X}" in err.value.message("en")


def test_the_control_character_message_names_field_and_rule_in_both_languages() -> None:
    with pytest.raises(InvalidInput) as err:
        check_intake(intake_form(demand="尽快维修\x1b[2J"), default_policy(), NOW)
    assert (
        err.value.message("en")
        == "Owner's demand: contains a control character (U+001B); delete it and type the text again"
    )
    assert err.value.message("zh") == "业主诉求：含有控制字符（U+001B），请删除后重新输入"


@pytest.mark.parametrize("field", MULTI_LINE)
def test_long_texts_keep_line_breaks_and_tabs_with_crlf_stored_as_lf(field: str) -> None:
    clean = check_intake(intake_form(**{field: "  第一行\r\n第二行\n\t缩进\n\n"}), default_policy(), NOW)
    assert getattr(clean, field) == "第一行\n第二行\n\t缩进"


@pytest.mark.parametrize("field", SINGLE_LINE + ADDRESS)
@pytest.mark.parametrize("inner", ["\n", "\r\n", "\t", "\r"])
def test_single_line_fields_take_no_line_break_or_tab_inside(field: str, inner: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_intake(intake_form(**{field: f"3{inner}5"}), default_policy(), NOW)
    assert [(p.field, p.rule) for p in err.value.problems] == [(field, "control_char")]


@pytest.mark.parametrize("field", SINGLE_LINE + ADDRESS)
def test_spaces_and_line_breaks_around_a_single_line_field_are_dropped(field: str) -> None:
    clean = check_intake(intake_form(**{field: "\u3000 \t3栋\r\n"}), default_policy(), NOW)
    assert getattr(clean, field) == "3栋"


@pytest.mark.parametrize("field", REQUIRED)
@pytest.mark.parametrize("typed", ["\x00", "  \t\n ", "\u3000", " \u200b\u202e ", "\ud800", "\r\n"])
def test_a_required_field_of_nothing_visible_is_required(field: str, typed: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_intake(intake_form(**{field: typed}), default_policy(), NOW)
    assert [(p.field, p.rule) for p in err.value.problems] == [(field, "required")]


def test_an_optional_field_of_control_characters_is_refused_not_emptied() -> None:
    """Nothing the person typed is silently dropped: an invisible character is named."""
    with pytest.raises(InvalidInput) as err:
        check_intake(intake_form(matter_state="\x00"), default_policy(), NOW)
    assert [(p.field, p.rule) for p in err.value.problems] == [("matter_state", "control_char")]


def test_a_text_is_as_long_as_its_limit_and_no_longer() -> None:
    assert required_text("字" * 4000) == "字" * 4000
    with pytest.raises(RuleBroken) as err:
        required_text("字" * 4001)
    assert err.value.rule == "too_long"
    assert required_text(" " * 100_000 + "字") == "字"  # spaces around do not count


def test_the_csv_import_refuses_control_characters_by_the_same_rules() -> None:
    """S1.4: a row of the import file is checked by the intake's own field rules."""
    row = {
        "source_id": "A-1",
        "channel": "hotline",
        "contact_confirmed": "true",
        "owner_name": "张伟",
        "phone": "138 1234 5678",
        "building": "3栋",
        "unit": "2",
        "room": "1502",
        "object_kind": "property_part",
        "object_text": "卫生间天花板",
        "matter_what": "漏水\u202e",
        "matter_state": "第一行\r\n第二行",
        "demand": "\x00",
        "category": "repair",
        "urgency": "normal",
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, list(row))
    writer.writeheader()
    writer.writerow(row)
    plan = read_import(io.StringIO(out.getvalue()), default_policy(), NOW)
    assert {(p.column, p.rule) for p in plan.problems} == {("matter_what", "control_char"), ("demand", "required")}
    row.update(matter_what="漏水", demand="维修")
    out = io.StringIO()
    writer = csv.DictWriter(out, list(row))
    writer.writeheader()
    writer.writerow(row)
    plan = read_import(io.StringIO(out.getvalue()), default_policy(), NOW)
    assert not plan.problems and plan.rows[0].clean.matter_state == "第一行\n第二行"


def test_control_characters_never_reach_the_database(store: Store, team: Team) -> None:
    """On PostgreSQL a NUL or a lone surrogate used to end in a traceback; both stores refuse them
    as a broken field rule and write nothing."""
    with pytest.raises(InvalidInput) as err:
        intake(store, team.desk, intake_form(matter_what="漏水\x00", demand="维修\udc80", owner_name="张\x1b伟"))
    assert {(p.field, p.rule) for p in err.value.problems} == {
        ("matter_what", "control_char"),
        ("demand", "control_char"),
        ("owner_name", "control_char"),
    }
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(Case)).one() == 0
        assert s.exec(select(func.count()).select_from(Owner)).one() == 0


# --- dates: one format, sane bounds (issue 7, item 10) ------------------------------------

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "typed,day",
    [
        ("2026-01-01", dt.date(2026, 1, 1)),
        (" 2026-12-31 ", dt.date(2026, 12, 31)),
        ("２０２６－０１－０１", dt.date(2026, 1, 1)),  # full-width, from a Chinese input method
        ("2000-01-01", dt.date(2000, 1, 1)),
        ("2099-12-31", dt.date(2099, 12, 31)),
        ("", None),
    ],
)
def test_a_date_is_yyyy_mm_dd(typed: str, day: dt.date | None) -> None:
    assert local_date(typed) == day


@pytest.mark.parametrize(
    "typed,rule",
    [
        ("20260101", "date"),
        ("2026/01/01", "date"),
        ("2026-1-1", "date"),
        ("01-01-2026", "date"),
        ("2026-01-01 10:00", "date"),
        ("2026-02-30", "date"),
        ("2026-13-01", "date"),
        ("tomorrow", "date"),
        ("0760-01-01", "date_range"),
        ("1999-12-31", "date_range"),
        ("2100-01-01", "date_range"),
        ("9999-12-31", "date_range"),
    ],
)
def test_other_dates_are_refused_by_rule(typed: str, rule: str) -> None:
    with pytest.raises(RuleBroken) as err:
        local_date(typed)
    assert err.value.rule == rule


@pytest.mark.parametrize(
    "typed,naive",
    [
        ("2026-12-01 14:30", dt.datetime(2026, 12, 1, 14, 30)),
        ("2026-12-01 14:30:15", dt.datetime(2026, 12, 1, 14, 30, 15)),
        ("2000-01-01 00:00", dt.datetime(2000, 1, 1)),
        ("2099-12-31 23:59:59", dt.datetime(2099, 12, 31, 23, 59, 59)),
    ],
)
def test_a_time_is_yyyy_mm_dd_hh_mm_in_the_centres_zone(typed: str, naive: dt.datetime) -> None:
    assert local_datetime(typed, ZONE) == naive.replace(tzinfo=ZONE)


@pytest.mark.parametrize(
    "typed,rule",
    [
        ("", "required"),
        ("2026-12-01", "datetime"),
        ("2026-12-01T14:30", "datetime"),
        ("2026/12/01 14:30", "datetime"),
        ("2026-12-01 14:30+08:00", "datetime"),
        ("2026-12-01 24:00", "datetime"),
        ("2026-12-01 14", "datetime"),
        ("0760-12-01 14:30", "date_range"),
        ("1999-12-31 23:59", "date_range"),
        ("2100-01-01 00:00", "date_range"),
    ],
)
def test_other_times_are_refused_by_rule(typed: str, rule: str) -> None:
    with pytest.raises(RuleBroken) as err:
        local_datetime(typed, ZONE)
    assert err.value.rule == rule


def test_the_date_bounds_are_named_in_both_languages() -> None:
    with pytest.raises(InvalidInput) as err:
        check_intake(intake_form(received_at=dt.datetime(760, 1, 1, tzinfo=dt.UTC)), default_policy(), NOW)
    assert err.value.message("en") == "Received at: must be between 2000-01-01 and 2099-12-31"
    assert err.value.message("zh") == "受理时间：必须在 2000-01-01 至 2099-12-31 之间"
