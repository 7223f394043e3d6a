"""Export (issue 4 item 1; SPEC S4.3, S6.5): columns, labels, masking, formulas, filters, formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from complaint_tui import exporting
from complaint_tui.cli import app
from complaint_tui.db import Store
from complaint_tui.errors import DeskError
from complaint_tui.exporting import (
    COLUMN_CODES,
    DOCUMENT_LISTS,
    ExportFormat,
    ExportRequest,
    export_cases,
    neutralise,
)
from complaint_tui.i18n import t
from complaint_tui.importing import apply_import, read_import_file
from complaint_tui.models import AuditEvent, Case
from complaint_tui.queries import QueueFilter, case_detail, case_id_by_number
from complaint_tui.reporting import period
from complaint_tui.services import acknowledge, add_staff
from tests.batch.conftest import full_case, row
from tests.conftest import TEAM_PINS, Team

WriteCsv = Callable[..., Path]


def load(store: Store, team: Team, write_csv: WriteCsv, rows: list[dict[str, str]]) -> None:
    apply_import(store, team.desk, read_import_file(write_csv(rows), store.policy))


def export_bytes(store: Store, fmt: ExportFormat = ExportFormat.CSV, **options: object) -> bytes:
    out = io.BytesIO()
    export_cases(store, ExportRequest(fmt, **options), out)  # type: ignore[arg-type]
    return out.getvalue()


def csv_rows(data: bytes, encoding: str = "utf-8") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def by_source(store: Store, **options: object) -> dict[str, dict[str, str]]:
    rows = csv_rows(export_bytes(store, **options))  # type: ignore[arg-type]
    return {r["source_id"]: r for r in (dict(zip(rows[0], v, strict=True)) for v in rows[1:])}


def url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_neutralise_every_formula_start() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}1+1") == f"'{start}1+1"
    assert neutralise("电梯 = 坏了") == "电梯 = 坏了" and neutralise("") == ""


def test_csv_header_is_the_documented_codes(store: Store, team: Team, write_csv: WriteCsv) -> None:
    load(store, team, write_csv, [row(1)])
    rows = csv_rows(export_bytes(store))
    assert tuple(rows[0]) == COLUMN_CODES and len(rows) == 2


def test_empty_store_exports_the_header_only(store: Store) -> None:
    assert csv_rows(export_bytes(store)) == [list(COLUMN_CODES)]


def test_times_are_in_the_centres_zone(store: Store, team: Team, write_csv: WriteCsv) -> None:
    load(store, team, write_csv, [row(1, received_at="2026-11-20 09:30:00")])
    (got,) = by_source(store).values()
    assert got["received_at"] == "2026-11-20 09:30:00"  # Asia/Shanghai, as typed; stored 01:30 UTC
    with store.read() as s:
        stored = s.execute(select(Case.received_at)).scalar_one()
    assert stored == dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_labels_give_names_and_translated_headers(store: Store, team: Team, write_csv: WriteCsv, lang: str) -> None:
    load(store, team, write_csv, [row(1, channel="hotline", category="repair", urgency="high")])
    rows = csv_rows(export_bytes(store, labels=lang))
    head = rows[0]
    assert head == [t(f"export.column.{c}", lang) for c in COLUMN_CODES]
    got = dict(zip(COLUMN_CODES, rows[1], strict=True))
    policy = store.policy
    assert got["channel"] == policy.label("channels", "hotline", lang)
    assert got["category"] == policy.label("categories", "repair", lang)
    assert got["urgency"] == policy.label("urgencies", "high", lang)
    assert got["department"] == policy.label("departments", "engineering", lang)
    assert got["status"] == t("status.received", lang)
    assert got["next_step"] == t("step.first_response", lang)
    assert got["contact_confirmed"] == t("export.yes", lang)
    assert got["number"].startswith("TS")  # values that are not codes stay as they are


def test_phone_masked_unless_personal_data_is_asked_for(store: Store, team: Team, write_csv: WriteCsv) -> None:
    """S6.5: 138****5678 in an export unless --include-pii."""
    load(store, team, write_csv, [row(1, phone="13812345678"), row(2, phone="021-62345678")])
    masked = by_source(store)
    assert masked["PAPER-0001"]["phone"] == "138****5678"
    assert masked["PAPER-0002"]["phone"] == "021-****5678"
    full = by_source(store, include_pii=True)
    assert (full["PAPER-0001"]["phone"], full["PAPER-0002"]["phone"]) == ("13812345678", "021-62345678")
    docs = [json.loads(line) for line in export_bytes(store, ExportFormat.JSONL).splitlines()]
    assert {d["phone"] for d in docs} == {"138****5678", "021-****5678"}


def test_include_pii_is_written_to_the_audit_trail(
    store: Store, team: Team, write_csv: WriteCsv, tmp_path: Path
) -> None:
    load(store, team, write_csv, [row(1, phone="13812345678")])
    out = tmp_path / "pii.csv"
    args = ["export", "--db", url(store), "-o", str(out), "--include-pii", "--operator", "wang", "--status", "received"]
    result = CliRunner().invoke(app, [*args, "--pin", TEAM_PINS["wang"]])  # full phones need the PIN
    assert result.exit_code == 0, result.output
    assert "13812345678" in out.read_text("utf-8")
    with store.read() as s:
        events = s.execute(select(AuditEvent).where(AuditEvent.action == "export_pii")).scalars().all()
    (event,) = events
    assert event.staff_id == team.supervisor.id and event.case_id is None
    assert event.after is not None and event.after["output"] == str(out)
    assert event.after["filter"] == {"statuses": ["received"]} and event.after["format"] == "csv"


def test_include_pii_needs_an_operator_whose_role_may_see_phones(
    store: Store, team: Team, write_csv: WriteCsv, tmp_path: Path
) -> None:
    load(store, team, write_csv, [row(1)])
    base = ["export", "--db", url(store), "-o", str(tmp_path / "x.csv"), "--include-pii"]
    no_operator = CliRunner().invoke(app, base)
    assert no_operator.exit_code == 1 and "--operator" in no_operator.stderr
    add_staff(store, team.supervisor, login="qian", name="钱", role="handler", pin_code="5791")
    handler = CliRunner().invoke(app, [*base, "--operator", "qian", "--pin", "5791"])  # handlers: own cases only
    assert handler.exit_code == 1 and "A handler may not" in handler.stderr
    assert not (tmp_path / "x.csv").exists()
    with store.read() as s:
        assert not s.execute(select(AuditEvent).where(AuditEvent.action == "export_pii")).all()


FORMULAS = {
    "owner_name": '=HYPERLINK("http://x")',
    "object_text": "+1+2",
    "matter_what": "-3+cmd|' /C calc'!A0",
    "demand": "@SUM(A1:A9)",
    "matter_state": "=1+1",
}


def test_formula_cells_neutralised_in_csv_and_xlsx(store: Store, team: Team, write_csv: WriteCsv) -> None:
    load(store, team, write_csv, [row(1, **FORMULAS)])
    got = by_source(store)["PAPER-0001"]
    for column, text in FORMULAS.items():
        assert got[column] == "'" + text
    sheet = openpyxl.load_workbook(io.BytesIO(export_bytes(store, ExportFormat.XLSX)), read_only=True).active
    head, values = list(sheet.iter_rows(values_only=True))
    cells = dict(zip(head, values, strict=True))
    for column, text in FORMULAS.items():
        assert cells[column] == "'" + text
    # Nothing in the sheet is a formula.
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active

    def text(v: object) -> str:
        if v is None:
            return ""
        if isinstance(v, dt.datetime):
            return v.strftime("%Y-%m-%d %H:%M:%S")
        return str(v)

    return [[text(v) for v in r] for r in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("labels", [None, "zh"])
def test_xlsx_holds_the_same_rows_as_the_csv(store: Store, team: Team, write_csv: WriteCsv, labels: str | None) -> None:
    load(store, team, write_csv, [row(n) for n in range(1, 8)] + [row(9, **FORMULAS)])
    number = full_case(store, team)
    csv_data = csv_rows(export_bytes(store, labels=labels))
    xlsx = _xlsx_rows(export_bytes(store, ExportFormat.XLSX, labels=labels))
    assert xlsx == csv_data and len(xlsx) == 10
    assert any(number in r for r in xlsx)


def test_xlsx_times_are_real_dates(store: Store, team: Team, write_csv: WriteCsv) -> None:
    load(store, team, write_csv, [row(1, received_at="2026-11-20 09:30:00")])
    sheet = openpyxl.load_workbook(io.BytesIO(export_bytes(store, ExportFormat.XLSX)), read_only=True).active
    head, values = list(sheet.iter_rows(values_only=True))
    assert dict(zip(head, values, strict=True))["received_at"] == dt.datetime(2026, 11, 20, 9, 30)


def test_xlsx_refuses_more_rows_than_a_sheet_holds(
    store: Store, team: Team, write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(store, team, write_csv, [row(n) for n in range(1, 5)])
    monkeypatch.setattr(exporting, "XLSX_MAX_ROWS", 3)
    with pytest.raises(DeskError) as caught:
        export_bytes(store, ExportFormat.XLSX)
    assert caught.value.key == "export.xlsx_too_many"


def test_csv_with_bom_reads_back_with_the_csv_module(store: Store, team: Team, write_csv: WriteCsv) -> None:
    load(store, team, write_csv, [row(n, matter_what=f'漏水，"很急"\n第{n}次') for n in range(1, 4)])
    plain = export_bytes(store)
    excel = export_bytes(store, excel_bom=True)
    assert excel.startswith(b"\xef\xbb\xbf") and not plain.startswith(b"\xef\xbb\xbf")
    assert csv_rows(excel, "utf-8-sig") == csv_rows(plain)
    assert csv_rows(excel, "utf-8-sig")[1][COLUMN_CODES.index("matter_what")].startswith('漏水，"很急"\n')


def test_jsonl_documents_are_complete(store: Store, team: Team, write_csv: WriteCsv) -> None:
    """One document per case holding intake, evidence metadata, notes, finding, plan, tasks,
    follow-ups, updates, feedback, visits and the audit trail, checked against case_detail."""
    number = full_case(store, team)
    load(store, team, write_csv, [row(1)])
    docs = [json.loads(line) for line in export_bytes(store, ExportFormat.JSONL).decode("utf-8").splitlines()]
    assert len(docs) == 2
    doc = next(d for d in docs if d["number"] == number)
    assert set(COLUMN_CODES) | {name for name, _ in DOCUMENT_LISTS} == set(doc)
    detail = case_detail(store, team.supervisor, case_id_by_number(store, number))
    assert (doc["status"], doc["owner_name"], doc["matter_what"]) == ("closed", "张伟", "电梯停在12层")
    assert doc["received_at"].endswith("+08:00") and doc["contact_confirmed"] is True
    pairs = {
        "evidence": detail.evidence,
        "notes": detail.notes,
        "findings": detail.findings,
        "plans": detail.plans,
        "tasks": detail.tasks,
        "follow_ups": detail.follow_ups,
        "owner_updates": detail.owner_updates,
        "contacts": detail.contacts,
        "feedback": detail.feedback,
        "return_visits": detail.visits,
        "clocks": detail.clocks,
        "audit": detail.history,
    }
    for name, items in pairs.items():
        assert items and len(doc[name]) == len(items), name
    assert len(doc["pauses"]) == 1 and doc["pauses"][0]["paused_by"] == "zhao"
    assert {e["filename"] for e in doc["evidence"]} == {"lift.jpg", "log.pdf"}
    assert all("data" not in e and len(e["sha256"]) == 64 and e["size"] > 0 for e in doc["evidence"])
    assert doc["findings"][0]["confirmed_by"] == "wang" and doc["findings"][0]["cause_code"] == "facility_fault"
    assert doc["return_visits"][0]["satisfaction"] == 5 and doc["plans"][0]["created_by"] == "li"
    assert [a["action"] for a in doc["audit"]] == [h.action for h in detail.history]
    assert doc["audit"][0]["staff"] == "zhao"
    other = next(d for d in docs if d["number"] != number)
    assert [u["kind"] for u in other["owner_updates"]] == ["receipt"] and other["notes"] == []


def test_jsonl_children_stay_with_their_case_across_chunks(
    store: Store, team: Team, write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exporting, "CHUNK", 3)
    load(store, team, write_csv, [row(n) for n in range(1, 9)])
    docs = [json.loads(line) for line in export_bytes(store, ExportFormat.JSONL).splitlines()]
    assert len(docs) == 8
    for d in docs:
        assert len(d["owner_updates"]) == 1 and d["number"] in d["owner_updates"][0]["content"]
        assert len(d["clocks"]) == 2


def test_rows_are_streamed_not_listed(store: Store, team: Team, write_csv: WriteCsv) -> None:
    load(store, team, write_csv, [row(n) for n in range(1, 4)])
    rows = exporting.case_rows(store, QueueFilter())
    assert next(rows)[0].startswith("TS")  # a generator: rows are produced one by one
    rows.close()


# --- filters ---------------------------------------------------------------------------------

FILTER_ROWS = [
    row(1, category="repair", urgency="high", channel="hotline", building="1栋"),
    row(2, category="complaint", urgency="normal", channel="wechat", building="2栋"),
    row(3, category="environment", urgency="low", channel="email", building="2栋"),
    row(4, category="repair", urgency="normal", channel="owner_app", building="3栋"),
    row(5, category="other", urgency="high", channel="front_desk", building="1栋"),
    row(6, category="complaint", urgency="low", channel="hotline", building="4栋", received_at=""),
]
DEPARTMENT = {
    "repair": "engineering",
    "complaint": "customer_service",
    "environment": "environment",
    "other": "customer_service",
}


def _received_day(r: dict[str, str]) -> dt.date:
    return dt.date.fromisoformat(r["received_at"][:10]) if r["received_at"] else dt.date.max


FILTERS: dict[str, tuple[dict[str, object], Callable[[dict[str, str]], bool]]] = {
    "status": ({"statuses": ("investigating",)}, lambda r: r["source_id"] == "PAPER-0002"),
    "category": ({"categories": ("repair", "other")}, lambda r: r["category"] in ("repair", "other")),
    "urgency": ({"urgencies": ("high",)}, lambda r: r["urgency"] == "high"),
    "department": ({"departments": ("engineering",)}, lambda r: DEPARTMENT[r["category"]] == "engineering"),
    "building": ({"buildings": ("2栋", "4栋")}, lambda r: r["building"] in ("2栋", "4栋")),
    "channel": ({"channels": ("hotline",)}, lambda r: r["channel"] == "hotline"),
    # Every row but the one received just now is long past its first-response time.
    "overdue": ({"overdue": True}, lambda r: r["received_at"] != ""),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter(store: Store, team: Team, write_csv: WriteCsv, name: str) -> None:
    load(store, team, write_csv, FILTER_ROWS)
    cid = case_id_by_number(store, by_source(store)["PAPER-0002"]["number"])
    acknowledge(store, team.desk, cid, 1, "phone", "已收到")
    options, expected = FILTERS[name]
    got = by_source(store, filter=QueueFilter(**options))  # type: ignore[arg-type]
    assert set(got) == {r["source_id"] for r in FILTER_ROWS if expected(r)}
    assert got  # every filter above matches something


def test_since_and_until_are_whole_local_days(store: Store, team: Team, write_csv: WriteCsv) -> None:
    load(store, team, write_csv, FILTER_ROWS)
    days = sorted({_received_day(r) for r in FILTER_ROWS if r["received_at"]})
    since, until = days[1], days[-2]
    start, end = period(since, until, store.policy.zone)
    got = by_source(store, filter=QueueFilter(received_from=start, received_until=end))
    assert set(got) == {r["source_id"] for r in FILTER_ROWS if since <= _received_day(r) <= until}


def test_cli_filters_combine_and_are_checked(store: Store, team: Team, write_csv: WriteCsv, tmp_path: Path) -> None:
    load(store, team, write_csv, FILTER_ROWS)
    out = tmp_path / "f.csv"
    args = ["export", "--db", url(store), "-o", str(out), "--category", "repair,complaint", "--urgency", "normal"]
    assert CliRunner().invoke(app, args).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert {r["source_id"] for r in rows} == {"PAPER-0002", "PAPER-0004"}
    bad = CliRunner().invoke(app, ["export", "--db", url(store), "--status", "open"])
    assert bad.exit_code == 1 and "--status: unknown code 'open'" in bad.stderr


def test_failed_export_leaves_no_file(
    store: Store, team: Team, write_csv: WriteCsv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(store, team, write_csv, [row(n) for n in range(1, 5)])
    monkeypatch.setattr(exporting, "XLSX_MAX_ROWS", 2)
    folder = tmp_path / "out"
    folder.mkdir()
    result = CliRunner().invoke(app, ["export", "--db", url(store), "-f", "xlsx", "-o", str(folder / "big.xlsx")])
    assert result.exit_code == 1 and "More cases than a spreadsheet holds" in result.stderr
    assert list(folder.iterdir()) == []  # neither the file nor its temporary part
