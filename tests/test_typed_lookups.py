"""Case numbers and phones are found in the forms people type them (SPEC S6.1, S6.2).

A phone read out as ``189 9646 1821`` or ``+86-189-9646-1821`` finds the owner's cases; a case
number typed in full, in lower case, without the prefix or without the zeros finds the case, in
queue search, in the number lookup (palette) and in the merge form alike.
"""

from __future__ import annotations

import pytest

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.case_numbers import typed_case_number
from complaint_tui.db import Store
from complaint_tui.errors import NotFound
from tests.conftest import Team
from tests.helpers import intake_form


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("TS20261125-0001", "TS20261125-0001"),
        ("ts20261125-1", "TS20261125-0001"),
        ("20261125-1", "TS20261125-0001"),
        (" 20261125-0012 ", "TS20261125-0012"),
        ("TS202611250003", "TS20261125-0003"),
        ("２０２６１１２５－７", "TS20261125-0007"),  # full-width, as a Chinese input method types
        ("WY20261125-2", "WY20261125-0002"),
        ("18996461821", None),  # a phone, not a day and a sequence
        ("20261125", None),
        ("漏水", None),
    ],
)
def test_the_forms_of_a_case_number(typed: str, stored: str | None) -> None:
    assert typed_case_number(typed, "TS") == stored


def _search(store: Store, team: Team, words: str) -> set[int]:
    page = q.queue_page(store, team.supervisor, q.QueueFilter(search=words), limit=500)
    return {r.id for r in page.rows}


def test_search_finds_a_phone_however_it_is_typed(store: Store, team: Team) -> None:
    mine = [sv.intake(store, team.desk, intake_form(phone="18996461821")).case_id for _ in range(2)]
    sv.intake(store, team.desk, intake_form(phone="13812345678"))
    for typed in ("18996461821", "189 9646 1821", "189-9646-1821", "+86 189 9646 1821", "(+86)18996461821"):
        assert _search(store, team, typed) == set(mine), typed
    landline = sv.intake(store, team.desk, intake_form(phone="021-62345678")).case_id
    assert _search(store, team, "(021) 6234 5678") == {landline}
    assert _search(store, team, "189 9646 0000") == set()


def test_a_short_case_number_works_in_search_lookup_and_merge(store: Store, team: Team) -> None:
    first = sv.intake(store, team.desk, intake_form())
    dup = sv.intake(store, team.desk, intake_form())
    day, seq = first.number.removeprefix(store.policy.case_number_prefix).split("-")
    short = f"{day}-{int(seq)}"
    assert _search(store, team, short) == {first.case_id}
    assert _search(store, team, short.lower()) == {first.case_id}
    assert q.case_id_by_number(store, short) == first.case_id
    with pytest.raises(NotFound):
        q.case_id_by_number(store, f"{day}-999")
    sv.merge(store, team.supervisor, dup.case_id, dup.version, into_number=short)
    assert q.case_detail(store, team.supervisor, dup.case_id).merged_into == first.number
