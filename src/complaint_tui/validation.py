"""The field rules of the desk's forms, as pure functions shared by the services, the TUI's
validators and the CSV import (SPEC S1.3, S1.4).

Each rule returns the cleaned value or raises ``RuleBroken`` with the rule's key; callers that
check a whole form collect every broken rule into one ``InvalidInput`` so the person sees them
all at once and loses nothing they typed.

Text: a stored text holds no control or format characters (Unicode Cc, Cf, lone surrogates,
noncharacters, line and paragraph separators): they hide or reorder what the next reader sees
(U+202E turns a line around), break a terminal (ESC, BEL) or the database (PostgreSQL refuses
NUL). Long texts keep their line breaks and tabs (``\r\n`` is stored as ``\n``); a single-line
field (a name, a phone, an address part, anything of at most ``SHORT_MAX`` characters) keeps
neither. Spaces and line breaks at either end are dropped.

Phones follow the mainland China numbering plan (the ``phonenumbers`` library's data), stored in
the forms the owner index has always used: ``13812345678`` and ``021-62345678``.

Dates are ``YYYY-MM-DD`` and times ``YYYY-MM-DD HH:MM[:SS]`` in the centre's zone, between
``DATE_MIN`` and ``DATE_MAX``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from complaint_tui.errors import FieldProblem, InvalidInput

T = TypeVar("T")

NAME_MAX = 50
TEXT_MAX = 4000
SHORT_MAX = 200
ADDRESS_PART_MAX = 20
# The years a complaint, a deadline or a photo can plausibly be in; outside them a date is a typo.
DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2099, 12, 31)

_ADDRESS_PART = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff#\-]+$")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?", re.ASCII)
# Every Unicode space separator (Zs), the line and paragraph separators and the ASCII line
# breaks and tab: what is dropped from either end of a typed text.
_EDGE_SPACE = "\t\n\r \xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_MULTILINE_ALLOWED = frozenset("\n\t")
# Dropped before str.isprintable() checks a text fast (it counts spaces other than " " as unprintable).
_SINGLE_LINE_PROBE = ("\u3000", "\xa0")
_MULTILINE_PROBE = ("\n", "\t", *_SINGLE_LINE_PROBE)
# The stored forms of a phone (the owner index and the search index hold these).
_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
_LANDLINE = re.compile(r"0[0-9]{2,3}-[0-9]{7,8}", re.ASCII)
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
_PHONE_DIGITS = re.compile(r"\+?[0-9]{1,20}", re.ASCII)


class RuleBroken(ValueError):
    def __init__(self, rule: str, **params: Any) -> None:
        super().__init__(rule)
        self.rule = rule
        self.params = params


def _is_noncharacter(code: int) -> bool:
    # U+FDD0..U+FDEF and the last two code points of every plane are never characters.
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def forbidden_char(text: str, multiline: bool = False) -> str | None:
    """The first character ``text`` may not be stored with, or ``None``.

    Control and format characters (Unicode Cc, Cf), lone surrogates (Cs), noncharacters and the
    line and paragraph separators (Zl, Zp) are refused; a multi-line text may hold ``\\n`` and tab.
    """
    # The usual case, checked in C: without the line breaks and tabs it may hold and the
    # ideographic and no-break spaces people type, the text is "printable", so holds no Cc, Cf,
    # Cs, Zl, Zp nor a noncharacter (Cn).
    probe = text
    for allowed in _MULTILINE_PROBE if multiline else _SINGLE_LINE_PROBE:
        if allowed in probe:
            probe = probe.replace(allowed, "")
    if probe.isprintable():
        return None
    # Something else (another space, private use, or a bad character): look at each distinct
    # character once, and name the first bad one in the text.
    bad = [
        ch
        for ch in set(text)
        if not (multiline and ch in _MULTILINE_ALLOWED)
        and (unicodedata.category(ch) in _BAD_CATEGORIES or _is_noncharacter(ord(ch)))
    ]
    return min(bad, key=text.index) if bad else None


def _clean_text(raw: str | None, max_len: int, multiline: bool | None, required: bool) -> str:
    """The text rules shared by every free-text field (see the module docstring)."""
    if multiline is None:
        multiline = max_len > SHORT_MAX
    text = (raw or "").replace("\r\n", "\n").strip(_EDGE_SPACE)
    if len(text) > max_len:
        raise RuleBroken("too_long", max=max_len)
    bad = forbidden_char(text, multiline)
    if bad is not None:
        # Nothing but invisible characters typed into a required field is an empty field.
        if required and all(ch in _EDGE_SPACE or forbidden_char(ch, multiline) for ch in text):
            raise RuleBroken("required")
        raise RuleBroken("control_char", char=f"U+{ord(bad):04X}")
    if required and not text:
        raise RuleBroken("required")
    return text


def required_text(raw: str | None, max_len: int = TEXT_MAX, *, multiline: bool | None = None) -> str:
    """A text that must be given: cleaned (see the module docstring), at most ``max_len`` long.

    ``multiline`` defaults to whether the field is longer than ``SHORT_MAX``: the long texts
    (what happened, the demand, notes) keep line breaks and tabs, short ones are one line.
    """
    return _clean_text(raw, max_len, multiline, required=True)


def optional_text(raw: str | None, max_len: int = TEXT_MAX, *, multiline: bool | None = None) -> str:
    """Like ``required_text``, but an empty text is allowed (and stored as ``""``)."""
    return _clean_text(raw, max_len, multiline, required=False)


def normalise_phone(raw: str) -> str:
    """A mainland China mobile or landline, from what the owner said, in its stored form.

    Accepts spaces, dashes, dots, brackets, full-width digits and a +86 / 0086 country prefix:
    ``+86 138-1234-5678`` → ``13812345678``; ``(021) 6234 5678`` → ``021-62345678``. The number
    must exist in the numbering plan (a real area code, a landline of that area's length, a mobile
    range in use). Hong Kong, Macau and foreign numbers are refused (``phone_mainland``).
    """
    text = single_line_text(raw, SHORT_MAX)
    # Chinese input methods type full-width digits and signs (１３８, ＋, －): fold them to ASCII.
    digits = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    if not _PHONE_DIGITS.fullmatch(digits):
        raise RuleBroken("phone")
    if digits.startswith("+"):
        international: str | None = digits[1:]
    elif digits.startswith("00"):
        international = digits[2:]
    elif digits.startswith("86") and len(digits) == 13:
        international = digits  # 86 and a mobile, the country code without its plus
    else:
        international = None
    if international is not None:
        if not international.startswith("86"):
            raise RuleBroken(_abroad(international))
        national = international[2:]
    else:
        national = digits
        if not national.startswith(("0", "1")):
            raise RuleBroken("landline_area" if 7 <= len(national) <= 8 else "phone")
    return _mainland_number(national, from_abroad=international is not None)


def _abroad(international: str) -> str:
    """The rule a number with another country code breaks: ``phone_mainland``, or ``phone`` if no
    country has that code (``00000000000`` is not a foreign number)."""
    import phonenumbers as pn

    try:
        pn.parse(f"+{international}", None)
    except pn.NumberParseException:
        return "phone"
    return "phone_mainland"


def _mainland_number(national: str, from_abroad: bool) -> str:
    """The stored form of a national number (``from_abroad``: it came after +86, trunk 0 optional)."""
    # Loaded on first use: the numbering plan costs 50 ms to import, and most commands never
    # look at a phone.
    import phonenumbers as pn

    wrong = "mobile" if national.startswith("1") else "landline" if national.startswith("0") else "phone"
    # The prefixes are already read, so the number is built, not parsed: parsing costs three
    # times what the check does, and an import checks every row.
    nsn = national[1:] if national.startswith("0") else national
    if not nsn or nsn.startswith("0"):
        raise RuleBroken(wrong)
    kind = pn.number_type(pn.PhoneNumber(country_code=86, national_number=int(nsn)))
    if kind == pn.PhoneNumberType.UNKNOWN:  # not in the plan: no such area code, range or length
        raise RuleBroken(wrong)
    is_mobile = kind == pn.PhoneNumberType.MOBILE or (
        kind == pn.PhoneNumberType.FIXED_LINE_OR_MOBILE and len(nsn) == 11 and nsn.startswith("1")
    )
    is_landline = not is_mobile and kind in (pn.PhoneNumberType.FIXED_LINE, pn.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    # Typed without a country code, a leading 1 means a mobile and a leading 0 a landline.
    if is_mobile and (from_abroad or national.startswith("1")) and _MOBILE.fullmatch(nsn):
        return nsn
    # Beijing (10) and the 2x areas have two-digit codes, every other area three.
    area = 2 if nsn.startswith(("10", "2")) else 3
    stored = f"0{nsn[:area]}-{nsn[area:]}"
    # The stored forms are what the owner index holds: the plan's rare 6-digit local numbers
    # would not fit them, and no owner has given one.
    if is_landline and (from_abroad or national.startswith("0")) and _LANDLINE.fullmatch(stored):
        return stored
    raise RuleBroken(wrong)


def mask_phone(phone: str) -> str:
    """``138****5678`` for a mobile, ``021-****5678`` for a landline (SPEC S6.5)."""
    if "-" in phone:
        area, number = phone.split("-", 1)
        return f"{area}-{'*' * max(len(number) - 4, 0)}{number[-4:]}"
    if len(phone) >= 8:
        return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
    return "*" * len(phone)


def single_line_text(raw: str | None, max_len: int = SHORT_MAX) -> str:
    """A required one-line text (no line breaks or tabs), whatever its length limit."""
    return _clean_text(raw, max_len, multiline=False, required=True)


def person_name(raw: str | None) -> str:
    text = single_line_text(raw, NAME_MAX)
    if text.isdigit():
        raise RuleBroken("name_digits")
    return text


def address_part(raw: str | None) -> str:
    """A building, unit or room designation: ``3栋``, ``2``, ``1502``, ``A-1``."""
    text = single_line_text(raw, ADDRESS_PART_MAX).replace(" ", "")
    if not _ADDRESS_PART.match(text):
        raise RuleBroken("address_part")
    return text


def one_of(raw: str | None, choices: Iterable[str]) -> str:
    options = list(choices)
    value = (raw or "").strip()
    if not value:
        raise RuleBroken("required")
    if value not in options:
        raise RuleBroken("one_of", choices=", ".join(options))
    return value


def date_in_range(value: dt.date) -> dt.date:
    """``value`` itself, if it lies between ``DATE_MIN`` and ``DATE_MAX``."""
    if not DATE_MIN <= value <= DATE_MAX:
        raise RuleBroken("date_range", min=DATE_MIN.isoformat(), max=DATE_MAX.isoformat())
    return value


def not_future(value: dt.datetime, now: dt.datetime, slack: dt.timedelta = dt.timedelta(minutes=5)) -> dt.datetime:
    if value.tzinfo is None:
        raise RuleBroken("datetime")
    if value > now + slack:
        raise RuleBroken("not_future")
    date_in_range(value.date())
    return value


def _date_typed(raw: str | None) -> str:
    # Full-width digits and signs from a Chinese input method are the same date.
    return unicodedata.normalize("NFKC", raw or "").strip()


def local_datetime(raw: str | None, zone: dt.tzinfo) -> dt.datetime:
    """``YYYY-MM-DD HH:MM`` or ``YYYY-MM-DD HH:MM:SS`` in the centre's zone, as an aware datetime,
    between ``DATE_MIN`` and ``DATE_MAX``."""
    text = _date_typed(raw)
    if not text:
        raise RuleBroken("required")
    match = _DATETIME.fullmatch(text)
    if match is None:
        raise RuleBroken("datetime")
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        value = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise RuleBroken("datetime") from None
    date_in_range(value.date())
    return value.replace(tzinfo=zone)


def local_date(raw: str | None) -> dt.date | None:
    """``YYYY-MM-DD`` between ``DATE_MIN`` and ``DATE_MAX``; ``None`` when nothing was typed."""
    text = _date_typed(raw)
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if match is None:
        raise RuleBroken("date")
    try:
        value = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise RuleBroken("date") from None
    return date_in_range(value)


def satisfaction(raw: int | str | None) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise RuleBroken("satisfaction") from None
    if not 1 <= value <= 5:
        raise RuleBroken("satisfaction")
    return value


def pin(raw: str | None) -> str:
    text = (raw or "").strip()
    if not re.fullmatch(r"\d{4,12}", text):
        raise RuleBroken("pin")
    return text


def login_name(raw: str | None) -> str:
    text = (raw or "").strip()
    if not re.fullmatch(r"[a-z][a-z0-9_.-]{1,31}", text):
        raise RuleBroken("login")
    return text


class FormCheck:
    """Collects every broken rule of a form, then raises them together."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def field(self, name: str, rule: Callable[..., T], *args: Any) -> T | None:
        try:
            return rule(*args)
        except RuleBroken as broken:
            self.problems.append(FieldProblem(name, broken.rule, broken.params))
            return None

    def fail(self, name: str, rule: str, **params: Any) -> None:
        self.problems.append(FieldProblem(name, rule, params))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InvalidInput(self.problems)


def required_field(name: str, raw: str | None, max_len: int = TEXT_MAX) -> str:
    """One required text field on its own (a reason, say): cleaned, or ``InvalidInput`` naming it."""
    c = FormCheck()
    text = c.field(name, required_text, raw, max_len)
    c.raise_if_any()
    assert text is not None
    return text
