"""Full-text search over the case documents, the same on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Integer, column, false, text
from sqlmodel import col

from complaint_tui.models import Case
from complaint_tui.search_text import fts5_query, tsquery

CASE_NUMBER = re.compile(r"^[A-Za-z]{1,4}\d{8}-\d{1,6}$")


def search_condition(dialect: str, query: str) -> ColumnElement[bool] | None:
    """A WHERE condition on ``complaint_case`` for the words of ``query`` (None: no words)."""
    q = query.strip()
    if not q:
        return None
    if CASE_NUMBER.match(q):
        # Numbers are read out over the phone without their zeros: TS20261201-7 is ...-0007.
        head, seq = q.upper().rsplit("-", 1)
        return col(Case.number) == f"{head}-{int(seq):04d}"
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
