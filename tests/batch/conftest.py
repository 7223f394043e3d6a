"""Fixtures of the batch tests: CSV files in the import layout, and a case taken through every step.

The ``store`` and ``team`` fixtures come from tests/conftest.py (SQLite and PostgreSQL both).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from complaint_tui.db import Store
from complaint_tui.importing import IMPORT_COLUMNS
from complaint_tui.models import DepartmentTask
from complaint_tui.services import (
    EvidenceInput,
    IntakeForm,
    acknowledge,
    add_evidence,
    add_note,
    add_task,
    append_complaint,
    assign,
    finish_task,
    follow_up,
    give_feedback,
    intake,
    log_return_visit,
    pause,
    plan,
    record_finding,
    resolve,
    resume,
    update_owner,
)
from tests.conftest import Team

ZONE_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai, the default policy's zone


def received(n: int) -> str:
    """A local receipt time ``3 + n % 20`` days ago (so every first-response clock is overdue)."""
    local = (dt.datetime.now(dt.UTC) + ZONE_OFFSET - dt.timedelta(days=3 + n % 20)).replace(tzinfo=None)
    return local.replace(hour=8 + n % 10, minute=n % 60, second=0, microsecond=0).isoformat(" ")


def row(n: int, **changes: str) -> dict[str, str]:
    """A valid import row (every column), numbered ``n`` so phones, rooms and ids differ."""
    base = {
        "source_id": f"PAPER-{n:04d}",
        "received_at": received(n),
        "channel": ["hotline", "front_desk", "wechat", "owner_app", "email"][n % 5],
        "contact_confirmed": "true",
        "owner_name": f"业主{n}",
        "phone": f"139{n:08d}",
        "building": f"{1 + n % 4}栋",
        "unit": str(1 + n % 3),
        "room": f"{100 + n}",
        "object_kind": "facility",
        "object_text": "电梯",
        "object_staff_login": "",
        "matter_what": f"电梯第{n}次停运",
        "matter_when": "今天早上",
        "matter_where": "2单元",
        "matter_state": "仍然停运",
        "demand": "尽快修好",
        "category": ["repair", "complaint", "environment", "other"][n % 4],
        "urgency": ["high", "normal", "low"][n % 3],
        "estate": "main",  # the default policy's only estate
    }
    base.update(changes)
    return base


def csv_text(rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] = IMPORT_COLUMNS) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows in the import layout to a new file; returns its path."""
    counter = iter(range(1_000_000))

    def write(rows: list[dict[str, str]], columns: Any = IMPORT_COLUMNS, text: str | None = None) -> Path:
        path = tmp_path / f"import{next(counter)}.csv"
        path.write_text(text if text is not None else csv_text(rows, columns), encoding="utf-8")
        return path

    return write


def full_case(store: Store, team: Team) -> str:
    """One case taken through every step of the standard (S1-S4), so each list of its JSON
    document has at least one entry. Returns the case number."""
    now = dt.datetime.now(dt.UTC)
    t0 = now - dt.timedelta(hours=6)
    form = IntakeForm(
        channel="hotline",
        owner_name="张伟",
        phone="13812345678",
        building="3栋",
        unit="2",
        room="1502",
        object_kind="facility",
        object_text="电梯",
        matter_what="电梯停在12层",
        demand="尽快修好",
        category="repair",
        urgency="normal",
        contact_confirmed=True,
        received_at=t0,
        evidence=[EvidenceInput("photo", "业主微信", "lift.jpg", b"\xff\xd8jpeg", dt.date(2026, 11, 30))],
    )
    r = intake(store, team.desk, form, now=t0)
    cid, v = r.case_id, r.version

    def at(minutes: int) -> dt.datetime:
        return t0 + dt.timedelta(minutes=minutes)

    v = acknowledge(store, team.desk, cid, v, "phone", "已安排工程部查看", now=at(10)).version
    v = assign(store, team.supervisor, cid, v, team.handler.id, "engineering", now=at(11)).version
    v = append_complaint(store, team.desk, cid, v, channel="hotline", content="业主再次来电", now=at(12)).version
    v = pause(store, team.desk, cid, v, "等业主在家", now=at(13)).version
    v = resume(store, team.desk, cid, v, now=at(14)).version
    v = add_note(store, team.handler, cid, v, "site_inspection", "现场查看：控制板故障", now=at(20)).version
    v = add_evidence(
        store, team.handler, cid, v, [EvidenceInput("document", "维保记录", "log.pdf", b"%PDF-1.4")], now=at(21)
    ).version
    v = record_finding(
        store,
        team.handler,
        cid,
        v,
        responsibility="property_company",
        cause_code="facility_fault",
        cause_text="控制板老化",
        valid=True,
        validity_reason="设备故障属实",
        signatories="张伟、李强",
        confirmed_by_id=team.supervisor.id,
        now=at(30),
    ).version
    v = plan(
        store,
        team.handler,
        cid,
        v,
        measures="更换控制板",
        deadline=now + dt.timedelta(days=1),
        department="engineering",
        responsible_id=team.handler.id,
        now=at(40),
    ).version
    v = add_task(
        store,
        team.handler,
        cid,
        v,
        department="engineering",
        what="更换控制板",
        due_at=now + dt.timedelta(hours=5),
        now=at(41),
    ).version
    with store.read() as s:
        task_id = s.exec(select(DepartmentTask.id).where(DepartmentTask.case_id == cid)).one()
    v = finish_task(store, team.handler, cid, v, task_id=task_id, result="已更换", now=at(120)).version
    v = follow_up(store, team.supervisor, cid, v, kind="phone_check", content="电话确认已恢复", now=at(130)).version
    v = update_owner(store, team.handler, cid, v, channel="phone", content="已更换控制板", now=at(131)).version
    v = resolve(store, team.handler, cid, v, now=at(140)).version
    v = give_feedback(
        store,
        team.handler,
        cid,
        v,
        channel="phone",
        what_done="更换控制板",
        measures="更换并测试",
        result="电梯恢复运行",
        demand_met="yes",
        now=at(150),
    ).version
    log_return_visit(store, team.desk, cid, v, method="phone", satisfaction_score=5, outcome="close", now=at(200))
    return r.number
