"""CSV import (issue 4 item 2; SPEC S1.4, S6.1): every intake rule, all or nothing, re-import harmless."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select, text

from complaint_tui.db import Store, check, make_engine
from complaint_tui.errors import DeskError, RoleRefused
from complaint_tui.exporting import ExportFormat, ExportRequest, export_cases
from complaint_tui.importing import (
    IMPORT_COLUMNS,
    REQUIRED_COLUMNS,
    ImportRejected,
    apply_import,
    read_import,
    read_import_file,
)
from complaint_tui.models import AuditEvent, Case, OwnerUpdate, Role, StepClock
from complaint_tui.policy import default_policy
from tests.batch.conftest import csv_text, row
from tests.conftest import Team, new_store_url

WriteCsv = Callable[..., Path]


def case_count(store: Store) -> int:
    with store.read() as s:
        return int(s.execute(select(func.count()).select_from(Case)).scalar_one())


def import_file(store: Store, team: Team, path: Path, dry_run: bool = False):  # noqa: ANN201 - the summary
    return apply_import(store, team.desk, read_import_file(path, store.policy), dry_run=dry_run)


def exported_csv(store: Store, include_pii: bool = True) -> list[dict[str, str]]:
    out = io.BytesIO()
    export_cases(store, ExportRequest(ExportFormat.CSV, include_pii=include_pii), out)
    return list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))


def test_import_then_export_round_trips_every_field(store: Store, team: Team, write_csv: WriteCsv) -> None:
    """S1.4: every column of the import layout comes back unchanged in the export."""
    rows = [row(n) for n in range(1, 7)]
    rows.append(
        row(7, object_kind="staff", object_staff_login="chen", object_text="客服人员态度", category="complaint")
    )
    rows.append(row(8, channel="wechat", contact_confirmed="false", matter_when="", matter_where="", matter_state=""))
    rows.append(row(9, channel="email", contact_confirmed="", phone="021-62345678"))
    summary = import_file(store, team, write_csv(rows))
    assert len(summary.imported) == len(rows) and not summary.skipped

    exported = {r["source_id"]: r for r in exported_csv(store)}
    assert set(exported) == {r["source_id"] for r in rows}
    for original in rows:
        got = exported[original["source_id"]]
        for column in IMPORT_COLUMNS:
            want = original[column]
            if column == "contact_confirmed":
                want = "true" if want == "true" else "false"
            assert got[column] == want, (original["source_id"], column)
        assert got["received_by"] == "zhao" and got["status"] == "received"


def test_import_normalises_like_the_form(store: Store, team: Team, write_csv: WriteCsv) -> None:
    """The same cleaning as a typed intake: phone normalised, text trimmed, yes/是 read as true."""
    rows = [row(1, phone="+86 138-0000-1111", owner_name="  张伟 ", contact_confirmed="是")]
    import_file(store, team, write_csv(rows))
    (got,) = exported_csv(store)
    assert (got["phone"], got["owner_name"], got["contact_confirmed"]) == ("13800001111", "张伟", "true")


def test_imported_cases_get_numbers_clocks_receipt_and_audit(store: Store, team: Team, write_csv: WriteCsv) -> None:
    """S6.1: rows go through the intake write, so each case is numbered, clocked, receipted and audited."""
    summary = import_file(store, team, write_csv([row(1), row(2), row(3)]))
    numbers = [c.number for c in summary.imported]
    assert len(set(numbers)) == 3 and all(n.startswith("TS") for n in numbers)
    with store.read() as s:
        ids = [s.execute(select(Case.id).where(Case.number == n)).scalar_one() for n in numbers]
        for cid, imported in zip(ids, summary.imported, strict=True):
            steps = dict(s.execute(select(StepClock.step, StepClock.due_at).where(StepClock.case_id == cid)).all())
            assert steps["first_response"] == imported.first_response_due and "resolution" in steps
            kinds = s.execute(select(OwnerUpdate.kind).where(OwnerUpdate.case_id == cid)).scalars().all()
            assert kinds == ["receipt"]
            actions = s.execute(select(AuditEvent.action).where(AuditEvent.case_id == cid)).scalars().all()
            assert actions == ["intake"]


def test_safety_rows_are_raised_to_critical_as_at_the_desk(store: Store, team: Team, write_csv: WriteCsv) -> None:
    """S6.3: the intake's own rule applies to imported rows too."""
    import_file(store, team, write_csv([row(1, category="safety", urgency="low")]))
    assert exported_csv(store)[0]["urgency"] == "critical"


def test_reimport_adds_nothing(store: Store, team: Team, write_csv: WriteCsv) -> None:
    path = write_csv([row(n) for n in range(1, 5)])
    first = import_file(store, team, path)
    again = import_file(store, team, path)
    assert case_count(store) == 4
    assert not again.imported
    assert [(c.source_id, c.number) for c in again.skipped] == [(c.source_id, c.number) for c in first.imported]


def test_partly_new_file_adds_only_the_new_rows(store: Store, team: Team, write_csv: WriteCsv) -> None:
    import_file(store, team, write_csv([row(1), row(2)]))
    summary = import_file(store, team, write_csv([row(1), row(2), row(3)]))
    assert [c.source_id for c in summary.imported] == ["PAPER-0003"] and len(summary.skipped) == 2
    assert case_count(store) == 3


def test_dry_run_writes_nothing_but_shows_numbers(store: Store, team: Team, write_csv: WriteCsv) -> None:
    path = write_csv([row(1), row(2)])
    trial = import_file(store, team, path, dry_run=True)
    assert trial.dry_run and len(trial.imported) == 2 and case_count(store) == 0
    real = import_file(store, team, path)
    assert [c.number for c in real.imported] == [c.number for c in trial.imported]


def test_import_needs_an_intake_role(store: Store, team: Team, write_csv: WriteCsv) -> None:
    with pytest.raises(RoleRefused):
        apply_import(store, team.admin, read_import_file(write_csv([row(1)]), store.policy))
    assert case_count(store) == 0


def test_import_rereads_the_operators_role_in_its_transaction(store: Store, team: Team, write_csv: WriteCsv) -> None:
    """An Operator that claims a desk clerk's role on an admin's id imports nothing."""
    claimed = dataclasses.replace(team.admin, role=Role.DESK)
    with pytest.raises(RoleRefused):
        apply_import(store, claimed, read_import_file(write_csv([row(1)]), store.policy))
    assert case_count(store) == 0


def _text_without(column: str) -> str:
    return csv_text([row(1)], [c for c in IMPORT_COLUMNS if c != column])


def _text_with_extra(column: str) -> str:
    r = row(1) | {column: "x"}
    return csv_text([r], [*IMPORT_COLUMNS, column])


# Each kind of problem the import reports: (the file, then line, column and rule of the problem).
# Row 1 of every file is valid and would import alone: nothing is written all the same.
ERROR_KINDS: dict[str, tuple[str, int, str, str]] = {
    "missing column": (_text_without("phone"), 1, "phone", "column_missing"),
    "unknown column": (_text_with_extra("phnoe"), 1, "phnoe", "column_unknown"),
    "column twice": (
        "source_id," + ",".join(IMPORT_COLUMNS) + "\n" + "X," + ",".join(row(1).values()) + "\n",
        1,
        "source_id",
        "column_twice",
    ),
    "cell count": (csv_text([row(1)]) + "PAPER-0002,2026-11-01 10:00\n", 3, "-", "cell_count"),
    "required": (csv_text([row(1), row(2, owner_name=" ")]), 3, "owner_name", "required"),
    "unknown code": (csv_text([row(1), row(2, channel="fax")]), 3, "channel", "one_of"),
    "phone": (csv_text([row(1), row(2, phone="电话")]), 3, "phone", "phone"),
    "mobile digits": (csv_text([row(1), row(2, phone="1381234567")]), 3, "phone", "mobile"),
    "address": (csv_text([row(1), row(2, building="3/栋")]), 3, "building", "address_part"),
    "datetime": (csv_text([row(1), row(2, received_at="yesterday")]), 3, "received_at", "datetime"),
    "future": (csv_text([row(1), row(2, received_at="2099-01-01 10:00")]), 3, "received_at", "not_future"),
    "boolean": (csv_text([row(1), row(2, contact_confirmed="maybe")]), 3, "contact_confirmed", "boolean"),
    "live channel unconfirmed": (
        csv_text([row(1), row(2, channel="hotline", contact_confirmed="no")]),
        3,
        "contact_confirmed",
        "contact_confirm",
    ),
    "staff subject missing": (
        csv_text([row(1), row(2, object_kind="staff")]),
        3,
        "object_staff_login",
        "staff_subject_required",
    ),
    "staff subject unknown": (
        csv_text([row(1), row(2, object_kind="staff", object_staff_login="nobody")]),
        3,
        "object_staff_login",
        "staff_unknown",
    ),
    "too long": (csv_text([row(1), row(2, object_text="长" * 201)]), 3, "object_text", "too_long"),
    "source id missing": (csv_text([row(1), row(2, source_id="")]), 3, "source_id", "required"),
    "source id twice": (csv_text([row(1), row(2, source_id="PAPER-0001")]), 3, "source_id", "source_twice"),
    "name digits": (csv_text([row(1), row(2, owner_name="12345")]), 3, "owner_name", "name_digits"),
}


@pytest.mark.parametrize("kind", list(ERROR_KINDS))
def test_every_error_kind_is_reported_with_its_line_and_nothing_is_written(
    store: Store, team: Team, write_csv: WriteCsv, kind: str
) -> None:
    text, line, column, rule = ERROR_KINDS[kind]
    path = write_csv([], text=text)
    with pytest.raises(ImportRejected) as caught:
        import_file(store, team, path)
    found = [(p.line, p.column, p.rule) for p in caught.value.problems]
    assert (line, column, rule) in found, found
    for p in caught.value.problems:
        message = p.message("en")
        assert message and not message.startswith(("rule.", "field.")) and "{" not in message
        assert p.message("zh") != message
    assert case_count(store) == 0


def test_report_names_the_value_and_every_problem_of_the_file(store: Store, team: Team, write_csv: WriteCsv) -> None:
    rows = [row(1, channel="fax"), row(2), row(3, phone="abc", urgency="soon")]
    with pytest.raises(ImportRejected) as caught:
        import_file(store, team, write_csv(rows))
    got = {(p.line, p.column, p.value) for p in caught.value.problems}
    assert got == {(2, "channel", "fax"), (4, "phone", "abc"), (4, "urgency", "soon")}
    assert "3 problem(s)" in caught.value.message("en")


def test_multiline_cells_report_the_line_where_the_row_starts(write_csv: WriteCsv) -> None:
    text = csv_text([row(1, matter_what="第一行\n第二行\n第三行"), row(2, channel="fax")])
    plan = read_import(io.StringIO(text), default_policy())
    assert [(p.line, p.column) for p in plan.problems] == [(5, "channel")]


def test_excel_file_with_bom_crlf_and_blank_lines_imports(store: Store, team: Team, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    text = csv_text([row(1), row(2)]).replace("\n", "\r\n") + ",,,\r\n\r\n"
    path.write_bytes(text.encode("utf-8-sig"))
    assert len(import_file(store, team, path).imported) == 2


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ("absent", "import.file_missing"),
        (csv_text([row(1)]).encode("gbk"), "import.not_utf8"),
        (b"", "import.empty"),
        (",".join(IMPORT_COLUMNS).encode() + b"\n", "import.empty"),
    ],
)
def test_unusable_files_are_one_clear_error(tmp_path: Path, content: object, key: str) -> None:
    path = tmp_path / "in.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(DeskError) as caught:
        read_import_file(path, default_policy())
    assert caught.value.key == key


def test_the_packaged_sample_imports(store: Store, team: Team, tmp_path: Path) -> None:
    """The documented layout's sample file (data/import_sample.csv) is itself valid."""
    sample = resources.files("complaint_tui.data").joinpath("import_sample.csv").read_bytes()
    path = tmp_path / "sample.csv"
    path.write_bytes(sample)
    assert len(import_file(store, team, path).imported) == 3


# --- properties ----------------------------------------------------------------------------

cell_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(column=st.sampled_from(IMPORT_COLUMNS), value=cell_text)
def test_any_cell_is_accepted_or_reported_at_its_line_and_column(column: str, value: str) -> None:
    """Whatever a cell holds (quotes, commas, line breaks, any script), the import never fails
    with anything but a report naming the row's line, and names the cell it did not accept."""
    text = csv_text([row(1), row(2, **{column: value})])
    plan = read_import(io.StringIO(text), default_policy())
    for p in plan.problems:
        assert p.line == 3  # row 1 is one line, the header another: row 2 starts on line 3
        # "-": the row itself, e.g. a bare carriage return the CSV reader cannot place in a cell.
        assert p.column in (*IMPORT_COLUMNS, "-")
        assert p.value == value or p.column != column
    assert len(plan.rows) + (1 if plan.problems else 0) == 2


@settings(max_examples=60, deadline=None)
@given(
    ns=st.lists(st.integers(min_value=1, max_value=9999), min_size=1, max_size=12, unique=True),
    name=st.text(st.characters(whitelist_categories=("Lo", "Lu", "Ll")), min_size=1, max_size=20),
)
def test_valid_rows_always_pass(ns: list[int], name: str) -> None:
    plan = read_import(io.StringIO(csv_text([row(n, owner_name=name) for n in ns])), default_policy())
    assert not plan.problems and [r.form.source_id for r in plan.rows] == [f"PAPER-{n:04d}" for n in ns]


def test_required_columns_are_part_of_the_layout() -> None:
    assert set(REQUIRED_COLUMNS) <= set(IMPORT_COLUMNS) and len(set(IMPORT_COLUMNS)) == len(IMPORT_COLUMNS)


def test_received_at_is_read_in_the_centres_zone() -> None:
    plan = read_import(io.StringIO(csv_text([row(1, received_at="2026-11-20 09:30")])), default_policy())
    assert plan.rows[0].clean.received_at.astimezone(dt.UTC) == dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)


# --- the bulk write (issue 7) --------------------------------------------------------------


def _table_rows(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """What the intake writes, table by table, with surrogate ids replaced by natural keys (an
    owner by phone, a room by address, a case by number, staff by login) and without the audit
    hashes: the ids of two stores may differ (PostgreSQL spends sequence values on upserts)."""
    with store.engine.connect() as conn:

        def mapping(sql: str) -> dict[object, object]:
            return {r[0]: r[1] for r in conn.execute(text(sql))}

        owners = mapping("SELECT id, phone FROM owner")
        rooms = {r[0]: (r[1], r[2], r[3]) for r in conn.execute(text("SELECT id, building, unit, room FROM room"))}
        cases = mapping("SELECT id, number FROM complaint_case")
        staff = mapping("SELECT id, login FROM staff")
        refs = {
            "owner_id": owners,
            "room_id": rooms,
            "case_id": cases,
            "merged_into_id": cases,
            "received_by_id": staff,
            "object_staff_id": staff,
            "assignee_id": staff,
            "closed_by_id": staff,
            "by_id": staff,
            "staff_id": staff,
        }

        def plain(table: str, skip: set[str], order: str) -> list[tuple[object, ...]]:
            result = conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))  # noqa: S608 - fixed names
            out = []
            for row in result.mappings():
                items = []
                for key, value in row.items():
                    if key in skip:
                        continue
                    if key in ("before", "after") and isinstance(value, str):
                        value = json.loads(value)
                    if key in ("before", "after") and isinstance(value, dict):
                        value = {k: refs[k].get(v, v) if k in refs else v for k, v in value.items()}
                        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
                    items.append((key, refs[key].get(value, value) if key in refs else value))
                out.append(tuple(items))
            return out

        search = (
            "SELECT rowid AS case_id, doc FROM case_search"
            if store.dialect == "sqlite"
            else "SELECT * FROM case_search"
        )
        tables = {
            "complaint_case": plain("complaint_case", {"id"}, "number"),
            "owner": plain("owner", {"id"}, "phone"),
            "room": plain("room", {"id"}, "building, unit, room"),
            "step_clock": plain("step_clock", {"id"}, "case_id, id"),
            "owner_update": plain("owner_update", {"id"}, "case_id, id"),
            "case_number_counter": plain("case_number_counter", set(), "day"),
            "audit_event": plain("audit_event", {"id", "hash"}, "id"),
        }
        tables["case_search"] = sorted(
            (cases[r[0]], r[1]) for r in conn.execute(text(search.replace("SELECT *", "SELECT case_id, doc")))
        )
        # The staff's own events (accounts made, sign-ins) happened at other times in each store.
        tables["audit_event"] = [e for e in tables["audit_event"] if dict(e)["action"] == "intake"]
        # Clocks and receipts in case order, then in the order they were written.
        for name in ("step_clock", "owner_update"):
            tables[name].sort(key=lambda r: str(dict(r)["case_id"]))
        return tables


def _mixed_rows() -> list[dict[str, str]]:
    """Rows that exercise every rule of the write: returning owners under a new name, shared
    rooms, a safety raise, staff subjects, several days and a row received 'now'."""
    rows = []
    for n in range(1, 41):
        changes = {"phone": f"139{n % 13:08d}", "owner_name": f"业主{n}", "room": str(100 + n % 7)}
        if n % 9 == 0:
            changes |= {"category": "safety", "urgency": "low"}
        if n % 11 == 0:
            changes |= {"object_kind": "staff", "object_staff_login": "chen", "category": "complaint"}
        if n == 17:
            changes |= {"received_at": ""}
        rows.append(row(n, **changes))
    return rows


def _seed(store: Store, team: Team, at: dt.datetime) -> None:
    """One case typed at the desk before the import: an owner, a room and a day's counter exist."""
    from complaint_tui.services import IntakeForm, intake

    form = IntakeForm(
        channel="hotline",
        owner_name="老业主",
        phone="13900000001",
        building="2栋",
        unit="3",
        room="101",
        object_kind="facility",
        object_text="电梯",
        matter_what="电梯停运",
        demand="修好",
        category="repair",
        urgency="normal",
        contact_confirmed=True,
        received_at=at,
    )
    intake(store, team.desk, form, now=at)


def test_the_bulk_write_equals_the_desks_intake_row_by_row(
    store: Store, team: Team, write_csv: WriteCsv, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """S1.4, S6.1, S6.3: importing a file in bulk leaves every intake table as the desk's own
    intake of the same rows one by one (same received_at, operator and time) leaves it."""
    from complaint_tui.services import intake

    backend = "sqlite" if store.dialect == "sqlite" else "postgresql"
    other = Store(make_engine(new_store_url(backend, tmp_path, request)), store.policy)
    try:
        other_team = Team(other)
        now = dt.datetime.now(dt.UTC).replace(microsecond=123456)
        rows = _mixed_rows()
        seeded_at = read_import(io.StringIO(csv_text(rows[:1])), store.policy).rows[0].clean.received_at
        for s, tm in ((store, team), (other, other_team)):
            _seed(s, tm, seeded_at + dt.timedelta(minutes=1))
        plan = read_import_file(write_csv(rows), store.policy, now)
        assert not plan.problems and len(plan.rows) == len(rows)

        summary = apply_import(store, team.desk, plan, now=now)
        receipts = [intake(other, other_team.desk, r.form, now=now) for r in plan.rows]

        assert [c.number for c in summary.imported] == [r.number for r in receipts]
        assert [c.first_response_due for c in summary.imported] == [r.first_response_due for r in receipts]
        bulk, single = _table_rows(store), _table_rows(other)
        assert len(bulk["complaint_case"]) == len(rows) + 1 and len(bulk["audit_event"]) == len(rows) + 1
        for table in single:
            assert bulk[table] == single[table], table
        for s in (store, other):
            report = check(s, [])
            assert report.ok, (report.integrity, report.audit)
    finally:
        other.engine.dispose()


_WRITES = ("BEGIN IMMEDIATE", "INSERT", "UPDATE", "DELETE")


def _statements(store: Store) -> list[str]:
    """Every statement the store's engine sends from now on."""
    sent: list[str] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement.strip())

    event.listen(store.engine, "before_cursor_execute", on_execute)
    return sent


def _writes(sent: list[str]) -> list[str]:
    """The statements that take a write lock (SQLite's BEGIN IMMEDIATE; row locks on PostgreSQL)."""
    return [s for s in sent if s.upper().startswith(_WRITES) or "FOR UPDATE" in s.upper()]


@pytest.mark.parametrize(
    "changes",
    [{"object_kind": "staff", "object_staff_login": "nobody"}, {"channel": "fax"}],
    ids=["staff unknown to the store", "a field rule"],
)
def test_a_rejected_file_never_takes_the_write_lock(
    store: Store, team: Team, write_csv: WriteCsv, changes: dict[str, str]
) -> None:
    """Issue 7: everything is checked before the lock; desks never wait for a file that fails."""
    sent = _statements(store)
    with pytest.raises(ImportRejected):
        import_file(store, team, write_csv([row(1), row(2, **changes)]))
    assert sent and _writes(sent) == [] and case_count(store) == 0


def test_the_write_is_bulk_statements_do_not_grow_with_the_rows(store: Store, team: Team, write_csv: WriteCsv) -> None:
    """Issue 7: under the lock a few multi-row statements, not a round of statements per row."""
    counts = []
    for start, n in ((1, 20), (101, 400)):  # both over the same 20 days: one counter update each
        sent = _statements(store)
        summary = import_file(store, team, write_csv([row(k) for k in range(start, start + n)]))
        assert len(summary.imported) == n
        writes = _writes(sent)
        counts.append(len(sent) - sent.index(writes[0]))  # from the first write to the end
    assert counts[1] == counts[0], counts


def test_a_source_id_saved_while_the_file_was_checked_is_skipped(
    store: Store, team: Team, write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The source ids are looked up again under the lock: a desk (or another import) that saved
    one of them after the check makes that row skipped, never a unique-key failure."""
    from complaint_tui import importing
    from complaint_tui.services import intake

    real_check = importing.check_against_store

    def check_then_desk_saves(store_: Store, plan: importing.ImportPlan) -> Any:
        result = real_check(store_, plan)
        intake(store_, team.desk, plan.rows[0].form)
        return result

    monkeypatch.setattr(importing, "check_against_store", check_then_desk_saves)
    summary = import_file(store, team, write_csv([row(1), row(2)]))
    assert [c.source_id for c in summary.skipped] == ["PAPER-0001"]
    assert [c.source_id for c in summary.imported] == ["PAPER-0002"]
    assert case_count(store) == 2


@pytest.mark.parametrize("typed", ["0001-01-01 10:00", "0760-05-04 08:00", "1999-12-31 23:59", "10000-01-01 00:00"])
def test_a_received_at_outside_the_years_is_a_row_error(
    store: Store, team: Team, write_csv: WriteCsv, typed: str
) -> None:
    """S1.4: a receipt time in year 1 or 760 is reported at its line, never a traceback."""
    with pytest.raises(ImportRejected) as caught:
        import_file(store, team, write_csv([row(1), row(2, received_at=typed)]))
    assert [(p.line, p.column) for p in caught.value.problems] == [(3, "received_at")]
    assert case_count(store) == 0


def test_the_receipt_tells_the_number_and_the_first_response_time(
    store: Store, team: Team, write_csv: WriteCsv
) -> None:
    """S6.1: the receipt recorded for an imported case names its number and when the first
    response is due (the first-response clock's due time, in the centre's zone)."""
    summary = import_file(store, team, write_csv([row(1), row(2, category="safety")]))
    with store.read() as s:
        for imported in summary.imported:
            cid = s.execute(select(Case.id).where(Case.number == imported.number)).scalar_one()
            due = s.execute(
                select(StepClock.due_at).where(StepClock.case_id == cid, StepClock.step == "first_response")
            ).scalar_one()
            (content,) = s.execute(select(OwnerUpdate.content).where(OwnerUpdate.case_id == cid)).scalars().all()
            local = due.astimezone(store.policy.zone).strftime("%Y-%m-%d %H:%M")
            assert imported.number in content and local in content, content
