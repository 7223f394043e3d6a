"""Property test of the CSV import (issue 7; SPEC S1.4): whatever the file holds, all rows or none.

Random files (headers shuffled, cut, doubled or misspelt; cells of any characters, control
characters, quotes, line breaks, cells beyond the CSV reader's limit, random codes and times;
empty lines, a BOM, CRLF, bytes that are not UTF-8) go through the two calls the ``import``
command makes (``read_import_file``, then ``apply_import``) into a small store. Either every row
of the file went in (or was already there), or a ``DeskError`` came (the command prints it, or
the problem report, and exits 1) and the store holds exactly what it held before. Any other
exception is the traceback a user must never see.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import SQLModel

from complaint_tui.db import Store
from complaint_tui.errors import DeskError
from complaint_tui.importing import IMPORT_COLUMNS, ImportRejected, apply_import, read_import_file
from complaint_tui.policy import default_policy
from tests.batch.conftest import row
from tests.conftest import Team

_POLICY = default_policy()
_files = itertools.count()

CODES = {
    "channel": [*_POLICY.channels, "fax", ""],
    "category": [*_POLICY.categories, "Repair", "维修"],
    "urgency": [*_POLICY.urgencies, "urgent"],
    "object_kind": ["property_part", "facility", "staff", "management", "people"],
    "object_staff_login": ["chen", "li", "nobody", ""],
    "contact_confirmed": ["true", "否", "maybe", ""],
    "received_at": [
        "0001-01-01 00:00",
        "0760-05-04 08:00",
        "1999-12-31 23:59",
        "2000-01-01 00:00",
        "2026-02-30 10:00",
        "2026-11-20 9:30",
        "2026/11/20 09:30",
        "2099-12-31 23:59",
        "",
    ],
}
NASTY = [
    '"',
    '""',
    ",",
    "\n",
    "\r",
    "\r\n",
    "\x00",
    "\ufeff",
    " ",
    "\u202e",
    "\x1b[31m",
    "\u2028",
    "１３８００００１１１１",
    "长" * 201,
    "x" * 4001,
    "长" * 140_000,  # beyond the CSV reader's field limit
]


def cell(column: str) -> st.SearchStrategy[str]:
    anything = st.text(max_size=30)  # any code point, surrogates included: not UTF-8 when written
    choices = [anything, st.sampled_from(NASTY)]
    if column in CODES:
        choices.append(st.sampled_from(CODES[column]))
    return st.one_of(*choices)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    # A third of the files are as a clerk's spreadsheet writes them (columns in any order, blank
    # lines, BOM, CRLF) and must import; the rest are messed with anywhere.
    clean = draw(st.integers(0, 2)) == 0
    columns = list(draw(st.permutations(IMPORT_COLUMNS)))
    header_change = "none" if clean else draw(st.sampled_from(["none"] * 3 + ["drop", "twice", "extra", "misspelt"]))
    if header_change == "drop":
        columns.pop(draw(st.integers(0, len(columns) - 1)))
    elif header_change == "twice":
        columns.append(draw(st.sampled_from(columns)))
    elif header_change == "extra":
        columns.append(draw(st.text(min_size=1, max_size=8)))
    elif header_change == "misspelt":
        columns[0] = columns[0].upper()
    file_no = next(_files)
    lines: list[str] = []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="")
    writer.writerow(columns)
    lines.append(buf.getvalue())
    for k in range(draw(st.integers(1 if clean else 0, 4))):
        valid = row(k + 1, source_id=f"F{file_no}-{k}", received_at=f"2026-11-{10 + k} 09:30")
        dirty = not clean and draw(st.booleans())
        cells = [
            draw(cell(c)) if dirty and draw(st.integers(0, 3)) == 0 else valid.get(c, draw(st.text(max_size=5)))
            for c in columns
        ]
        if dirty and draw(st.integers(0, 9)) == 0:
            cells = cells[:-1]  # a row one cell short
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(cells)
        lines.append(buf.getvalue())
        if draw(st.integers(0, 7)) == 0:
            raw = ["", ",,,"] if clean else ["", ",,,", " ", draw(st.text(max_size=20))]
            lines.append(draw(st.sampled_from(raw)))  # a line as it is
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    body = newline.join(lines) + draw(st.sampled_from(["", newline, newline * 3]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return (bom + body).encode("utf-8", errors="surrogatepass")


def _everything(store: Store) -> dict[str, list[str]]:
    """Every row of every table, as text: what 'the store holds exactly what it held' compares."""
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    search = "SELECT rowid, doc FROM case_search" if store.dialect == "sqlite" else "SELECT * FROM case_search"
    with store.engine.connect() as conn:
        held = {name: sorted(repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {name}"))) for name in tables}  # noqa: S608
        held["case_search"] = sorted(repr(tuple(r)) for r in conn.execute(text(search)))
    return held


def test_any_file_imports_whole_or_is_refused_with_the_store_unchanged(
    store: Store, team: Team, tmp_path: Path
) -> None:
    """S1.4: every row or none; a refusal is a DeskError (a report, exit 1), never a traceback."""
    outcomes: list[str] = []

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(content=csv_files())
    def one_file(content: bytes) -> None:
        path = tmp_path / "in.csv"
        path.write_bytes(content)
        before = _everything(store)
        try:
            plan = read_import_file(path, store.policy)
            summary = apply_import(store, team.desk, plan)
        except DeskError as refused:
            for lang in ("en", "zh"):
                said = refused.message(lang)
                assert said and "{" not in said
            if isinstance(refused, ImportRejected):
                assert refused.problems
                for p in refused.problems:
                    assert p.line >= 1 and p.message("en") and p.message("zh")
            assert _everything(store) == before
            outcomes.append("refused")
            return
        after = _everything(store)
        assert len(summary.imported) + len(summary.skipped) == len(plan.rows) > 0
        assert len(after["complaint_case"]) == len(before["complaint_case"]) + len(summary.imported)
        assert len(after["audit_event"]) >= len(before["audit_event"]) + len(summary.imported)
        outcomes.append("imported")

    one_file()
    assert set(outcomes) == {"imported", "refused"}, outcomes  # both ways were taken
