"""Full-text search over the case documents, the same on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import ColumnElement, Integer, column, false, select, text
from sqlmodel import col

from complaint_tui.case_numbers import typed_case_number
from complaint_tui.models import Case, Owner
from complaint_tui.search_text import fts5_query, tsquery
from complaint_tui.validation import RuleBroken, normalise_phone

# What a phone typed into the search box looks like: digits and the signs people put between them.
_PHONE_LIKE = re.compile(r"^[\d\s\-+().（）]{7,}$")


def search_condition(dialect: str, query: str, prefix: str) -> ColumnElement[bool] | None:
    """A WHERE condition on ``complaint_case`` for the words of ``query`` (None: no words).

    A case number (in any form people type, see ``case_numbers``) finds that case; a whole phone
    number, typed with spaces, dashes or +86, finds the owner's cases through the phone index;
    anything else goes to the full-text index. ``prefix`` is the policy's case-number prefix.
    """
    q = unicodedata.normalize("NFKC", query).strip()
    if not q:
        return None
    number = typed_case_number(q, prefix)
    if number is not None:
        return col(Case.number) == number
    if _PHONE_LIKE.match(q):
        try:
            phone = normalise_phone(q)
        except RuleBroken:
            phone = None
        if phone is not None:
            return col(Case.owner_id).in_(select(col(Owner.id)).where(col(Owner.phone) == phone))
    if dialect == "sqlite":
        expr = fts5_query(q)
        if expr is None:  # only signs typed (", *, -): nothing can match them
            return false()
        sub = text("SELECT rowid FROM case_search WHERE case_search MATCH :fts").bindparams(fts=expr)
    else:
        expr = tsquery(q)
        if expr is None:
            return false()
        sub = text(
            "SELECT case_id FROM case_search WHERE to_tsvector('simple', doc) @@ to_tsquery('simple', :tsq)"
        ).bindparams(tsq=expr)
    return col(Case.id).in_(sub.columns(column("id", Integer)))
