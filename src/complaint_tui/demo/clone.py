"""A large demo from a few thousand stories: the simulated cases copied in SQL, ids shifted.

Simulating every story through the rules costs about 0.7 CPU-milliseconds a case (issue 11: 677
CPU-seconds for a million). Past ``TEMPLATE_CASES`` the demo simulates ``ceil(cases / copies)``
stories once (the template, copy 0) and writes ``copies - 1`` more copies of every row of them
with ``INSERT ... SELECT`` in the database, each copy's ids shifted past the one before.

What a copy keeps and what it changes:

- The times are the template's, to the second: every clock's due time was set by the policy's
  calendar from the moment its step began, and a shifted moment would need it worked out again
  (a working-day limit lands on another day across a weekend or a holiday). So each copy is a
  story the rules allow, as the template is (``tests/test_demo_equals_services.py``).
- Case numbers: the template numbers its cases of a day ``1, 1 + copies, 1 + 2 * copies, ...``
  in the order they arrive; copy ``c`` adds ``c``. Numbers stay unique per day and in the order
  of arrival, and the day's counter is ``copies`` times the template's count.
- Staff, owners, rooms and the stored files are shared: a room's household complains again, as
  in a fully simulated demo of that size in an estate of that many rooms.
- The search document is the template's with the case number's tokens replaced (the number is
  the document's first field; the template's documents are checked for it).
- The audit events are made again in Python, each sealed onto the one before as
  :mod:`complaint_tui.audit_chain` defines: an event's canonical text is the template event's
  with the ids and numbers of the copy put in (a ``%`` template per template event, built once
  from :func:`complaint_tui.audit_chain.canonical` itself), so only the formatting and SHA-256
  run per event. A thread does this while the database copies the other tables (sqlite3 and
  psycopg release the GIL while the statement runs).
- The statistics' tallies are the template's counted once, times the copies, less the cases the
  last copy leaves out (``Cloner.tallies``): a copy counts as the template does.

Where the time goes (issue 11 item 6, a 100,000-case demo, per copy of 2,000 stories, CPU on
this project's loaded 2-core machine): inserting the copy's 47,000 audit events about 0.16 s,
sealing them 0.19 s in the thread (SHA-256 alone 0.09 s: a sequential chain, 45 s at a million
cases), the other tables' ``INSERT ... SELECT`` 0.13 s, their search documents 0.08 s. The
sealing overlaps the copying; the events' insert follows it.

When ``cases`` is not a multiple of ``copies`` the last copy leaves out the latest template
cases that take part in no merge (a merge points at another case of the same copy), and their
numbers are simply not used.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from complaint_tui.audit_chain import Event, canonical
from complaint_tui.demo.simulation import DemoRuleBroken
from complaint_tui.demo.writer import COLUMNS, Writer
from complaint_tui.models import CASE_TABLES
from complaint_tui.statistics_store import KEY_COLUMNS, contribution_sql

TEMPLATE_CASES = 2_000  # stories simulated at most; more cases are copies of them
COPIES_PER_COMMIT = 10  # SQLite: copies per transaction (a bounded WAL)

# Tables copied per copy, parents first; owners, rooms, staff and files are shared.
COPIED = CASE_TABLES
# Columns (in any copied table) holding the id of a copied row: shifted with that table.
REFERENCES = {"case_id": "complaint_case", "merged_into_id": "complaint_case", "note_id": "investigation_note"}
# In an audit event: a record under these keys is a row of that table ({"note": {"id": ...}}).
RECORD_KEYS = {
    "note": "investigation_note",
    "task": "department_task",
    "finding": "finding",
    "plan": "plan",
    "referral": "referral",
    "feedback": "feedback",
    "visit": "return_visit",
}
# Top-level keys of an audit event's fields holding a copied row's id or a case number.
EVENT_IDS = {**REFERENCES, "task_id": "department_task"}
EVENT_NUMBERS = ("number", "into", "duplicate")

_NUMBER = -1  # slot kind: the case number of a template case in this copy
_PREV = -2  # slot kind: the previous event's hash
_SLOT = re.compile('"\ue000(\\d+)\ue001"')


def copies_for(cases: int) -> tuple[int, int]:
    """``(copies, stories)``: how many copies of how many simulated stories make ``cases``."""
    copies = -(-cases // TEMPLATE_CASES)
    return copies, -(-cases // copies)


@dataclass
class TemplateCase:
    """What the copies need to know of one simulated case."""

    id: int
    number: str
    merged: bool  # merged into another case, or another merged into it


@dataclass
class _EventForm:
    """One template event as ``%`` templates, with the slots where a copy's values go.

    A slot is ``(table index, template id)`` or ``(_NUMBER, template case id)``, in the order
    the slots appear in the text. The canonical text is bytes (its Chinese encoded once) and
    ends with the previous hash; a stored text is ``None`` slots when it is the same in every copy.
    """

    id: int
    case_id: int
    staff_id: int | None
    at: str
    action: str
    version: int | None
    canonical: bytes
    canonical_slots: tuple[tuple[int, int], ...]  # the previous hash, last, is not among them
    before: str | None
    before_slots: tuple[tuple[int, int], ...] | None
    after: str | None
    after_slots: tuple[tuple[int, int], ...] | None


@dataclass
class Template:
    """The simulated cases and everything the copies are made from."""

    copies: int
    cases: list[TemplateCase] = field(default_factory=list)
    events: list[tuple[int, int, int | None, Any, str, int | None, Any, Any]] = field(default_factory=list)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # table: (first id, last id)


class Cloner:
    """Writes copies ``1 .. copies - 1`` of the template through the demo's writer."""

    def __init__(self, writer: Writer, template: Template, total: int, prefix: str, chain: tuple[int, str, int]):
        self.w = writer
        self.t = template
        self.copies = template.copies
        self.prefix_len = len(prefix) + 9  # prefix, the day's 8 digits and '-' come before the sequence
        self.tables = [*COPIED, "audit_event"]
        self.index = {name: i for i, name in enumerate(self.tables)}
        self.span = [self._span(name) for name in self.tables]
        self.number_of = {c.number: c.id for c in template.cases}
        self.seq = {c.id: self._seq(c.number) for c in template.cases}
        self.stem = {c.id: c.number[: self.prefix_len] for c in template.cases}
        over = self.copies * len(template.cases) - total
        loose = [c.id for c in template.cases if not c.merged]
        if over > len(loose):
            raise DemoRuleBroken(f"the last copy cannot leave out {over} cases")
        self.left_out = frozenset(loose[len(loose) - over :]) if over > 0 else frozenset()
        self.last_id, self.prev, self.events = chain
        self.made = 0

    def _span(self, name: str) -> int:
        lo, hi = self.t.spans.get(name, (1, 0))
        return max(hi - lo + 1, 0)

    def _seq(self, number: str) -> int:
        tail = number[self.prefix_len :]
        if number[self.prefix_len - 1] != "-" or not tail.isdigit():
            raise DemoRuleBroken(f"demo case number {number} is not prefix, day, '-', sequence")
        return int(tail)

    def _offsets(self, copy: int) -> list[int]:
        return [copy * span for span in self.span]

    # -- the rows copied in SQL

    def _number_sql(self, copy: int | str, number: str = "number") -> str:
        """The case number of copy ``copy`` (a number or an SQL expression) of the template's ``number``."""
        seq = f"CAST(substr({number}, {self.prefix_len + 1}) AS INTEGER) + {copy}"
        if self.w.sqlite:
            return f"substr({number}, 1, {self.prefix_len}) || printf('%04d', {seq})"
        return f"substr({number}, 1, {self.prefix_len}) || lpad(({seq})::text, greatest(4, length(({seq})::text)), '0')"

    def _statements(self, copy: int) -> Iterator[str]:
        """``INSERT ... SELECT`` of one copy, table by table (parents first)."""
        offsets = self._offsets(copy)
        skip = ", ".join(str(i) for i in sorted(self.left_out)) if copy == self.copies - 1 else ""
        for name in COPIED:
            lo, hi = self.t.spans.get(name, (1, 0))
            if hi < lo:
                continue
            exprs = []
            for col in COLUMNS[name]:
                if col == "id":
                    exprs.append(f"id + {offsets[self.index[name]]}")
                elif col in REFERENCES:
                    exprs.append(f"{col} + {offsets[self.index[REFERENCES[col]]]}")
                elif name == "complaint_case" and col == "number":
                    exprs.append(self._number_sql(copy))
                else:
                    exprs.append(col)
            where = f"id BETWEEN {lo} AND {hi}"
            if skip:
                where += f" AND {'id' if name == 'complaint_case' else 'case_id'} NOT IN ({skip})"
            cols = ", ".join(COLUMNS[name])
            yield f"INSERT INTO {name} ({cols}) SELECT {', '.join(exprs)} FROM {name} WHERE {where} ORDER BY id"
        if self.w.sqlite:
            return  # the search documents of every copy at once, at the end (_search_statements)
        # The search document: the copy's number in place of the template's (its first tokens).
        lo, hi = self.t.spans["complaint_case"]
        off = offsets[self.index["complaint_case"]]
        doc = f"lower(replace({self._number_sql(copy, 'c.number')}, '-', ' ')) || substr(s.doc, length(c.number) + 1)"
        where = f"c.id BETWEEN {lo} AND {hi}" + (f" AND c.id NOT IN ({skip})" if skip else "")
        yield (
            f"INSERT INTO case_search (case_id, doc) SELECT s.case_id + {off}, {doc} "
            f"FROM case_search s JOIN complaint_case c ON c.id = s.case_id WHERE {where} ORDER BY s.case_id"
        )

    def _search_statements(self) -> Iterator[str]:
        """SQLite: the search documents of every copy in one statement, after the copies.

        The full-text index takes one long run of documents in about half the CPU time of one
        run per copy (measured: 2.5 against 4.5 CPU-seconds for 100,000), and it merges its
        segments while it goes. The template's documents (with their case numbers) are read into
        a temporary table first, so the index is not read while it is written.
        """
        lo, hi = self.t.spans["complaint_case"]
        span = self.span[self.index["complaint_case"]]
        last = self.copies - 1
        yield "DROP TABLE IF EXISTS temp.demo_doc"
        yield ("CREATE TEMP TABLE demo_doc (id INTEGER PRIMARY KEY, number TEXT, doc TEXT, left_out INTEGER)")
        skip = ", ".join(str(i) for i in sorted(self.left_out))
        left_out = f"c.id IN ({skip})" if skip else "0"
        yield (
            f"INSERT INTO temp.demo_doc SELECT s.rowid, c.number, s.doc, {left_out} FROM case_search s "
            f"JOIN complaint_case c ON c.id = s.rowid WHERE s.rowid BETWEEN {lo} AND {hi} ORDER BY s.rowid"
        )
        doc = (
            f"lower(replace({self._number_sql('copy.n', 'd.number')}, '-', ' ')) || substr(d.doc, length(d.number) + 1)"
        )
        # CROSS JOIN: copy by copy, each in id order, so the documents come in rising rowid order.
        yield (
            f"WITH RECURSIVE copy(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copy WHERE n < {last}) "
            f"INSERT INTO case_search (rowid, doc) SELECT d.id + copy.n * {span}, {doc} "
            f"FROM copy CROSS JOIN temp.demo_doc d WHERE copy.n < {last} OR NOT d.left_out"
        )
        yield "DROP TABLE temp.demo_doc"

    # -- the audit events, sealed in Python

    def _forms(self) -> list[_EventForm]:
        forms = []
        case_table = self.index["complaint_case"]
        for event_id, case_id, staff_id, at, action, version, before, after in self.t.events:
            slots: list[tuple[int, int]] = []

            def mark(kind: int, value: int, slots: list[tuple[int, int]] = slots) -> str:
                # a private-use character pair no demo text holds, quoted by the JSON encoder
                slots.append((kind, value))
                return f"\ue000{len(slots) - 1}\ue001"

            b = self._marked(before, mark)
            a = self._marked(after, mark)
            case_mark = mark(case_table, case_id)
            prev_mark = mark(_PREV, 0)  # the last slot: filled in as the chain goes
            text = canonical(prev_mark, Event(case_mark, staff_id, at, action, version, b, a)).decode()  # type: ignore[arg-type]
            canon, canon_slots = _template_of(text, slots)
            if canon_slots[-1][0] != _PREV:
                raise DemoRuleBroken("the audit chain's canonical form no longer ends with the previous hash")
            before_text, before_slots = _template_of(self.w.js(b), slots)
            after_text, after_slots = _template_of(self.w.js(a), slots)
            forms.append(
                _EventForm(
                    event_id,
                    case_id,
                    staff_id,
                    self.w.ts(at),
                    action,
                    version,
                    (canon or "").encode(),
                    canon_slots[:-1],
                    before_text,
                    before_slots or None,
                    after_text,
                    after_slots or None,
                )
            )
        return forms

    def _marked(self, fields: Mapping[str, Any] | None, mark: Callable[[int, int], str]) -> dict[str, Any] | None:
        """The event's fields with every copied id and case number replaced by a slot's mark."""
        if fields is None:
            return None
        out: dict[str, Any] = {}
        for key, value in fields.items():
            if key in EVENT_IDS and isinstance(value, int) and not isinstance(value, bool):
                out[key] = mark(self.index[EVENT_IDS[key]], value)
            elif key in EVENT_NUMBERS and isinstance(value, str) and value in self.number_of:
                out[key] = mark(_NUMBER, self.number_of[value])
            elif key in RECORD_KEYS and isinstance(value, dict):
                record = dict(value)
                for k, v in value.items():
                    table = RECORD_KEYS[key] if k == "id" else REFERENCES.get(k)
                    if table is not None and isinstance(v, int) and not isinstance(v, bool):
                        record[k] = mark(self.index[table], v)
                out[key] = record
            else:
                out[key] = value
        return out

    def _sealed(self, forms: list[_EventForm], copy: int) -> list[tuple[Any, ...]]:
        """The audit rows of one copy, chained onto the events before them."""
        offsets = self._offsets(copy)
        stem, seq = self.stem, self.seq
        numbers = {case_id: f"{stem[case_id]}{seq[case_id] + copy:04d}" for case_id in seq}
        number_bytes = {case_id: n.encode() for case_id, n in numbers.items()}
        audit_off = offsets[self.index["audit_event"]]
        case_off = offsets[self.index["complaint_case"]]
        left_out = self.left_out if copy == self.copies - 1 else frozenset()
        prev = self.prev
        prev_bytes = prev.encode()
        sha = hashlib.sha256
        rows: list[tuple[Any, ...]] = []
        add = rows.append
        last_id = self.last_id
        # The tightest loop of a large demo (one pass per event of every copy): no calls but
        # the formatting and the hash.
        for f in forms:
            if left_out and f.case_id in left_out:
                continue
            canon = f.canonical % (
                *[number_bytes[v] if k == _NUMBER else v + offsets[k] for k, v in f.canonical_slots],
                prev_bytes,
            )
            prev = sha(canon).hexdigest()
            prev_bytes = prev.encode()
            last_id = f.id + audit_off
            before, after = f.before, f.after
            if f.before_slots is not None:
                before = before % tuple(  # type: ignore[operator]
                    [numbers[v] if k == _NUMBER else v + offsets[k] for k, v in f.before_slots]
                )
            if f.after_slots is not None:
                after = after % tuple(  # type: ignore[operator]
                    [numbers[v] if k == _NUMBER else v + offsets[k] for k, v in f.after_slots]
                )
            add((last_id, f.case_id + case_off, f.staff_id, f.at, f.action, f.version, before, after, prev))
        self.prev, self.last_id = prev, last_id
        self.events += len(rows)
        return rows

    # -- the statistics

    def tallies(self, dialect: str, zone_key: str) -> str:
        """The SELECT of the statistics' tallies of the whole demo: the template's times the copies.

        A copy's cases have the template's times, codes, rooms and clocks, so they count as the
        template's do; the cases the last copy leaves out are taken off again. Two small counts
        instead of a recount of every row (``db check`` recounts them).
        """
        lo, hi = self.t.spans["complaint_case"]
        cols = ", ".join(KEY_COLUMNS)
        parts = [f"SELECT {cols}, n * {self.copies} AS n FROM template"]
        withs = [f"template ({cols}, n) AS ({contribution_sql(dialect, zone_key, f'id BETWEEN {lo} AND {hi}')})"]
        if self.left_out:
            ids = ", ".join(str(i) for i in sorted(self.left_out))
            withs.append(f"left_out ({cols}, n) AS ({contribution_sql(dialect, zone_key, f'id IN ({ids})')})")
            parts.append(f"SELECT {cols}, -n FROM left_out")
        return (
            f"WITH {', '.join(withs)} SELECT {cols}, sum(n) FROM ({' UNION ALL '.join(parts)}) AS whole "
            f"GROUP BY {cols} HAVING sum(n) <> 0"
        )

    # -- the run

    def run(self, tick: Callable[[int], None], made: int) -> tuple[int, str, int]:
        """Write every copy; the audit chain's new head ``(last id, last hash, events)``.

        Each copy's events are sealed in a thread while the database copies the copy's other
        rows (the statements run without the GIL); the events are inserted once the thread is
        done. Not while it runs: ``executemany`` lets go of the GIL at every row, and a busy
        thread then holds it for its whole switch interval each time (measured: 30 times slower).
        """
        forms = self._forms()
        per_copy = len(self.t.cases)
        self.w.trust_copies()
        for copy in range(1, self.copies):
            sealed: list[list[tuple[Any, ...]]] = []
            failed: list[BaseException] = []

            def seal(copy: int = copy, sealed: list[Any] = sealed, failed: list[BaseException] = failed) -> None:
                try:
                    sealed.append(self._sealed(forms, copy))
                except BaseException as exc:  # raised again by the writing thread
                    failed.append(exc)

            sealer = threading.Thread(target=seal, name="demo-audit-chain", daemon=True)
            sealer.start()
            try:
                for sql in self._statements(copy):
                    self.w.execute(sql)
            finally:
                sealer.join()
            if failed:
                raise failed[0]
            self.w.insert("audit_event", sealed[0])
            made += per_copy - (len(self.left_out) if copy == self.copies - 1 else 0)
            tick(made)
            if copy % COPIES_PER_COMMIT == 0:
                self.w.checkpoint()
        if self.w.sqlite and self.copies > 1:
            for sql in self._search_statements():
                self.w.execute(sql)
        return self.last_id, self.prev, self.events


def _template_of(text: str | None, slots: Sequence[tuple[int, int]]) -> tuple[str | None, tuple[tuple[int, int], ...]]:
    """``text`` as a ``%`` template and its slots in the order they appear in it.

    An id becomes a bare ``%d``; a case number and the previous hash stay quoted (``"%s"``).
    """
    if text is None:
        return None, ()
    parts = _SLOT.split(text)
    out: list[str] = []
    found: list[tuple[int, int]] = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(part.replace("%", "%%"))
        else:
            slot = slots[int(part)]
            found.append(slot)
            out.append("%d" if slot[0] >= 0 else '"%s"')
    return "".join(out), tuple(found)
