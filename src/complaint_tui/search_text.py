"""Turn case text into search-index documents and user queries into index expressions.

Chinese has no spaces, and most search words have two characters (漏水, 电梯, 噪音), which a
trigram index cannot find. So every Han character (and every kana / hangul character) becomes a
token of its own, and a query's run of such characters becomes a phrase of adjacent tokens:
``漏水`` matches ``...楼上漏水严重...`` and not ``水...漏``. Latin words and digits stay whole
tokens and match by prefix (``TS2026`` finds ``TS20261201``). The same document feeds SQLite
FTS5 (unicode61) and PostgreSQL (``to_tsvector('simple', ...)``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# CJK ideographs, extension A, compatibility ideographs, kana, hangul.
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+", re.UNICODE)
_IS_CJK = re.compile(rf"^[{_CJK}]$")
_ASCII_WORD = re.compile(r"^[a-z0-9]+$")
MAX_QUERY_TERMS = 12


def tokens(text: str) -> list[str]:
    """The index tokens of ``text``: single CJK characters and lowercased alphanumeric words."""
    norm = unicodedata.normalize("NFKC", text).lower()
    return _TOKEN.findall(norm)


def document(parts: Iterable[str | None]) -> str:
    """One search document from the case's texts, tokens separated by spaces."""
    return " ".join(tok for part in parts if part for tok in tokens(part))


def _groups(query: str) -> list[list[str]]:
    """Split a query into groups: a run of adjacent CJK characters, or one word."""
    groups: list[list[str]] = []
    for chunk in unicodedata.normalize("NFKC", query).lower().split():
        run: list[str] = []
        for tok in _TOKEN.findall(chunk):
            if _IS_CJK.match(tok):
                run.append(tok)
                continue
            if run:
                groups.append(run)
                run = []
            groups.append([tok])
        if run:
            groups.append(run)
    return groups[:MAX_QUERY_TERMS]


def fts5_query(query: str) -> str | None:
    """An FTS5 MATCH expression (every group must match), or None for an empty query."""
    parts = []
    for group in _groups(query):
        if len(group) == 1 and not _IS_CJK.match(group[0]):
            parts.append(f'"{group[0]}"*')
        else:
            parts.append('"' + " ".join(group) + '"')
    return " AND ".join(parts) or None


def doc_needles(query: str) -> list[str] | None:
    """What a search document must contain for ``query`` to match it, as plain substrings, or
    None when ``query`` holds a character the index folds (an accent, a full stop) or has no words.

    A run of CJK characters is its tokens joined by single spaces (each character is a token of
    its own, so the run can only be found whole, as the index's phrase is); a word of ASCII
    letters and digits is a space and the word (a token starting with it, as the index's prefix
    query). Checking a case's document this way costs a lookup of its row, where asking the
    search index about one case reads the word's whole list of cases.
    """
    needles = []
    for group in _groups(query):
        if all(_IS_CJK.match(tok) and unicodedata.category(tok).startswith("L") for tok in group):
            needles.append(" ".join(group))
        elif len(group) == 1 and _ASCII_WORD.match(group[0]):
            needles.append(" " + group[0])
        else:
            return None
    return needles or None


def tsquery(query: str) -> str | None:
    """A PostgreSQL ``to_tsquery('simple', ...)`` expression with the same meaning."""
    parts = []
    for group in _groups(query):
        if len(group) == 1 and not _IS_CJK.match(group[0]):
            parts.append(f"{group[0]}:*")
        else:
            parts.append("(" + " <-> ".join(group) + ")")
    return " & ".join(parts) or None
