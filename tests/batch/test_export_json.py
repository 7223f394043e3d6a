"""JSON Lines documents built by the database (issue 11 item 5; SPEC S4.3, S6.5) equal, byte for
byte, the documents the plain reference writer of test_export_bytes makes from the ORM's rows
(``json.dumps(ensure_ascii=False)``), on SQLite and PostgreSQL: masked and full phones, filters,
a zone with summer time, every form of stored time and stored JSON, and a text holding what the
fast path uses as its mark. On SQLite the documents come from the SQL unless a value needs
Python: the tests say which cases Python built, so a fast path that quietly gave every case to
Python fails too."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from complaint_tui import export_json, exporting
from complaint_tui.db import Store
from complaint_tui.exporting import ExportFormat
from complaint_tui.models import AuditEvent, Case, StepClock
from complaint_tui.queries.queue import QueueFilter
from tests.batch.conftest import row
from tests.batch.test_export_bytes import INSTANTS, berlin, export_bytes, load, reference_jsonl, tricky_store
from tests.conftest import Team

WriteCsv = Callable[..., Path]


@pytest.fixture
def built_in_python(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the cases whose documents Python built (the SQL marked them, or the store is
    not SQLite), in the order built; small chunks, so lists and marks fall across them."""
    monkeypatch.setattr(exporting, "CHUNK", 2)
    monkeypatch.setattr(exporting, "DOCUMENT_CHUNK", 2)
    built: list[int] = []
    python_documents = exporting._documents

    def spy(*args: Any) -> Iterator[dict[str, Any]]:
        for doc in python_documents(*args):
            built.append(doc_id(args[0], doc["number"]))
            yield doc

    monkeypatch.setattr(exporting, "_documents", spy)
    return built


def doc_id(conn: Any, number: str) -> int:
    return int(conn.execute(select(Case.id).where(Case.number == number)).scalar_one())


def unseal_audit(store: Store) -> None:
    """Lets this throwaway store's audit rows be rewritten (a trigger refuses it otherwise)."""
    with store.write() as s:
        if is_sqlite(store):
            s.execute(text("DROP TRIGGER IF EXISTS audit_event_append_only_update"))
        else:
            s.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))


def as_the_demo_writes(store: Store) -> None:
    """Every audit value stored compact with its characters as they are (the demo's writer);
    the services store json.dumps' default, ``\\u`` escapes and spaces."""
    unseal_audit(store)
    with store.write() as s:
        rows = s.execute(select(AuditEvent.id, AuditEvent.before, AuditEvent.after)).all()
        for event_id, before, after in rows:
            s.execute(
                text("UPDATE audit_event SET before = :b, after = :a WHERE id = :id"),
                {"b": compact(before), "a": compact(after), "id": event_id},
            )


def compact(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def is_sqlite(store: Store) -> bool:
    return store.engine.dialect.name == "sqlite"


def test_documents_from_sql_equal_the_reference(
    store: Store, team: Team, write_csv: WriteCsv, built_in_python: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """S4.3, S6.5: quotes, commas, line breaks, tabs, formula starts, Chinese, NULLs, unknown
    codes, a merged case, one case through every step (every list), masked and full phones.
    On SQLite no case needs Python once the audit values are stored as the demo stores them."""
    tricky_store(store, team, write_csv)
    as_the_demo_writes(store)
    assert export_bytes(store, ExportFormat.JSONL) == reference_jsonl(store)
    assert export_bytes(store, ExportFormat.JSONL, include_pii=True) == reference_jsonl(store, include_pii=True)
    # A centre with many staff: logins are then looked up by halving the list first.
    monkeypatch.setattr(export_json, "_LINEAR", 1)
    assert export_bytes(store, ExportFormat.JSONL) == reference_jsonl(store)
    if is_sqlite(store):
        assert built_in_python == []


def test_audit_written_by_the_services(
    store: Store, team: Team, write_csv: WriteCsv, built_in_python: list[int]
) -> None:
    """The services store Chinese in the audit as ``\\u`` escapes, which ``ensure_ascii=False``
    writes as the characters: on SQLite Python writes those values alone into the SQL's
    documents (no case is built whole), elsewhere Python builds every case; the same bytes."""
    tricky_store(store, team, write_csv)
    assert export_bytes(store, ExportFormat.JSONL) == reference_jsonl(store)
    if is_sqlite(store):
        assert built_in_python == []
    else:
        assert len(built_in_python) == len(set(built_in_python)) == 5


def lines_where(data: bytes, keep: Callable[[dict[str, Any]], bool]) -> bytes:
    return b"".join(line + b"\n" for line in data.splitlines() if keep(json.loads(line)))


def test_filters_choose_the_documents(store: Store, team: Team, write_csv: WriteCsv) -> None:
    """S4.3: an export of a category, of statuses, of a period holds exactly the reference's
    documents of the cases that match, in the same order."""
    load(store, team, write_csv, [row(n) for n in range(1, 9)])
    as_the_demo_writes(store)
    everything = reference_jsonl(store)

    def export(**chosen: Any) -> bytes:
        return export_bytes(store, ExportFormat.JSONL, filter=QueueFilter(**chosen))

    repair = export(categories=("repair",))
    assert repair and repair == lines_where(everything, lambda d: d["category"] == "repair")
    assert export(statuses=("closed",)) == b""
    with store.read() as s:
        times = sorted(s.execute(select(Case.received_at)).scalars())
    since, until = times[2], times[5]
    period = export(received_from=since, received_until=until)

    def received_between(d: dict[str, Any]) -> bool:
        return since <= dt.datetime.fromisoformat(d["received_at"]) < until

    assert period and period == lines_where(everything, received_between)


def test_times_across_changes_of_offset_in_another_zone(
    store: Store, team: Team, write_csv: WriteCsv, built_in_python: list[int]
) -> None:
    """Local ISO times with the offset of their moment in a zone with summer time, at and around
    each change, to the microsecond (written only when not zero); a time far outside the years
    a centre's cases span (1900, 2090) is converted by Python, and only its case."""
    load(store, team, write_csv, [row(n) for n in range(1, len(INSTANTS) + 1)])
    as_the_demo_writes(store)
    with store.write() as s:
        ids = list(s.execute(select(Case.id).order_by(Case.id)).scalars())
        for i, (case_id, when) in enumerate(zip(ids, INSTANTS, strict=True)):
            other = INSTANTS[(i + 3) % len(INSTANTS)]
            s.execute(update(Case).where(Case.id == case_id).values(received_at=when, closed_at=other, paused_at=when))
            s.execute(update(StepClock).where(StepClock.case_id == case_id).values(started_at=other, due_at=when))
            s.execute(update(AuditEvent).where(AuditEvent.case_id == case_id).values(at=when))
    zoned = berlin(store)
    got = export_bytes(zoned, ExportFormat.JSONL)
    assert got == reference_jsonl(zoned)
    assert '"received_at":"2026-03-29T01:59:59.999999+01:00"' in got.decode()
    assert '"received_at":"2026-03-29T03:00:00+02:00"' in got.decode()
    if is_sqlite(store):
        far = {INSTANTS.index(w) for w in INSTANTS if w.year in (1900, 2090)}
        # A case is far when one of its times is: its own instant, or the one three after it.
        expected = [case_id for i, case_id in enumerate(ids) if {i, (i + 3) % len(INSTANTS)} & far]
        assert built_in_python == expected


def test_stored_times_in_every_form(sqlite_store: Store, write_csv: WriteCsv, built_in_python: list[int]) -> None:
    """SQLite may hold a time without its microseconds or with six zeros (the same instant,
    written without a fraction) or with a fraction; at a change of offset and beside it."""
    team = Team(sqlite_store)
    load(sqlite_store, team, write_csv, [row(1), row(2), row(3)])
    as_the_demo_writes(sqlite_store)
    with sqlite_store.write() as s:
        s.execute(text("UPDATE complaint_case SET received_at = '2026-03-01 08:00:00' WHERE id = 1"))
        s.execute(text("UPDATE complaint_case SET paused_at = '2026-03-29 01:00:00.000000' WHERE id = 1"))
        s.execute(text("UPDATE complaint_case SET paused_at = '2026-03-29 00:59:59' WHERE id = 2"))
        s.execute(text("UPDATE complaint_case SET paused_at = '2026-03-29 00:59:59.000100' WHERE id = 3"))
        s.execute(text("UPDATE step_clock SET started_at = '2026-10-25 01:00:00' WHERE case_id = 2"))
    zoned = berlin(sqlite_store)
    got = export_bytes(zoned, ExportFormat.JSONL).decode()
    assert got.encode() == reference_jsonl(zoned)
    assert '"paused_at":"2026-03-29T03:00:00+02:00"' in got
    assert '"paused_at":"2026-03-29T01:59:59.000100+01:00"' in got
    assert '"started_at":"2026-10-25T02:00:00+01:00"' in got
    assert built_in_python == []


# Audit values as other writers may have stored them: whitespace, the escapes json.dumps keeps,
# numbers, nesting and plain values (the SQL minifies them); \u and \/ escapes, which
# ensure_ascii=False writes otherwise (Python writes those values into the SQL's line).
SQL_FORMS = [
    '{"a": 1, "b": [1, 2.5, -0.0, 1e+16, -7], "c": {"d": null, "e": true, "f": false}}',
    '{\n  "t": "漏水，\\"很急\\"\\n第二行\\\\ \\t\\r\\b\\f 🙂"\n}',
    "null",
    "[]",
    "{}",
    '"文字"',
    "123",
]
PYTHON_FORMS = ['{"t": "\\u6f0f\\u6c34"}', '{"t":"a\\/b"}', '{"t":"\\u0001"}', '"\\\\u"']


def test_stored_json_in_every_form(sqlite_store: Store, write_csv: WriteCsv, built_in_python: list[int]) -> None:
    """Each audit value reads as ``json.dumps(json.loads(stored), ensure_ascii=False)``."""
    team = Team(sqlite_store)
    forms = SQL_FORMS + PYTHON_FORMS
    load(sqlite_store, team, write_csv, [row(n) for n in range(1, len(forms) + 1)])
    as_the_demo_writes(sqlite_store)
    with sqlite_store.write() as s:
        for case_id, stored in enumerate(forms, 1):
            s.execute(
                text("UPDATE audit_event SET after = :v, before = NULL WHERE case_id = :c"), {"v": stored, "c": case_id}
            )
    assert export_bytes(sqlite_store, ExportFormat.JSONL) == reference_jsonl(sqlite_store)
    assert built_in_python == []


def test_a_text_holding_the_mark_is_only_built_in_python(
    store: Store, team: Team, write_csv: WriteCsv, built_in_python: list[int]
) -> None:
    """The noncharacter the SQL marks a value with, typed into a field, alone or shaped like a
    placeholder of a stored JSON value (one of the case's own, one of another case's, one the
    SQL writes itself), costs that case a Python build and changes nothing in the file."""
    load(store, team, write_csv, [row(n) for n in range(1, 6)])
    unseal_audit(store)
    with store.write() as s:  # the import refuses noncharacters; another tool may not
        first = {
            case_id: s.execute(select(func.min(AuditEvent.id)).where(AuditEvent.case_id == case_id)).scalar_one()
            for case_id in range(1, 6)
        }
        s.execute(update(AuditEvent).where(AuditEvent.id == first[5]).values(after={"a": 1}))
        typed = {
            2: "一个\uffff字",
            3: f"\uffffaudit_event.after.{first[3]}",
            4: f"\uffffaudit_event.after.{first[1]}",
            5: f"\uffffaudit_event.after.{first[5]}",
        }
        for case_id, demand in typed.items():
            s.execute(update(Case).where(Case.id == case_id).values(demand=demand))
    assert export_bytes(store, ExportFormat.JSONL) == reference_jsonl(store)
    if is_sqlite(store):
        assert built_in_python == [2, 3, 4, 5]


def test_a_zone_of_fractional_offsets_is_written_by_python(
    sqlite_store: Store, write_csv: WriteCsv, built_in_python: list[int]
) -> None:
    """SQL adds whole seconds only; a zone whose offset has microseconds (a custom tzinfo) is
    converted by Python for every case, with the same bytes."""

    class Odd(dt.tzinfo):
        def utcoffset(self, when: dt.datetime | None) -> dt.timedelta:
            return dt.timedelta(hours=8, microseconds=5)

        def dst(self, when: dt.datetime | None) -> dt.timedelta:
            return dt.timedelta(0)

        def tzname(self, when: dt.datetime | None) -> str:
            return "ODD"

    team = Team(sqlite_store)
    load(sqlite_store, team, write_csv, [row(1), row(2)])
    odd = Store(sqlite_store.engine, dataclasses.replace(sqlite_store.policy, zone=Odd()))
    assert export_bytes(odd, ExportFormat.JSONL) == reference_jsonl(odd)
    assert built_in_python == [1, 2]
