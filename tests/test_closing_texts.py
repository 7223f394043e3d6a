"""The texts of the feedback and the return visit follow the field rules (S4.1, S4.2, S6.4).

Why a demand was not met, what happens next and the external recourse told to the owner were
stored with only their spaces trimmed: NUL reached PostgreSQL and an ESC reached every later
reader. They are refused by name now, and a reason of nothing visible is no reason.
"""

from __future__ import annotations

import pytest

from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.errors import InvalidInput, StepRefused
from tests.conftest import Team
from tests.test_services import fed_back, resolved


def _feedback(store: Store, team: Team, cid: int, v: int, why: str, then: str) -> sv.CaseChange:
    return sv.give_feedback(
        store,
        team.desk,
        cid,
        v,
        channel="phone",
        what_done="维修",
        measures="更换",
        result="部分",
        demand_met="partly",
        unmet_reason=why,
        next_step=then,
    )


@pytest.mark.parametrize(
    ("why", "then", "field"), [("配件\x1b缺货", "下周", "unmet_reason"), ("缺货", "\x00", "next_step")]
)
def test_feedback_texts_with_control_characters_are_refused_by_name(
    store: Store, team: Team, why: str, then: str, field: str
) -> None:
    cid, v = resolved(store, team)
    with pytest.raises(InvalidInput) as err:
        _feedback(store, team, cid, v, why, then)
    assert [p.field for p in err.value.problems] == [field]
    assert [p.rule for p in err.value.problems] == ["control_char"]
    assert _feedback(store, team, cid, v, " 配件缺货 ", "下周\n再修").version == v + 1


def test_an_invisible_reason_is_no_reason(store: Store, team: Team) -> None:
    cid, v = resolved(store, team)
    with pytest.raises(StepRefused) as err:
        _feedback(store, team, cid, v, "\u3000 ", "下周")
    assert err.value.key == "guard.feedback_needs_reason"


def test_the_recourse_told_to_the_owner_follows_the_rules(store: Store, team: Team) -> None:
    cid, v = fed_back(store, team)
    with pytest.raises(InvalidInput) as err:
        sv.log_return_visit(
            store,
            team.desk,
            cid,
            v,
            method="phone",
            satisfaction_score=2,
            outcome="explained",
            rejects_decision=True,
            external_recourse="12345\x00热线",
        )
    assert [(p.field, p.rule) for p in err.value.problems] == [("external_recourse", "control_char")]
