"""The message catalogs: every user-visible string, in Simplified Chinese and English.

Catalogs live in ``data/locale/<area>.<lang>.toml`` (``core``, ``tui``, ``batch``...): TOML
tables whose dotted paths are the message keys; every area file exists in both languages.
The headless core raises errors that carry a key and parameters; whoever shows the
error (the TUI, the CLI) renders it in the operator's language.
"""

from __future__ import annotations

import contextvars
import locale
import os
import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


def _flatten(prefix: str, table: dict[str, Any], into: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, into)
        else:
            into[full] = str(value)


@cache
def catalog(lang: str) -> dict[str, str]:
    """The flat message table of one language (``zh`` or ``en``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    flat: dict[str, str] = {}
    folder = resources.files("complaint_tui.data.locale")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(f".{lang}.toml"):
            _flatten("", tomllib.loads(entry.read_text("utf-8")), flat)
    return flat


def set_language(lang: str) -> None:
    """Make ``lang`` the language of messages rendered in this context."""
    catalog(lang)  # refuse an unknown language early
    _current.set(lang)


def current_language() -> str:
    return _current.get()


def language_from_locale(env: dict[str, str] | None = None) -> str:
    """zh for a zh_* locale, else en (the ``--lang`` default)."""
    env = dict(os.environ) if env is None else env
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "zh" if loc.lower().startswith("zh") else "en"


class Msg:
    """A message key with parameters, rendered later in whatever language the reader has."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params

    def render(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.params)

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash(self.key)


def t(key: str, lang: str | None = None, /, **params: Any) -> str:
    """The text of ``key`` in ``lang`` (default: the current language), formatted with params.

    A missing key shows the key itself rather than crashing a screen; the catalog test makes
    sure no key is missing in either language.
    """
    table = catalog(lang or _current.get())
    text = table.get(key)
    if text is None:
        return key
    if not params:
        return text
    rendered = {k: (v.render(lang) if isinstance(v, Msg) else v) for k, v in params.items()}
    return text.format(**rendered)
