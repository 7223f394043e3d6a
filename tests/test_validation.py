"""Field rules (S1.3, S1.4): each rule with its message, and nothing half-written on bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import func, select

from complaint_tui.db import Store
from complaint_tui.errors import InvalidInput
from complaint_tui.models import AuditEvent, Case, Owner
from complaint_tui.policy import default_policy
from complaint_tui.services import check_intake, intake
from complaint_tui.validation import RuleBroken, address_part, mask_phone, normalise_phone, person_name, satisfaction
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
        ("(021) 6234 5678", "021-62345678"),
        ("010-8765432", "010-8765432"),
        ("0755-23456789", "0755-23456789"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width, as a Chinese input method types it
        ("138１２３４5678", "13812345678"),
        ("＋８６ １３８－１２３４－５６７８", "13812345678"),
    ],
)
def test_chinese_mobiles_and_landlines_are_normalised(typed: str, stored: str) -> None:
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed,rule",
    [
        ("", "required"),
        ("1381234567", "mobile"),
        ("12812345678", "mobile"),
        ("62345678", "landline_area"),
        ("138-abcd-5678", "phone"),
        ("0211", "phone"),
    ],
)
def test_bad_phones_name_the_rule(typed: str, rule: str) -> None:
    with pytest.raises(RuleBroken) as err:
        normalise_phone(typed)
    assert err.value.rule == rule


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_valid_mobile_survives_normalisation_and_masks_to_its_ends(mobile: str) -> None:
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
