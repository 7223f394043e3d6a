"""Property tests of the intake's field rules (S1.3, S1.4; issue 7, item 5).

Any text at all in any intake field, run through the real intake service on a real SQLite store:
either a case is created whose stored fields are the cleaned input, or ``InvalidInput`` names
exactly the fields that break a rule and the database holds no new row in any table. Nothing
else ever escapes. What "cleaned" and "breaks a rule" mean is written out here from the rules'
wording (the module docstring of ``validation``), not read from the code under test.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import weakref
from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect, text

from complaint_tui.db import Store
from complaint_tui.errors import InvalidInput
from complaint_tui.models import Case, ObjectKind, Owner, Room
from complaint_tui.services import intake
from complaint_tui.validation import RuleBroken, normalise_phone
from tests.conftest import Team
from tests.helpers import intake_form

# --- the rules, as the field rules state them --------------------------------------------------

LONG, SHORT, NAME, ADDRESS = 4000, 200, 50, 20
BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


@cache
def edge_space() -> frozenset[str]:
    """Spaces and line breaks dropped at either end: every Unicode space separator, the line and
    paragraph separators, and tab, LF and CR."""
    every = (chr(c) for c in range(sys.maxunicode + 1))
    return frozenset(ch for ch in every if unicodedata.category(ch) in {"Zs", "Zl", "Zp"}) | {"\t", "\n", "\r"}


def invisible(ch: str, multiline: bool) -> bool:
    """A character no stored text may hold (a long text may hold LF and tab)."""
    if multiline and ch in "\n\t":
        return False
    code = ord(ch)
    noncharacter = 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE
    return unicodedata.category(ch) in BAD_CATEGORIES or noncharacter


class Broken(Exception):
    """The model's verdict: this value breaks its field's rule."""


def clean_text(raw: str, max_len: int, multiline: bool, required: bool) -> str:
    text = raw.replace("\r\n", "\n").strip("".join(edge_space()))
    if len(text) > max_len or any(invisible(ch, multiline) for ch in text) or (required and not text):
        raise Broken
    return text


def clean_name(raw: str) -> str:
    text = clean_text(raw, NAME, False, True)
    if text.isdigit():
        raise Broken
    return text


def clean_address(raw: str) -> str:
    text = clean_text(raw, ADDRESS, False, True).replace(" ", "")
    if not re.fullmatch(r"[0-9A-Za-z\u4e00-\u9fff#-]+", text):
        raise Broken
    return text


@dataclass(frozen=True)
class TextField:
    name: str
    clean: Any  # str -> str, raising Broken
    multiline: bool


TEXT_FIELDS = [
    TextField("owner_name", clean_name, False),
    TextField("building", clean_address, False),
    TextField("unit", clean_address, False),
    TextField("room", clean_address, False),
    TextField("object_text", lambda v: clean_text(v, SHORT, False, True), False),
    TextField("matter_what", lambda v: clean_text(v, LONG, True, True), True),
    TextField("matter_when", lambda v: clean_text(v, SHORT, False, False), False),
    TextField("matter_where", lambda v: clean_text(v, SHORT, False, False), False),
    TextField("matter_state", lambda v: clean_text(v, LONG, True, False), True),
    TextField("demand", lambda v: clean_text(v, LONG, True, True), True),
]
CASE_TEXTS = ["object_text", "matter_what", "matter_when", "matter_where", "matter_state", "demand"]
CHOICE_FIELDS = {
    "channel": ["hotline", "email", "wechat"],
    "object_kind": [k.value for k in ObjectKind if k is not ObjectKind.STAFF],
    "category": ["repair", "complaint", "safety"],
    "urgency": ["normal", "critical", "low"],
}
# Phones as people type them, and the form the owner index holds (None: refused).
PHONES: dict[str, str | None] = {
    "138 1234 5678": "13812345678",
    "+86 139-0000-1111": "13900001111",
    "(021) 6234 5678": "021-62345678",
    "０７５５－８６００１２３４": "0755-86001234",
    "011-12345678": None,
    "00000000000": None,
    "+852 9123 4567": None,
    "138\x1b12345678": None,
}
STORED_PHONE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8}")

# --- random input ------------------------------------------------------------------------------

NASTY = [
    "\x00", "\x1b", "\x07", "\x7f", "\x9b", "\x0b", "\x0c", "\x1f", "\x85",
    "\u202e", "\u200e", "\u200b", "\u2066", "\ufeff", "\u00ad",
    "\ud800", "\udfff", "\ufffe", "\uffff", "\ufdd0", "\U0010ffff",
    "\u2028", "\u2029", "\r\n", "\n", "\r", "\t", " ", "\u3000", "\xa0",
]  # fmt: skip
characters = st.one_of(
    st.characters(), st.characters(codec="utf-8"), st.sampled_from(NASTY), st.sampled_from("3栋漏水A#-")
)
any_text = st.one_of(
    st.lists(characters, max_size=30).map("".join),
    st.lists(st.sampled_from([" ", "\t", "\n", "\r\n", "\u3000", "\x00", "\u200b"]), max_size=8).map(
        "".join
    ),  # nothing visible
    st.builds(
        lambda ch, n, pad: pad + ch * n + pad, characters, st.integers(1, 4500), st.sampled_from(["", " ", "\n"])
    ),
)


def field_values(draw: st.DrawFn, typical: dict[str, Any]) -> dict[str, Any]:
    """Some fields (none, a few or all) are changed: the typical value with spaces and line breaks
    around it (or CRLF inside a long text), with a nasty character put in, or any text at all;
    the rest keep their typical value, so both outcomes are common."""
    names = [f.name for f in TEXT_FIELDS] + list(CHOICE_FIELDS) + ["phone"]
    changed = draw(st.one_of(st.just(set()), st.sets(st.sampled_from(names), max_size=3), st.just(set(names))))
    values = {name: typical[name] for name in names}
    for name in sorted(changed):
        good = typical[name]
        if name in CHOICE_FIELDS:
            values[name] = draw(st.one_of(st.just(f" {good}\t"), any_text))
        elif name == "phone":
            values[name] = draw(st.one_of(st.sampled_from(sorted(PHONES)), any_text))
        else:
            way = draw(st.sampled_from(["padded", "broken", "spiked", "any"]))
            at = draw(st.integers(0, len(good)))
            if way == "padded":
                pad = draw(st.sampled_from([" ", "\t", "\r\n", "\u3000", "\n \u2028"]))
                inside = "\r\n" if name in {"matter_what", "matter_state", "demand"} else ""
                values[name] = pad + good[:at] + inside + good[at:] + pad
            elif way == "broken":  # a line break or tab inside: fine in a long text only
                values[name] = good[:at] + draw(st.sampled_from(["\n", "\t", "\r\n"])) + good[at:]
            elif way == "spiked":
                values[name] = good[:at] + draw(st.sampled_from(NASTY)) + good[at:]
            else:
                values[name] = draw(any_text)
    return values


@st.composite
def intake_values(draw: st.DrawFn) -> dict[str, Any]:
    typical = vars(intake_form())
    return field_values(draw, typical)


def row_counts(store: Store) -> dict[str, int]:
    """How many rows each table of the database holds (every table there, not just the models')."""
    names = inspect(store.engine).get_table_names()
    with store.engine.connect() as conn:
        return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names}


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(values=intake_values())
def test_any_text_in_any_intake_field_is_stored_cleaned_or_refused_by_name(
    sqlite_store: Store, values: dict[str, Any]
) -> None:
    """S1.4: every field by its rule, each broken one named; nothing half-written; no traceback."""
    team = team_of(sqlite_store)
    expected: dict[str, str] = {}
    must_break: set[str] = set()
    for f in TEXT_FIELDS:
        try:
            expected[f.name] = f.clean(values[f.name])
        except Broken:
            must_break.add(f.name)
    for name, options in CHOICE_FIELDS.items():
        if values[name].strip() not in options:
            must_break.add(name)
    phone_known = values["phone"] in PHONES
    if phone_known and PHONES[values["phone"]] is None:
        must_break.add("phone")
    before = row_counts(sqlite_store)

    try:
        receipt = intake(sqlite_store, team.desk, intake_form(**values))
    except InvalidInput as refused:
        named = {p.field for p in refused.problems}
        may_break = must_break | ({"phone"} if not phone_known else set())
        assert must_break <= named <= may_break, (named, must_break)
        assert len(named) == len(refused.problems), "one problem per field"
        assert row_counts(sqlite_store) == before, "a refused intake wrote rows"
        event(f"refused, {len(named)} field(s)")
        return

    assert not must_break, f"accepted although {sorted(must_break)} break their rules"
    with sqlite_store.read() as s:
        case = s.get(Case, receipt.case_id)
        assert case is not None
        owner, room = s.get(Owner, case.owner_id), s.get(Room, case.room_id)
        assert owner is not None and room is not None
        stored = {
            "owner_name": owner.name,
            "building": room.building,
            "unit": room.unit,
            "room": room.room,
            **{name: getattr(case, name) for name in CASE_TEXTS},
        }
        assert (case.channel, case.object_kind, case.category) == tuple(
            values[n].strip() for n in ("channel", "object_kind", "category")
        )
        assert stored == expected
        if phone_known:
            assert owner.phone == PHONES[values["phone"]]
        assert STORED_PHONE.fullmatch(owner.phone)
    after = row_counts(sqlite_store)
    assert after["complaint_case"] == before["complaint_case"] + 1
    event("created")


_teams: weakref.WeakKeyDictionary[Engine, Team] = weakref.WeakKeyDictionary()


def team_of(store: Store) -> Team:
    """The centre's staff, made once per store (hypothesis runs many examples on one store)."""
    if store.engine not in _teams:
        _teams[store.engine] = Team(store)
    return _teams[store.engine]


# --- the phone rule alone -----------------------------------------------------------------------

phone_like = st.lists(
    st.one_of(
        st.sampled_from("0123456789+-() .（）－＋０１２３４５６７８９"),
        st.sampled_from(NASTY),
        st.characters(),
    ),
    max_size=24,
).map("".join)
# Area codes of some large cities, and their landlines' 8 digits (starting 2-7: 8xxx can be a service range).
AREAS = ["010", "020", "021", "022", "023", "024", "025", "027", "028", "029", "0571", "0755", "0769"]
landline = st.tuples(st.sampled_from(AREAS), st.from_regex(r"[2-7][0-9]{7}", fullmatch=True))
MOBILE_PREFIXES = ["130", "131", "135", "136", "138", "139", "150", "151", "158", "159", "186", "189"]


@given(st.one_of(phone_like, st.text(max_size=40), landline.map(lambda t: f"{t[0]} {t[1]}")))
def test_normalise_phone_refuses_by_rule_or_returns_a_stored_form(typed: str) -> None:
    """Whatever is typed: a ``RuleBroken`` or one of the stored forms, which reads back as itself."""
    try:
        stored = normalise_phone(typed)
    except RuleBroken as broken:
        assert broken.rule in {
            "required",
            "phone",
            "mobile",
            "landline",
            "landline_area",
            "phone_mainland",
            "control_char",
            "too_long",
        }
        return
    assert STORED_PHONE.fullmatch(stored), stored
    assert normalise_phone(stored) == stored


@given(
    st.sampled_from(MOBILE_PREFIXES),
    st.from_regex(r"[0-9]{8}", fullmatch=True),
    st.sampled_from(["", "+86 ", "0086", "86", "+86-"]),
    st.sampled_from(["", " ", "-"]),
    st.booleans(),
)
def test_a_mobile_typed_any_usual_way_is_stored_as_its_11_digits(
    prefix: str, rest: str, country: str, gap: str, full_width: bool
) -> None:
    typed = f"{country}{prefix}{gap}{rest[:4]}{gap}{rest[4:]}"
    if full_width:
        typed = typed.translate(str.maketrans("0123456789+-", "０１２３４５６７８９＋－"))
    assert normalise_phone(typed) == prefix + rest


@given(landline, st.sampled_from(["{a}-{n}", "({a}) {n4} {n8}", "{a} {n}", "+86 {a1} {n}", "{a}{n}", "０{a1}－{n}"]))
def test_a_landline_typed_any_usual_way_is_stored_as_area_dash_number(parts: tuple[str, str], shape: str) -> None:
    area, number = parts
    typed = shape.format(a=area, a1=area[1:], n=number, n4=number[:4], n8=number[4:])
    assert normalise_phone(typed) == f"{area}-{number}"
