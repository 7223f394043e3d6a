"""Finding a person by what a desk clerk types: part of the name, the login, or pinyin initials.

A clerk signing in among a dozen or more names types ``wf`` for 王芳, ``wang`` for the login,
or ``芳`` for the name. Initials are taken from every reading of each character, so a surname
read differently than the common word (单 shan/dan, 曾 zeng/ceng, 仇 qiu/chou) still matches.
``pypinyin`` is imported on first use, in the worker that lists the accounts: it costs a few
hundred milliseconds and the desk must not pay that on its UI thread.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache


@cache
def _initials_of(char: str) -> frozenset[str]:
    """Every initial letter a Chinese character can be read with; the lower-cased char otherwise."""
    if not ("\u3400" <= char <= "\u9fff"):
        return frozenset({char.lower()})
    from pypinyin import Style, pinyin  # lazy: see the module docstring

    readings = pinyin(char, style=Style.FIRST_LETTER, heteronym=True, errors="ignore")
    letters = {r.lower() for group in readings for r in group if r}
    return frozenset(letters) or frozenset({char})


@dataclass(frozen=True)
class NameKey:
    """What a typed query is compared with for one person."""

    name: str
    login: str
    initials: tuple[frozenset[str], ...]

    def matches(self, query: str) -> bool:
        """True when the query is part of the name or login, or the name's pinyin initials start
        with it (``wf`` and ``w`` for 王芳). Case, width and spaces do not count."""
        typed = _fold(query)
        if not typed:
            return True
        if typed in _fold(self.name) or typed in _fold(self.login):
            return True
        return _initials_start_with(self.initials, typed)


def name_key(name: str, login: str) -> NameKey:
    """The key to find this person by; call it off the UI thread (it may import pypinyin)."""
    chars = [c for c in _fold(name) if not c.isspace()]
    return NameKey(name=name, login=login, initials=tuple(_initials_of(c) for c in chars))


def _fold(text: str) -> str:
    # NFKC folds full-width letters (ｗｆ) typed with a Chinese input method to plain ones.
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _initials_start_with(initials: tuple[frozenset[str], ...], typed: str) -> bool:
    if len(typed) > len(initials):
        return False
    return all(letter in options for letter, options in zip(typed, initials, strict=False))
