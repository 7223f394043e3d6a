"""One complaint through the whole standard, on SQLite and on PostgreSQL (S1-S4, S6.1)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, func, select

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.errors import StepRefused
from complaint_tui.models import AuditEvent, Case, OwnerUpdate, Status, StepClock
from tests.conftest import Team
from tests.helpers import intake_form


def test_complaint_from_intake_to_closed(store: Store, team: Team) -> None:
    receipt = sv.intake(store, team.desk, intake_form())
    assert receipt.number.startswith("TS") and receipt.version == 1
    cid = receipt.case_id
    v = sv.acknowledge(store, team.desk, cid, receipt.version, "phone", "已联系业主，下午上门查看").version
    v = sv.assign(store, team.supervisor, cid, v, team.handler.id).version
    v = sv.add_note(store, team.handler, cid, v, "site_inspection", "1602 卫生间防水层破损，渗水至 1502").version
    v = sv.record_finding(
        store,
        team.handler,
        cid,
        v,
        responsibility="property_company",
        cause_code="facility_fault",
        cause_text="公共管道接口老化",
        valid=True,
        validity_reason="现场属实",
        signatories="张伟；李强",
        confirmed_by_id=team.handler.id,
    ).version
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    v = sv.plan(
        store,
        team.handler,
        cid,
        v,
        measures="更换管道接口",
        deadline=deadline,
        department="engineering",
        responsible_id=team.handler.id,
        resources="水管工一名",
    ).version
    v = sv.add_task(store, team.handler, cid, v, department="engineering", what="更换接口", due_at=deadline).version
    with pytest.raises(StepRefused) as refused:
        sv.resolve(store, team.handler, cid, v)
    assert "department task" in refused.value.message("en")
    task_id = q.case_detail(store, team.handler, cid).tasks[0].id
    v = sv.finish_task(store, team.handler, cid, v, task_id=task_id, result="已更换").version
    v = sv.update_owner(store, team.handler, cid, v, channel="sms", content="维修已完成，请留意").version
    v = sv.resolve(store, team.handler, cid, v).version
    v = sv.give_feedback(
        store,
        team.desk,
        cid,
        v,
        channel="phone",
        what_done="更换管道接口",
        measures="加装防漏垫",
        result="不再渗水",
        demand_met="yes",
    ).version
    done = sv.log_return_visit(store, team.desk, cid, v, method="phone", satisfaction_score=5, outcome="close")
    assert done.status is Status.CLOSED

    detail = q.case_detail(store, team.supervisor, cid)
    assert detail.status == "closed" and detail.close_kind == "satisfied"
    assert [s.step.value for s in detail.steps] == ["first_response", "resolution", "feedback", "return_visit"]
    assert all(s.done_at is not None and s.on_time for s in detail.steps)
    with store.read() as s:
        case = s.get(Case, cid)
        assert case is not None and not case.is_open and case.closed_at is not None
        open_clocks = s.exec(
            select(func.count())
            .select_from(StepClock)
            .where(StepClock.case_id == cid, col(StepClock.done_at).is_(None))
        ).one()
        assert open_clocks == 0
        actions = s.exec(select(AuditEvent.action).where(AuditEvent.case_id == cid).order_by(col(AuditEvent.id))).all()
        receipt_rows = s.exec(
            select(OwnerUpdate).where(OwnerUpdate.case_id == cid, OwnerUpdate.kind == "receipt")
        ).all()
    assert actions == [
        "intake",
        "acknowledge",
        "assign",
        "add_note",
        "record_finding",
        "plan",
        "add_task",
        "finish_task",
        "update_owner",
        "resolve",
        "give_feedback",
        "log_return_visit",
    ]
    # S6.1: the receipt told to the owner carries the case number.
    assert receipt.number in receipt_rows[0].content


def test_search_finds_two_character_chinese_words_and_case_numbers(store: Store, team: Team) -> None:
    """FACTS: a trigram index misses 2-character words; the per-character index finds them."""
    leak = sv.intake(store, team.desk, intake_form(matter_what="楼上漏水，天花板滴水"))
    noise = sv.intake(
        store,
        team.desk,
        intake_form(phone="13900001111", room="801", category="neighbour_dispute", matter_what="楼上深夜噪音"),
    )
    drip = sv.intake(store, team.desk, intake_form(phone="13900002222", room="901", matter_what="水管漏了但没有声音"))

    def found(text: str) -> list[str]:
        return [r.number for r in q.queue_page(store, team.desk, q.QueueFilter(search=text)).rows]

    assert found("漏水") == [leak.number]
    assert found("噪音") == [noise.number]
    assert found("水漏") == []  # the characters must be adjacent and in order
    assert found(leak.number) == [leak.number]
    assert found(noise.number.lower()) == [noise.number]
    assert found("1111") == [noise.number]  # the last four digits of the phone
    assert sorted(found("3栋 漏")) == sorted([leak.number, drip.number])  # every word must match
    # Read out over the phone without the zeros, the number still finds its case.
    head, seq = leak.number.rsplit("-", 1)
    assert found(f"{head}-{int(seq)}") == [leak.number]
    # Signs alone (or FTS syntax) find nothing rather than everything, and never raise.
    for typed in ('"', "*", "-", "(", "'", "&", "<->", ":*", "\\", "AND", "NEAR("):
        assert found(typed) == [], typed
    # ...and signs around words are ignored, not taken as query syntax.
    assert found('漏水"') == found("(漏水*") == found("漏水 -") == [leak.number]
