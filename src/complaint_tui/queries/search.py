"""Full-text search over the case documents, the same on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, Integer, column, false, select, text
from sqlmodel import col

from complaint_tui.case_numbers import typed_case_number
from complaint_tui.models import Case, Owner
from complaint_tui.search_text import fts5_query, tsquery
from complaint_tui.validation import RuleBroken, normalise_phone

# What a phone typed into the search box looks like: digits and the signs people put between them.
_PHONE_LIKE = re.compile(r"^[\d\s\-+().（）]{7,}$")


@dataclass(frozen=True)
class Search:
    """What the words typed into the search box ask for: one kind and its value.

    ``number``: a case number (the unique index on it); ``phone``: a whole phone number (the
    owner's unique phone index); ``words``: a full-text expression for this dialect's index;
    ``nothing``: only signs typed, which nothing matches.
    """

    kind: Literal["number", "phone", "words", "nothing"]
    value: str = ""


def read_search(dialect: str, query: str, prefix: str) -> Search | None:
    """The kind of search ``query`` is (None: no words). ``prefix`` is the policy's case-number prefix."""
    q = unicodedata.normalize("NFKC", query).strip()
    if not q:
        return None
    number = typed_case_number(q, prefix)
    if number is not None:
        return Search("number", number)
    if _PHONE_LIKE.match(q):
        try:
            phone = normalise_phone(q)
        except RuleBroken:
            phone = None
        if phone is not None:
            return Search("phone", phone)
    expr = fts5_query(q) if dialect == "sqlite" else tsquery(q)
    return Search("nothing") if expr is None else Search("words", expr)


# The full-text subqueries, the case ids matching one bound expression.
FTS_SQL = {
    "sqlite": "SELECT rowid FROM case_search WHERE case_search MATCH ?",
    "postgresql": "SELECT case_id FROM case_search WHERE to_tsvector('simple', doc) @@ to_tsquery('simple', ?)",
}


def search_condition(dialect: str, query: str, prefix: str) -> ColumnElement[bool] | None:
    """A WHERE condition on ``complaint_case`` for the words of ``query`` (None: no words).

    A case number (in any form people type, see ``case_numbers``) finds that case; a whole phone
    number, typed with spaces, dashes or +86, finds the owner's cases through the phone index;
    anything else goes to the full-text index. ``prefix`` is the policy's case-number prefix.
    """
    found = read_search(dialect, query, prefix)
    if found is None:
        return None
    if found.kind == "number":
        return col(Case.number) == found.value
    if found.kind == "phone":
        return col(Case.owner_id).in_(select(col(Owner.id)).where(col(Owner.phone) == found.value))
    if found.kind == "nothing":
        return false()
    name = "fts" if dialect == "sqlite" else "tsq"
    sub = text(FTS_SQL.get(dialect, FTS_SQL["postgresql"]).replace("?", f":{name}")).bindparams(**{name: found.value})
    return col(Case.id).in_(sub.columns(column("id", Integer)))
