"""The export's files equal, byte for byte, what a plain reference writer in this test makes from
the stored rows (issue 11 item 5; SPEC S4.3, S6.5): CSV quoting, formula starts neutralised,
NULLs, Chinese, codes or their names, logins, masked or full phones, and local times in the
centre's zone, across changes of offset and far outside the usual years, on SQLite and
PostgreSQL. The reference reads the rows through the ORM and writes them with ``csv.writer``;
it shares no code with the export."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import aliased
from sqlmodel import SQLModel

from complaint_tui import export_lines, exporting
from complaint_tui.db import Store
from complaint_tui.exporting import ExportFormat, ExportRequest, export_cases
from complaint_tui.i18n import t
from complaint_tui.importing import apply_import, read_import_file
from complaint_tui.models import Case, Owner, Room, Staff
from complaint_tui.validation import mask_phone
from tests.batch.conftest import full_case, row
from tests.conftest import Team

WriteCsv = Callable[..., Path]

# The documented columns (README), in file order, and where each value comes from.
TEXT, CODE, TIME, INT, BOOL, STAFF, PHONE = "text", "code", "time", "int", "bool", "staff", "phone"
COLUMNS: list[tuple[str, str, str]] = [
    ("number", TEXT, "case.number"),
    ("source_id", TEXT, "case.source_id"),
    ("received_at", TIME, "case.received_at"),
    ("channel", CODE, "policy:channels"),
    ("received_by", STAFF, "case.received_by_id"),
    ("contact_confirmed", BOOL, "case.contact_confirmed"),
    ("owner_name", TEXT, "owner.name"),
    ("phone", PHONE, "owner.phone"),
    ("building", TEXT, "room.building"),
    ("unit", TEXT, "room.unit"),
    ("room", TEXT, "room.room"),
    ("object_kind", CODE, "object_kind"),
    ("object_text", TEXT, "case.object_text"),
    ("object_staff_login", STAFF, "case.object_staff_id"),
    ("matter_what", TEXT, "case.matter_what"),
    ("matter_when", TEXT, "case.matter_when"),
    ("matter_where", TEXT, "case.matter_where"),
    ("matter_state", TEXT, "case.matter_state"),
    ("demand", TEXT, "case.demand"),
    ("category", CODE, "policy:categories"),
    ("urgency", CODE, "policy:urgencies"),
    ("status", CODE, "status"),
    ("department", CODE, "policy:departments"),
    ("assignee", STAFF, "case.assignee_id"),
    ("next_step", CODE, "step"),
    ("next_due_at", TIME, "case.next_due_at"),
    ("cycle", INT, "case.cycle"),
    ("reopen_count", INT, "case.reopen_count"),
    ("append_count", INT, "case.append_count"),
    ("chase_count", INT, "case.chase_count"),
    ("paused_at", TIME, "case.paused_at"),
    ("closed_at", TIME, "case.closed_at"),
    ("close_kind", CODE, "close_kind"),
    ("close_reason", TEXT, "case.close_reason"),
    ("withdrawn_reason", TEXT, "case.withdrawn_reason"),
    ("owner_rejects_decision", BOOL, "case.owner_rejects_decision"),
    ("external_recourse", TEXT, "case.external_recourse"),
    ("merged_into", TEXT, "merged"),
    ("updated_at", TIME, "case.updated_at"),
    ("estate", CODE, "policy:estates"),
    ("caller_name", TEXT, "case.caller_name"),
    ("caller_phone", PHONE, "case.caller_phone"),
]


def apostrophe(value: str) -> str:
    """OWASP: a cell starting with = + - @ tab or CR gets a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") and value else value


def reference_cells(store: Store, labels: str | None = None, include_pii: bool = False) -> list[list[Any]]:
    """The header and one list of cells per case, by id, straight from the ORM's objects
    (times as local naive datetimes, to the second, for the XLSX comparison)."""
    zone, policy = store.policy.zone, store.policy
    merged = aliased(Case)
    with store.read() as s:
        logins: dict[int, str] = dict(s.execute(select(Staff.id, Staff.login)).all())  # type: ignore[arg-type]
        rows = s.execute(
            select(Case, Owner, Room, merged.number)
            .join(Owner, Owner.id == Case.owner_id)
            .join(Room, Room.id == Case.room_id)
            .outerjoin(merged, merged.id == Case.merged_into_id)
            .order_by(Case.id)
        ).all()
    head = [t(f"export.column.{code}", labels) if labels else code for code, _, _ in COLUMNS]
    out: list[list[Any]] = [head]
    for case, owner, room, merged_number in rows:
        objects = {"case": case, "owner": owner, "room": room}
        cells: list[Any] = []
        for code, kind, source in COLUMNS:
            if kind == CODE:
                value = getattr(case, code)
                if not value:
                    cells.append("")
                elif not labels:
                    cells.append(value)
                elif source.startswith("policy:"):
                    named = getattr(policy, source.removeprefix("policy:")).get(value)
                    cells.append(apostrophe(named.label(labels) if named else value))
                else:
                    cells.append(apostrophe(t(f"{source}.{value}", labels)))
                continue
            if source == "merged":
                value = merged_number
            else:
                name, attr = source.split(".")
                value = getattr(objects[name], attr)
            if kind == TEXT:
                cells.append(apostrophe(value or ""))
            elif kind == TIME:
                cells.append(None if value is None else value.astimezone(zone).replace(tzinfo=None, microsecond=0))
            elif kind == INT:
                cells.append(value)
            elif kind == BOOL:
                word = ("export.yes" if value else "export.no") if labels else ("true" if value else "false")
                cells.append(t(word, labels) if labels else word)
            elif kind == STAFF:
                cells.append(logins.get(value, "") if value is not None else "")
            else:
                cells.append(apostrophe(value if include_pii else mask_phone(value)))
        out.append(cells)
    return out


def reference_csv(store: Store, labels: str | None = None, include_pii: bool = False, bom: bool = False) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for cells in reference_cells(store, labels, include_pii):
        writer.writerow(["" if c is None else str(c) for c in cells])
    return ("\ufeff" if bom else "").encode() + buf.getvalue().encode("utf-8")


def export_bytes(store: Store, fmt: ExportFormat = ExportFormat.CSV, **options: Any) -> bytes:
    out = io.BytesIO()
    export_cases(store, ExportRequest(fmt, **options), out)
    return out.getvalue()


def load(store: Store, team: Team, write_csv: WriteCsv, rows: list[dict[str, str]]) -> None:
    apply_import(store, team.desk, read_import_file(write_csv(rows), store.policy))


TRICKY = [
    row(1, owner_name='=HYPERLINK("http://x")', matter_what='漏水，"很急"\n第二行', demand="a, b, c"),
    row(2, object_text="+1+2", matter_where="-3+cmd|' /C calc'!A0", matter_state="@SUM(A1:A9)", phone="021-62345678"),
    row(3, matter_what="楼上\r\n漏水", demand='"引号"开头', matter_when="昨天, 晚上"),
    row(4, owner_name="王芳", matter_what="普通的中文，没有特殊字符", phone="13812345678"),
]


def tricky_store(store: Store, team: Team, write_csv: WriteCsv) -> None:
    """Rows with quotes, commas, line breaks, formula starts, Chinese and NULLs, one taken
    through every step, then values only the database can hold set directly."""
    load(store, team, write_csv, TRICKY)
    full_case(store, team)
    with store.write() as s:
        ids = list(s.execute(select(Case.id).order_by(Case.id)).scalars())
        s.execute(update(Case).where(Case.id == ids[0]).values(close_reason="\tTab", external_recourse="=1,2"))
        s.execute(update(Case).where(Case.id == ids[1]).values(status="mystery", department="", category="zz"))
        s.execute(update(Case).where(Case.id == ids[2]).values(withdrawn_reason='\r"x"', merged_into_id=ids[0]))
        s.execute(update(Case).where(Case.id == ids[3]).values(source_id=None))


def test_csv_equals_the_reference(
    store: Store, team: Team, write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S4.3, S6.5: the same bytes as csv.writer over the stored rows, with codes or names in
    either language, masked or full phones, unknown codes and empty ones, with Excel's BOM."""
    tricky_store(store, team, write_csv)
    assert export_bytes(store) == reference_csv(store)
    assert export_bytes(store, labels="zh", include_pii=True) == reference_csv(store, "zh", include_pii=True)
    assert export_bytes(store, labels="en", excel_bom=True) == reference_csv(store, "en", bom=True)
    # A centre with many staff: logins are then looked up by halving the list first.
    monkeypatch.setattr(export_lines, "_LINEAR", 1)
    assert export_bytes(store) == reference_csv(store)
    # A centre whose policy names a category like a formula: the name gets its apostrophe.
    categories = dict(store.policy.categories)
    categories["repair"] = dataclasses.replace(categories["repair"], zh="=维修")
    odd = Store(store.engine, dataclasses.replace(store.policy, categories=categories))
    assert export_bytes(odd, labels="zh") == reference_csv(odd, "zh")


def test_chunks_mixing_plain_and_quoted_lines(
    store: Store, team: Team, write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of three: some all plain, some with a line that needs quotes or an apostrophe in
    any position, each for one reason only (a comma, a quote, a line break, a formula start)."""
    monkeypatch.setattr(exporting, "CHUNK", 3)
    odd = [("demand", "a,b"), ("demand", 'x"y'), ("matter_what", "第一行\n第二行"), ("demand", "-5")]
    odd += [("demand", "=1"), ("demand", "@x"), ("demand", "+2"), ("demand", "好"), ("demand", "好")]
    rows = [row(n, **dict([odd[n % len(odd)]])) for n in range(1, 19)]
    load(store, team, write_csv, rows)
    assert export_bytes(store) == reference_csv(store)


BERLIN = ZoneInfo("Europe/Berlin")
# Around Berlin's changes of offset in 2026 (UTC 01:00 on 29 March and 25 October), to the
# microsecond; a time in 1900 and one in 2090, far outside the years a centre's cases span.
INSTANTS = [
    dt.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 1, 0, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 1, 0, 0, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 0, 59, 59, 500000, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 1, 0, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 1, 30, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 31, 23, 0, 0, tzinfo=dt.UTC),
    dt.datetime(1900, 1, 1, 12, 0, 0, tzinfo=dt.UTC),
    dt.datetime(2090, 6, 1, 12, 0, 0, tzinfo=dt.UTC),
]


def berlin(store: Store) -> Store:
    return Store(store.engine, dataclasses.replace(store.policy, zone=BERLIN))


def test_times_across_changes_of_offset_in_another_zone(store: Store, team: Team, write_csv: WriteCsv) -> None:
    """Local times in a zone with summer time, at and around each change, to the second."""
    load(store, team, write_csv, [row(n) for n in range(1, len(INSTANTS) + 1)])
    with store.write() as s:
        ids = list(s.execute(select(Case.id).order_by(Case.id)).scalars())
        for i, (case_id, when) in enumerate(zip(ids, INSTANTS, strict=True)):
            other = INSTANTS[(i + 3) % len(INSTANTS)]
            s.execute(update(Case).where(Case.id == case_id).values(received_at=when, closed_at=other, paused_at=when))
    zoned = berlin(store)
    got = export_bytes(zoned)
    assert got == reference_csv(zoned)
    assert "2026-03-29 01:59:59" in got.decode() and "2026-03-29 03:00:00" in got.decode()


def test_stored_times_without_fraction(sqlite_store: Store, write_csv: WriteCsv) -> None:
    """SQLite may hold a time written without its microseconds (by another tool): the same
    local time as with them."""
    team = Team(sqlite_store)
    load(sqlite_store, team, write_csv, [row(1), row(2)])
    with sqlite_store.write() as s:
        # Received in March: the zone's change of offset is then inside the window the SQL covers.
        s.execute(text("UPDATE complaint_case SET received_at = '2026-03-01 08:00:00' WHERE id = 1"))
        s.execute(text("UPDATE complaint_case SET paused_at = '2026-03-29 01:00:00' WHERE id = 1"))
        s.execute(text("UPDATE complaint_case SET paused_at = '2026-03-29 00:59:59' WHERE id = 2"))
    zoned = berlin(sqlite_store)
    got = export_bytes(zoned).decode()
    assert ",2026-03-29 03:00:00," in got and ",2026-03-29 01:59:59," in got
    assert got.encode() == reference_csv(zoned)


def cell(v: Any) -> Any:
    return "" if v is None else v.replace("_x000D_", "\r") if isinstance(v, str) else v


def test_xlsx_cells_equal_the_reference(store: Store, team: Team, write_csv: WriteCsv) -> None:
    """The sheet holds the reference's cells: texts, numbers, and times as real local dates."""
    tricky_store(store, team, write_csv)
    for labels in (None, "zh"):
        data = export_bytes(store, ExportFormat.XLSX, labels=labels)
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
        # A carriage return is stored as the escape _x000D_ (the XLSX format), which Excel reads back.
        got = [[cell(v) for v in r] for r in sheet.iter_rows(values_only=True)]
        assert got == [[cell(v) for v in r] for r in reference_cells(store, labels)], labels


# The lists of a JSON Lines case document (README), each from its table, in the order written.
DOCUMENT = [
    ("clocks", "step_clock"),
    ("evidence", "evidence"),
    ("notes", "investigation_note"),
    ("findings", "finding"),
    ("plans", "plan"),
    ("referrals", "referral"),
    ("tasks", "department_task"),
    ("follow_ups", "follow_up"),
    ("owner_updates", "owner_update"),
    ("contacts", "case_contact"),
    ("pauses", "case_pause"),
    ("feedback", "feedback"),
    ("return_visits", "return_visit"),
    ("audit", "audit_event"),
]


def reference_jsonl(store: Store, include_pii: bool = False) -> bytes:
    """One document per case from the ORM's values: the export columns as JSON types (codes,
    logins, local ISO times with their offset), then each list's rows by id, every column but
    the case id, a staff column named without its ``_id`` and holding the login."""
    zone = store.policy.zone
    tables = SQLModel.metadata.tables

    def value(v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return v.astimezone(zone).isoformat()
        return v.isoformat() if isinstance(v, dt.date) else v

    merged = aliased(Case)
    lines = []
    with store.read() as s:
        logins: dict[int, str] = dict(s.execute(select(Staff.id, Staff.login)).all())  # type: ignore[arg-type]
        rows = s.execute(
            select(Case, Owner, Room, merged.number)
            .join(Owner, Owner.id == Case.owner_id)
            .join(Room, Room.id == Case.room_id)
            .outerjoin(merged, merged.id == Case.merged_into_id)
            .order_by(Case.id)
        ).all()
        for case, owner, room, merged_number in rows:
            objects = {"case": case, "owner": owner, "room": room}
            doc: dict[str, Any] = {}
            for code, kind, source in COLUMNS:
                if source == "merged":
                    v = merged_number
                elif "." in source:
                    name, attr = source.split(".")
                    v = getattr(objects[name], attr)
                else:
                    v = getattr(case, code)
                if kind == STAFF:
                    v = logins.get(v) if v is not None else None
                elif kind == PHONE and not include_pii:
                    v = mask_phone(v)
                elif kind == BOOL:
                    v = bool(v)
                doc[code] = value(v)
            for name, table_name in DOCUMENT:
                table = tables[table_name]
                staff = {c.name for c in table.columns if any(fk.column.table.name == "staff" for fk in c.foreign_keys)}
                items = []
                for r in s.execute(select(table).where(table.c.case_id == case.id).order_by(table.c.id)).mappings():
                    item = {}
                    for c in table.columns:
                        if c.name == "case_id":
                            continue
                        v = r[c.name]
                        if c.name in staff:
                            item[c.name.removesuffix("_id")] = logins.get(v) if v is not None else None
                        else:
                            item[c.name] = value(v)
                    items.append(item)
                doc[name] = items
            lines.append(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
    return "".join(lines).encode("utf-8")


def test_jsonl_equals_the_reference(
    store: Store, team: Team, write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S4.3: every case's document, byte for byte, with its lists and audit trail, in chunks
    that split the cases (the children must stay with their case), masked and full phones."""
    tricky_store(store, team, write_csv)
    monkeypatch.setattr(exporting, "CHUNK", 2)
    assert export_bytes(store, ExportFormat.JSONL) == reference_jsonl(store)
    assert export_bytes(store, ExportFormat.JSONL, include_pii=True) == reference_jsonl(store, include_pii=True)
