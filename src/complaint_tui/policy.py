"""The configurable part of the service standard (SPEC S5.2), loaded from TOML.

The default policy ships as ``data/policy.toml``; a centre names its own file with ``--policy``
or ``COMPLAINT_TUI_POLICY``. An invalid file is refused with a message that names the key and
the rule it breaks. Times are stored in UTC; ``Policy.zone`` is the centre's time zone, in
which working days are counted and times are shown.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from complaint_tui.errors import DeskError
from complaint_tui.estates import DEFAULT_ESTATE, ESTATE_CODE_MAX
from complaint_tui.i18n import t
from complaint_tui.workcalendar import WorkCalendar

POLICY_ENV = "COMPLAINT_TUI_POLICY"
FEEDBACK_MAX_HOURS = 48  # S4.1: the owner hears the result within 24-48 hours, never later.
# Wrong PINs in a row before an account locks: the default, and the most a policy may allow
# (more would let a 4-digit PIN be guessed by trying).
MAX_FAILED_PINS_DEFAULT = 5
MAX_FAILED_PINS_LIMIT = 20


class Step(StrEnum):
    """The clocked steps of a case (SPEC S2.1, S3.4, S4.1, S4.2)."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    FEEDBACK = "feedback"
    RETURN_VISIT = "return_visit"


class PolicyError(DeskError):
    """The policy file breaks a rule; the message names the key and the rule."""

    def __init__(self, source: str, key: str, rule: str, **params: Any) -> None:
        super().__init__(
            "policy.invalid",
            source=source,
            key=key,
            rule=DeskError(f"policy_rule.{rule}", **params),
        )
        self.source = source
        self.policy_key = key
        self.rule = rule


@dataclass(frozen=True)
class Named:
    """A configured code with its names in both languages."""

    code: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Channel(Named):
    live: bool = False
    scope_zh: str = ""
    scope_en: str = ""
    promise_zh: str = ""
    promise_en: str = ""
    first_response: Limit | None = None

    def scope(self, lang: str) -> str:
        return self.scope_zh if lang == "zh" else self.scope_en

    def promise(self, lang: str) -> str:
        return self.promise_zh if lang == "zh" else self.promise_en


@dataclass(frozen=True)
class Category(Named):
    department: str = ""
    both_parties: bool = False
    immediate: bool = False


@dataclass(frozen=True)
class Limit:
    """A time limit: ``amount`` minutes, hours or working days."""

    amount: int
    unit: str  # "m", "h" or "wd"

    _PATTERN = re.compile(r"^\s*(\d+)\s*(m|h|wd)\s*$")

    @classmethod
    def parse(cls, text: str) -> Limit | None:
        match = cls._PATTERN.match(text) if isinstance(text, str) else None
        if not match or int(match.group(1)) <= 0:
            return None
        return cls(int(match.group(1)), match.group(2))

    def hours(self) -> float | None:
        """Clock hours, or None for a working-day limit."""
        return {"m": self.amount / 60, "h": float(self.amount)}.get(self.unit)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


CORRECTION_WINDOW_DEFAULT = Limit(2, "h")


@dataclass(frozen=True)
class Policy:
    source: str
    zone: ZoneInfo
    case_number_prefix: str
    satisfied_min: int
    evidence_max_bytes: int
    pii_roles: frozenset[str]
    channels: dict[str, Channel]
    categories: dict[str, Category]
    urgencies: dict[str, Named]  # most urgent first
    departments: dict[str, Named]
    causes: dict[str, Named]
    authorities: dict[str, Named]
    limits: dict[str, dict[Step, Limit]]
    category_limits: dict[str, dict[Step, Limit]]
    calendar: WorkCalendar = field(compare=False)
    max_failed_pins: int = MAX_FAILED_PINS_DEFAULT
    # The estates (项目/小区) of the store, in the policy's order (``estates``); never empty.
    estates: dict[str, Named] = field(default_factory=dict)
    # An estate's own policy file (``[[estates]] policy = "file.toml"``): its clocks' limits and
    # calendar (``for_estate``). Estates without one share this policy.
    estate_policies: dict[str, Policy] = field(default_factory=dict, compare=False)
    # How long after receipt the desk may still correct an intake record (a supervisor always may).
    correction_window: Limit = CORRECTION_WINDOW_DEFAULT

    def for_estate(self, code: str) -> Policy:
        """The policy the clocks of ``code``'s cases run under: its own file's, else this one."""
        return self.estate_policies.get(code, self)

    @property
    def most_urgent(self) -> str:
        return next(iter(self.urgencies))

    def urgency_rank(self, code: str) -> int:
        """0 for the most urgent level."""
        return list(self.urgencies).index(code)

    def limits_for(self, step: Step, urgency: str, category: str, channel: str) -> list[Limit]:
        """The limits that apply to ``step``; the earliest resulting due time wins.

        A category's own limit for a step replaces the urgency's (it may be longer: a neighbour
        dispute takes longer to settle); a channel's promised first response still applies.
        """
        found = [self.category_limits.get(category, {}).get(step) or self.limits[urgency][step]]
        chan = self.channels.get(channel)
        if step is Step.FIRST_RESPONSE and chan and chan.first_response:
            found.append(chan.first_response)
        return found

    def add_limit(self, start: dt.datetime, limit: Limit) -> dt.datetime:
        """``start`` (aware) plus ``limit``, in UTC; working days in the centre's calendar."""
        hours = limit.hours()
        if hours is not None:
            return (start + dt.timedelta(hours=hours)).astimezone(dt.UTC)
        local = start.astimezone(self.zone)
        return self.calendar.add_working_days(local, limit.amount).astimezone(dt.UTC)

    def due(self, step: Step, start: dt.datetime, urgency: str, category: str, channel: str) -> dt.datetime:
        """When ``step`` is due for a case whose clock for it starts at ``start``."""
        return self.due_and_limit(step, start, urgency, category, channel)[0]

    def due_and_limit(
        self, step: Step, start: dt.datetime, urgency: str, category: str, channel: str
    ) -> tuple[dt.datetime, Limit]:
        """The due time and the limit that set it."""
        return min(
            ((self.add_limit(start, lim), lim) for lim in self.limits_for(step, urgency, category, channel)),
            key=lambda pair: pair[0],
        )

    def extend_for_pause(
        self, due: dt.datetime, unit: str | None, paused: dt.datetime, resumed: dt.datetime
    ) -> dt.datetime:
        """``due`` moved on by a pause: by the clock time for hour limits; for working-day limits by
        the whole working days the pause took (those strictly between the pause's day and the
        resume's day), keeping the time of day."""
        if unit != "wd":
            return due + max(resumed - paused, dt.timedelta(0))
        first, last = paused.astimezone(self.zone).date(), resumed.astimezone(self.zone).date()
        between = (first + dt.timedelta(days=n) for n in range(1, (last - first).days))
        lost = sum(1 for day in between if self.calendar.is_working_day(day))
        return self.calendar.add_working_days(due.astimezone(self.zone), lost).astimezone(dt.UTC)

    def label(self, kind: str, code: str | None, lang: str) -> str:
        """The name of a configured code (``kind`` is channels, categories, urgencies, ...)."""
        if code is None:
            return ""
        table: Mapping[str, Named] = getattr(self, kind)
        item = table.get(code)
        return item.label(lang) if item else code


# --- loading -----------------------------------------------------------------------------


def _named(source: str, key: str, raw: Any) -> tuple[str, str, str]:
    if not isinstance(raw, dict):
        raise PolicyError(source, key, "table")
    code = raw.get("code")
    if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", code):
        raise PolicyError(source, f"{key}.code", "code")
    name = raw.get("name")
    if not isinstance(name, dict) or not all(isinstance(name.get(lang), str) and name[lang] for lang in ("zh", "en")):
        raise PolicyError(source, f"{key}.name", "names")
    return code, name["zh"], name["en"]


def _texts(source: str, key: str, raw: Any) -> tuple[str, str]:
    if raw is None:
        return "", ""
    if not isinstance(raw, dict) or not all(isinstance(raw.get(lang), str) for lang in ("zh", "en")):
        raise PolicyError(source, key, "names")
    return raw["zh"], raw["en"]


def _limit(source: str, key: str, raw: Any) -> Limit:
    lim = Limit.parse(raw)
    if lim is None:
        raise PolicyError(source, key, "limit", value=raw)
    return lim


def _list(source: str, data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise PolicyError(source, key, "nonempty_list")
    return value


def _unique(source: str, key: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for i, code in enumerate(codes):
        if code in seen:
            raise PolicyError(source, f"{key}[{i}].code", "duplicate", value=code)
        seen.add(code)


def _dates(source: str, key: str, raw: Any) -> frozenset[dt.date]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise PolicyError(source, key, "date_list")
    out: set[dt.date] = set()
    for i, item in enumerate(raw):
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            out.add(item)
            continue
        try:
            out.add(dt.date.fromisoformat(str(item)))
        except ValueError:
            raise PolicyError(source, f"{key}[{i}]", "date", value=item) from None
    return frozenset(out)


def _step_limits(source: str, key: str, raw: Any, *, complete: bool) -> dict[Step, Limit]:
    if not isinstance(raw, dict):
        raise PolicyError(source, key, "table")
    out: dict[Step, Limit] = {}
    for name, value in raw.items():
        try:
            step = Step(name)
        except ValueError:
            raise PolicyError(source, f"{key}.{name}", "unknown_step", steps=", ".join(s.value for s in Step)) from None
        out[step] = _limit(source, f"{key}.{name}", value)
    if complete:
        for step in Step:
            if step not in out:
                raise PolicyError(source, f"{key}.{step.value}", "missing")
    fb = out.get(Step.FEEDBACK)
    if fb is not None:
        hours = fb.hours()
        if hours is None or hours > FEEDBACK_MAX_HOURS:
            raise PolicyError(source, f"{key}.feedback", "feedback_max", value=str(fb), max=FEEDBACK_MAX_HOURS)
    return out


def parse_policy(data: dict[str, Any], source: str) -> Policy:
    """Build a Policy from parsed TOML, refusing the first key that breaks a rule."""
    tz_name = data.get("timezone", "Asia/Shanghai")
    try:
        zone = ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(source, "timezone", "timezone", value=tz_name) from None

    prefix = data.get("case_number_prefix", "TS")
    if not isinstance(prefix, str) or not re.fullmatch(r"[A-Z]{1,4}", prefix):
        raise PolicyError(source, "case_number_prefix", "prefix", value=prefix)
    satisfied_min = data.get("satisfied_min", 4)
    if not isinstance(satisfied_min, int) or not 1 <= satisfied_min <= 5:
        raise PolicyError(source, "satisfied_min", "satisfaction", value=satisfied_min)
    max_bytes = data.get("evidence_max_bytes", 25 * 1024 * 1024)
    if not isinstance(max_bytes, int) or max_bytes <= 0:
        raise PolicyError(source, "evidence_max_bytes", "positive", value=max_bytes)
    pii_roles = data.get("pii_roles", ["desk", "supervisor"])
    roles = {"desk", "handler", "supervisor", "admin"}
    if not isinstance(pii_roles, list) or not set(pii_roles) <= roles:
        raise PolicyError(source, "pii_roles", "roles", roles=", ".join(sorted(roles)))

    channels: dict[str, Channel] = {}
    for i, raw in enumerate(_list(source, data, "channels")):
        key = f"channels[{i}]"
        code, zh, en = _named(source, key, raw)
        scope = _texts(source, f"{key}.scope", raw.get("scope"))
        promise = _texts(source, f"{key}.promise", raw.get("promise"))
        fr = raw.get("first_response")
        channels[code] = Channel(
            code,
            zh,
            en,
            live=bool(raw.get("live", False)),
            scope_zh=scope[0],
            scope_en=scope[1],
            promise_zh=promise[0],
            promise_en=promise[1],
            first_response=_limit(source, f"{key}.first_response", fr) if fr is not None else None,
        )
    _unique(source, "channels", [c["code"] for c in data["channels"]])

    departments = _simple(source, data, "departments")
    categories: dict[str, Category] = {}
    for i, raw in enumerate(_list(source, data, "categories")):
        key = f"categories[{i}]"
        code, zh, en = _named(source, key, raw)
        dept = raw.get("department", "")
        if dept not in departments:
            raise PolicyError(
                source,
                f"{key}.department",
                "unknown_code",
                value=dept,
                known=", ".join(departments),
            )
        categories[code] = Category(
            code,
            zh,
            en,
            department=dept,
            both_parties=bool(raw.get("both_parties", False)),
            immediate=bool(raw.get("immediate", False)),
        )
    _unique(source, "categories", [c["code"] for c in data["categories"]])
    urgencies = _simple(source, data, "urgencies")
    causes = _simple(source, data, "causes")
    authorities = _simple(source, data, "authorities")

    raw_limits = data.get("limits")
    if not isinstance(raw_limits, dict):
        raise PolicyError(source, "limits", "table")
    limits: dict[str, dict[Step, Limit]] = {}
    for code in urgencies:
        limits[code] = _step_limits(source, f"limits.{code}", raw_limits.get(code), complete=True)
    category_limits: dict[str, dict[Step, Limit]] = {}
    raw_cat = raw_limits.get("category", {})
    if not isinstance(raw_cat, dict):
        raise PolicyError(source, "limits.category", "table")
    for code, raw in raw_cat.items():
        if code not in categories:
            raise PolicyError(
                source,
                f"limits.category.{code}",
                "unknown_code",
                value=code,
                known=", ".join(categories),
            )
        category_limits[code] = _step_limits(source, f"limits.category.{code}", raw, complete=False)
    for key in raw_limits:
        if key != "category" and key not in urgencies:
            raise PolicyError(source, f"limits.{key}", "unknown_code", value=key, known=", ".join(urgencies))

    security = data.get("security", {})
    if not isinstance(security, dict):
        raise PolicyError(source, "security", "table")
    max_failed_pins = security.get("max_failed_pins", MAX_FAILED_PINS_DEFAULT)
    if (
        not isinstance(max_failed_pins, int)
        or isinstance(max_failed_pins, bool)
        or not 1 <= max_failed_pins <= MAX_FAILED_PINS_LIMIT
    ):
        raise PolicyError(
            source, "security.max_failed_pins", "failed_pins", value=max_failed_pins, max=MAX_FAILED_PINS_LIMIT
        )

    estates = _estates(source, data)
    estate_policies = _estate_policies(source, data, list(urgencies), list(categories), list(channels))

    intake = data.get("intake", {})
    if not isinstance(intake, dict):
        raise PolicyError(source, "intake", "table")
    window = _limit(source, "intake.correction_window", intake.get("correction_window", str(CORRECTION_WINDOW_DEFAULT)))

    cal = data.get("calendar", {})
    if not isinstance(cal, dict):
        raise PolicyError(source, "calendar", "table")
    calendar = WorkCalendar(
        extra_days_off=_dates(source, "calendar.extra_days_off", cal.get("extra_days_off")),
        extra_working_days=_dates(source, "calendar.extra_working_days", cal.get("extra_working_days")),
    )
    return Policy(
        source=source,
        zone=zone,
        case_number_prefix=prefix,
        satisfied_min=satisfied_min,
        evidence_max_bytes=max_bytes,
        pii_roles=frozenset(pii_roles),
        channels=channels,
        categories=categories,
        urgencies=urgencies,
        departments=departments,
        causes=causes,
        authorities=authorities,
        limits=limits,
        category_limits=category_limits,
        calendar=calendar,
        max_failed_pins=max_failed_pins,
        estates=estates,
        estate_policies=estate_policies,
        correction_window=window,
    )


def _estates(source: str, data: dict[str, Any]) -> dict[str, Named]:
    """The ``[[estates]]`` a policy declares; none declared: the one default estate, named by the
    catalogs (a store migrated from before estates has every room in it)."""
    if "estates" not in data:
        return {DEFAULT_ESTATE: Named(DEFAULT_ESTATE, t("estate.default_name", "zh"), t("estate.default_name", "en"))}
    estates = _simple(source, data, "estates")
    for i, code in enumerate(estates):
        if len(code) > ESTATE_CODE_MAX:
            raise PolicyError(source, f"estates[{i}].code", "code_length", max=ESTATE_CODE_MAX)
    return estates


def _estate_policies(
    source: str, data: dict[str, Any], urgencies: list[str], categories: list[str], channels: list[str]
) -> dict[str, Policy]:
    """The policy files ``[[estates]]`` name (``policy = "file.toml"``, beside this one).

    Such a file is a whole policy; its time limits and calendar run the estate's clocks, so it
    must know every urgency, category and channel a case of this store can have. It names no
    estate policies of its own (no chains).
    """
    out: dict[str, Policy] = {}
    for i, raw in enumerate(data.get("estates") or []):
        path = raw.get("policy") if isinstance(raw, dict) else None
        if path is None:
            continue
        key = f"estates[{i}].policy"
        if not isinstance(path, str) or not path.strip():
            raise PolicyError(source, key, "policy_file")
        sub = load_policy(Path(source).parent / path)
        if sub.estate_policies:
            raise PolicyError(source, key, "estate_policy_chain")
        for kind, codes in (("urgencies", urgencies), ("categories", categories), ("channels", channels)):
            missing = [c for c in codes if c not in getattr(sub, kind)]
            if missing:
                raise PolicyError(source, key, "estate_policy_codes", kind=kind, codes=", ".join(missing))
        out[raw["code"]] = sub
    return out


def _simple(source: str, data: dict[str, Any], key: str) -> dict[str, Named]:
    out: dict[str, Named] = {}
    items = _list(source, data, key)
    for i, raw in enumerate(items):
        code, zh, en = _named(source, f"{key}[{i}]", raw)
        out[code] = Named(code, zh, en)
    _unique(source, key, [raw["code"] for raw in items])
    return out


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy from ``path``, else ``$COMPLAINT_TUI_POLICY``, else the packaged default."""
    chosen = path or os.environ.get(POLICY_ENV) or None
    if chosen is None:
        return default_policy()
    p = Path(chosen)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        raise PolicyError(str(p), "-", "unreadable", reason=exc.strerror or str(exc)) from None
    return _parse_text(text, str(p))


def _parse_text(text: str, source: str) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, "-", "toml", reason=str(exc)) from None
    return parse_policy(data, source)


@cache
def default_policy() -> Policy:
    text = resources.files("complaint_tui.data").joinpath("policy.toml").read_text("utf-8")
    return _parse_text(text, "policy.toml")
