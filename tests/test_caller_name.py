"""The caller is not always the owner (issue 8, S1.2, S1.4): a tenant, a relative or a neighbour
calls on the owner's phone. The case keeps the caller's name and phone as given at intake; the
owner's record, and so every earlier case of the owner, keeps its name; only the correction verb
changes it. On both databases: the intake, the CSV import, the case view, the search, the export
and the upgrade of a store made before migration 0011.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from alembic import command
from rich.console import Console
from sqlalchemy import text
from sqlmodel import col, select

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store, _alembic_config, check
from complaint_tui.exporting import ExportFormat, ExportRequest, export_cases
from complaint_tui.importing import apply_import, read_import
from complaint_tui.models import Case, Owner
from complaint_tui.services.correction import correct_intake
from complaint_tui.views.case import CaseView
from tests.conftest import Team
from tests.helpers import intake_form

T0 = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)  # Wednesday 10:00 in Shanghai
PHONE = "138 1234 5678"  # intake_form's phone, stored as 13812345678


def taken(store: Store, team: Team, minutes: int = 0, **changes: object) -> sv.IntakeReceipt:
    at = T0 + dt.timedelta(minutes=minutes)
    return sv.intake(store, team.desk, intake_form(received_at=at, **changes), now=at)


def owners(store: Store) -> list[tuple[str, str]]:
    with store.read() as s:
        return [(o.name, o.phone) for o in s.exec(select(Owner).order_by(col(Owner.id))).all()]


def callers(store: Store) -> list[tuple[str, str, str]]:
    """(number's day-sequence, caller_name, caller_phone) of every case, in case order."""
    with store.read() as s:
        rows = s.exec(select(Case).order_by(col(Case.id))).all()
        return [(c.number[-4:], c.caller_name, c.caller_phone) for c in rows]


def overview(store: Store, team: Team, case_id: int, lang: str, tab: str = "overview") -> str:
    """A pane of the case view (the overview unless ``tab``) as the screen prints it, in plain text."""
    d = q.case_detail(store, team.supervisor, case_id, now=T0)
    console = Console(width=160, record=True, file=io.StringIO())
    console.print(CaseView(store.policy, lang, T0, {}).pane(tab, d))
    return console.export_text()


def found(store: Store, team: Team, words: str) -> set[int | None]:
    page = q.queue_page(store, team.supervisor, q.QueueFilter(search=words), now=T0)
    return {row.id for row in page.rows}


def test_a_call_with_a_known_phone_and_another_name_keeps_the_owner_and_shows_the_caller(
    store: Store, team: Team
) -> None:
    """S1.4: the tenant 李明 calls on 张伟's phone. 张伟 stays the owner, of the earlier case too;
    the new case shows 李明 as the caller beside the owner, and the earlier case shows no caller
    (it was the owner who called). The caller's name finds the case, the owner's finds both."""
    first = taken(store, team)
    second = taken(store, team, minutes=30, owner_name="李明", matter_what="楼道灯不亮")
    assert owners(store) == [("张伟", "13812345678")]
    assert callers(store) == [("0001", "张伟", "13812345678"), ("0002", "李明", "13812345678")]
    assert q.case_detail(store, team.supervisor, first.case_id).owner_name == "张伟"
    shown = overview(store, team, second.case_id, "zh")
    assert re.search(r"业主姓名 +张伟", shown) and re.search(r"来电人 +李明", shown)
    assert re.search(r"Caller +李明", overview(store, team, second.case_id, "en"))
    earlier = overview(store, team, first.case_id, "zh")
    assert re.search(r"业主姓名 +张伟", earlier) and "来电人" not in earlier
    assert found(store, team, "李明") == {second.case_id}
    assert found(store, team, "张伟") == {first.case_id, second.case_id}
    # The history tab: the intake line names the caller who was not the owner, and only that one.
    assert "来电人：李明" in overview(store, team, second.case_id, "zh", "history")
    assert "Caller" not in overview(store, team, first.case_id, "en", "history")


def test_only_the_correction_verb_renames_the_owner(store: Store, team: Team) -> None:
    """S1.4: correcting the owner's name on a case the owner called about renames the owner (of
    every case, each found by the new name) and that case's caller; a case another person called
    about keeps its caller."""
    own = taken(store, team)
    tenant = taken(store, team, minutes=30, owner_name="李明")
    record = {
        "phone": None,
        "building": "3栋",
        "unit": "2",
        "room": "1502",
        "object_text": "卫生间天花板",
        "matter_what": "楼上漏水，天花板滴水",
        "matter_when": "昨晚十点起",
        "matter_where": "主卫",
        "matter_state": "仍在滴水",
        "demand": "尽快维修并查明原因",
    }
    correct_intake(store, team.supervisor, own.case_id, own.version, owner_name="张玮", **record, now=T0)  # type: ignore[arg-type]
    assert owners(store) == [("张玮", "13812345678")]
    assert callers(store) == [("0001", "张玮", "13812345678"), ("0002", "李明", "13812345678")]
    assert q.case_detail(store, team.supervisor, tenant.case_id).owner_name == "张玮"
    assert found(store, team, "张玮") == {own.case_id, tenant.case_id}  # the owner's every case
    assert found(store, team, "张伟") == set()


def test_the_import_keeps_each_rows_caller_and_never_renames_an_owner(store: Store, team: Team) -> None:
    """The CSV import writes what the desk's intakes would, one by one: a known owner keeps the
    name; a new owner is created with the first name the file gives; each case keeps its row's
    name as the caller, found by the search."""
    taken(store, team)  # 张伟 owns 13812345678
    head = (
        "source_id,channel,owner_name,phone,building,unit,room,"
        "object_kind,object_text,matter_what,demand,category,urgency,contact_confirmed"
    )
    rows = [
        "S1,hotline,李明,13812345678,3栋,2,1502,facility,楼道灯,楼道灯不亮,尽快修好,repair,normal,yes",
        "S2,hotline,周敏,13900001111,5栋,1,302,facility,电梯,电梯异响,尽快检修,repair,normal,yes",
        "S3,hotline,周敏的母亲,13900001111,5栋,1,302,facility,电梯,电梯又响了,尽快检修,repair,normal,yes",
    ]
    plan = read_import([head, *rows], store.policy, now=T0)
    assert plan.problems == []
    apply_import(store, team.desk, plan, now=T0)
    assert owners(store) == [("张伟", "13812345678"), ("周敏", "13900001111")]
    assert [c[1:] for c in callers(store)] == [
        ("张伟", "13812345678"),
        ("李明", "13812345678"),
        ("周敏", "13900001111"),
        ("周敏的母亲", "13900001111"),
    ]
    with store.read() as s:
        ids = {c.caller_name: c.id for c in s.exec(select(Case)).all()}
    assert found(store, team, "李明") == {ids["李明"]}
    assert found(store, team, "张伟") == {ids["张伟"], ids["李明"]}  # the owner's name finds the row too
    assert found(store, team, "母亲") == {ids["周敏的母亲"]}


def test_the_export_carries_the_caller_masked_like_the_phone(store: Store, team: Team) -> None:
    """S4.3 / S6.5: the CSV has the caller's name and phone; without personal data asked for,
    the caller's phone is masked as the owner's is."""
    taken(store, team, owner_name="李明")
    for pii, phone in ((True, "13812345678"), (False, "138****5678")):
        out = io.BytesIO()
        export_cases(store, ExportRequest(ExportFormat.CSV, include_pii=pii), out, now=T0)
        (row,) = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
        assert (row["owner_name"], row["caller_name"], row["caller_phone"]) == ("李明", "李明", phone)
        assert row["phone"] == phone


def test_an_upgraded_store_gives_each_case_its_owner_as_the_caller(store: Store, team: Team) -> None:
    """Migration 0011 on a store made before it: each case's caller is its owner as the owner is
    now (the name given at an earlier intake was never kept), and ``db check`` is content."""
    taken(store, team)
    taken(store, team, minutes=30, phone="13900001111", owner_name="周敏")
    cfg = _alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
        conn.execute(text("UPDATE owner SET name = '周敏敏' WHERE phone = '13900001111'"))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert callers(store) == [("0001", "张伟", "13812345678"), ("0002", "周敏敏", "13900001111")]
    report = check(store, [2026])
    assert report.revision == "0011" and report.integrity == [] and report.audit.ok
