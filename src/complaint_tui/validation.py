"""The field rules of the desk's forms, as pure functions shared by the services, the TUI's
validators and the CSV import (SPEC S1.3, S1.4).

Each rule returns the cleaned value or raises ``RuleBroken`` with the rule's key; callers that
check a whole form collect every broken rule into one ``InvalidInput`` so the person sees them
all at once and loses nothing they typed.
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

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3})(\d{7,8})$")
_ADDRESS_PART = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff#\-]+$")


class RuleBroken(ValueError):
    def __init__(self, rule: str, **params: Any) -> None:
        super().__init__(rule)
        self.rule = rule
        self.params = params


def normalise_phone(raw: str) -> str:
    """A Chinese mobile (11 digits) or landline (``area-number``), from what the owner said.

    Accepts spaces, dashes, dots, brackets and a +86 / 0086 country prefix:
    ``+86 138-1234-5678`` → ``13812345678``; ``(021) 6234 5678`` → ``021-62345678``.
    """
    # Chinese input methods type full-width digits and signs (１３８, ＋, －): fold them to ASCII.
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise RuleBroken("required")
    digits = re.sub(r"[\s\-\.()（）]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isascii() or not digits.isdigit():
        raise RuleBroken("phone")
    if _MOBILE.match(digits):
        return digits
    # Beijing, Shanghai, Tianjin, Chongqing and 02x areas use 3-digit codes; others 4.
    code_len = 3 if digits[:2] in {"01", "02"} else 4
    area, number = digits[:code_len], digits[code_len:]
    if digits.startswith("0") and _LANDLINE.match(digits) and 7 <= len(number) <= 8:
        return f"{area}-{number}"
    if digits.startswith("1"):
        raise RuleBroken("mobile")
    if not digits.startswith("0") and 7 <= len(digits) <= 8:
        raise RuleBroken("landline_area")
    raise RuleBroken("phone")


def mask_phone(phone: str) -> str:
    """``138****5678`` for a mobile, ``021-****5678`` for a landline (SPEC S6.5)."""
    if "-" in phone:
        area, number = phone.split("-", 1)
        return f"{area}-{'*' * max(len(number) - 4, 0)}{number[-4:]}"
    if len(phone) >= 8:
        return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
    return "*" * len(phone)


def required_text(raw: str | None, max_len: int = TEXT_MAX) -> str:
    text = (raw or "").strip()
    if not text:
        raise RuleBroken("required")
    if len(text) > max_len:
        raise RuleBroken("too_long", max=max_len)
    return text


def optional_text(raw: str | None, max_len: int = TEXT_MAX) -> str:
    text = (raw or "").strip()
    if len(text) > max_len:
        raise RuleBroken("too_long", max=max_len)
    return text


def person_name(raw: str | None) -> str:
    text = required_text(raw, NAME_MAX)
    if text.isdigit():
        raise RuleBroken("name_digits")
    return text


def address_part(raw: str | None) -> str:
    """A building, unit or room designation: ``3栋``, ``2``, ``1502``, ``A-1``."""
    text = required_text(raw, ADDRESS_PART_MAX).replace(" ", "")
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


def not_future(value: dt.datetime, now: dt.datetime, slack: dt.timedelta = dt.timedelta(minutes=5)) -> dt.datetime:
    if value.tzinfo is None:
        raise RuleBroken("datetime")
    if value > now + slack:
        raise RuleBroken("not_future")
    return value


def local_datetime(raw: str | None, zone: dt.tzinfo) -> dt.datetime:
    """``YYYY-MM-DD HH:MM`` (or ``YYYY-MM-DD``) in the centre's zone, as an aware datetime."""
    text = (raw or "").strip()
    if not text:
        raise RuleBroken("required")
    try:
        value = dt.datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise RuleBroken("datetime") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value


def local_date(raw: str | None) -> dt.date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise RuleBroken("date") from None


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
