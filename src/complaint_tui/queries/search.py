"""What the search box asks for, and the SQL that finds it, the same on SQLite FTS5 and PostgreSQL.

A case number goes to its unique index, a whole phone to the owner's, the last four digits of a
phone to an index on the owner's phone tail (migration 0010) together with the words index, and
anything else to the words index.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, Integer, column, false, or_, select, text
from sqlmodel import col

from complaint_tui.case_numbers import typed_case_number
from complaint_tui.models import Case, Owner
from complaint_tui.search_text import fts5_query, tsquery
from complaint_tui.validation import RuleBroken, normalise_phone

# What a phone typed into the search box looks like: digits and the signs people put between them.
_PHONE_LIKE = re.compile(r"^[\d\s\-+().（）]{7,}$")
# The last four digits of a phone, as a caller reads them out ("尾号1821").
_LAST_FOUR = re.compile(r"^\d{4}$", re.ASCII)


@dataclass(frozen=True)
class Search:
    """What the words typed into the search box ask for: one kind and its value.

    ``number``: a case number (the unique index on it); ``phone``: a whole phone number (the
    owner's unique phone index); ``tail``: four digits, the end of an owner's phone (``value``)
    or a word of the case such as a room or a case number's sequence (``words``, the exact token);
    ``words``: a full-text expression for this dialect's index; ``nothing``: only signs typed,
    which nothing matches.
    """

    kind: Literal["number", "phone", "tail", "words", "nothing"]
    value: str = ""
    words: str = ""


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
    if _LAST_FOUR.match(q):
        # The whole token, not a prefix: "1821" is a room or a sequence, not every phone starting so.
        return Search("tail", q, f'"{q}"' if dialect == "sqlite" else q)
    expr = fts5_query(q) if dialect == "sqlite" else tsquery(q)
    return Search("nothing") if expr is None else Search("words", expr)


# The full-text subqueries, the case ids matching one bound expression.
FTS_SQL = {
    "sqlite": "SELECT rowid FROM case_search WHERE case_search MATCH ?",
    "postgresql": "SELECT case_id FROM case_search WHERE to_tsvector('simple', doc) @@ to_tsquery('simple', ?)",
}
# The last four characters of ``owner.phone``: the expression of the index ``ix_owner_phone_tail``
# (migration 0010), written as each database has it so that its planner uses the index.
PHONE_TAIL = {"sqlite": "substr(phone, -4)", "postgresql": "right(phone, 4)"}
# The ids of the cases of the owners whose phone ends in ``?``, and of the cases whose words hold
# ``?`` as a whole token: the result of a four-digit search is both, in the view's order.
TAIL_SQL = {
    dialect: f"SELECT c2.id FROM complaint_case c2 WHERE c2.owner_id IN (SELECT id FROM owner WHERE {tail} = ?) "
    f"UNION {FTS_SQL[dialect]}"
    for dialect, tail in PHONE_TAIL.items()
}


def search_condition(dialect: str, query: str, prefix: str) -> ColumnElement[bool] | None:
    """A WHERE condition on ``complaint_case`` for the words of ``query`` (None: no words).

    A case number (in any form people type, see ``case_numbers``) finds that case; a whole phone
    number, typed with spaces, dashes or +86, finds the owner's cases through the phone index;
    four digits find the cases of owners whose phone ends so and the cases holding them as a word
    (a room, a sequence); anything else goes to the full-text index. ``prefix`` is the policy's
    case-number prefix.
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
    fts = FTS_SQL.get(dialect, FTS_SQL["postgresql"]).replace("?", f":{name}")
    if found.kind == "tail":
        tail = PHONE_TAIL.get(dialect, PHONE_TAIL["postgresql"])
        owners = text(f"SELECT id FROM owner WHERE {tail} = :tail").bindparams(tail=found.value)
        words = text(fts).bindparams(**{name: found.words})
        return or_(
            col(Case.owner_id).in_(owners.columns(column("id", Integer))),
            col(Case.id).in_(words.columns(column("id", Integer))),
        )
    sub = text(fts).bindparams(**{name: found.value})
    return col(Case.id).in_(sub.columns(column("id", Integer)))
